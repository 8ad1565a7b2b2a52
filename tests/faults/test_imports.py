"""Hostile and unlucky inputs to `actuals import`, `actuals show` and `reallocate`: ledgers that are not ours,
read-only or full disks, locks, concurrent imports, damaged ledgers, and exports that would crash or hang.

Every case asserts the exit code, exactly one paragraph on stderr, no traceback, valid JSON under --json,
and the file system unchanged where nothing should be written. The hostile files are generated here.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from campaign import ledger as ledger_module
from campaign import ledger_db
from campaign.ledger import APPLICATION_ID, Ledger, LedgerRow
from scenarios.library import library_path
from tests.faults.refusals import assert_refused, invoke, snapshot

EXPORTS = Path(__file__).parent.parent / "campaign" / "exports"
GENERIC = "channel,format,start,end,spend,impressions,clicks,conversions,currency\n"
SCENARIO = "cafe-chain-q1"


def import_args(ledger: Path, *files: Path | str, scenario: str = SCENARIO) -> list[str]:
    return ["actuals", "import", *map(str, files), "--scenario", scenario, "--ledger", str(ledger)]


def generic(tmp_path: Path, name: str, rows: str) -> Path:
    path = tmp_path / name
    path.write_text(GENERIC + rows, encoding="utf-8")
    return path


def good_export(tmp_path: Path, week: int = 0) -> Path:
    start = f"2027-01-{4 + 7 * week:02d}"
    end = f"2027-01-{10 + 7 * week:02d}"
    return generic(tmp_path / "in", f"week{week}.csv", f"instagram,reel,{start},{end},210.00,24400,190,17,EUR\n")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with `in/` (the exports of weeks 0 to 3, written up front) and an empty `out/`."""
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    for week in range(4):
        good_export(tmp_path, week)
    return tmp_path


# -- Ledgers that are not ours ------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize(
    ("tables", "what"),
    [
        ("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('mine')", "notes"),
        ("CREATE TABLE actuals (x INTEGER)", "actuals"),
    ],
)
def test_a_database_of_another_application_is_left_untouched(folder, tables, what, as_json):
    other = folder / "out" / "other.sqlite"
    connection = sqlite3.connect(other)
    connection.executescript(tables)
    connection.close()
    before = snapshot(folder)
    result = invoke(*import_args(other, good_export(folder)), as_json=as_json)
    assert_refused(
        result,
        f"{other}: a SQLite database, but not an actuals ledger of this tool (tables {what}); it was left "
        "untouched. A new ledger is created only where no file exists: pass --ledger with a new file name",
        as_json,
    )
    assert snapshot(folder) == before
    names = {r[0] for r in sqlite3.connect(other).execute("SELECT name FROM sqlite_master")}
    assert "imports" not in names


def test_another_application_id_or_an_empty_file_is_refused(folder):
    other = folder / "out" / "app.sqlite"
    connection = sqlite3.connect(other)
    connection.execute("PRAGMA application_id = 1234")
    connection.execute("CREATE TABLE imports (id INTEGER)")
    connection.close()
    empty = folder / "out" / "empty.sqlite"
    empty.write_bytes(b"")
    before = snapshot(folder)
    assert_refused(
        invoke(*import_args(other, good_export(folder))), "not an actuals ledger of this tool (application id 0x4d2)"
    )
    assert_refused(
        invoke(*import_args(empty, good_export(folder))),
        f"{empty}: not an actuals ledger (a SQLite database) but an empty file; it was left untouched",
    )
    assert snapshot(folder) == before


def test_a_ledger_of_a_newer_version_is_refused(folder):
    path = folder / "out" / "l.sqlite"
    with Ledger(path) as book:
        book.db.execute("PRAGMA user_version = 99")
    before = snapshot(folder)
    assert_refused(
        invoke(*import_args(path, good_export(folder))),
        f"{path}: a ledger of a newer version of this tool (schema 99, this one reads up to 1)",
    )
    assert snapshot(folder) == before


