"""The new-scenario form and the YAML editor through TestClient: the file written is what `campaign validate` and
`campaign optimize` read, the problems are the command line's own lines, beside their fields; names, overwrites,
CSRF, escaping, English and German."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml
from babel.numbers import format_decimal
from click.testing import CliRunner
from fastapi.testclient import TestClient

from campaign.cli import cli
from campaign.web import create_app
from campaign.web.page_kit import CSRF_COOKIE
from tests.web.test_api_actuals import cli_doc
from tests.web.test_pages_planner import euros, text_of
from tests.web.test_pages_strategist import GERMAN

CAFE = "cafe-chain-q1"
SCRIPT = "<script>alert(1)</script>"
#: A small valid scenario as the form sends it: two channels, three formats, a KPI and a share rule.
SHOP = {
    "name": "corner-shop",
    "description": "A corner shop's first quarter",
    "currency": "EUR",
    "weeks": "4",
    "budget": "6000",
    "objective": "conversions",
    "conversion": "order",
    "value_per_conversion": "40",
    "channel-0-name": "facebook",
    "channel-0-audience": "300000",
    "channel-0-in_market": "0.02",
    "channel-0-cpm": "7",
    "channel-0-ctr": "0.012",
    "channel-0-cvr": "0.03",
    "channel-1-name": "instagram",
    "channel-1-audience": "250000",
    "channel-1-in_market": "0.02",
    "channel-1-cpm": "9",
    "channel-1-ctr": "0.009",
    "channel-1-cvr": "0.025",
    "format-0-channel": "facebook",
    "format-0-name": "feed_image",
    "format-1-channel": "instagram",
    "format-1-name": "reel",
    "format-1-ctr_factor": "1.3",
    "format-2-channel": "instagram",
    "format-2-name": "story",
    "kpi-0-name": "max_cpa",
    "kpi-0-target": "40",
    "rule-0-kind": "channel_share",
    "rule-0-name": "facebook",
    "rule-0-max": "0.7",
}


def csrf(client, url: str = "/scenarios/new") -> str:
    assert client.get(url).status_code == 200
    token = client.cookies.get(CSRF_COOKIE)
    assert token
    return token


def create(client, **changes: str):
    return client.post("/scenarios/new", data={**SHOP, **changes, "csrf": csrf(client)}, follow_redirects=False)


def problems_at(page: str, field: str) -> list[str]:
    """The problem lines shown beside the form field `field`."""
    return [html.unescape(t) for t in re.findall(rf'data-problem="{re.escape(field)}">([^<]*)<', page)]


def validate_lines(path: Path) -> list[str]:
    """What `campaign validate FILE` prints, line by line (an error's "Error: " left out)."""
    result = CliRunner().invoke(cli, ["validate", str(path)])
    return [line.strip().removeprefix("Error: ") for line in result.output.splitlines() if line.strip()]


@pytest.mark.parametrize(("headers", "heading"), [({}, "New scenario"), (GERMAN, "Neues Szenario")])
def test_the_form_is_linked_from_the_scenario_list_in_both_languages(client, headers, heading):
    assert 'href="/scenarios/new"' in client.get("/", headers=headers).text
    page = client.get("/scenarios/new", headers=headers)
    assert page.status_code == 200
    assert f"<h1>{heading}</h1>" in page.text
    assert 'name="csrf"' in page.text


def test_a_valid_form_writes_a_file_that_validates_and_plans_as_the_page_shows(client, workspace):
    answer = create(client)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/plan/corner-shop.yaml"
    written = workspace / "corner-shop.yaml"
    assert [p.name for p in workspace.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    data = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert data["channels"]["instagram"]["formats"] == {"reel": {"ctr_factor": 1.3}, "story": {}}
    assert data["kpis"] == {"max_cpa": 40}
    assert data["rules"]["channel_share"] == {"facebook": {"max": 0.7}}
    assert data["periods"] == {"count": 4, "unit": "week"}
    assert data["budget"] == {"total": 6000}
    checked = cli_doc("validate", str(written))
    assert (checked["valid"], checked["cells"]) == (True, ["facebook.feed_image", "instagram.reel", "instagram.story"])
    page = client.get(answer.headers["location"])
    assert page.status_code == 200
    document = cli_doc("optimize", str(written))
    assert euros(text_of(page.text, 'data-total="spend"'), "en") == round(document["totals"]["spend"])
    conversions = format_decimal(round(document["totals"]["conversions"]), format="#,##0", locale="en")
    assert text_of(page.text, 'data-total="conversions"') == conversions


def test_a_german_form_reads_german_numbers(client, workspace):
    client.cookies.set("lang", "de")
    answer = create(client, **{"budget": "6.000", "channel-0-in_market": "0,02", "format-1-ctr_factor": "1,3"})
    assert answer.status_code == 303, answer.text
    data = yaml.safe_load((workspace / "corner-shop.yaml").read_text(encoding="utf-8"))
    assert data["budget"]["total"] == 6000
    assert data["channels"]["facebook"]["in_market"] == 0.02
    assert data["channels"]["instagram"]["formats"]["reel"]["ctr_factor"] == 1.3


def test_an_invalid_figure_shows_the_validate_message_beside_its_field_and_keeps_the_entries(
    client, workspace, tmp_path
):
    answer = create(client, **{"channel-1-ctr": "1.5", "description": SCRIPT})
    assert answer.status_code == 400
    assert list(workspace.glob("*.yaml")) == []
    # The same document in a file: what `campaign validate` prints about it.
    by_hand = CliRunner().invoke(
        cli, ["validate", str(_shop_file(tmp_path, {"channels.instagram.ctr": 1.5, "description": SCRIPT}))]
    )
    assert by_hand.exit_code == 1
    expected = [line.strip()[2:] for line in by_hand.output.splitlines() if line.strip().startswith("- ")]
    assert expected == ["channels.instagram.ctr: 1.5 is out of range: a rate must be between 0 and 1"]
    assert problems_at(answer.text, "channel-1-ctr") == expected
    assert problems_at(answer.text, "") == ["corner-shop.yaml: 1 problem"]
    assert 'name="channel-1-ctr" value="1.5"' in answer.text
    assert 'name="channel-0-name" value="facebook"' in answer.text
    assert SCRIPT not in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text


def test_a_missing_figure_and_a_format_of_no_channel_are_placed_by_their_key_path(client, tmp_path):
    answer = create(client, **{"channel-0-cpm": "", "format-2-channel": "tiktok", "kpi-0-target": "-3"})
    assert answer.status_code == 400
    by_hand = CliRunner().invoke(cli, ["validate", str(_shop_file(tmp_path, _broken()))])
    expected = sorted(line.strip()[2:] for line in by_hand.output.splitlines() if line.strip().startswith("- "))
    shown = problems_at(answer.text, "channel-0-cpm")
    shown += problems_at(answer.text, "format-2-channel") + problems_at(answer.text, "kpi-0-target")
    assert sorted(shown) == expected
    assert any(line.startswith("channels.facebook.cpm: is required") for line in shown)
    assert any(line.startswith("kpis.max_cpa:") for line in shown)


def _broken() -> dict:
    return {"channels.facebook.cpm": None, "kpis.max_cpa": -3, "move_story_to_tiktok": True}


def _shop_file(tmp_path: Path, changes: dict) -> Path:
    """The corner shop as the form writes it (from a first, valid submission's logic: the form's own mapping),
    with `changes` made by key path; `move_story_to_tiktok` moves instagram's story format to a channel tiktok."""
    from campaign.web.scenario_form import document_of, entries_of

    document, _ = document_of(entries_of(SHOP.items()), "en")
    for dotted, value in changes.items():
        if dotted == "move_story_to_tiktok":
            document["channels"]["tiktok"] = {
                "formats": {"story": document["channels"]["instagram"]["formats"].pop("story")}
            }
            continue
        node = document
        *parents, last = dotted.split(".")
        for key in parents:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    path = tmp_path / "corner-shop.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["../x", "a/b", ".hidden", "..", "x/../../y"])
def test_a_name_that_spells_a_path_is_400_and_writes_nothing(client, workspace, name):
    answer = create(client, name=name)
    assert answer.status_code == 400
    assert "cannot name a scenario file" in html.unescape(answer.text)
    assert problems_at(answer.text, "name")
    assert sorted(p.name for p in workspace.parent.rglob("*.yaml")) == []


def test_an_existing_file_is_not_overwritten(client, workspace):
    (workspace / "corner-shop.yaml").write_text("mine\n", encoding="utf-8")
    answer = create(client)
    assert answer.status_code == 409
    [message] = problems_at(answer.text, "name")
    assert message.startswith("corner-shop.yaml: a scenario file of that name is already in the workspace")
    assert (workspace / "corner-shop.yaml").read_text(encoding="utf-8") == "mine\n"


def test_a_description_with_markup_is_shown_as_text_everywhere(client, workspace):
    assert create(client, description=SCRIPT).status_code == 303
    for url in ("/", "/scenarios/corner-shop.yaml/edit"):
        page = client.get(url)
        assert page.status_code == 200
        assert SCRIPT not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_rows_left_blank_are_no_part_of_the_scenario_though_a_browser_sends_their_rule_kind(client, workspace):
    blank = {f"rule-{r}-kind": "format_share" for r in (1, 2)} | {"kpi-1-name": "", "channel-2-name": ""}
    answer = create(client, **blank)
    assert answer.status_code == 303, answer.text
    data = yaml.safe_load((workspace / "corner-shop.yaml").read_text(encoding="utf-8"))
    assert data["rules"] == {"channel_share": {"facebook": {"max": 0.7}}}
    assert list(data["channels"]) == ["facebook", "instagram"]


def test_add_row_shows_one_more_row_and_keeps_what_was_typed(client, workspace):
    token = csrf(client)
    answer = client.post("/scenarios/new", data={**SHOP, "csrf": token, "rows-channel": "3", "add": "channel"})
    assert answer.status_code == 200
    assert len(re.findall(r'data-row="channel-\d+"', answer.text)) == 4
    assert 'name="channel-1-cvr" value="0.025"' in answer.text
    assert list(workspace.glob("*.yaml")) == []


@pytest.mark.parametrize("sent", [None, "forged"])
def test_forms_without_their_csrf_token_are_refused(client, workspace, sent):
    csrf(client)
    extra = {"csrf": sent} if sent else {}
    assert client.post("/scenarios/new", data={**SHOP, **extra}).status_code == 403
    answer = client.post(f"/scenarios/{CAFE}/edit", data={"yaml": "x", "action": "copy", "copy_name": "c", **extra})
    assert answer.status_code == 403
    assert list(workspace.glob("*.yaml")) == []


def test_the_editor_shows_the_files_yaml_escaped_and_validates_it_as_the_command_line(client, workspace):
    assert create(client, description=SCRIPT).status_code == 303
    path = workspace / "corner-shop.yaml"
    page = client.get("/scenarios/corner-shop.yaml/edit")
    area = re.search(r'<textarea name="yaml"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert area
    assert html.unescape(area.group(1)) == path.read_text(encoding="utf-8")
    token = client.cookies.get(CSRF_COOKIE)
    text = path.read_text(encoding="utf-8")
    answer = client.post("/scenarios/corner-shop.yaml/edit", data={"csrf": token, "yaml": text, "action": "validate"})
    assert answer.status_code == 200
    [line] = validate_lines(path)
    shown = html.unescape(re.search(r'<pre class="valid"[^>]*>(.*?)</pre>', answer.text, re.S).group(1))
    assert shown == line.replace(str(path), "corner-shop.yaml")


def test_saving_validates_first_and_writes_only_a_valid_text(client, workspace, tmp_path):
    assert create(client).status_code == 303
    path = workspace / "corner-shop.yaml"
    before = path.read_text(encoding="utf-8")
    token = client.cookies.get(CSRF_COOKIE)
    broken = before.replace("cpm: 7", "cpm: -7")
    answer = client.post("/scenarios/corner-shop.yaml/edit", data={"csrf": token, "yaml": broken, "action": "save"})
    assert answer.status_code == 400
    assert path.read_text(encoding="utf-8") == before
    copy = tmp_path / "corner-shop.yaml"
    copy.write_text(broken, encoding="utf-8")
    expected = validate_lines(copy)
    listed = [html.unescape(t).strip() for t in re.findall(r"<li>(.*?)</li>", answer.text, re.S)]
    assert listed == [expected[0].replace(str(copy), "corner-shop.yaml"), *[e[2:] for e in expected[1:]]]
    assert html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", answer.text, re.S).group(1)) == broken
    changed = before.replace("budget:\n  total: 6000", "budget:\n  total: 5000")
    assert changed != before
    saved = client.post("/scenarios/corner-shop.yaml/edit", data={"csrf": token, "yaml": changed, "action": "save"})
    assert saved.status_code == 200
    assert path.read_text(encoding="utf-8") == changed
    assert cli_doc("optimize", str(path))["totals"]["spend"] == pytest.approx(5000, abs=0.01)
    assert [p.name for p in workspace.iterdir() if p.name.startswith(".")] == []


def test_a_bundled_scenario_is_read_only_and_saved_as_a_copy_under_a_new_name(client, workspace):
    page = client.get(f"/scenarios/{CAFE}/edit")
    assert page.status_code == 200
    assert 'value="save"' not in page.text
    token = client.cookies.get(CSRF_COOKIE)
    text = client.get(f"/api/scenarios/{CAFE}").json()["yaml"]
    answer = client.post(
        f"/scenarios/{CAFE}/edit",
        data={"csrf": token, "yaml": text, "action": "copy", "copy_name": "my-cafe"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/scenarios/my-cafe.yaml/edit"
    assert (workspace / "my-cafe.yaml").read_text(encoding="utf-8") == text
    again = client.post(
        f"/scenarios/{CAFE}/edit", data={"csrf": token, "yaml": text, "action": "copy", "copy_name": "my-cafe"}
    )
    assert again.status_code == 409
    escape = client.post(
        f"/scenarios/{CAFE}/edit", data={"csrf": token, "yaml": text, "action": "copy", "copy_name": "../x"}
    )
    assert escape.status_code == 400
    assert sorted(p.name for p in workspace.parent.rglob("*.yaml")) == ["my-cafe.yaml"]


def test_saving_over_a_bundled_scenario_is_refused(client, workspace):
    token = csrf(client, f"/scenarios/{CAFE}/edit")
    text = client.get(f"/api/scenarios/{CAFE}").json()["yaml"]
    answer = client.post(f"/scenarios/{CAFE}/edit", data={"csrf": token, "yaml": text, "action": "save"})
    assert answer.status_code == 400
    assert "bundled scenario and read-only" in answer.text
    assert list(workspace.glob("*.yaml")) == []


@pytest.mark.parametrize("path", ["/scenarios/new", f"/scenarios/{CAFE}/edit"])
def test_with_a_token_the_pages_need_the_login_and_their_posts_the_token(workspace, path):
    guarded = TestClient(create_app(workspace, "s3cret-token-for-tests"), follow_redirects=False)
    answer = guarded.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=/")
    assert guarded.post(path, data={**SHOP, "yaml": "x", "action": "copy", "copy_name": "c"}).status_code == 401
    assert list(workspace.glob("*.yaml")) == []


@pytest.mark.parametrize(("headers", "heading"), [({}, "YAML of"), (GERMAN, "YAML von")])
def test_the_editor_in_both_languages(client, headers, heading):
    page = client.get(f"/scenarios/{CAFE}/edit", headers=headers)
    assert page.status_code == 200
    assert heading in page.text


@pytest.mark.parametrize(("url", "status"), [("/scenarios/no-such/edit", 404), ("/scenarios/.hidden/edit", 400)])
def test_the_editor_of_an_unknown_or_bad_name_is_an_error_page(client, url, status):
    assert client.get(url).status_code == status


def test_a_form_over_the_size_limit_is_413(client, workspace):
    from campaign.web.scenario_pages import MAX_FORM

    token = csrf(client)
    answer = client.post(
        "/scenarios/corner-shop.yaml/edit",
        content=b"csrf=" + token.encode() + b"&yaml=" + b"a" * (MAX_FORM + 1),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 413
    assert list(workspace.glob("*.yaml")) == []
