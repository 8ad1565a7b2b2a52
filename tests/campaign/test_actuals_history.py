"""Rows dated before the scenario's start are history: imported and kept, never counted as this quarter's."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from campaign.app.common import history_rows, ledger_rows
from campaign.cli import cli
from campaign.ledger import Ledger
from scenarios.history import weekly
from scenarios.library import library_path
from scenarios.loader import load_scenario
from tests.campaign.test_app import EXPORT, FIRST, without_clock

CAFE = "cafe-chain-q1"
START = dt.date(2027, 1, 4)
HEADER = (
    '"Campaign name",Objective,Placement,Platform,Ads,Impressions,"Link clicks","Result type",Results,'
    '"Amount spent (EUR)","Reporting starts","Reporting ends"\n'
)


def history_export(folder: Path) -> Path:
    """A Meta export with a Week breakdown of three weeks before the café's start (2027-01-04)."""
    lines = [HEADER]
    for w, monday in enumerate((dt.date(2026, 12, 14), dt.date(2026, 12, 21), dt.date(2026, 12, 28))):
        sunday = monday + dt.timedelta(days=6)
        lines.append(
            f'"Autumn - reels",Sales,"Instagram Reels",instagram,"Reel A","{20000 + w:,}",{300 + w},'
            f'"Website purchases",{25 + w},{400.5 + w:.2f},{monday},{sunday}\n'
        )
        lines.append(
            f'"Autumn - feed",Sales,Feed,facebook,"Image B","{30000 + w:,}",{420 + w},'
            f'"Website purchases",{31 + w},{350.25 + w:.2f},{monday},{sunday}\n'
        )
    path = folder / "meta_history.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def imported(ledger: Path, *files: Path, as_json: bool = True):
    args = ["actuals", "import", *map(str, files), "--scenario", CAFE, "--ledger", str(ledger)]
    result = invoke(*args, *(["--json"] if as_json else []))
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout) if as_json else result.stdout


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_rows_before_the_start_are_imported_as_history_and_the_report_says_so(tmp_path):
    export = history_export(tmp_path)
    document = imported(tmp_path / "l.sqlite", export)
    # Recomputed from the file itself: every data row ends before 2027-01-04.
    rows = rows_of(export)
    ends = [dt.date.fromisoformat(r["Reporting ends"]) for r in rows]
    starts = [dt.date.fromisoformat(r["Reporting starts"]) for r in rows]
    assert all(end < START for end in ends)
    assert document["imported"] == len(rows)
    assert document["history"] == {"rows": len(rows), "first": str(min(starts)), "last": str(max(ends))}
    text = imported(tmp_path / "text.sqlite", export, as_json=False)
    assert (
        f"{len(rows)} rows dated {min(starts)} to {max(ends)}, before the scenario's start ({START}), are history: "
        "`campaign calibrate` reads them; this quarter's actuals and reallocation do not count them"
    ) in " ".join(text.split())
    # An export of this quarter has no history.
    assert imported(tmp_path / "q.sqlite", FIRST)["history"] is None


def test_history_rows_and_this_quarters_rows_split_the_ledger(tmp_path):
    ledger = tmp_path / "l.sqlite"
    imported(ledger, history_export(tmp_path), FIRST)
    cafe = load_scenario(library_path(CAFE))
    with Ledger(ledger) as book:
        everything = book.rows(CAFE, "EUR")
    past, quarter = history_rows(ledger, cafe), ledger_rows(ledger, cafe)
    assert past == [r for r in everything if r.end < START]
    assert quarter == [r for r in everything if r.end >= START]
    assert len(past) == len(rows_of(history_export(tmp_path)))
    assert quarter


def test_reallocate_and_actuals_show_are_the_same_with_history_in_the_ledger(tmp_path):
    plain, mixed = tmp_path / "plain.sqlite", tmp_path / "mixed.sqlite"
    imported(plain, FIRST, EXPORT)
    imported(mixed, history_export(tmp_path), FIRST, EXPORT)
    args = ["reallocate", CAFE, "--as-of", "2027-02-01", "--json", "--ledger"]
    documents = []
    for ledger in (plain, mixed):
        result = invoke(*args, str(ledger))
        assert result.exit_code == 0, result.output + result.stderr
        documents.append(without_clock(json.loads(result.stdout)))
    assert documents[0] == documents[1]
    shown = []
    for ledger in (plain, mixed):
        result = invoke("actuals", "show", "--scenario", CAFE, "--ledger", str(ledger), "--json")
        assert result.exit_code == 0, result.output + result.stderr
        shown.append(json.loads(result.stdout))
    assert shown[0]["cells"] == shown[1]["cells"]
    assert shown[0]["history"] is None
    # The history summary, recomputed from the export: rows, calendar weeks, first and last day.
    rows = rows_of(history_export(tmp_path))
    starts = [dt.date.fromisoformat(r["Reporting starts"]) for r in rows]
    ends = [dt.date.fromisoformat(r["Reporting ends"]) for r in rows]
    mondays = {s - dt.timedelta(days=s.weekday()) for s in starts}
    assert shown[1]["history"] == {
        "rows": len(rows),
        "weeks": len(mondays),
        "first": str(min(starts)),
        "last": str(max(ends)),
    }
    text = invoke("actuals", "show", "--scenario", CAFE, "--ledger", str(mixed)).stdout
    assert (
        f"history: {len(rows)} rows dated {min(starts)} to {max(ends)} ({len(mondays)} calendar weeks), before the "
        f"scenario's start ({START}): `campaign calibrate` reads them; the actuals above do not count them"
    ) in " ".join(text.split())
    assert "history" not in invoke("actuals", "show", "--scenario", CAFE, "--ledger", str(plain)).stdout


