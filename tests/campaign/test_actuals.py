"""Importing real ad-platform exports: formats, quirks, mapping, currencies, the ledger, bad files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from campaign.actuals import import_file
from campaign.cli import cli
from campaign.exports import normalise, number, read_export
from campaign.ledger import Ledger
from scenarios.library import library_path
from scenarios.loader import load_scenario

EXPORTS = Path(__file__).parent / "exports"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cafe():
    return load_scenario(library_path("cafe-chain-q1"))


def tiktok_xlsx(path: Path, currency_column: bool = False) -> Path:
    """A TikTok Ads Manager export as xlsx: full-width brackets, a hidden small count, a Date column."""
    book = Workbook()
    sheet = book.active
    header = ["Campaign name", "Ad group name", "Date", "Cost", "CPC（destination）", "CPM", "Impressions"]
    header += ["Clicks（Destination）", "CTR (destination)", "Reach", "Conversions", "Cost per conversion"]
    if currency_column:
        header.append("Currency")
    sheet.append(header)
    rows = [
        ["Spark - cakes", "AG1", "2027-01-11", "84.20", "0.61", "8.10", "10,395", "138", "1.33%", "9,100", "<5", "--"],
        ["Always on", "AG2", "2027-01-11", "120.00", "0.55", "7.30", "16,438", "218", "1.33%", "14,900", "9", "13.33"],
    ]
    for row in rows:
        sheet.append(row + (["EUR"] if currency_column else []))
    book.save(path)
    return path


def test_meta_placement_export_drops_the_account_total_and_keeps_result_types_apart(cafe, tmp_path):
    export = read_export(EXPORTS / "meta_placement.csv")
    assert export.platform == "meta"
    assert export.currency == "EUR"
    assert export.dropped == [2]  # the account total, with no campaign name
    assert [r.placement for r in export.rows] == ["Instagram Reels", "Feed", "Feed", "Feed"]
    assert export.rows[0].impressions == 42120  # "42,120"
    with Ledger(tmp_path / "l.sqlite") as ledger:
        report = import_file(EXPORTS / "meta_placement.csv", cafe, ledger)
    assert report.rows == 4
    assert report.imported == 3
    assert report.unmapped == [
        {
            "row": 6,
            "reason": "no actuals.mapping rule matches platform meta, Platform 'messenger', Placement 'Feed', "
            "campaign 'Q1 messages'",
        }
    ]
    # Totals cover every data row, mapped or not, and no total row; messaging conversations are no conversions.
    assert report.totals == pytest.approx({"spend": 1071.48, "impressions": 95310, "clicks": 1058, "conversions": 87})


def test_google_ads_utf16_tab_separated_with_preamble_and_totals(cafe, tmp_path):
    export = read_export(EXPORTS / "google_campaign.tsv")
    assert export.platform == "google"
    assert export.currency == "EUR"
    assert len(export.rows) == 2
    assert len(export.dropped) == 2
    assert export.rows[0].impressions == 1356884
    assert str(export.rows[0].start) == "2027-01-04"
    assert str(export.rows[0].end) == "2027-01-17"
    with Ledger(tmp_path / "l.sqlite") as ledger:
        import_file(EXPORTS / "google_campaign.tsv", cafe, ledger)
        cells = {(r.channel, r.format) for r in ledger.rows()}
    assert cells == {("youtube", "in_stream"), ("youtube", "shorts")}


def test_linkedin_with_report_preamble_and_renamed_conversions(tmp_path):
    b2b = load_scenario(library_path("b2b-saas-leads"))
    export = read_export(EXPORTS / "linkedin.csv")
    assert export.platform == "linkedin"
    assert export.currency == "USD"
    assert [r.conversions for r in export.rows] == [9, 6]  # "Click Conversions" through its alias
    with Ledger(tmp_path / "l.sqlite") as ledger:
        import_file(EXPORTS / "linkedin.csv", b2b, ledger)
        assert [(r.format, r.spend) for r in ledger.rows()] == [("document", 1840.12), ("single_image", 2210.40)]


def test_tiktok_xlsx_with_full_width_brackets_and_hidden_small_counts(cafe, tmp_path):
    path = tiktok_xlsx(tmp_path / "tiktok.xlsx")
    export = read_export(path, currency="EUR")
    assert export.platform == "tiktok"
    assert export.censored == 1
    assert export.rows[0].clicks == 138  # "Clicks（Destination）": brackets and case do not matter
    assert export.rows[0].conversions == 2  # "<5": the middle of 0-4
    with Ledger(tmp_path / "l.sqlite") as ledger:
        import_file(path, cafe, ledger, currency="EUR")
        assert [r.format for r in ledger.rows()] == ["spark", "in_feed"]


def test_numbers_and_headers_as_the_platforms_write_them():
    assert number("1,356,884") == (1356884.0, False)
    assert number(" --") == (0.0, False)
    assert number("<5") == (2.0, True)
    assert number("12.5%") == (12.5, False)
    assert normalise("\ufeffAmount spent (EUR)") == "amount spent"
    assert normalise("CPC（destination）") == "cpc (destination)"
    assert normalise('"Clicks (Destination) "') == "clicks (destination)"


def test_the_same_file_or_rows_twice_add_nothing_and_say_so(runner, tmp_path):
    ledger = tmp_path / "l.sqlite"
    args = ["actuals", "import", str(EXPORTS / "meta_placement.csv"), "--scenario", "cafe-chain-q1"]
    first = json.loads(runner.invoke(cli, [*args, "--ledger", str(ledger), "--json"]).stdout)
    assert first["imported"] == 3
    assert {"platform", "currency", "rows", "imported", "duplicates", "unmapped", "totals"} <= set(first)
    again = json.loads(runner.invoke(cli, [*args, "--ledger", str(ledger), "--json"]).stdout)
    assert again["imported"] == 0
    assert again["duplicates"] == 3
    assert "already imported" in again["note"]
    copy = tmp_path / "meta copy.csv"
    copy.write_bytes((EXPORTS / "meta_placement.csv").read_bytes() + b"\n")
    renamed = json.loads(
        runner.invoke(
            cli, ["actuals", "import", str(copy), "--scenario", "cafe-chain-q1", "--ledger", str(ledger), "--json"]
        ).stdout
    )
    assert renamed["imported"] == 0
    assert renamed["duplicates"] == 3
    with Ledger(ledger) as book:
        assert len(book.rows()) == 3


def test_an_import_interrupted_half_way_leaves_nothing(cafe, tmp_path):
    path = tmp_path / "l.sqlite"
    with Ledger(path) as ledger:
        rows = []

        def interrupted():
            from campaign.actuals import map_rows

            mapped, _ = map_rows(read_export(EXPORTS / "meta_placement.csv"), cafe)
            yield mapped[0]
            yield mapped[1]
            raise KeyboardInterrupt  # the user pressed Ctrl-C mid-import

        with pytest.raises(KeyboardInterrupt):
            ledger.record(EXPORTS / "x.csv", "abc", "meta", "EUR", "cafe-chain-q1", interrupted())
        assert ledger.rows() == rows
        assert ledger.imports() == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: EXPORTS / "unknown.csv", "not a known export format: no header row of Meta Ads Manager"),
        (lambda d: EXPORTS / "corrupt.xlsx", "not a readable xlsx workbook"),
        (
            lambda d: _write(
                d / "usd.csv",
                (EXPORTS / "meta_placement.csv").read_text(encoding="utf-8-sig").replace("(EUR)", "(USD)"),
            ),
            "the export is in USD but scenario 'cafe-chain-q1' plans in EUR",
        ),
        (
            lambda d: _write(
                d / "late.csv",
                (EXPORTS / "generic.csv").read_text().replace("2027-01-18,2027-01-24", "2027-06-01,2027-06-07"),
            ),
            "outside the scenario's horizon (2027-01-04 to 2027-04-04)",
        ),
        (
            lambda d: _write(
                d / "nomatch.csv", (EXPORTS / "generic.csv").read_text().replace("instagram,reel", "pinterest,pin")
            ),
            "no row maps onto a cell of scenario 'cafe-chain-q1': pinterest.pin is not a cell of the scenario",
        ),
        (lambda d: tiktok_xlsx(d / "t.xlsx"), "the export names no currency; pass --currency EUR to state it"),
    ],
)
def test_bad_files_exit_1_with_the_reason_and_import_nothing(runner, tmp_path, make, message):
    ledger = tmp_path / "l.sqlite"
    path = make(tmp_path)
    result = runner.invoke(
        cli, ["actuals", "import", str(path), "--scenario", "cafe-chain-q1", "--ledger", str(ledger)]
    )
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    with Ledger(ledger) as book:
        assert book.rows() == []


def test_a_ledger_that_is_not_a_database_is_refused(runner, tmp_path):
    bad = tmp_path / "notes.sqlite"
    bad.write_text("these are my notes, not a database\n" * 20)
    result = runner.invoke(
        cli, ["actuals", "import", str(EXPORTS / "generic.csv"), "--scenario", "cafe-chain-q1", "--ledger", str(bad)]
    )
    assert result.exit_code == 1
    assert "not an actuals ledger (a SQLite database)" in result.output
    assert bad.read_text().startswith("these are my notes")


def test_show_lists_imports_and_actuals_per_cell(runner, tmp_path):
    ledger = tmp_path / "l.sqlite"
    for name in ("meta_placement.csv", "generic.csv"):
        runner.invoke(
            cli, ["actuals", "import", str(EXPORTS / name), "--scenario", "cafe-chain-q1", "--ledger", str(ledger)]
        )
    document = json.loads(
        runner.invoke(cli, ["actuals", "show", "--scenario", "cafe-chain-q1", "--ledger", str(ledger), "--json"]).stdout
    )
    assert len(document["imports"]) == 2
    assert document["cells"]["instagram.reel"]["spend"] == pytest.approx(402.50 + 210.00)
    assert sqlite3.connect(ledger).execute("SELECT COUNT(*) FROM actuals").fetchone()[0] == 4


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_review_cases_of_real_files(cafe, tmp_path, runner):
    ledger = tmp_path / "l.sqlite"

    def run(name: str, text: str, *extra: str):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return runner.invoke(
            cli, ["actuals", "import", str(path), "--scenario", "cafe-chain-q1", "--ledger", str(ledger), *extra]
        )

    # Two cells in the same week of a plain CSV are two rows, not a duplicate.
    two = "channel,format,start,end,spend,impressions,clicks,conversions,currency\n"
    two += "instagram,reel,2027-01-04,2027-01-10,100,9000,60,5,EUR\n"
    two += "facebook,feed_image,2027-01-04,2027-01-10,80,6000,70,4,EUR\n"
    assert "2 imported, 0 already in the ledger" in run("two.csv", two).output
    # A "to date" export over days already imported is refused: they would count twice.
    to_date = two.replace("2027-01-10", "2027-01-17")
    refused = run("to-date.csv", to_date)
    assert refused.exit_code == 1
    assert "would count twice" in refused.output
    # A TikTok "Conversion rate (CVR)" column is no currency; a campaign called "Totally ..." is no total row.
    tiktok = (
        "Campaign name,Ad group name,Date,Cost,Impressions,Clicks (destination),Conversions,Conversion rate (CVR)\n"
    )
    tiktok += (
        "Totally vegan cakes,AG1,2027-01-18,50.00,6000,70,3,4.3%\nSpark - cakes,AG1,2027-01-18,40.00,5000,60,2,3.3%\n"
    )
    result = run("tiktok.csv", tiktok, "--currency", "EUR")
    assert result.exit_code == 0, result.output
    assert "2 imported" in result.output
    # Meta starting with Objective (no campaign name): the account total has no dimension and is dropped;
    # with a Day breakdown, Day gives each row its date.
    meta = '"Objective",Placement,Platform,Day,Impressions,"Link clicks",Results,"Amount spent (EUR)",'
    meta += '"Reporting starts","Reporting ends"\n'
    meta += ",,,,20000,200,10,300.00,2027-01-25,2027-01-31\n"
    meta += "Sales,Instagram Reels,instagram,2027-01-25,12000,120,6,180.00,2027-01-25,2027-01-31\n"
    meta += "Sales,Instagram Reels,instagram,2027-01-26,8000,80,4,120.00,2027-01-25,2027-01-31\n"
    report = json.loads(run("meta.csv", meta, "--json").stdout)
    assert report["imported"] == 2
    assert report["totals"]["spend"] == pytest.approx(300.0)
    # Numbers that are no amount are refused, with the line.
    bad = two.replace("100,9000", "-100,9000").replace("2027-01-04,2027-01-10", "2027-02-01,2027-02-07")
    assert "is '-100', not a count or amount of at least 0" in run("neg.csv", bad).output
    inf = two.replace("100,9000", "inf,9000").replace("2027-01-04,2027-01-10", "2027-02-08,2027-02-14")
    assert "is 'inf', not a count or amount of at least 0" in run("inf.csv", inf).output


def test_an_xlsx_under_another_name_and_a_foreign_database(cafe, tmp_path, runner):
    path = tiktok_xlsx(tmp_path / "export.xls", currency_column=True)
    result = runner.invoke(
        cli, ["actuals", "import", str(path), "--scenario", "cafe-chain-q1", "--ledger", str(tmp_path / "l.sqlite")]
    )
    assert result.exit_code == 0, result.output
    other = tmp_path / "other.sqlite"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE actuals (x INTEGER)")
    connection.close()
    refused = runner.invoke(
        cli, ["actuals", "import", str(EXPORTS / "generic.csv"), "--scenario", "cafe-chain-q1", "--ledger", str(other)]
    )
    assert refused.exit_code == 1
    assert "not an actuals ledger of this tool" in refused.output
