"""An output folder written whole or not at all (`-o DIR`).

The files are first written into a hidden staging folder: beside DIR when DIR
is new (then the staging folder is renamed to DIR, one atomic step), inside DIR
when it exists (then each file is renamed into place, the earlier file kept as
a hard link until all are in, and put back if any rename fails). A failure at
any point leaves DIR as it was: never a new allocation.csv beside an old
result.json. Files in DIR that are not the command's own are left alone.
Two runs writing into the same DIR take turns: the renames run under an
exclusive lock on DIR (flock, where the system has it), waited for at most
`LOCK_SECONDS`.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: How long a run waits for another run's renames into the same folder.
LOCK_SECONDS = 5.0


class FolderBusyError(OSError):
    """Another run held the output folder's lock for longer than `LOCK_SECONDS`."""


def write_folder(folder: Path, files: dict[str, str]) -> list[Path]:
    """Write each named text into `folder` (created if missing); all of them or, on an `OSError`, none."""
    real = folder.resolve() if folder.is_symlink() else folder
    for name in files:
        target = real / name
        if target.is_dir():
            raise IsADirectoryError(21, "is a folder", str(folder / name))
    if real.is_dir():
        _into_existing(real, files)
    else:
        _as_new(real, files)
    return [folder / name for name in files]


def _stage(staging: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (staging / name).write_text(text, encoding="utf-8", newline="")


def _as_new(folder: Path, files: dict[str, str]) -> None:
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".tmp"))
    try:
        _stage(staging, files)
        # mkdtemp makes the folder private (0700); give it the mode an ordinary folder would get.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)
        try:
            os.rename(staging, folder)
        except OSError as error:
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not folder.is_dir():
                raise
            # Another run created the folder meanwhile: join it as an existing folder.
            with _locked(folder):
                _swap(staging, folder, list(files))
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _into_existing(folder: Path, files: dict[str, str]) -> None:
    staging = Path(tempfile.mkdtemp(dir=folder, prefix=".campaign-", suffix=".tmp"))
    try:
        _stage(staging, files)
        with _locked(folder):
            _swap(staging, folder, list(files))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap(staging: Path, folder: Path, names: list[str]) -> None:
    """Rename each staged file onto its place; if one fails, put every earlier file back."""
    moved: list[tuple[Path, Path | None]] = []
    try:
        for name in names:
            target = folder / name
            backup = None
            if target.exists() or target.is_symlink():
                backup = staging / f"{name}.before"
                _keep(target, backup)
            os.replace(staging / name, target)
            moved.append((target, backup))
    except BaseException:
        for target, backup in reversed(moved):
            if backup is None:
                target.unlink(missing_ok=True)
            else:
                os.replace(backup, target)
        raise


def _keep(target: Path, backup: Path) -> None:
    """A second name for `target` (a hard link, or a copy where links are not possible)."""
    try:
        os.link(target, backup, follow_symlinks=False)
    except OSError:
        shutil.copy2(target, backup, follow_symlinks=False)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on `folder` for the renames (none where the system has no flock)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        deadline = time.monotonic() + LOCK_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise FolderBusyError(errno.EBUSY, "another run is writing into it", str(folder)) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)
