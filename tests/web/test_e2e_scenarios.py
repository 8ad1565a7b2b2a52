"""The planner's journey from nothing to a plan in headless Chromium against `campaign serve`'s app on uvicorn:
write a new scenario in the form (a mistake first, shown beside its field), create it, and reach its plan.

Skipped where Chromium is not installed (CI installs it); screenshots go to test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ARTIFACTS, watched
from tests.web.test_api_actuals import cli_doc
from tests.web.test_pages_scenarios import CAFE, SHOP


def test_a_scenario_written_in_the_form_is_created_and_planned(server, browser, tmp_path: Path):
    errors: list[str] = []
    page = watched(browser, errors)
    page.goto(f"{server}/")
    page.click('a[href="/scenarios/new"]')
    page.wait_for_url(f"{server}/scenarios/new")
    # The form starts with three channel rows; one more is added by a plain submit, what was typed kept.
    page.fill('input[name="channel-0-name"]', "facebook")
    page.click('button[name="add"][value="channel"]')
    page.wait_for_selector('tr[data-row="channel-3"]')
    assert page.input_value('input[name="channel-0-name"]') == "facebook"
    for name, value in SHOP.items():
        if name == "objective":
            page.select_option(f'select[name="{name}"]', value)
        elif name == "description":
            page.fill('textarea[name="description"]', value)
        elif name in ("kpi-0-name", "rule-0-kind"):
            page.select_option(f'select[name="{name}"]', value)
        else:
            page.fill(f'[name="{name}"]', value)
    page.fill('input[name="channel-1-ctr"]', "1.5")  # a rate above 1: the command line's message, beside it
    page.click("button.create")
    problem = page.locator('[data-problem="channel-1-ctr"]')
    assert problem.inner_text() == "channels.instagram.ctr: 1.5 is out of range: a rate must be between 0 and 1"
    assert page.input_value('input[name="channel-1-name"]') == "instagram"
    page.screenshot(path=str(ARTIFACTS / "web-new-scenario-problem.png"), full_page=True)
    page.fill('input[name="channel-1-ctr"]', SHOP["channel-1-ctr"])
    page.click("button.create")
    page.wait_for_url(f"{server}/plan/corner-shop.yaml")
    written = tmp_path / "workspace" / "corner-shop.yaml"
    assert cli_doc("validate", str(written))["valid"] is True
    document = cli_doc("optimize", str(written))
    assert page.locator('[data-total="spend"]').inner_text() == f"€{round(document['totals']['spend']):,}"
    conversions = f"{round(document['totals']['conversions']):,}"
    assert page.locator('[data-total="conversions"]').inner_text() == conversions
    page.screenshot(path=str(ARTIFACTS / "web-new-scenario-plan.png"), full_page=True)
    # The form sent back with the mistake is a 400 (the browser notes it); nothing else went wrong.
    assert errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]


def test_a_bundled_scenarios_yaml_is_copied_edited_validated_and_saved(server, browser, tmp_path: Path):
    errors: list[str] = []
    page = watched(browser, errors)
    page.goto(f"{server}/plan/{CAFE}")
    page.click(f'nav a[href="/scenarios/{CAFE}/edit"]')
    page.wait_for_url(f"{server}/scenarios/{CAFE}/edit")
    assert page.locator('button[value="save"]').count() == 0  # bundled: read-only
    page.fill('input[name="copy_name"]', "my-cafe")
    page.click('button[value="copy"]')
    page.wait_for_url(f"{server}/scenarios/my-cafe.yaml/edit")
    text = page.input_value('textarea[name="yaml"]')
    assert "  total: 18000\n" in text
    page.fill('textarea[name="yaml"]', text.replace("  total: 18000\n", "  total: 15000\n", 1))
    page.click('button[value="validate"]:not([hidden])')
    page.wait_for_selector("pre.valid")
    assert page.locator("pre.valid").inner_text().startswith("my-cafe.yaml: valid scenario 'cafe-chain-q1'")
    page.click('button[value="save"]')
    page.wait_for_selector("p.saved")
    page.screenshot(path=str(ARTIFACTS / "web-edit-scenario.png"), full_page=True)
    written = tmp_path / "workspace" / "my-cafe.yaml"
    assert "  total: 15000\n" in written.read_text(encoding="utf-8")
    page.click('nav a[href="/plan/my-cafe.yaml"]')
    page.wait_for_url(f"{server}/plan/my-cafe.yaml")
    assert page.locator('[data-total="spend"]').inner_text() == "€15,000"
    assert errors == []
