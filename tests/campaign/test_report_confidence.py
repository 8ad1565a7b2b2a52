"""`campaign report --confidence`: the plan at a confidence beside the expected-value plan, in the HTML report.

Its numbers are `optimize_with_confidence`'s for the same scenario, draws and seed; the expected-value plan's
spend is `optimize --json`'s; the rest of the page is the report without `--confidence`.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from campaign import app
from campaign.cli import cli

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios" / "library"
DRAWS = 20
RUNS = 20


class Section(HTMLParser):
    """The tables, paragraphs and chart names of the report's "Plans at ..." section (up to the next h2)."""

    def __init__(self) -> None:
        super().__init__()
        self.heading: str | None = None
        self.inside = False
        self.tables: list[list[list[str]]] = []
        self.paragraphs: list[str] = []
        self.charts: list[str] = []
        self._tag: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "h2":
            self.inside = False
            self._tag, self._text = "h2", []
        if not self.inside:
            return
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th", "p"):
            self._tag, self._text = tag, []
        elif tag == "figure":
            self.charts.append(dict(attrs)["data-chart"])

    def handle_endtag(self, tag: str) -> None:
        if tag != self._tag:
            return
        text = re.sub(r"\s+", " ", "".join(self._text)).strip()
        self._tag = None
        if tag == "h2":
            if text.startswith("Plans at "):
                self.heading, self.inside = text, True
        elif tag == "p":
            self.paragraphs.append(text)
        else:
            self.tables[-1][-1].append(text)

    def handle_data(self, data: str) -> None:
        if self._tag is not None:
            self._text.append(data)


def section(text: str) -> Section:
    parsed = Section()
    parsed.feed(text)
    return parsed


def figure(text: str) -> float:
    """A printed number back as a float ("€1,234", "1,234.5", "90.0 %", ">= 5,000")."""
    return float(re.sub(r"[^0-9.\-]", "", text))


@pytest.fixture(scope="module")
def uncertain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The café scenario with every figure uncertain: a coefficient of variation of 10 %."""
    path = tmp_path_factory.mktemp("report-confidence") / "cafe-uncertain.yaml"
    text = (LIBRARY / "cafe-chain-q1.yaml").read_text(encoding="utf-8")
    path.write_text(text + "uncertainty:\n  relative: 0.1\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reports(uncertain: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The report with and without `--confidence 0.9`, same runs and seed."""
    folder = tmp_path_factory.mktemp("reports")
    out = {}
    for name, extra in (("plain", []), ("confident", ["--confidence", "0.9", "--draws", str(DRAWS)])):
        path = folder / f"{name}.html"
        args = ["report", str(uncertain), "--simulate", str(RUNS), *extra, "-o", str(path)]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        out[name] = path
    return out


@pytest.fixture(scope="module")
def document(uncertain: Path) -> dict:
    return app.optimize_with_confidence(uncertain, 0.9, draws=DRAWS).to_dict()


def test_the_section_shows_both_plans_kpis_as_optimize_with_confidence_computes_them(reports, document):
    shown = section(reports["confident"].read_text(encoding="utf-8"))
    assert shown.heading == "Plans at 90 % confidence"
    kpis = next(t for t in shown.tables if t[0][0] == "KPI")
    assert kpis[0] == [
        "KPI",
        "target",
        "plan at 90 %: mean",
        "quarters met",
        "expected-value plan: mean",
        "quarters met",
    ]
    rows = {row[0]: row[1:] for row in kpis[1:]}
    assert list(rows) == [k["name"] for k in document["kpis"]]
    for k in document["kpis"]:
        target, mean, met, ev_mean, ev_met = rows[k["name"]]
        assert target.startswith(k["sense"] + " "), k["name"]
        assert figure(target) == pytest.approx(k["target"], rel=5e-3, abs=0.5), k["name"]
        assert figure(mean) == pytest.approx(k["expected"], rel=5e-3, abs=0.5), k["name"]
        assert figure(ev_mean) == pytest.approx(k["expected_value_plan"]["expected"], rel=5e-3, abs=0.5), k["name"]
        # shares of 20 quarters are multiples of 5 %: printed to 0.1 %, they are exact
        assert figure(met) == pytest.approx(100 * k["probability_met"], abs=1e-9), k["name"]
        assert figure(ev_met) == pytest.approx(100 * k["expected_value_plan"]["probability_met"], abs=1e-9)
        assert k["probability_met"] >= 0.9


