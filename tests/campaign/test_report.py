"""The HTML report: it renders for every bundled scenario, every chart draws in a real browser, its numbers
are optimize's."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from campaign.cli import cli
from scenarios.formatting import amount
from scenarios.library import bundled_scenarios
from tests.conftest import ARTIFACTS


class Tables(HTMLParser):
    """Every table of a page as rows of cell texts (header cells included)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def headline(text: str) -> dict[str, str]:
    """The report's headline table (spend, conversions, CPA, ...) as header -> cell text."""
    parser = Tables()
    parser.feed(text)
    for table in parser.tables:
        if len(table) == 2 and table[0][:1] == ["spend"]:
            return dict(zip(table[0], table[1], strict=True))
    raise AssertionError("the report has no headline table starting with 'spend'")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reports")
    runner = CliRunner()
    out = {}
    for name in bundled_scenarios():
        path = folder / f"{name}.html"
        result = runner.invoke(cli, ["report", name, "--simulate", "30", "-o", str(path)])
        assert result.exit_code == 0, result.output
        out[name] = path
    return out


def test_the_report_is_self_contained_and_carries_optimizes_numbers(reports):
    runner = CliRunner()
    for name, path in reports.items():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["']https?://""", text), "the report must not need the network"
        assert "<script" not in text
        document = json.loads(runner.invoke(cli, ["optimize", name, "--json"]).stdout)
        totals, currency = document["totals"], document["currency"]
        shown = list(headline(text).values())
        # spend, conversions, CPA, ROAS, paid reach, new followers, profit: each in its own cell, in that order
        assert shown[0] == amount(totals["spend"], currency)
        assert shown[1] == f"{totals['conversions']:,.1f}"
        assert shown[2] == amount(totals["cpa"], currency, minor=True)
        assert shown[4] == f"{totals['reach']:,.0f}"
        assert shown[-1] == amount(totals["profit"], currency)
        for section in (
            "The plan",
            "Response curves",
            "What binds",
            "KPIs",
            "The budget frontier",
            "Simulated quarter",
        ):
            assert f"<h2>{section}</h2>" in text
        assert "P&amp;L by month" in text
        assert "Assumptions and sources" in text


def test_the_simulated_quarter_shows_every_kpi_the_scenario_sets_as_simulate_reports_it(reports):
    # cafe-chain-q1 sets min_reach, min_new_followers, max_cpa, min_roas, max_bounce_rate, max_negative_feedback.
    runner = CliRunner()
    text = reports["cafe-chain-q1"].read_text(encoding="utf-8")
    simulated = json.loads(runner.invoke(cli, ["simulate", "cafe-chain-q1", "--runs", "30", "--json"]).stdout)
    parser = Tables()
    parser.feed(text)
    quarter = next(t for t in parser.tables if t[0] == ["figure", "target", "P5", "median", "P95"])
    shown = {row[0]: row[1:] for row in quarter[1:]}
    figures = {
        "pre-orders": ("conversions", "", "{:,.0f}"),
        "paid reach": ("reach", ">= 320,000", "{:,.0f}"),
        "new followers": ("new_followers", ">= 5,000", "{:,.0f}"),
        "CPA (EUR)": ("cpa", "<= 16.00", "{:.2f}"),
        "ROAS": ("roas", ">= 2", "{:.3g}"),
        "bounce rate": ("bounce_rate", "<= 0.7", "{:.3g}"),
        "negative feedback": ("negative_feedback", "<= 900", "{:,.0f}"),
    }
    assert list(shown) == list(figures)
    for label, (figure, target, written) in figures.items():
        spread = simulated["kpis"][figure]
        assert shown[label] == [target, *(written.format(spread[p]) for p in ("p5", "p50", "p95"))], label
        assert f'data-chart="band-{label}"' in text


def test_every_chart_renders_in_a_real_browser_without_console_errors(reports, browser):
    for name, path in reports.items():
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on(
            "console",
            lambda message, errors=errors: errors.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        page.goto(path.as_uri())
        charts = page.query_selector_all("figure.chart")
        assert len(charts) >= 6, name
        for chart in charts:
            box = chart.query_selector("svg").bounding_box()
            assert box is not None, chart.get_attribute("data-chart")
            assert box["width"] > 100, chart.get_attribute("data-chart")
            assert box["height"] > 50, chart.get_attribute("data-chart")
            drawn = chart.evaluate("f => f.querySelectorAll('svg path, svg rect, svg use').length")
            assert drawn > 5, chart.get_attribute("data-chart")
        assert errors == [], errors
        page.screenshot(path=str(ARTIFACTS / f"report-{name}.png"), full_page=True)
        page.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "{tmp}/missing/r.html"], "does not exist; create it first"),
        (["-o", "{tmp}/r.txt"], "the file name must end in .html"),
    ],
)
def test_bad_requests_exit_1_and_leave_no_file(tmp_path, args, message):
    runner = CliRunner()
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = runner.invoke(cli, ["report", "cafe-chain-q1", *args])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert list(tmp_path.iterdir()) == []


def test_no_bands_without_simulated_runs_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["report", "cafe-chain-q1", "--simulate", "0", "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--simulate': 0 is not in the range 1<=x<=100000" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_scenario_that_fails_validation_gets_no_report(tmp_path):
    broken = Path(__file__).resolve().parents[1] / "scenarios" / "broken" / "wrong_budget_zero.yaml"
    result = CliRunner().invoke(cli, ["report", str(broken), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert "budget.total: 0 is out of range" in result.output
    assert not (tmp_path / "r.html").exists()
