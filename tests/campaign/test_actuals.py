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
    # The output says so.
    shown = CliRunner().invoke(
        cli,
        [
            "actuals",
            "import",
            str(path),
            "--scenario",
            "cafe-chain-q1",
            "--ledger",
            str(tmp_path / "m.sqlite"),
            "--currency",
            "EUR",
        ],
    )
    assert shown.exit_code == 0, shown.output
    assert "note: 1 count written as '<5' (the platform hides small counts) was counted as 2, the middle of 0 to 4" in (
        shown.stdout
    )


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
    assert not ledger.exists()  # a refused import leaves no ledger file behind


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


GOOGLE_HEADER = "Campaign status,Campaign,Campaign type,Impr.,Interactions,Currency code,Cost,Clicks,Conversions\n"
GOOGLE_ROWS = (
    'Enabled,YouTube video - bakery,Video,"1,356,884","5,210",EUR,160.20,480,20.00\n'
    'Enabled,Shorts - cakes,Video,"301,550","1,109",EUR,41.70,120,4.00\n'
    ',"Total: Campaigns",,"1,658,434","6,319",EUR,201.90,600,24.00\n'
)


def _google(path: Path, preamble: str) -> Path:
    path.write_text(preamble + GOOGLE_HEADER + GOOGLE_ROWS, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "line",
    [
        '"January 4, 2027 - January 17, 2027"',
        "January 4, 2027 - January 17, 2027",
        '"4 January 2027 - 17 January 2027"',
        "4 Jan 2027 – 17 Jan 2027",
        "2027-01-04 - 2027-01-17",
        "Jan 4, 2027 — Jan 17, 2027",
        "04.01.2027 - 17.01.2027",
    ],
)
def test_date_range_preambles_in_the_forms_platforms_write(tmp_path, line):
    export = read_export(_google(tmp_path / "g.csv", f"Campaign report\n{line}\n"))
    assert [(str(r.start), str(r.end)) for r in export.rows] == [("2027-01-04", "2027-01-17")] * 2
    assert export.dropped == [6]


def test_an_export_without_dates_needs_from_and_to(runner, tmp_path):
    export = _google(tmp_path / "all-time.csv", 'Campaign report\n"All time"\n')
    ledger = tmp_path / "l.sqlite"
    args = ["actuals", "import", str(export), "--scenario", "cafe-chain-q1", "--ledger", str(ledger)]
    refused = runner.invoke(cli, args)
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"Error: {export}: line 4 has no dates and neither has the export; give the dates it covers with "
        "--from DATE --to DATE, or export with a date range or a Day breakdown\n"
    )
    assert not ledger.exists()
    done = runner.invoke(cli, [*args, "--from", "2027-01-04", "--to", "2027-01-31", "--json"])
    assert done.exit_code == 0, done.output
    document = json.loads(done.stdout)
    assert document["imported"] == 2
    assert (
        document["note"]
        == "the export has no dates: its rows cover 2027-01-04 to 2027-01-31 as given by --from and --to"
    )
    with Ledger(ledger) as book:
        assert {(str(r.start), str(r.end)) for r in book.rows()} == {("2027-01-04", "2027-01-31")}
    # Only one of the two is a usage error; a file with dates of its own keeps them and refuses --from/--to.
    alone = runner.invoke(cli, [*args, "--from", "2027-01-04"])
    assert alone.exit_code == 2
    assert "--from and --to go together: give the first and the last day the exports cover" in alone.stderr
    backwards = runner.invoke(cli, [*args, "--from", "2027-01-31", "--to", "2027-01-04"])
    assert backwards.exit_code == 2
    assert "Invalid value for --to: 2027-01-04 is before --from 2027-01-31" in backwards.stderr
    dated = _google(tmp_path / "dated.csv", '"January 4, 2027 - January 17, 2027"\n')
    other = ["--scenario", "cafe-chain-q1", "--ledger", str(tmp_path / "m.sqlite")]
    own = runner.invoke(cli, ["actuals", "import", str(dated), *other, "--from", "2027-01-04", "--to", "2027-01-31"])
    assert own.exit_code == 1
    assert own.stderr == (
        f"Error: {dated}: the export has dates of its own (2027-01-04 to 2027-01-17 above the header); --from and "
        "--to give the dates of exports that have none: import this file without them\n"
    )


