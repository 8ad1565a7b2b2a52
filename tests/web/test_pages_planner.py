"""The planner's pages through TestClient: the scenario list and the plan page, English and German, errors, escaping."""

from __future__ import annotations

import html
import shutil

import pytest
import yaml
from babel.numbers import format_decimal, parse_decimal

from campaign import app
from tests.web.test_api_actuals import cli_doc
from tests.web.test_pages_strategist import GERMAN, cells_of

CAFE = "cafe-chain-q1"
SCRIPT = "<script>alert(1)</script>"


def euros(text: str, locale: str) -> float:
    """The amount of a money text shown for `locale` (in whole euros, the sign the page shows)."""
    assert "€" in text, text
    digits = text.replace("€", "").replace("\xa0", "").replace("\u202f", "").strip()
    return float(parse_decimal(digits.replace("\u2212", "-"), locale=locale))


def text_of(page: str, attribute: str) -> str:
    """The text of the element marked `attribute` (e.g. data-total="spend")."""
    start = page.index(attribute)
    return html.unescape(page[page.index(">", start) + 1 : page.index("<", start)]).strip()


@pytest.mark.parametrize(("headers", "heading"), [({}, "Scenarios"), (GERMAN, "Szenarien")])
def test_the_scenario_list_shows_every_bundled_scenario_with_its_description(client, headers, heading):
    page = client.get("/", headers=headers)
    assert page.status_code == 200
    assert f"<h1>{heading}</h1>" in page.text
    for scenario in app.scenarios():
        assert f'href="/plan/{scenario.name}"' in page.text
        assert scenario.description in html.unescape(page.text)


def test_a_workspace_scenarios_description_is_shown_as_text(client, workspace):
    data = yaml.safe_load(app.scenarios()[0].path.read_text(encoding="utf-8"))
    data["description"] = SCRIPT
    (workspace / "evil.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    (workspace / "broken.yaml").write_text(f"name: {SCRIPT}\n", encoding="utf-8")
    page = client.get("/")
    assert page.status_code == 200
    assert SCRIPT not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert 'href="/plan/evil.yaml"' in page.text
    assert 'href="/plan/broken.yaml"' not in page.text


@pytest.mark.parametrize(("headers", "locale", "heading"), [({}, "en", "Plan for"), (GERMAN, "de_DE", "Plan für")])
def test_the_plan_page_shows_the_commands_plan_formatted_for_the_locale(client, headers, locale, heading):
    page = client.get(f"/plan/{CAFE}", headers=headers)
    assert page.status_code == 200, page.text
    assert heading in page.text
    document = cli_doc("optimize", CAFE)
    assert euros(text_of(page.text, 'data-total="spend"'), locale) == round(document["totals"]["spend"])
    conversions = format_decimal(round(document["totals"]["conversions"]), format="#,##0", locale=locale)
    assert text_of(page.text, 'data-total="conversions"') == conversions
    kpis = cells_of(page.text, "kpis")[1:]
    assert [row[0] for row in kpis] == [k["name"] for k in document["kpis"]]
    for row, kpi in zip(kpis, document["kpis"], strict=True):
        assert row[2].replace("\u2212", "-") == format_decimal(kpi["value"], format="#,##0.00", locale=locale)
    for constraint in document["constraints"]:
        if constraint["binding"]:
            assert constraint["explanation"] in html.unescape(page.text)
    for empty in document["zero_spend"]:
        assert empty["explanation"] in html.unescape(page.text)


def test_the_spend_table_sums_the_plans_allocation_per_cell_and_week(client):
    page = client.get(f"/plan/{CAFE}")
    document = cli_doc("optimize", CAFE)
    rows = cells_of(page.text, "spend")
    weeks = rows[0][1:-1]
    assert weeks == [f"Week {p}" for p in sorted({a["period"] for a in document["allocation"]})]
    shown = {row[0]: row[1:] for row in rows[1:]}
    for entry in document["allocation"]:
        cell = shown[f"{entry['channel']}.{entry['format']}"]
        value = cell[weeks.index(f"Week {entry['period']}")]
        expected = format_decimal(round(entry["spend"]), format="#,##0", locale="en")
        assert value == (expected if entry["spend"] >= 0.5 else "–")
    total = sum(a["spend"] for a in document["allocation"])
    listed = sum(float(row[-1].replace(",", "")) for row in rows[1:])
    assert abs(listed - total) <= len(rows)  # each total rounded to a whole euro


def test_moving_the_budget_re_optimises_as_the_command_line_does(client):
    lower = client.get(f"/plan/{CAFE}", params={"budget": "12000", "objective": "conversions"})
    assert lower.status_code == 200, lower.text
    document = cli_doc("optimize", CAFE, "--budget", "12000", "--objective", "conversions")
    assert euros(text_of(lower.text, 'data-total="spend"'), "en") == round(document["totals"]["spend"])
    assert text_of(lower.text, 'data-total="conversions"') == format_decimal(
        round(document["totals"]["conversions"]), format="#,##0", locale="en"
    )
    full = client.get(f"/plan/{CAFE}")
    assert text_of(full.text, 'data-total="conversions"') != text_of(lower.text, 'data-total="conversions"')
    assert 'value="12000"' in lower.text


def test_a_workspace_file_is_planned_from_the_workspace(client, workspace):
    shutil.copy(app.scenarios()[0].path, workspace / "mine.yaml")
    page = client.get("/plan/mine.yaml")
    assert page.status_code == 200, page.text
    assert 'data-total="spend"' in page.text


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/plan/no-such-scenario", 404, "no scenario"),
        ("/plan/..%2Fetc", 400, "is not a scenario name"),
        (f"/plan/{CAFE}?budget=lots", 400, "budget"),
        (f"/plan/{CAFE}?budget=0", 400, "budget"),
        (f"/plan/{CAFE}?objective=fame", 400, "objective"),
    ],
)
def test_errors_are_pages_with_their_status(client, url, status, words):
    page = client.get(url)
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert words in html.unescape(page.text)


def test_an_empty_budget_is_the_scenarios_own(client):
    page = client.get(f"/plan/{CAFE}", params={"budget": "", "variant": "", "objective": ""})
    assert page.status_code == 200
    assert euros(text_of(page.text, 'data-total="spend"'), "en") == round(cli_doc("optimize", CAFE)["totals"]["spend"])
