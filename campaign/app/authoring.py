"""Write scenario files into a folder: check a text as `campaign validate` checks a file
(`check_scenario_text`), and save it there whole or not at all (`save_scenario`).

The text is written to a temporary file inside the folder and that very file is
checked by `validate`, the use case of `campaign validate`, so the messages are
the command line's (with the file name the user chose in place of the
temporary one). A valid file is then renamed onto its name (without replacing
an existing file unless asked); an invalid one is removed.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from campaign.app.catalogue import Validated, validate
from campaign.files import cannot_write
from scenarios import ScenarioError, UsageError

#: A scenario file name: no separators, no leading dot, ending in .yaml or .yml, so no path can be spelt.
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,194}\.ya?ml")


class BadFileNameError(UsageError):
    """A file name that is not a plain scenario file name (a folder, ``..``, a leading dot, another suffix)."""


class ExistingFileError(UsageError):
    """The scenario file exists already and was not to be replaced."""


def file_name_of(name: str) -> str:
    """The scenario file name for `name`: `name` itself when it ends in .yaml or .yml, else `name`.yaml.

    Raises `BadFileNameError` when the result could spell a path (``../x``, ``a/b``, ``.hidden``).
    """
    chosen = name if name.lower().endswith((".yaml", ".yml")) else f"{name}.yaml"
    if FILE_NAME.fullmatch(chosen) is None or ".." in chosen:
        raise BadFileNameError(
            f"{name!r} cannot name a scenario file: use letters, digits, '-', '_' and '.', starting with a letter "
            "or digit, without folders (my-shop or my-shop.yaml)"
        )
    return chosen


def _exists(file_name: str) -> ExistingFileError:
    return ExistingFileError(
        f"{file_name}: a scenario file of that name is already in the workspace and was left as it is; "
        "choose another name"
    )


@contextmanager
def _checked(folder: Path, file_name: str, text: str) -> Iterator[tuple[Validated, Path]]:
    """`text` written to a temporary file inside `folder` and checked by `validate`; the file is removed on
    leaving unless the block moved it."""
    target = folder / file_name
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=f".{file_name}.", suffix=".tmp")
    except OSError as error:
        raise cannot_write(target, "the scenario", error, target.exists()) from None
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        try:
            checked = validate(tmp)
        except ScenarioError as error:
            raise ScenarioError(file_name, error.problems) from None
        yield dataclasses.replace(checked, path=target), tmp
    except OSError as error:
        raise cannot_write(target, "the scenario", error, target.exists()) from None
    finally:
        tmp.unlink(missing_ok=True)


def check_scenario_text(folder: Path, file_name: str, text: str) -> Validated:
    """Check `text` as `campaign validate` checks a file `file_name` in `folder` holding it; nothing is kept.

    Raises `ScenarioError` with every problem (its source `file_name`), `BadFileNameError` for a name that is not
    a plain file name.
    """
    with _checked(folder, file_name_of(file_name), text) as (checked, _):
        return checked


def save_scenario(folder: Path, file_name: str, text: str, replace: bool = False) -> Validated:
    """Check `text` as `campaign validate` does and, when valid, write it to `folder`/`file_name` atomically.

    Without `replace` an existing file is refused (`ExistingFileError`) and stays as it is; an invalid text
    writes nothing (`ScenarioError` with every problem).
    """
    file_name = file_name_of(file_name)
    target = folder / file_name
    if not replace and (target.exists() or target.is_symlink()):
        raise _exists(file_name)
    with _checked(folder, file_name, text) as (checked, tmp):
        # mkstemp creates the file private (0600); give it the mode an ordinary file would get.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        if replace:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # fails, and replaces nothing, if the file appeared meanwhile
            except FileExistsError:
                raise _exists(file_name) from None
    return checked