def test_a_restated_export_needs_replace_and_says_what_changed(runner, tmp_path):
    ledger = tmp_path / "l.sqlite"
    first = tmp_path / "meta.csv"
    first.write_bytes((EXPORTS / "meta_placement.csv").read_bytes())
    restated = tmp_path / "meta restated.csv"
    text = (EXPORTS / "meta_placement.csv").read_text(encoding="utf-8-sig")
    restated.write_text(text.replace(",31,402.50,", ",33,410.00,").replace(",19,262.40,", ",18,250.40,"))
    args = ["actuals", "import", "--scenario", "cafe-chain-q1", "--ledger", str(ledger)]
    assert runner.invoke(cli, [*args, str(first)]).exit_code == 0
    before = ledger.read_bytes()
    refused = runner.invoke(cli, [*args, str(restated)])
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"Error: {restated}: 2 rows have the same campaign, placement and dates as rows already imported from "
        f"{first}, but their figures differ (instagram.reel 'Q1 pre-orders - reels' 2027-01-04 to 2027-01-17: "
        "spend €402.50 → €410.00, conversions 31.0 → 33.0; instagram.feed_image 'Q1 pre-orders - feed' 2027-01-04 to "
        "2027-01-17: spend €262.40 → €250.40, conversions 19.0 → 18.0); the platform restated them. Nothing was "
        "imported: pass --replace to replace the stored figures with this file's\n"
    )
    assert ledger.read_bytes() == before
    replaced = runner.invoke(cli, [*args, str(restated), "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert "0 imported, 1 already in the ledger, 2 replaced" in replaced.stdout
    assert "  replaced instagram.reel (1 row): spend €402.50 → €410.00, conversions 31.0 → 33.0\n" in replaced.stdout
    assert "  replaced instagram.feed_image (1 row): spend €262.40 → €250.40, conversions 19.0 → 18.0\n" in (
        replaced.stdout
    )
    with Ledger(ledger) as book:
        spend = {(r.channel, r.format): r.spend for r in book.rows()}
    assert spend == {
        ("instagram", "reel"): 410.00,
        ("instagram", "feed_image"): 250.40,
        ("facebook", "feed_image"): 353.58,
    }


def _scenario(tmp_path: Path, **actuals) -> Path:
    import yaml

    data = yaml.safe_load(library_path("cafe-chain-q1").read_text(encoding="utf-8"))
    data["actuals"].update(actuals)
    data["actuals"] = {k: v for k, v in data["actuals"].items() if v is not None}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


MESSAGING = (
    '"Campaign name",Placement,Platform,"Result type",Results,"Messaging conversations started",Impressions,'
    '"Link clicks","Amount spent (EUR)","Reporting starts","Reporting ends"\n'
    '"Q1 chats",Feed,instagram,"Instagram profile visits",40,2,10000,100,50.00,2027-01-04,2027-01-10\n'
    '"Q1 chats",Instagram Reels,instagram,"Messaging conversations started",7,7,8000,90,40.00,2027-01-04,2027-01-10\n'
)


def test_conversion_columns_count_on_every_row_whatever_its_result_type(runner, tmp_path):
    export = tmp_path / "meta.csv"
    export.write_text(MESSAGING, encoding="utf-8")
    scenario = _scenario(tmp_path, conversion_results=None, conversion_columns=["Messaging conversations started"])
    ledger = tmp_path / "l.sqlite"
    args = ["actuals", "import", str(export), "--scenario", str(scenario), "--ledger", str(ledger), "--json"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["totals"]["conversions"] == 9  # 2 on the profile-visits row + 7
    with Ledger(ledger) as book:
        assert {r.format: r.conversions for r in book.rows()} == {"feed_image": 2, "reel": 7}
    # The default keeps the rule: Results of the listed result types only (profile visits count none).
    default = runner.invoke(
        cli, ["actuals", "import", str(export), "--scenario", "cafe-chain-q1", "--ledger", str(tmp_path / "d.sqlite")]
    )
    assert default.exit_code == 0, default.output
    assert "conversions 0.0" in default.stdout
    # A column the export lacks is named; both rules at once are refused by the schema.
    missing = _scenario(tmp_path, conversion_results=None, conversion_columns=["Leads", "Purchases"])
    refused = runner.invoke(cli, [*args[:4], str(missing), *args[5:]])
    assert refused.exit_code == 1
    assert (
        f"{export}: none of the scenario's actuals.conversion_columns (Leads, Purchases) is a column of this export; "
        "export it with one of them, or add the column that counts this scenario's conversions to "
        "actuals.conversion_columns (this export has: 'results', 'messaging conversations started')"
    ) in refused.stderr
    both = _scenario(tmp_path, conversion_columns=["Leads"])
    invalid = runner.invoke(cli, ["validate", str(both)])
    assert invalid.exit_code == 1
    assert (
        "give either conversion_columns (columns counted on every row) or conversion_results (the Result types whose "
        "Results count), not both"
    ) in invalid.output


def test_rows_of_the_same_key_are_summed_and_said_so(runner, tmp_path):
    export = tmp_path / "daily-ads.csv"
    rows = "".join(f"instagram,reel,2027-01-04,2027-01-10,{10 + i},1000,10,1,EUR\n" for i in range(12))
    export.write_text(GENERIC_HEADER + rows + "instagram,reel,2027-01-11,2027-01-17,5,100,1,0,EUR\n")
    ledger = tmp_path / "l.sqlite"
    result = runner.invoke(
        cli, ["actuals", "import", str(export), "--scenario", "cafe-chain-q1", "--ledger", str(ledger)]
    )
    assert result.exit_code == 0, result.output
    assert "  note: 12 rows with the same campaign, placement and dates were summed\n" in result.stdout
    with Ledger(ledger) as book:
        assert [r.spend for r in book.rows()] == [sum(10 + i for i in range(12)), 5]
        assert [r.impressions for r in book.rows()] == [12000, 100]


GENERIC_HEADER = "channel,format,start,end,spend,impressions,clicks,conversions,currency\n"
