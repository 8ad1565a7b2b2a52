"""The what-if page's charts read back from their SVG against the `whatif --json` figures: each option's bars of
conversions and profit, each sweep point's conversions and profit over its spend, on the axes as labelled."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

from tests.conftest import BASE
from tests.web.conftest import write_scenario
from tests.web.test_api_actuals import cli_doc
from tests.web.test_pages_strategist import GERMAN

CAFE = "cafe-chain-q1"
SWEEP = "budget.total=10000:20000:2500"
FIGURES = ("conversions", "profit")
BAR = re.compile(
    r'<g id="option-(conversions|profit)-(\d+)">\s*<path d="M ([0-9.]+) ([0-9.]+)\s+L ([0-9.]+) [0-9.]+\s+'
    r"L [0-9.]+ ([0-9.]+)"
)
POINT = re.compile(r'<g id="sweep-(conversions|profit)-(\d+)">\s*<path d="M ([0-9.]+) ([0-9.]+)\s')
TICK = re.compile(
    r'<g id="([xy])tick_\d+">.*?<use [^>]*\bx="([-0-9.]+)" y="([-0-9.]+)".*?<text[^>]*>([^<]*)</text>', re.S
)
LABEL = re.compile(r'<text [^>]*\by="([0-9.]+)"[^>]*>([^<]+)</text>')


def chart_of(page: str, name: str) -> str:
    """The SVG of the chart `name` on the page."""
    start = page.index(f'data-chart="{name}"')
    return page[start : page.index("</svg>", start)]


def panel(chart: str, gid: str, following: str | None) -> str:
    """The part of `chart` that draws the axes `gid` (up to the axes `following`)."""
    start = chart.index(f'<g id="{gid}">')
    return chart[start : chart.index(f'<g id="{following}">') if following else len(chart)]


def ticks(part: str, axis: str) -> list[tuple[float, float]]:
    """Each tick of `axis` ("x" or "y") in `part`: its pixel position and the value its label states."""
    found = []
    for which, x, y, label in TICK.findall(part):
        if which == axis:
            value = float(html.unescape(label).replace("€", "").replace(",", "").replace("\u2212", "-"))
            found.append((float(x if axis == "x" else y), value))
    assert len(found) >= 2, (axis, part[:200])
    return found


def scale(marks: list[tuple[float, float]]) -> tuple[float, float]:
    """The pixels per unit and the pixel of zero that the ticks' positions and labels give (a least-squares line,
    every tick on it)."""
    pixels, values = np.array(marks).T
    slope, zero = np.polyfit(values, pixels, 1)
    span = abs(pixels.max() - pixels.min())
    assert np.allclose(slope * values + zero, pixels, atol=1e-4 * span)
    return float(slope), float(zero)


@pytest.fixture(scope="module")
def shown(tmp_path_factory):
    from fastapi.testclient import TestClient

    from campaign.web import create_app

    client = TestClient(create_app(tmp_path_factory.mktemp("workspace")))
    page = client.get(f"/whatif/{CAFE}", params={"variants": "lean,solo", "sweep": SWEEP})
    assert page.status_code == 200, page.text
    return page.text, cli_doc("whatif", CAFE, "--variants", "lean,solo", "--sweep", SWEEP)


def test_each_options_bars_are_its_conversions_and_profit(shown):
    """Every bar starts at the zero line (the axis' "0" tick) and its length over the figure is one scale for all
    bars of a panel, the scale the axis' ticks give (to 1e-4 of the axis); each bar sits at its option's label."""
    page, document = shown
    chart = chart_of(page, "whatif-options")
    rows = document["rows"]
    options = [i for i, r in enumerate(rows) if r["status"] == "optimal" and not r["name"].startswith("budget.total=")]
    assert [rows[i]["name"] for i in options] == ["base", "lean", "solo"]
    bars = {(figure, int(i)): tuple(map(float, rest)) for figure, i, *rest in BAR.findall(chart)}
    assert set(bars) == {(figure, i) for figure in FIGURES for i in options}
    labels = {text: float(y) for y, text in LABEL.findall(panel(chart, "option-conversions", "option-profit"))}
    for figure, following in (("conversions", "option-profit"), ("profit", None)):
        slope, zero = scale(ticks(panel(chart, f"option-{figure}", following), "x"))
        for i in options:
            left, top, right, bottom = bars[(figure, i)]
            assert left == pytest.approx(zero, abs=1e-3)
            assert right - left == pytest.approx(slope * rows[i][figure], abs=1e-3), (figure, rows[i]["name"])
            assert top > labels[rows[i]["name"]] > bottom or bottom > labels[rows[i]["name"]] > top


def test_each_sweep_point_is_its_spend_conversions_and_profit(shown):
    """Each point sits where the axes' labelled ticks put its spend and its conversions (or profit); points with no
    plan are not drawn."""
    page, document = shown
    chart = chart_of(page, "whatif-sweep")
    rows = document["rows"]
    swept = [i for i, r in enumerate(rows) if r["name"].startswith("budget.total=")]
    planned = [i for i in swept if rows[i]["status"] == "optimal"]
    assert len(planned) == 4 < len(swept)  # 10,000 has no plan
    points = {(figure, int(i)): (float(x), float(y)) for figure, i, x, y in POINT.findall(chart)}
    assert set(points) == {(figure, i) for figure in FIGURES for i in planned}
    for figure, following in (("conversions", "sweep-profit"), ("profit", None)):
        part = panel(chart, f"sweep-{figure}", following)
        across, left = scale(ticks(part, "x"))
        up, bottom = scale(ticks(part, "y"))
        for i in planned:
            x, y = points[(figure, i)]
            assert x == pytest.approx(across * rows[i]["spend"] + left, abs=1e-2), (figure, rows[i]["name"])
            assert y == pytest.approx(up * rows[i][figure] + bottom, abs=1e-2), (figure, rows[i]["name"])


def test_the_charts_speak_the_pages_language(client):
    page = client.get(
        f"/whatif/{CAFE}", params={"variants": "lean", "sweep": "budget.total=15000:20000:5000"}, headers=GERMAN
    )
    assert page.status_code == 200, page.text
    chart = chart_of(page.text, "whatif-sweep")
    assert "Ausgaben (EUR)" in chart
    assert "Gewinn (EUR)" in chart
    assert re.search(r">\d{1,2}\.\d{3}\s€<", chart)  # a German amount on an axis
    assert "Conversions und Gewinn jeder Option" in page.text


def test_without_variants_there_is_no_options_chart_and_without_a_sweep_no_sweep_chart(client, workspace):
    write_scenario(workspace, BASE)  # no variants
    swept = client.get("/whatif/my-shop.yaml", params={"sweep": "budget.total=15000:20000:5000"})
    assert swept.status_code == 200, swept.text
    assert 'data-chart="whatif-sweep"' in swept.text
    assert 'data-chart="whatif-options"' not in swept.text
    compared = client.get(f"/whatif/{CAFE}", params={"variants": "lean"})
    assert 'data-chart="whatif-options"' in compared.text
    assert 'data-chart="whatif-sweep"' not in compared.text