def test_a_new_ledger_carries_the_marker_and_an_unmarked_one_of_the_previous_version_is_adopted(folder):
    fresh = folder / "out" / "fresh.sqlite"
    assert invoke(*import_args(fresh, good_export(folder))).exit_code == 0
    connection = sqlite3.connect(fresh)
    assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert connection.execute("PRAGMA user_version").fetchone()[0] == ledger_db.SCHEMA_VERSION
    connection.close()
    # The previous version wrote the same tables without the marker: read as it is, marked on the next import.
    old = folder / "out" / "old.sqlite"
    connection = sqlite3.connect(old)
    connection.executescript(ledger_db.SCHEMA)
    connection.close()
    shown = invoke("actuals", "show", "--scenario", SCENARIO, "--ledger", str(old), "--json")
    assert shown.exit_code == 0, shown.output
    assert sqlite3.connect(old).execute("PRAGMA application_id").fetchone()[0] == 0  # reading writes nothing
    assert invoke(*import_args(old, good_export(folder))).exit_code == 0
    assert sqlite3.connect(old).execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


# -- A failed import creates nothing --------------------------------------------------------------------------------


@pytest.mark.parametrize("as_json", [False, True])
def test_a_refused_import_leaves_no_ledger_file_behind(folder, as_json):
    path = folder / "out" / "new.sqlite"
    before = snapshot(folder)
    result = invoke(*import_args(path, EXPORTS / "unknown.csv"), as_json=as_json)
    assert_refused(result, "not a known export format", as_json)
    assert snapshot(folder) == before


def test_a_multi_file_import_is_one_transaction(folder):
    path = folder / "out" / "l.sqlite"
    assert invoke(*import_args(path, good_export(folder, 0))).exit_code == 0
    bad = generic(folder / "in", "bad.csv", "instagram,reel,2027-06-01,2027-06-07,1,1,1,1,EUR\n")
    overlap = generic(folder / "in", "overlap.csv", "instagram,reel,2027-01-04,2027-01-17,5,5,5,5,EUR\n")
    before = snapshot(folder)
    result = invoke(*import_args(path, good_export(folder, 1), bad), as_json=True)
    assert_refused(
        result,
        "outside the scenario's horizon (2027-01-04 to 2027-04-04). Nothing was imported from any of the 2 files: "
        "they are imported together or not at all",
        as_json=True,
    )
    assert snapshot(folder) == before
    # Refused by the ledger (the second file overlaps the first): still nothing.
    result = invoke(*import_args(path, good_export(folder, 2), overlap))
    assert_refused(result, "those days would count twice; export only the days not yet imported. Nothing was")
    assert snapshot(folder) == before


# -- Read-only, full disk, locked ------------------------------------------------------------------------------------


def test_a_read_only_ledger_or_folder(folder, monkeypatch):
    path = folder / "out" / "l.sqlite"
    assert invoke(*import_args(path, good_export(folder, 0))).exit_code == 0
    # Root may write anything: the permission check is what the process is told it may do.
    access = os.access
    monkeypatch.setattr(os, "access", lambda target, mode: mode != os.W_OK and access(target, mode))
    before = snapshot(folder)
    assert_refused(
        invoke(*import_args(path, good_export(folder, 1))),
        f"{path}: cannot write the ledger: the file or its folder {path.parent} is read-only; nothing was imported. "
        "Make them writable, or import into a ledger elsewhere with --ledger PATH",
    )
    fresh = folder / "out" / "fresh.sqlite"
    assert_refused(invoke(*import_args(fresh, good_export(folder, 1))), "is read-only; nothing was imported")
    assert snapshot(folder) == before
    # Reading a read-only ledger still works.
    shown = invoke("actuals", "show", "--scenario", SCENARIO, "--ledger", str(path))
    assert shown.exit_code == 0, shown.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files")
def test_a_read_only_ledger_file_without_patching(folder):
    path = folder / "out" / "l.sqlite"
    assert invoke(*import_args(path, good_export(folder, 0))).exit_code == 0
    path.chmod(0o444)
    before = snapshot(folder)
    assert_refused(invoke(*import_args(path, good_export(folder, 1))), "is read-only; nothing was imported")
    assert snapshot(folder) == before


def test_a_full_disk_imports_nothing(folder, monkeypatch):
    path = folder / "out" / "l.sqlite"
    assert invoke(*import_args(path, good_export(folder, 0))).exit_code == 0
    connect = ledger_db.connect

    def full(target: Path, mode: str, doing: str = "open") -> sqlite3.Connection:
        # SQLite's own "disk full": the file may not grow by a single page.
        connection = connect(target, mode, doing)
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages}")
        return connection

    monkeypatch.setattr(ledger_db, "connect", full)
    days = [dt.date(2027, 1, 11) + dt.timedelta(days=i) for i in range(80)]
    many = generic(folder / "in", "many.csv", "".join(f"instagram,reel,{d},{d},1.5,1000,10,1,EUR\n" for d in days))
    before = snapshot(folder)
    assert_refused(
        invoke(*import_args(path, many), as_json=True),
        f"{path}: the disk holding the ledger is full; nothing was imported; the ledger is as it was. Free some "
        "space on it, then run the command again",
        as_json=True,
    )
    assert snapshot(folder) == before
    # A new ledger on a full disk: the failed link leaves no file, not even the temporary one.
    monkeypatch.setattr(ledger_db, "connect", connect)

    def no_space(source: Path, target: Path) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(ledger_module.os, "link", no_space)
    before = snapshot(folder)
    fresh = folder / "out" / "fresh.sqlite"
    assert_refused(invoke(*import_args(fresh, good_export(folder, 1))), f"{fresh}: the disk holding the ledger is full")
    assert snapshot(folder) == before


