"""KPIs switched off: the command line, the API and the plan page leave them out alike, as a file without them does."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
import yaml
from babel.numbers import format_decimal
from click.testing import CliRunner

from campaign import app
from campaign.cli import cli
from scenarios import UsageError
from scenarios.library import bundled_scenarios
from tests.conftest import BASE, merged
from tests.web.conftest import write_scenario
from tests.web.test_api_planning import timeless
from tests.web.test_pages_planner import euros, text_of
from tests.web.test_pages_strategist import GERMAN, cells_of

CAFE = "cafe-chain-q1"
#: The café's reach floor binds at its budget: leaving it out changes the plan.
OFF = "min_reach"
KPIS = ["min_reach", "min_new_followers", "max_cpa", "min_roas", "max_bounce_rate", "max_negative_feedback"]


def without_in_file(folder: Path, *names: str) -> Path:
    """The café scenario as a file with the KPIs `names` deleted (and their sources): the independent path."""
    data = yaml.safe_load(bundled_scenarios()[CAFE][0].read_text(encoding="utf-8"))
    for name in names:
        del data["kpis"][name]
        data.get("sources", {}).pop(f"kpis.{name}", None)
    path = folder / "deleted.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def plan_of(document: dict) -> tuple:
    """What the plan is: its totals, allocation, KPIs, constraints and empty cells."""
    return tuple(timeless(document[key]) for key in ("totals", "allocation", "kpis", "constraints", "zero_spend"))


def test_a_kpi_left_out_plans_as_a_file_with_that_kpi_deleted(tmp_path):
    left_out = app.optimize(CAFE, without_kpis=(OFF,)).result.to_dict()
    deleted = app.optimize(without_in_file(tmp_path, OFF)).result.to_dict()
    assert plan_of(left_out) == plan_of(deleted)
    assert left_out["without_kpis"] == [OFF]
    assert deleted["without_kpis"] == []
    assert OFF not in [k["name"] for k in left_out["kpis"]]
    assert f"kpi.{OFF}" not in [c["name"] for c in left_out["constraints"]]
    # The floor bound the plan: without it the plan changes and, a relaxation, buys no fewer conversions.
    full = app.optimize(CAFE).result.to_dict()
    assert left_out["allocation"] != full["allocation"]
    tolerance = full["solver"]["tolerance"] * full["totals"]["conversions"]
    assert left_out["totals"]["conversions"] >= full["totals"]["conversions"] - tolerance


def test_two_kpis_left_out_in_any_order_plan_as_a_file_without_both(tmp_path):
    left_out = app.optimize(CAFE, without_kpis=("max_cpa", OFF, "max_cpa")).result.to_dict()
    assert plan_of(left_out) == plan_of(app.optimize(without_in_file(tmp_path, OFF, "max_cpa")).result.to_dict())
    assert left_out["without_kpis"] == ["max_cpa", OFF]


def test_an_unknown_kpi_is_a_usage_error_naming_the_ones_the_scenario_sets():
    with pytest.raises(UsageError) as raised:
        app.optimize(CAFE, without_kpis=("max_cp",))
    message = str(raised.value)
    assert "--without-kpi 'max_cp'" in message
    assert f"scenario '{CAFE}' sets no such KPI" in message
    assert message.endswith("the KPIs it sets are " + ", ".join(KPIS))


def test_the_command_line_leaves_the_kpi_out_and_says_so(tmp_path):
    result = CliRunner().invoke(cli, ["optimize", CAFE, "--without-kpi", OFF, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert timeless(document) == timeless(app.optimize(CAFE, without_kpis=(OFF,)).result.to_dict())
    text = CliRunner().invoke(cli, ["optimize", CAFE, "--without-kpi", OFF])
    assert text.exit_code == 0, text.output
    assert f"Left out on request (the plan is not held to them): {OFF}" in text.stdout
    written = CliRunner().invoke(cli, ["optimize", CAFE, "--without-kpi", OFF, "-o", str(tmp_path / "out")])
    assert written.exit_code == 0, written.output
    resolved = yaml.safe_load((tmp_path / "out" / "scenario.yaml").read_text(encoding="utf-8"))
    assert resolved["kpis"].get(OFF) is None  # the resolved scenario re-runs the same plan


def test_the_command_line_refuses_an_unknown_kpi_with_exit_1_writing_nothing(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["optimize", CAFE, "--without-kpi", "max_cp", "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {refusal('max_cp')}"
    assert "Traceback" not in result.output
    assert not out.exists()


def refusal(name: str) -> str:
    """The use case's message for the KPI `name` it does not know."""
    try:
        app.optimize(CAFE, without_kpis=(name,))
    except UsageError as error:
        return str(error)
    raise AssertionError(f"{name} was accepted")


