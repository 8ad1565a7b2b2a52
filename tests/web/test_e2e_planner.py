"""The planner's journeys in headless Chromium against `campaign serve`'s app on uvicorn: move the budget on the
plan page and see the plan and KPIs change in place, switch a KPI off and see the plan change; compare variants
and a budget sweep on the what-if page, its charts drawn; run a simulation and watch its progress to the bands.

Skipped where Chromium is not installed (CI installs it); screenshots go to test-artifacts/.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from tests.conftest import ARTIFACTS, watched
from tests.web.test_api_actuals import cli_doc

CAFE = "cafe-chain-q1"


def test_the_scenario_list_leads_to_the_plan_and_moving_the_budget_re_optimises_in_place(server, browser):
    errors: list[str] = []
    page = watched(browser, errors)
    page.goto(f"{server}/")
    page.screenshot(path=str(ARTIFACTS / "web-scenarios.png"), full_page=True)
    page.click(f'a[href="/plan/{CAFE}"]')
    page.wait_for_url(f"{server}/plan/{CAFE}")
    spend = page.locator('[data-total="spend"]')
    conversions = page.locator('[data-total="conversions"]')
    full = cli_doc("optimize", CAFE)
    assert spend.inner_text() == f"€{round(full['totals']['spend']):,}"
    before = conversions.inner_text()
    page.screenshot(path=str(ARTIFACTS / "web-plan.png"), full_page=True)

    lower = cli_doc("optimize", CAFE, "--budget", "15000")
    page.fill('input[name="budget"]', "15000")  # no submit: the page re-optimises as the budget moves
    page.wait_for_function("document.querySelector('[data-total=spend]').textContent.trim() === '€15,000'")
    query = parse_qs(urlparse(page.url).query, keep_blank_values=True)
    assert (query["budget"], query["variant"], query["objective"]) == (["15000"], [""], [""])
    assert query["kpi"] == query["kpi_on"] == [k["name"] for k in full["kpis"]]  # every KPI listed and on
    assert conversions.inner_text() == f"{round(lower['totals']['conversions']):,}" != before
    reach = page.locator('tr[data-kpi="min_reach"] td').nth(1).inner_text()
    assert reach == f"{next(k['value'] for k in lower['kpis'] if k['name'] == 'min_reach'):,.2f}"
    page.screenshot(path=str(ARTIFACTS / "web-plan-budget.png"), full_page=True)

    # Switch the reach floor off: the plan is re-optimised in place without it and the KPI shows as off.
    freed = cli_doc("optimize", CAFE, "--budget", "15000", "--without-kpi", "min_reach")
    page.uncheck('input[data-switch="min_reach"]')
    page.wait_for_selector('tr[data-kpi="min_reach"].off')
    assert page.locator('tr[data-kpi="min_reach"] td').inner_text().startswith("off")
    assert conversions.inner_text() == f"{round(freed['totals']['conversions']):,}"
    assert freed["totals"]["conversions"] > lower["totals"]["conversions"]  # the floor held the plan back
    query = parse_qs(urlparse(page.url).query, keep_blank_values=True)
    assert "min_reach" in query["kpi"]
    assert "min_reach" not in query["kpi_on"]
    page.screenshot(path=str(ARTIFACTS / "web-plan-kpi-off.png"), full_page=True)
    assert errors == []


def test_the_whatif_page_draws_the_options_and_the_sweep_beside_its_table(server, browser):
    errors: list[str] = []
    page = watched(browser, errors)
    page.goto(f"{server}/whatif/{CAFE}")
    page.fill('input[name="variants"]', "lean, solo")
    page.fill('input[name="sweep"]', "budget.total=12000:20000:4000")
    page.click('form button[type="submit"]')
    page.wait_for_selector('[data-chart="whatif-sweep"] svg')
    document = cli_doc("whatif", CAFE, "--variants", "lean,solo", "--sweep", "budget.total=12000:20000:4000")
    assert page.locator("table.whatif tbody tr").count() == len(document["rows"])
    for name in ("whatif-options", "whatif-sweep"):
        chart = page.locator(f'[data-chart="{name}"]')
        box = chart.locator("svg").bounding_box()
        assert box is not None
        assert box["width"] > 300
        assert box["height"] > 100
        planned = [r for r in document["rows"] if r["status"] == "optimal"]
        drawn = chart.evaluate("f => f.querySelectorAll('g[id^=option-] > path, g[id^=sweep-] > path').length")
        assert drawn == 2 * (3 if name == "whatif-options" else len(planned) - 3)  # two panels: conversions, profit
    page.screenshot(path=str(ARTIFACTS / "web-whatif.png"), full_page=True)
    assert errors == []


def test_a_simulation_shows_its_progress_and_ends_in_bands(server, browser):
    errors: list[str] = []
    page = watched(browser, errors)
    page.goto(f"{server}/simulate/{CAFE}?lang=de")
    page.fill('input[name="runs"]', "400")
    page.fill('input[name="seed"]', "5")
    page.click('#simulate-form button[type="submit"]')
    page.wait_for_url(f"{server}/jobs/*")
    seen = page.locator("#job").get_attribute("data-status")
    assert seen in ("running", "done")
    if seen == "running":
        assert page.locator("progress#progress").get_attribute("max") == "400"
        page.screenshot(path=str(ARTIFACTS / "web-simulation-running.png"), full_page=True)
    page.wait_for_selector('#job[data-status="done"]', timeout=120_000)
    document = cli_doc("simulate", CAFE, "--runs", "400", "--seed", "5")
    rows = page.locator("table.bands tbody tr")
    assert rows.count() == len(document["kpis"])
    conversions = page.locator('table.bands tr[data-kpi="conversions"] td').nth(1).inner_text()
    median = f"{document['kpis']['conversions']['p50']:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    assert conversions == median
    page.screenshot(path=str(ARTIFACTS / "web-simulation.png"), full_page=True)
    assert errors == []