def test_the_section_states_the_method_the_objective_and_the_price(reports, document):
    shown = section(reports["confident"].read_text(encoding="utf-8"))
    method, outcome, price = shown.paragraphs[:3]
    confidence, solver = document["confidence"], document["solver"]
    assert f"CVaR constraint over {DRAWS} drawn quarters (seed {confidence['seed']};" in method
    assert "in at least 90 % of them" in method
    gap = re.search(r"proven within ([0-9.]+) % of the best plan for these quarters", method)
    assert gap is not None, method
    assert float(gap.group(1)) == pytest.approx(100 * solver["gap"], abs=5e-4)
    expected = document["expected"]
    numbers = [figure(n) for n in re.findall(r"([0-9][0-9,]*\.[0-9]) pre-orders", outcome)]
    assert numbers == pytest.approx([expected["objective"], expected["expected_value_plan"]], abs=0.05)
    # the plan at 90 % gives up pre-orders for certainty (see test_optimize_confidence)
    assert expected["price_of_confidence"] > 0
    given_up = re.fullmatch(r"Price of confidence: ([0-9,.]+) pre-orders \(([0-9.]+) %\) given up\.", price)
    assert given_up is not None, price
    assert figure(given_up.group(1)) == pytest.approx(expected["price_of_confidence"], abs=0.05)
    share = expected["price_of_confidence"] / expected["expected_value_plan"]
    assert figure(given_up.group(2)) == pytest.approx(100 * share, abs=0.05)


def test_the_section_shows_each_plans_spend_per_channel(reports, document, uncertain):
    shown = section(reports["confident"].read_text(encoding="utf-8"))
    spend = next(t for t in shown.tables if t[0][0] == "channel")
    assert spend[0] == ["channel", "plan at 90 %", "expected-value plan"]
    at_level: dict[str, float] = {}
    for row in document["allocation"]:
        at_level[row["channel"]] = at_level.get(row["channel"], 0.0) + row["spend"]
    optimized = json.loads(CliRunner().invoke(cli, ["optimize", str(uncertain), "--json"]).stdout)
    expected_value: dict[str, float] = {}
    for row in optimized["allocation"]:
        expected_value[row["channel"]] = expected_value.get(row["channel"], 0.0) + row["spend"]
    assert [row[0] for row in spend[1:]] == list(at_level)
    for channel, mine, theirs in spend[1:]:
        assert figure(mine) == pytest.approx(at_level[channel], abs=0.5), channel
        assert figure(theirs) == pytest.approx(expected_value[channel], abs=0.5), channel
    assert "confidence-spend" in shown.charts


BAR = re.compile(
    r'<g id="spend-(confidence|expected-value)-([^"]+)">\s*<path d="M ([0-9.]+) ([0-9.]+)\s+L ([0-9.]+) [0-9.]+\s+'
    r"L [0-9.]+ ([0-9.]+)"
)
LABEL = re.compile(r'<text [^>]*\by="([0-9.]+)"[^>]*>([^<]+)</text>')


