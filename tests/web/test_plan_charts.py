"""The plan page's charts (the report's, `campaign.report`) read back from their SVG against `optimize --json`:
each channel's format bars are the plan's spend over the horizon, each week's stacked bars the channel's spend in
that week, and each response curve's point is the cell's spend and conversions, on the axes as labelled."""

from __future__ import annotations

import re

import pytest

from tests.web.test_api_actuals import cli_doc
from tests.web.test_pages_strategist import GERMAN
from tests.web.test_whatif_chart import chart_of, scale, ticks

CAFE = "cafe-chain-q1"
RECT = re.compile(
    r'<g id="(spend|week)-([^"]+)">\s*<path d="M ([0-9.]+) ([0-9.]+)\s+L ([0-9.]+) [0-9.]+\s+L [0-9.]+ ([0-9.]+)'
)
POINT = re.compile(r'<g id="point-([^"]+)">.*?<use [^>]*\bx="([0-9.]+)" y="([0-9.]+)"', re.S)


@pytest.fixture(scope="module")
def shown(tmp_path_factory):
    from fastapi.testclient import TestClient

    from campaign.web import create_app

    client = TestClient(create_app(tmp_path_factory.mktemp("workspace")))
    page = client.get(f"/plan/{CAFE}")
    assert page.status_code == 200, page.text
    return page.text, cli_doc("optimize", CAFE)


def sums(document, key) -> dict[tuple[str, ...], float]:
    """The allocation's spend summed by `key` of each row."""
    out: dict[tuple[str, ...], float] = {}
    for row in document["allocation"]:
        out[key(row)] = out.get(key(row), 0.0) + row["spend"]
    return out


def test_each_format_bar_is_the_spend_on_it_over_the_horizon(shown):
    page, document = shown
    chart = chart_of(page, "plan")
    bars = {name: tuple(map(float, rest)) for kind, name, *rest in RECT.findall(chart) if kind == "spend"}
    spend = {f"{c}-{f}": v for (c, f), v in sums(document, lambda r: (r["channel"], r["format"])).items() if v > 0}
    assert set(bars) == set(spend)
    slope, zero = scale(ticks(chart, "x"))
    for name, (left, _top, right, _bottom) in bars.items():
        assert right - left == pytest.approx(slope * spend[name], rel=0.01), name
    assert all(left >= zero - 1e-3 for left, *_r in bars.values())
    assert min(left for left, *_r in bars.values()) == pytest.approx(zero, abs=1e-3)


def test_each_weeks_bar_is_the_channels_spend_in_that_week(shown):
    page, document = shown
    chart = chart_of(page, "weekly")
    bars = {name: tuple(map(float, rest)) for kind, name, *rest in RECT.findall(chart) if kind == "week"}
    spend = {f"{c}-{p}": v for (c, p), v in sums(document, lambda r: (r["channel"], r["period"])).items()}
    assert set(bars) == set(spend)
    up, _zero = scale(ticks(chart, "y"))
    for name, (_left, base, _right, height) in bars.items():
        assert abs(height - base) == pytest.approx(abs(up) * spend[name], rel=0.01, abs=1e-3), name


def test_each_curves_point_is_the_cells_spend_and_conversions(shown):
    page, document = shown
    cells: dict[str, list[float]] = {}
    for row in document["allocation"]:
        cell = cells.setdefault(f"{row['channel']}.{row['format']}", [0.0, 0.0])
        cell[0] += row["spend"]
        cell[1] += row["conversions"]
    funded = {cell for cell, (spend, _c) in cells.items() if spend > 1e-6}
    drawn = {}
    for cell in funded:
        chart = chart_of(page, f"curve-{cell}")
        [(name, x, y)] = POINT.findall(chart)
        assert name == cell
        across, left = scale(ticks(chart, "x"))
        up, bottom = scale(ticks(chart, "y"))
        drawn[cell] = ((float(x) - left) / across, (float(y) - bottom) / up)
    assert page.count('data-chart="curve-') == len(funded)
    for cell, (spend, conversions) in drawn.items():
        assert spend == pytest.approx(cells[cell][0], rel=0.01), cell
        assert conversions == pytest.approx(cells[cell][1], rel=0.01), cell


def test_the_plan_charts_speak_the_pages_language(client):
    page = client.get(f"/plan/{CAFE}", headers=GERMAN)
    assert page.status_code == 200, page.text
    chart = chart_of(page.text, "weekly")
    assert "Ausgaben (EUR)" in chart
    assert ">Woche<" in chart
    assert re.search(r">\d{1,2}\.\d{3}\s€<", chart)  # a German amount on an axis
    assert "Ausgaben über den Zeitraum (EUR)" in chart_of(page.text, "plan")
    assert "Grenz-CPA" in page.text
    assert "Ausgaben je Kanal und Format" in page.text
