"""The strategist's and finance's pages through TestClient: English and German, CSRF, escaping, errors."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from openpyxl import load_workbook

from campaign.web.page_kit import CSRF_COOKIE
from tests.web.test_api_actuals import META, cli_doc, everything, upload

CAFE = "cafe-chain-q1"
GERMAN = {"accept-language": "de-DE,de;q=0.9,en;q=0.5"}


def token(client) -> str:
    """The CSRF token a page sets (its cookie), after opening the actuals page."""
    assert client.get(f"/actuals/{CAFE}").status_code == 200
    found = client.cookies.get(CSRF_COOKIE)
    assert found
    return found


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert found, page
    return html.unescape(found.group(1))


def preview(client, *paths: Path, files: list | None = None):
    return client.post(f"/actuals/{CAFE}/preview", data={"csrf": token(client)}, files=files or upload(*paths))


def cells_of(page: str, selector: str) -> list[list[str]]:
    """The text of each cell of the rows of the table of class `selector`."""
    table = re.search(rf'<table class="{selector}">(.*?)</table>', page, re.S)
    assert table, selector
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
        for r in rows
    ]


@pytest.mark.parametrize(("headers", "locale", "title"), [({}, "en", "P&L of"), (GERMAN, "de_DE", "GuV von")])
def test_the_pnl_page_is_the_commands_statement_formatted_for_the_locale(client, headers, locale, title):
    page = client.get(f"/finance/{CAFE}", headers=headers)
    assert page.status_code == 200
    assert title in page.text
    document = cli_doc("pnl", CAFE)
    rows = cells_of(page.text, "pnl")[1:]
    assert len(rows) == len(document["lines"])
    for row, line in zip(rows, document["lines"], strict=True):
        expected = [format_decimal(round(v), format="#,##0", locale=locale) for v in [*line["values"], line["total"]]]
        assert [c.replace("\u2212", "-") for c in row[1:]] == [e.replace("\u2212", "-") for e in expected]
    assert page.headers["content-language"] == locale[:2]


def test_the_pnl_page_compares_the_team_options_and_links_the_downloads(client):
    page = client.get(f"/finance/{CAFE}", params={"team": "true"}).text
    document = cli_doc("pnl", CAFE, "--compare-team")
    names = [row[0].replace(" (best)", "") for row in cells_of(page, "team")[1:]]
    assert names == [o["name"] for o in document["team_options"]]
    links = re.findall(r'<a href="(/api/[^"]+)" download>', page)
    assert len(links) == 2
    workbook = client.get(html.unescape(links[0]))
    assert workbook.status_code == 200
    assert load_workbook(io.BytesIO(workbook.content)).sheetnames


def test_the_actuals_page_before_anything_is_imported(client):
    assert "Nothing imported yet." in client.get(f"/actuals/{CAFE}").text
    assert "Noch nichts importiert." in client.get(f"/actuals/{CAFE}", headers=GERMAN).text


def test_the_preview_page_shows_each_row_on_its_cell_and_the_rows_no_rule_claims_writing_nothing(client, workspace):
    page = preview(client, META)
    assert page.status_code == 200, page.text
    assert everything(workspace) == {}
    api = client.post("/api/actuals/preview", data={"scenario": CAFE}, files=upload(META)).json()["previews"][0]
    claimed = cells_of(page.text, "claimed")[1:]
    assert [(int(r[0]), r[5]) for r in claimed] == [(c["row"], c["cell"]) for c in api["claimed"]]
    unmapped = cells_of(page.text, "unmapped")[1:]
    assert [(int(r[0]), r[1]) for r in unmapped] == [(u["row"], u["reason"]) for u in api["unmapped"]]


def test_a_campaign_name_with_a_script_is_shown_as_text(client, tmp_path):
    hostile = tmp_path / "meta.csv"
    hostile.write_bytes(META.read_bytes().replace(b'"Q1 pre-orders - reels"', b'"<script>alert(1)</script>"'))
    page = preview(client, hostile).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert [r[1] for r in cells_of(page, "claimed")[1:] if "script" in r[1]] == ["<script>alert(1)</script>"]


@pytest.mark.parametrize("sent", [None, "wrong-token"])
def test_every_form_without_the_pages_token_is_403_and_writes_nothing(client, workspace, sent):
    token(client)
    data = {"csrf": sent} if sent else {}
    attempts = [
        client.post(f"/actuals/{CAFE}/preview", data=data, files=upload(META)),
        client.post(f"/actuals/{CAFE}/import", data={**data, "key": "k"}),
        client.post(f"/actuals/{CAFE}/reallocate", data={**data, "as_of": "2027-01-18"}),
        client.post(f"/plans/{CAFE}", data={**data, "run": "1"}),
    ]
    assert [a.status_code for a in attempts] == [403] * 4
    assert all("CSRF" in a.text for a in attempts)
    assert everything(workspace) == {}


def test_import_reallocate_and_adopt_through_the_pages(client, workspace):
    page = preview(client, META)
    key = hidden(page.text, "key")
    imported = client.post(f"/actuals/{CAFE}/import", data={"key": key, "csrf": token(client)})
    assert imported.status_code == 200
    assert "meta_placement.csv: 3 rows imported" in imported.text
    again = client.post(f"/actuals/{CAFE}/import", data={"key": key, "csrf": token(client)})
    assert again.status_code == 400
    assert "no longer held" in again.text
    ledger = str(workspace / f"{CAFE}.ledger.sqlite")
    shown = cli_doc("actuals", "show", "--scenario", CAFE, "--ledger", ledger)
    cells = {r[0]: r for r in cells_of(client.get(f"/actuals/{CAFE}").text, "cells")[1:]}
    assert set(cells) == set(shown["cells"])
    form = client.get(f"/actuals/{CAFE}/reallocate")
    assert form.status_code == 200
    moved = client.post(
        f"/actuals/{CAFE}/reallocate", data={"as_of": "2027-01-18", "max_change": "20", "csrf": token(client)}
    )
    assert moved.status_code == 200, moved.text
    expected = cli_doc("reallocate", CAFE, "--as-of", "2027-01-18", "--ledger", ledger)
    changes = cells_of(moved.text, "changes")[1:]
    assert [(r[0], int(r[1]), r[4]) for r in changes] == [
        (f"{c['channel']}.{c['format']}", c["period"], c["reason"]) for c in expected["changes"]
    ]
    run = hidden(moved.text, "run")
    for version in (1, 2):
        adopted = client.post(f"/plans/{CAFE}", data={"run": run, "csrf": token(client)}, follow_redirects=False)
        assert adopted.status_code == 303
        listed = client.get(adopted.headers["location"])
        assert [int(r[0].split()[0]) for r in cells_of(listed.text, "versions")[1:]] == list(range(1, version + 1))
    assert client.get(f"/api/scenarios/{CAFE}/plans").json()["current"] == 2
    german = client.get(f"/plans/{CAFE}", headers=GERMAN).text
    assert "Übernommene Pläne von cafe-chain-q1" in german
    assert "2 (aktuell)" in german


def test_the_language_switch_is_kept_in_a_cookie(client):
    assert "Ist-Werte von" in client.get(f"/actuals/{CAFE}", params={"lang": "de"}).text
    assert "Ist-Werte von" in client.get(f"/actuals/{CAFE}").text
    assert "Actuals of" in client.get(f"/actuals/{CAFE}", params={"lang": "en"}).text


@pytest.mark.parametrize(
    ("path", "status"),
    [("/finance/nope", 404), ("/finance/..%2Fx", 400), ("/plans/..%2F..%2Fetc", 400), ("/actuals/nope", 404)],
)
def test_page_errors_are_pages(client, path, status):
    answer = client.get(path, headers=GERMAN)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert "Das hat nicht geklappt" in answer.text


def test_the_optional_fields_a_browser_sends_empty_are_not_given(client):
    data = {"csrf": token(client), "currency": "", "from": "", "to": " "}
    page = client.post(f"/actuals/{CAFE}/preview", data=data, files=upload(META))
    assert page.status_code == 200, page.text
    assert len(cells_of(page.text, "claimed")) == 4