LOCKER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
"""


def test_a_lock_held_by_another_process(folder, monkeypatch):
    path = folder / "out" / "l.sqlite"
    assert invoke(*import_args(path, good_export(folder, 0))).exit_code == 0
    monkeypatch.setattr(ledger_db, "LOCK_SECONDS", 0.2)
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert locker.stdout is not None
        assert locker.stdout.readline().strip() == "locked"
        before = snapshot(folder)
        assert_refused(
            invoke(*import_args(path, good_export(folder, 1)), as_json=True),
            f"{path}: the ledger is locked by another process (another import writing to it) and stayed locked for "
            "0.2 s; nothing was imported. Wait for that process to finish, then run the command again",
            as_json=True,
        )
        assert_refused(invoke("actuals", "show", "--scenario", SCENARIO, "--ledger", str(path)), "is locked")
    finally:
        locker.communicate("")
    assert snapshot(folder) == before


def test_three_concurrent_imports_of_the_same_file_count_it_once(folder):
    path = folder / "out" / "l.sqlite"
    export = good_export(folder)
    command = [sys.executable, "-m", "campaign", *import_args(path, export), "--json"]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in "abc"]
    outcomes = [(p.wait(), *p.communicate()) for p in processes]
    for code, stdout, stderr in outcomes:
        assert "Traceback" not in stderr
        assert code in (0, 1), stderr
        if code == 1:  # only ever a lock held past the time limit
            assert stderr.count("\n") == 1
            assert "is locked by another process" in stderr
        else:
            json.loads(stdout)
    imported = [json.loads(out)["imported"] for code, out, _ in outcomes if code == 0]
    assert sorted(imported)[-1] == 1
    assert sum(imported) == 1
    with Ledger(path) as book:
        assert len(book.rows()) == 1
        assert len(book.imports()) == 1
    assert sorted(p.name for p in (folder / "out").iterdir()) == ["l.sqlite"]


def damaged_ledger(path: Path) -> Path:
    """A ledger of a few hundred rows whose middle pages were overwritten."""
    first = library_path(SCENARIO)
    assert first is not None
    rows = [
        LedgerRow("generic", f"campaign {i}", "", "", _day(i), _day(i), "instagram", "reel", 10.0, 1000, 10, 1)
        for i in range(400)
    ]
    with Ledger(path) as book:
        book.record(Path("x.csv"), "digest", "generic", "EUR", SCENARIO, rows)
    size = path.stat().st_size
    with open(path, "r+b") as file:
        file.seek(size // 2)
        file.write(b"\xde\xad\xbe\xef" * 2048)
    return path


def _day(i: int) -> dt.date:
    return dt.date(2027, 1, 4) + dt.timedelta(days=i % 90)


@pytest.mark.parametrize("as_json", [False, True])
def test_a_ledger_damaged_in_the_middle_is_refused_by_every_command(folder, as_json):
    path = damaged_ledger(folder / "out" / "l.sqlite")
    before = snapshot(folder)
    message = f"{path}: the ledger is damaged (SQLite's check says: "
    fix = "Restore it from a backup, or import the exports again into a new ledger with --ledger NEW_PATH"
    result = invoke(*import_args(path, good_export(folder)), as_json=as_json)
    assert_refused(result, message, as_json)
    assert fix in result.stderr
    assert "nothing was imported" in result.stderr
    assert_refused(
        invoke("actuals", "show", "--scenario", SCENARIO, "--ledger", str(path), as_json=as_json), message, as_json
    )
    assert_refused(
        invoke("reallocate", SCENARIO, "--as-of", "2027-02-01", "--ledger", str(path), as_json=as_json),
        message,
        as_json,
    )
    assert snapshot(folder) == before


def test_a_ledger_that_is_a_folder_or_a_fifo(folder):
    fifo = folder / "out" / "ledger.fifo"
    os.mkfifo(fifo)
    assert_refused(invoke(*import_args(fifo, good_export(folder))), f"{fifo}: is not a regular file")
    assert_refused(invoke(*import_args(folder / "nowhere" / "l.sqlite", good_export(folder))), "does not exist")


# -- Exports that would crash or hang -------------------------------------------------------------------------------


@pytest.mark.parametrize("as_json", [False, True])
def test_an_unterminated_quote_in_a_large_file(folder, as_json):
    rows = "".join(f"instagram,reel,2027-01-{4 + d % 7:02d},2027-01-{4 + d % 7:02d},1,1,1,1,EUR\n" for d in range(6))
    body = rows + 'instagram,"reel,2027-01-04\n' + "x" * 775_000 + "\n"
    export = generic(folder / "in", "quote.csv", body)
    path = folder / "out" / "l.sqlite"
    before = snapshot(folder)
    assert_refused(
        invoke(*import_args(path, export), as_json=as_json),
        f"{export}: line 8: a field longer than 131,072 characters (most often a quote that is never closed, so the "
        "rest of the file reads as one field); export the file again or fix that line",
        as_json,
    )
    small = generic(folder / "in", "short.csv", rows + 'instagram,"reel,2027-01-04\n')
    assert_refused(
        invoke(*import_args(path, small)),
        f"{small}: line 8: a quote that is never closed (the file ends inside a quoted field)",
    )
    assert snapshot(folder) == {**before, "in/short.csv": snapshot(folder)["in/short.csv"]}


def test_a_50_mb_field_and_a_file_over_the_size_limit(folder):
    export = folder / "in" / "huge.csv"
    with open(export, "w", encoding="utf-8") as file:
        file.write(GENERIC + "instagram,reel,2027-01-04,2027-01-10,1,1,1,1,")
        file.write("E" * 50_000_000 + "\n")
    assert_refused(
        invoke(*import_args(folder / "out" / "l.sqlite", export)),
        f"{export}: the file has {export.stat().st_size:,} bytes or more, above the limit of 33,554,432 bytes "
        "(32 MiB) for one export",
    )
    field = generic(folder / "in", "field.csv", "instagram,reel,2027-01-04,2027-01-10,1,1,1,1," + "E" * 200_000 + "\n")
    assert_refused(invoke(*import_args(folder / "out" / "l.sqlite", field)), f"{field}: line 2: a field longer than")
    assert not (folder / "out" / "l.sqlite").exists()


def test_a_device_and_a_fifo_are_refused_without_reading_them(folder):
    fifo = folder / "in" / "export.csv"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    assert_refused(
        invoke(*import_args(folder / "out" / "l.sqlite", fifo)),
        f"{fifo}: is a FIFO, not a file; save the export to a file and import that",
    )
    if Path("/dev/zero").exists():
        assert_refused(
            invoke(*import_args(folder / "out" / "l.sqlite", "/dev/zero")),
            "/dev/zero: is a device, not a file; save the export to a file and import that",
        )
    assert sorted(p.name for p in (folder / "out").iterdir()) == []


def test_figures_whose_sum_is_infinite_are_refused(folder):
    rows = (
        "instagram,reel,2027-01-04,2027-01-10,1e308,1,1,1,EUR\ninstagram,reel,2027-01-11,2027-01-17,1e308,1,1,1,EUR\n"
    )
    export = generic(folder / "in", "inf.csv", rows)
    assert_refused(
        invoke(*import_args(folder / "out" / "l.sqlite", export), as_json=True),
        f"{export}: the rows' spend adds up to more than the largest number the tool can hold (about 1.8e308); "
        "the export's figures cannot be real: export it again",
        as_json=True,
    )
    # One row at a time: the second import would make the ledger's sum infinite.
    path = folder / "out" / "l.sqlite"
    one = generic(folder / "in", "one.csv", rows.splitlines()[0] + "\n")
    two = generic(folder / "in", "two.csv", rows.splitlines()[1] + "\n")
    assert invoke(*import_args(path, one)).exit_code == 0
    before = snapshot(folder)
    assert_refused(
        invoke(*import_args(path, two)),
        f"{path}: with this import the ledger's spend would add up to more than the largest number the tool can "
        "hold; nothing was imported: check the export's figures",
    )
    assert snapshot(folder) == before


def test_an_impossible_report_start_date(folder):
    export = folder / "in" / "linkedin.csv"
    text = (
        (EXPORTS / "linkedin.csv")
        .read_text(encoding="utf-8")
        .replace("Report Start: 04/05/2027", "Report Start: 13/45/2027")
    )
    export.write_text(text, encoding="utf-8")
    assert_refused(
        invoke(*import_args(folder / "out" / "l.sqlite", export, scenario="b2b-saas-leads"), as_json=True),
        f"{export}: line 2: '13/45/2027' in the date range 'Report Start: 13/45/2027, Report End: 04/18/2027' is not "
        "a date; expected a day, a month and a year, such as January 5, 2026, 5 Jan 2026, 2026-01-05 or 01/05/2026 "
        "(month first)",
        as_json=True,
    )
    assert sorted(p.name for p in (folder / "out").iterdir()) == []


def scenario_with_mapping(folder: Path, campaign: str) -> Path:
    data = yaml.safe_load(library_path(SCENARIO).read_text(encoding="utf-8"))
    data["actuals"]["mapping"] = [
        {"platform": "tiktok", "campaign": campaign, "channel": "tiktok", "format": "spark"},
        {"platform": "tiktok", "channel": "tiktok", "format": "in_feed"},
    ]
    path = folder / "in" / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def tiktok_export(folder: Path, campaign: str) -> Path:
    path = folder / "in" / "tiktok.csv"
    path.write_text(
        "Campaign name,Date,Cost,Impressions,Clicks (destination),Conversions,Currency\n"
        f"{campaign},2027-01-11,84.20,10395,138,4,EUR\n",
        encoding="utf-8",
    )
    return path


def test_a_catastrophic_campaign_pattern_is_named_not_run_forever(folder):
    # regex matches ^(a+)+$ without blow-up, so the pattern now simply works ...
    scenario = scenario_with_mapping(folder, "^(a+)+$")
    result = invoke(
        *import_args(folder / "out" / "l.sqlite", tiktok_export(folder, "a" * 35 + "!"), scenario=str(scenario))
    )
    assert result.exit_code == 0, result.output
    # ... and a pattern that does backtrack is stopped after the time limit and named.
    # validate refuses a pattern that backtracks on repeats of a character it names ...
    scenario = scenario_with_mapping(folder, "(a|aa)+$")
    validated = invoke("validate", str(scenario))
    assert validated.exit_code == 1
    assert (
        "actuals.mapping[0].campaign: the pattern '(a|aa)+$' takes longer than 0.25 s on a name of 41 characters "
        "('a' repeated): nested or overlapping repetition such as (a+)+ or (a|aa)+ backtracks without end; write it "
        "without the repeated group"
    ) in validated.output
    assert "Traceback" not in validated.output
    # ... and a pattern its probes miss is stopped by the import's time limit, and named.
    scenario = scenario_with_mapping(folder, r"^(\d|\d\d)+$")
    assert invoke("validate", str(scenario)).exit_code == 0
    export = tiktok_export(folder, "1" * 35 + "!")
    path = folder / "out" / "l2.sqlite"
    assert_refused(
        invoke(*import_args(path, export, scenario=str(scenario)), as_json=True),
        f"{export}: line 2: the campaign pattern '^(\\d|\\d\\d)+$' of actuals.mapping[0] took longer than 0.25 s on "
        f"the campaign name '{'1' * 35}!', so the import stopped; nested or overlapping repetition such as (a+)+ or "
        "(a|aa)+ backtracks without end: rewrite the pattern without it",
        as_json=True,
    )
    assert not path.exists()


def test_a_campaign_called_total_of_spring_is_data_and_dropped_rows_are_listed(folder):
    export = folder / "in" / "tiktok.csv"
    export.write_text(
        "Campaign name,Date,Cost,Impressions,Clicks (destination),Conversions,Currency\n"
        "Total of spring,2027-01-11,84.20,10395,138,4,EUR\n"
        "Spark - cakes,2027-01-11,40.00,5000,60,2,EUR\n"
        "Total of 2 campaigns,2027-01-11,124.20,15395,198,6,EUR\n",
        encoding="utf-8",
    )
    result = invoke(*import_args(folder / "out" / "l.sqlite", export), as_json=True)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["imported"] == 2
    assert document["totals"]["spend"] == pytest.approx(124.20)
    assert document["dropped_total_rows"] == [4]
    assert document["dropped_rows"] == [{"row": 4, "label": "Total of 2 campaigns"}]
    text = invoke(*import_args(folder / "out" / "l2.sqlite", export))
    assert "  dropped total row, line 4: Total of 2 campaigns\n" in text.output
