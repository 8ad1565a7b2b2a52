"""A one-file output (-o FILE, --xlsx FILE) where no file can be written: exit 1, one paragraph naming the file, the
system's reason and what would do, no traceback, nothing written.

Every command that writes one file through `campaign.files.atomic` is tried: calibrate, curves import, report and
pnl's workbook. The system's reason is found here independently, by trying to create a file in the same place.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from campaign.ledger import record_imports
from campaign.ledger_rows import Batch
from tests.campaign.curves_support import DATA, write_shop
from tests.campaign.test_calibrate import SCENARIO, past, rows_of  # noqa: F401 (past is a fixture)
from tests.faults.refusals import assert_refused, invoke, snapshot

MAP = ("--map", "x1=facebook", "--map", "x2=instagram")


def reason(folder: Path) -> str:
    """The system's own words for why no file can be created in `folder`."""
    try:
        descriptor = os.open(folder / ".probe-of-the-test", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except OSError as error:
        return error.strerror
    os.close(descriptor)
    os.unlink(folder / ".probe-of-the-test")
    raise AssertionError(f"{folder} takes new files")


@pytest.fixture
def commands(tmp_path: Path, past) -> dict:  # noqa: F811 (the fixture imported above)
    """Each command writing one file, as the arguments before its output option, and the file's suffix."""
    ledger = tmp_path / "ledger.sqlite"
    record_imports(ledger, [Batch(tmp_path / "made.csv", "0" * 64, "generic", "EUR", SCENARIO.name, rows_of(past))])
    shop = write_shop(tmp_path)
    curves = str(DATA / "pymc_marketing_curves.csv")
    return {
        "calibrate": (["calibrate", "cafe-chain-q1", "--ledger", str(ledger), "-o"], ".yaml"),
        "curves": (
            ["curves", "import", curves, "--scenario", str(shop), "--response", "conversions", *MAP, "-o"],
            ".yaml",
        ),
        "report": (["report", "cafe-chain-q1", "--simulate", "2", "-o"], ".html"),
        "pnl": (["pnl", "cafe-chain-q1", "--xlsx"], ".xlsx"),
    }


@pytest.mark.parametrize("command", ["calibrate", "curves", "report", "pnl"])
@pytest.mark.parametrize("as_json", [False, True])
def test_a_folder_that_takes_no_file_is_refused_before_any_work(commands, command, as_json):
    proc = Path("/proc")
    if not proc.is_dir():
        pytest.skip("no /proc on this system")
    if as_json and command == "report":
        pytest.skip("report has no --json")
    args, suffix = commands[command]
    target = proc / f"x{suffix}"
    result = invoke(*args, str(target), as_json=as_json)
    assert_refused(
        result,
        f"{target}: cannot create a file in {proc}: {reason(proc)}; nothing was written. Choose a folder you can "
        "write to",
        as_json,
    )
    assert not target.exists()


@pytest.mark.parametrize("command", ["calibrate", "curves", "report", "pnl"])
def test_a_folder_that_is_a_file_or_missing_is_refused(tmp_path, commands, command):
    args, suffix = commands[command]
    plain = tmp_path / "plain.txt"
    plain.write_text("mine\n", encoding="utf-8")
    before = snapshot(tmp_path)
    target = plain / f"x{suffix}"
    result = invoke(*args, str(target))
    assert_refused(result, f"{target}: {plain} is a file, not a folder; choose a folder you can write to")
    missing = tmp_path / "missing" / f"x{suffix}"
    result = invoke(*args, str(missing))
    assert_refused(
        result,
        f"{missing}: the folder {missing.parent} does not exist; create it first or choose a folder you can write to",
    )
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write in any folder")
@pytest.mark.parametrize("command", ["calibrate", "curves", "report", "pnl"])
def test_a_read_only_folder_is_refused(tmp_path, commands, command):
    args, suffix = commands[command]
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = invoke(*args, str(folder / f"x{suffix}"))
        assert_refused(result, f"{folder / f'x{suffix}'}: no permission to write in {folder}")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize(
    ("command", "what"),
    [("calibrate", "the calibrated scenario"), ("curves", "the scenario with the imported curves")],
)
def test_a_file_system_that_fails_at_the_rename_leaves_nothing(tmp_path, commands, monkeypatch, command, what):
    """The folder took the first file, then the disk filled up or became read-only: the same paragraph, with the
    system's reason, and nothing left behind."""
    args, suffix = commands[command]
    out = tmp_path / "out"
    out.mkdir()
    target = out / f"x{suffix}"

    def replace(source, destination):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(destination))

    monkeypatch.setattr(os, "replace", replace)
    result = invoke(*args, str(target))
    assert_refused(
        result,
        f"{target}: cannot write {what}: {os.strerror(errno.EROFS)}; nothing was written and no file was created. "
        "Choose a folder you can write to, check its permissions or free some space",
    )
    assert list(out.iterdir()) == []