def test_the_spend_chart_draws_each_plans_spend_per_channel(reports, document, uncertain):
    """The bars' lengths, read from the SVG, against the spend per channel summed from both plans' JSON: every
    bar starts at the same zero line and its length over the spend is one scale for all of them (to 1e-4 of the
    longest bar); each channel's two bars sit on either side of its label."""
    page = reports["confident"].read_text(encoding="utf-8")
    start = page.index('data-chart="confidence-spend"')
    chart = page[start : page.index("</svg>", start)]
    spend = {"confidence": {}, "expected-value": {}}
    for row in document["allocation"]:
        spend["confidence"][row["channel"]] = spend["confidence"].get(row["channel"], 0.0) + row["spend"]
    optimized = json.loads(CliRunner().invoke(cli, ["optimize", str(uncertain), "--json"]).stdout)
    for row in optimized["allocation"]:
        spend["expected-value"][row["channel"]] = spend["expected-value"].get(row["channel"], 0.0) + row["spend"]
    bars = {(plan, channel): tuple(map(float, rest)) for plan, channel, *rest in BAR.findall(chart)}
    assert set(bars) == {(plan, channel) for plan, by in spend.items() for channel in by}
    assert len({left for left, _, _, _ in bars.values()}) == 1  # one zero line
    longest = max(bars, key=lambda key: spend[key[0]][key[1]])
    scale = (bars[longest][2] - bars[longest][0]) / spend[longest[0]][longest[1]]
    length = bars[longest][2] - bars[longest][0]
    for (plan, channel), (left, _top, right, _bottom) in bars.items():
        assert right - left == pytest.approx(scale * spend[plan][channel], abs=1e-4 * length), (plan, channel)
    labels = {text: float(y) for y, text in LABEL.findall(chart)}
    for channel in spend["confidence"]:
        top = bars[("confidence", channel)][1]
        bottom = bars[("expected-value", channel)][3]
        assert bars[("confidence", channel)][3] == pytest.approx(bars[("expected-value", channel)][1])
        assert top < labels[channel] < bottom, channel


def test_the_rest_of_the_report_is_the_report_without_confidence(reports):
    plain = reports["plain"].read_text(encoding="utf-8")
    confident = reports["confident"].read_text(encoding="utf-8")
    assert "Plans at " not in plain
    start = confident.index("<h2>Plans at ")
    end = confident.index("<h2>The budget frontier</h2>")
    assert start < end
    assert confident[:start] + confident[end:] == plain


def test_progress_counts_the_drawn_quarters_then_the_simulated_ones(uncertain, tmp_path):
    heard: list[tuple[int, int]] = []
    app.report(
        uncertain,
        tmp_path / "r.html",
        simulate=10,
        confidence=0.8,
        draws=10,
        progress=lambda d, t: heard.append((d, t)),
    )
    assert {total for _, total in heard} == {20}
    done = [d for d, _ in heard]
    assert done == sorted(done)
    assert done[-1] == 20


def test_a_confidence_no_plan_reaches_exits_3_and_writes_nothing(uncertain, tmp_path):
    smaller = tmp_path / "smaller.yaml"
    text = uncertain.read_text(encoding="utf-8")
    assert "  total: 18000\n" in text
    smaller.write_text(text.replace("  total: 18000\n", "  total: 13000\n"), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    args = ["report", str(smaller), "--confidence", "0.95", "--draws", "30", "-o", str(out / "r.html")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 3, result.output
    assert "No plan meets every KPI with 95.0 % confidence over the draws" in result.stderr
    assert list(out.iterdir()) == []


def test_draws_without_confidence_is_a_usage_error(uncertain, tmp_path):
    args = ["report", str(uncertain), "--draws", "20", "-o", str(tmp_path / "r.html")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "--draws plans at a confidence: give --confidence LEVEL too" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "message"), [(["--confidence", "1"], "0 < x < 1"), (["--draws", "5"], "10<=x<=5000")])
def test_bad_confidence_options_are_usage_errors(uncertain, tmp_path, args, message):
    extra = args if args[0] == "--confidence" else ["--confidence", "0.9", *args]
    result = CliRunner().invoke(cli, ["report", str(uncertain), *extra, "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_section_renders_in_a_real_browser(reports, browser):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(reports["confident"].as_uri())
    chart = page.query_selector('figure.chart[data-chart="confidence-spend"]')
    assert chart is not None
    box = chart.query_selector("svg").bounding_box()
    assert box is not None
    assert box["width"] > 100
    assert box["height"] > 50
    assert chart.evaluate("f => f.querySelectorAll('svg path, svg rect, svg use').length") > 5
    assert page.query_selector("h2:text('Plans at 90 % confidence')") is not None
    assert errors == []