def test_leaving_out_a_kpi_the_objective_needs_is_refused_naming_the_option(tmp_path):
    path = write_scenario(tmp_path, merged(BASE, {"objective": "min_spend", "kpis": {"min_conversions": 500}}))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["optimize", str(path), "--without-kpi", "min_conversions", "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --budget/--objective/--without-kpi: 1 problem\n  - kpis.min_conversions: ")
    assert "is required when the objective is min_spend" in result.stderr
    assert not out.exists()


def test_without_kpi_and_confidence_together_are_a_usage_error():
    result = CliRunner().invoke(cli, ["optimize", CAFE, "--without-kpi", OFF, "--confidence", "0.9"])
    assert result.exit_code == 2
    assert "--without-kpi" in result.stderr


def test_the_api_gives_the_commands_document(client):
    answer = client.post(f"/api/scenarios/{CAFE}/optimize", json={"without_kpis": [OFF]})
    assert answer.status_code == 200, answer.text
    expected = json.loads(CliRunner().invoke(cli, ["optimize", CAFE, "--without-kpi", OFF, "--json"]).stdout)
    assert answer.json()["totals"] == expected["totals"]
    assert timeless(answer.json()) == timeless(expected)
    assert answer.json()["without_kpis"] == [OFF]


def test_the_api_refuses_an_unknown_kpi_with_the_commands_message(client):
    answer = client.post(f"/api/scenarios/{CAFE}/optimize", json={"without_kpis": ["max_cp"]})
    assert answer.status_code == 400
    assert answer.json()["message"] == refusal("max_cp")


def switched(off: tuple[str, ...]) -> dict[str, list[str]]:
    """The plan form's query: every KPI listed, those not in `off` switched on."""
    return {"kpi": KPIS, "kpi_on": [k for k in KPIS if k not in off]}


@pytest.mark.parametrize(("headers", "locale", "state"), [({}, "en", "off:"), (GERMAN, "de_DE", "aus:")])
def test_the_page_switches_a_kpi_off_and_shows_it_off(client, headers, locale, state):
    page = client.get(f"/plan/{CAFE}", params=switched((OFF,)), headers=headers)
    assert page.status_code == 200, page.text
    expected = app.optimize(CAFE, without_kpis=(OFF,)).result.to_dict()
    assert euros(text_of(page.text, 'data-total="spend"'), locale) == round(expected["totals"]["spend"])
    full = app.optimize(CAFE).result.to_dict()
    assert round(full["totals"]["conversions"]) != round(expected["totals"]["conversions"])  # the page shows which
    conversions = text_of(page.text, 'data-total="conversions"')
    assert conversions == format_decimal(round(expected["totals"]["conversions"]), format="#,##0", locale=locale)
    rows = {row[0]: row[1:] for row in cells_of(page.text, "kpis")[1:]}
    assert rows[OFF][0].startswith(state)
    assert list(rows) == [k["name"] for k in expected["kpis"]] + [OFF]
    assert f'data-switch="{OFF}" >' in page.text  # unchecked
    for name in KPIS:
        assert f'<input type="hidden" name="kpi" value="{name}">' in page.text
        if name != OFF:
            assert f'data-switch="{name}" checked>' in page.text


def test_a_first_visit_has_every_kpi_on(client):
    page = client.get(f"/plan/{CAFE}")
    for name in KPIS:
        assert f'data-switch="{name}" checked>' in page.text
    assert 'class="off"' not in page.text


def test_every_kpi_off_plans_without_any(client, tmp_path):
    page = client.get(f"/plan/{CAFE}", params={"kpi": KPIS})
    assert page.status_code == 200, page.text
    expected = app.optimize(without_in_file(tmp_path, *KPIS)).result.to_dict()
    assert text_of(page.text, 'data-total="conversions"') == f"{round(expected['totals']['conversions']):,}"


def test_a_forged_kpi_name_is_an_error_page_escaped(client):
    name = "<script>alert(1)</script>"
    page = client.get(f"/plan/{CAFE}", params={"kpi": [name]})
    assert page.status_code == 400
    assert name not in page.text
    assert "sets no such KPI" in html.unescape(page.text)
