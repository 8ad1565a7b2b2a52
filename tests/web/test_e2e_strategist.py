"""The strategist's and finance's journeys in headless Chromium against `campaign serve`'s app on uvicorn:
upload a Meta export (dropped onto the form), preview, import, reallocate and adopt; download the workbook.

Skipped where Chromium is not installed (CI installs it); screenshots go to test-artifacts/.
"""

from __future__ import annotations

from openpyxl import load_workbook

from tests.conftest import ARTIFACTS, watched
from tests.web.test_api_actuals import META

CAFE = "cafe-chain-q1"


def test_upload_preview_import_reallocate_and_adopt(server, browser):
    errors: list[str] = []
    page = watched(browser, errors)
    page.goto(f"{server}/actuals/{CAFE}")
    assert page.locator("h1").inner_text() == f"Actuals of {CAFE}"
    # Drop the export onto the form, as a user drags it from the desktop (the script adds it to the file input).
    page.evaluate(
        """([name, text]) => {
            const data = new DataTransfer();
            data.items.add(new File([text], name, {type: "text/csv"}));
            document.querySelector("[data-drop]").dispatchEvent(new DragEvent("drop", {dataTransfer: data}));
        }""",
        [META.name, META.read_text(encoding="utf-8-sig")],
    )
    assert page.locator("[data-drop-list] li").all_inner_texts() == [META.name]
    assert page.evaluate("document.querySelector('input[type=file]').files.length") == 1
    page.screenshot(path=str(ARTIFACTS / "strategist-upload.png"), full_page=True)
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("table.claimed")
    assert page.locator("table.claimed tbody tr").count() == 3
    assert page.locator("table.unmapped tbody tr").count() == 1
    page.screenshot(path=str(ARTIFACTS / "strategist-preview.png"), full_page=True)
    page.get_by_role("button", name="Import into the ledger").click()
    page.wait_for_selector("ul.imports")
    assert page.locator("ul.imports li").inner_text() == f"{META.name}: 3 rows imported"
    page.get_by_role("link", name="Reallocate the rest of the quarter").click()
    page.fill("input[name=as_of]", "2027-01-18")
    page.get_by_role("button", name="Reallocate").click()
    page.wait_for_selector("table.changes")
    assert page.locator("table.changes tbody tr").count() > 0
    page.screenshot(path=str(ARTIFACTS / "strategist-reallocated.png"), full_page=True)
    page.get_by_role("button", name="Adopt this plan").click()
    page.wait_for_selector("table.versions")
    assert page.url == f"{server}/plans/{CAFE}"
    assert page.locator("table.versions tbody tr").all_inner_texts()[0].startswith("1 (current)")
    page.screenshot(path=str(ARTIFACTS / "strategist-plans.png"), full_page=True)
    assert errors == []


def test_download_the_workbook_and_open_it(server, browser, tmp_path):
    errors: list[str] = []
    page = watched(browser, errors)
    page.goto(f"{server}/finance/{CAFE}?team=true&lang=de")
    assert page.locator("h1").inner_text() == f"GuV von {CAFE}"
    assert page.locator("table.pnl tbody tr").count() > 10
    page.screenshot(path=str(ARTIFACTS / "finance-pnl-de.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel-Arbeitsmappe (GuV, Plan, Annahmen)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"{CAFE}-pnl.xlsx"
    workbook = load_workbook(saved)
    assert len(workbook.sheetnames) >= 2
    assert errors == []
