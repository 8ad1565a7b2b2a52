"""The what-if and frontier pages through TestClient: the commands' documents as tables, English and German, errors."""

from __future__ import annotations

import html

import pytest
from babel.numbers import format_decimal

from tests.web.test_api_actuals import cli_doc
from tests.web.test_pages_strategist import GERMAN, cells_of

CAFE = "cafe-chain-q1"
SWEEP = "budget.total=10000:20000:10000"


def shown(value: float, locale: str, digits: int = 2) -> str:
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(round(value, digits) if digits else round(value), format=pattern, locale=locale)


@pytest.mark.parametrize(("headers", "locale", "title"), [({}, "en", "What if:"), (GERMAN, "de_DE", "Was wäre")])
def test_the_whatif_page_puts_the_variants_and_the_sweep_side_by_side(client, headers, locale, title):
    page = client.get(f"/whatif/{CAFE}", params={"variants": "lean", "sweep": SWEEP}, headers=headers)
    assert page.status_code == 200, page.text
    assert title in html.unescape(page.text)
    document = cli_doc("whatif", CAFE, "--variants", "lean", "--sweep", SWEEP)
    rows = cells_of(page.text, "whatif")
    columns = rows[0][1:-1]
    assert [row[0] for row in rows[1:]] == [r["name"] for r in document["rows"]]
    for row, expected in zip(rows[1:], document["rows"], strict=True):
        if expected["status"] != "optimal":
            assert len(row) == 2
            continue
        assert [c.replace("\u2212", "-") for c in row[1:-1]] == [
            shown(expected[c], locale).replace("\u2212", "-") for c in columns
        ]
        assert row[-1] == f"{sum(expected['kpis'].values())} / {len(expected['kpis'])}"
    assert any(r["status"] != "optimal" for r in document["rows"])  # the 10,000 budget has no plan


def test_the_frontier_page_is_the_commands_points(client):
    page = client.get(f"/frontier/{CAFE}", params={"start": "12000", "stop": "24000", "points": "3"})
    assert page.status_code == 200, page.text
    document = cli_doc("frontier", CAFE, "--from", "12000", "--to", "24000", "--points", "3")
    rows = cells_of(page.text, "frontier")[1:]
    assert len(rows) == len(document["points"]) == 3
    for row, point in zip(rows, document["points"], strict=True):
        assert row[0] == f"€{round(point['budget']):,}"
        if point["status"] == "optimal":
            assert row[2] == shown(point["conversions"], "en", 0)
            assert row[3] == f"€{round(point['profit']):,}"


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/whatif/no-such-scenario", 404),
        (f"/whatif/{CAFE}?variants=nope", 400),
        (f"/whatif/{CAFE}?sweep=budget.total", 400),
        ("/frontier/..%2Fx", 400),
        (f"/frontier/{CAFE}?points=1", 400),
        (f"/frontier/{CAFE}?start=20000&stop=10000", 400),
    ],
)
def test_errors_are_pages_with_their_status(client, url, status):
    page = client.get(url)
    assert page.status_code == status, page.text
    assert page.headers["content-type"].startswith("text/html")