@pytest.mark.parametrize("as_json", [False, True])
def test_a_row_across_the_start_is_refused_and_nothing_is_written(tmp_path, as_json):
    path = tmp_path / "across.csv"
    path.write_text(
        "channel,format,start,end,spend,impressions,clicks,conversions,currency\n"
        "instagram,reel,2026-12-21,2026-12-27,100.00,9000,90,4,EUR\n"
        "instagram,reel,2026-12-28,2027-01-10,210.00,24400,190,17,EUR\n",
        encoding="utf-8",
    )
    ledger = tmp_path / "l.sqlite"
    args = ["actuals", "import", str(path), "--scenario", CAFE, "--ledger", str(ledger)]
    result = invoke(*args, *(["--json"] if as_json else []))
    assert result.exit_code == 1
    message = (
        f"{path}: line 3 covers 2026-12-28 to 2027-01-10, across the scenario's start ({START}): days before the "
        "start are history and days from it on this quarter's, and one row cannot be both; export with a Day or "
        "Week breakdown"
    )
    if as_json:
        assert message in json.loads(result.stdout)["message"]
    else:
        assert message in " ".join(result.stderr.split())
    assert not ledger.exists()


def test_rows_after_the_horizon_are_still_refused(tmp_path):
    path = tmp_path / "late.csv"
    path.write_text(
        "channel,format,start,end,spend,impressions,clicks,conversions,currency\n"
        "instagram,reel,2027-04-01,2027-04-11,210.00,24400,190,17,EUR\n",
        encoding="utf-8",
    )
    ledger = tmp_path / "l.sqlite"
    result = invoke("actuals", "import", str(path), "--scenario", CAFE, "--ledger", str(ledger))
    assert result.exit_code == 1
    assert "line 2 covers 2027-04-01 to 2027-04-11, outside the scenario's horizon (2027-01-04 to 2027-04-04)" in (
        " ".join(result.stderr.split())
    )
    assert not ledger.exists()


def test_the_import_note_counts_the_history_rows_calibration_sets_aside(tmp_path):
    """Rows longer than a week (no Day or Week breakdown) are counted in the note, as calibration counts them."""
    path = tmp_path / "mixed.csv"
    path.write_text(
        "channel,format,start,end,spend,impressions,clicks,conversions,currency\n"
        "instagram,reel,2026-12-14,2026-12-20,100.00,9000,90,4,EUR\n"  # 7 days: a week's figures
        "instagram,reel,2026-12-21,2026-12-28,110.00,9900,99,5,EUR\n"  # 8 days
        "facebook,feed_image,2026-09-01,2026-09-30,300.00,30000,300,12,EUR\n"  # 30 days
        "facebook,feed_image,2026-12-01,2026-12-01,10.00,1000,10,1,EUR\n",  # 1 day
        encoding="utf-8",
    )
    rows = rows_of(path)
    days = [(dt.date.fromisoformat(r["end"]) - dt.date.fromisoformat(r["start"])).days + 1 for r in rows]
    long = sum(d > 7 for d in days)
    assert long == 2
    ledger = tmp_path / "l.sqlite"
    text = " ".join(imported(ledger, path, as_json=False).split())
    assert (
        f"{len(rows)} rows dated 2026-09-01 to 2026-12-28, before the scenario's start ({START}), are history: "
        "`campaign calibrate` reads them; this quarter's actuals and reallocation do not count them; "
        f"{long} of them cover more than 7 days; calibration sets them aside (export with a Day or Week breakdown)"
    ) in text
    # Calibration's own count of the rows it sets aside is the same.
    cafe = load_scenario(library_path(CAFE))
    cells = tuple(f"{c}.{f}" for c, ch in cafe.channels.items() for f in ch.formats)
    assert weekly(history_rows(ledger, cafe), cells).set_aside == long
    # One row, longer than a week: "it".
    single = tmp_path / "single.csv"
    single.write_text(
        "channel,format,start,end,spend,impressions,clicks,conversions,currency\n"
        "facebook,feed_image,2026-09-01,2026-09-30,300.00,30000,300,12,EUR\n",
        encoding="utf-8",
    )
    text = " ".join(imported(tmp_path / "s.sqlite", single, as_json=False).split())
    assert (
        "1 row dated 2026-09-01 to 2026-09-30, before the scenario's start (2027-01-04), is history: `campaign "
        "calibrate` reads it; this quarter's actuals and reallocation do not count it; it covers more than 7 days; "
        "calibration sets it aside (export with a Day or Week breakdown)"
    ) in text
    # Rows of a week or less: the note says nothing of it.
    assert "sets them aside" not in " ".join(
        imported(tmp_path / "w.sqlite", history_export(tmp_path), as_json=False).split()
    )
