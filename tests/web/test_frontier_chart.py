"""The frontier page's chart (the report's, `campaign.report.frontier_chart`) read back from its SVG against
`frontier --json`: each budget with a plan is a vertex of the conversions line and of the profit line, at its
budget, conversions and profit on the axes as labelled; budgets without a plan are not drawn."""

from __future__ import annotations

import re

import pytest

from tests.web.test_api_actuals import cli_doc
from tests.web.test_pages_strategist import GERMAN
from tests.web.test_whatif_chart import chart_of, panel, scale, ticks

CAFE = "cafe-chain-q1"
RANGE = ("--from", "8000", "--to", "30000", "--points", "6")
VERTEX = re.compile(r"[ML] ([-0-9.]+) ([-0-9.]+)")


def line(chart: str, gid: str) -> list[tuple[float, float]]:
    """The vertices of the line `gid`."""
    start = chart.index(f'<g id="{gid}">')
    path = chart[start : chart.index("/>", start)]
    return [(float(x), float(y)) for x, y in VERTEX.findall(path[path.index(' d="') :])]


@pytest.fixture(scope="module")
def shown(tmp_path_factory):
    from fastapi.testclient import TestClient

    from campaign.web import create_app

    client = TestClient(create_app(tmp_path_factory.mktemp("workspace")))
    params = dict(zip(("start", "stop", "points"), RANGE[1::2], strict=True))
    page = client.get(f"/frontier/{CAFE}", params=params)
    assert page.status_code == 200, page.text
    return page.text, cli_doc("frontier", CAFE, *RANGE)


def test_each_budget_with_a_plan_is_drawn_at_its_conversions_and_profit(shown):
    page, document = shown
    chart = chart_of(page, "frontier")
    planned = [p for p in document["points"] if p["status"] == "optimal"]
    assert 2 <= len(planned) < len(document["points"])  # 8,000 has no plan
    conversions_part = panel(chart, "frontier-conversions", "frontier-profit")
    across, left = scale(ticks(conversions_part, "x"))
    for figure, part in (("conversions", conversions_part), ("profit", panel(chart, "frontier-profit", None))):
        up, bottom = scale(ticks(part, "y"))
        vertices = line(chart, f"frontier-{figure}-line")
        assert len(vertices) == len(planned)
        for (x, y), point in zip(vertices, planned, strict=True):
            assert (x - left) / across == pytest.approx(point["budget"], rel=0.01), figure
            assert (y - bottom) / up == pytest.approx(point[figure], rel=0.01), (figure, point["budget"])


def test_the_frontier_chart_speaks_the_pages_language(client):
    page = client.get(f"/frontier/{CAFE}", params={"points": "3"}, headers=GERMAN)
    assert page.status_code == 200, page.text
    chart = chart_of(page.text, "frontier")
    assert "Budget (EUR)" in chart
    assert "Gewinn (EUR)" in chart
    assert re.search(r">\d{1,2}\.\d{3}\s€<", chart)  # a German amount on the budget and profit axes
    assert re.search(r">\d\.\d{3}<", panel(chart, "frontier-conversions", "frontier-profit"))  # German conversions
    assert "Beste Conversions und Gewinn je Budget" in page.text
