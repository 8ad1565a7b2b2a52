"""The planning routes answer the documents of the commands' --json, and every error as a 4xx document."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from campaign.cli import cli
from scenarios.library import bundled_scenarios
from tests.conftest import BASE, merged
from tests.web.conftest import write_scenario


def cli_json(*args: str) -> dict:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code in (0, 3), result.output
    return json.loads(result.stdout)


def timeless(document):
    """`document` without the solver's wall-clock seconds, the one figure two runs do not share."""
    if isinstance(document, dict):
        return {key: timeless(value) for key, value in document.items() if key != "seconds"}
    if isinstance(document, list):
        return [timeless(item) for item in document]
    return document


def test_healthz_answers(client):
    assert client.get("/healthz").status_code == 200


def test_scenarios_lists_the_bundled_ones_as_the_command_does_and_the_workspace_files(client, workspace):
    write_scenario(workspace, BASE)
    (workspace / "broken.yaml").write_text("name: broken\nbudget: {total: -5}\n", encoding="utf-8")
    (workspace / "notes.txt").write_text("not a scenario", encoding="utf-8")
    answer = client.get("/api/scenarios")
    assert answer.status_code == 200
    doc = answer.json()
    assert doc["scenarios"] == cli_json("scenarios")["scenarios"]
    listed = {entry["name"]: entry for entry in doc["workspace"]}
    assert sorted(listed) == ["broken.yaml", "my-shop.yaml"]
    assert listed["my-shop.yaml"]["valid"] is True
    assert listed["my-shop.yaml"]["message"] is None
    assert listed["broken.yaml"]["valid"] is False
    assert "budget" in listed["broken.yaml"]["message"]


def test_a_link_out_of_the_workspace_is_not_one_of_its_scenarios(client, workspace, tmp_path):
    outside = write_scenario(tmp_path, BASE, "outside.yaml")
    (workspace / "linked.yaml").symlink_to(outside)
    assert [e["name"] for e in client.get("/api/scenarios").json()["workspace"]] == []
    answer = client.post("/api/scenarios/linked.yaml/validate")
    assert answer.status_code == 404


def test_show_gives_the_file_text_and_where_it_comes_from(client, workspace):
    path = write_scenario(workspace, BASE)
    doc = client.get("/api/scenarios/my-shop.yaml").json()
    assert doc == {"name": "my-shop.yaml", "source": "workspace", "path": str(path), "yaml": path.read_text()}
    bundled = client.get("/api/scenarios/cafe-chain-q1").json()
    assert bundled["source"] == "bundled"
    assert bundled["yaml"] == bundled_scenarios()["cafe-chain-q1"][0].read_text(encoding="utf-8")


def test_validate_is_the_command_document(client, workspace):
    path = write_scenario(workspace, BASE)
    answer = client.post("/api/scenarios/my-shop.yaml/validate")
    assert answer.status_code == 200
    assert answer.json() == cli_json("validate", str(path))


def test_an_invalid_scenario_file_is_400_with_the_loaders_message(client, workspace):
    (workspace / "broken.yaml").write_text("name: broken\nbudget: {total: -5}\n", encoding="utf-8")
    answer = client.post("/api/scenarios/broken.yaml/validate")
    assert answer.status_code == 400
    doc = answer.json()
    assert doc["status"] == "error"
    assert CliRunner().invoke(cli, ["validate", str(workspace / "broken.yaml")]).stderr.strip() == (
        f"Error: {doc['message']}"
    )


@pytest.mark.parametrize(
    ("body", "args"),
    [
        ({}, []),
        ({"budget": 12000, "objective": "profit"}, ["--budget", "12000", "--objective", "profit"]),
        ({"variant": "lean", "tolerance": 1e-4}, ["--variant", "lean", "--tolerance", "1e-4"]),
    ],
)
def test_optimize_returns_the_same_document_as_the_command(client, body, args):
    answer = client.post("/api/scenarios/cafe-chain-q1/optimize", json=body)
    assert answer.status_code == 200
    expected = cli_json("optimize", "cafe-chain-q1", *args)
    assert answer.json()["totals"] == expected["totals"]
    assert answer.json()["allocation"] == expected["allocation"]
    assert timeless(answer.json()) == timeless(expected)


def test_infeasible_is_409_with_the_relaxations_of_the_commands_exit_3_document(client, workspace):
    path = write_scenario(workspace, merged(BASE, {"kpis": {"min_clicks": 40000}}), "infeasible.yaml")
    answer = client.post("/api/scenarios/infeasible.yaml/optimize")
    assert answer.status_code == 409
    doc = answer.json()
    expected = cli_json("optimize", str(path))
    assert doc["status"] == "infeasible"
    assert {r["name"] for r in doc["relaxations"]} >= {"budget.total", "kpi.min_clicks"}
    assert timeless(doc) == timeless({**expected, "scenario": "infeasible.yaml"})


def test_frontier_returns_the_same_document_as_the_command(client):
    answer = client.post("/api/scenarios/cafe-chain-q1/frontier", json={"start": 6000, "stop": 24000, "points": 4})
    assert answer.status_code == 200
    expected = cli_json("frontier", "cafe-chain-q1", "--from", "6000", "--to", "24000", "--points", "4")
    assert timeless(answer.json()) == timeless(expected)


def test_a_frontier_range_ending_below_its_start_is_400(client):
    answer = client.post("/api/scenarios/cafe-chain-q1/frontier", json={"start": 20000, "stop": 10000})
    assert answer.status_code == 400
    assert "is not above its start" in answer.json()["message"]


def test_whatif_returns_the_same_document_as_the_command(client):
    body = {"variants": ["lean"], "sweeps": ["budget.total=12000:18000:6000"]}
    answer = client.post("/api/scenarios/cafe-chain-q1/whatif", json=body)
    assert answer.status_code == 200
    expected = cli_json("whatif", "cafe-chain-q1", "--variants", "lean", "--sweep", "budget.total=12000:18000:6000")
    assert timeless(answer.json()) == timeless(expected)


def test_pnl_returns_the_same_document_as_the_command(client):
    answer = client.post("/api/scenarios/cafe-chain-q1/pnl", json={})
    assert answer.status_code == 200
    assert timeless(answer.json()) == timeless(cli_json("pnl", "cafe-chain-q1"))


def test_pnl_passes_every_option_of_its_body_to_the_use_case(client, monkeypatch):
    from types import SimpleNamespace

    from campaign import app

    calls = []

    def recorded(*args, **options):
        calls.append((args, options))
        return SimpleNamespace(to_dict=lambda: {"recorded": True})

    monkeypatch.setattr(app, "pnl", recorded, raising=False)
    body = {"variant": "lean", "simulate": 7, "seed": 5, "compare_team": True, "fixed_parameters": True}
    answer = client.post("/api/scenarios/cafe-chain-q1/pnl", json=body)
    assert answer.json() == {"recorded": True}
    [(args, options)] = calls
    assert args == (bundled_scenarios()["cafe-chain-q1"][0], "lean")
    assert options == {"simulate": 7, "seed": 5, "compare_team": True, "fixed_parameters": True}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"budget": -1}, "budget"),
        ({"budget": "lots"}, "budget"),
        ({"objective": "fame"}, "objective"),
        ({"tolerance": 0.9}, "tolerance"),
        ({"budgett": 12000}, "budgett"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(client, body, field):
    answer = client.post("/api/scenarios/cafe-chain-q1/optimize", json=body)
    assert answer.status_code == 400
    doc = answer.json()
    assert doc["status"] == "error"
    assert f"{field}:" in doc["message"]


def test_an_unknown_variant_is_400_with_the_commands_message(client):
    answer = client.post("/api/scenarios/cafe-chain-q1/optimize", json={"variant": "nope"})
    assert answer.status_code == 400
    stderr = CliRunner().invoke(cli, ["optimize", "cafe-chain-q1", "--variant", "nope"]).stderr
    assert stderr.strip() == f"Error: {answer.json()['message']}"


@pytest.mark.parametrize(
    "name", ["..%2Fx", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", ".hidden.yaml", "a%5Cb", "%2E%2E", "%2E%2E%2Fx"]
)
def test_a_name_that_could_spell_a_path_is_400(client, name):
    answer = client.post(f"/api/scenarios/{name}/validate")
    assert answer.status_code == 400
    assert "is not a scenario name" in answer.json()["message"]


def test_a_name_that_is_neither_bundled_nor_a_workspace_file_is_404(client, workspace):
    (workspace / "elsewhere").mkdir()
    write_scenario(workspace / "elsewhere", BASE)
    for route in ("validate", "optimize", "frontier", "whatif", "pnl", "simulate"):
        answer = client.post(f"/api/scenarios/no-such-scenario/{route}")
        assert answer.status_code == 404, route
        assert answer.json()["status"] == "error"
    assert client.get("/api/scenarios/my-shop.yaml").status_code == 404


def test_bundled_scenarios_are_named_as_their_files_so_the_ledger_is_the_command_lines():
    from scenarios.loader import load_scenario

    for name, (path, _) in bundled_scenarios().items():
        assert load_scenario(path).name == name


def test_a_bug_is_500_with_the_error_document(workspace, monkeypatch):
    from fastapi.testclient import TestClient

    from campaign import app
    from campaign.web import create_app

    def broken(scenario):
        raise RuntimeError("boom")

    monkeypatch.setattr(app, "validate", broken, raising=False)
    client = TestClient(create_app(workspace), raise_server_exceptions=False)
    answer = client.post("/api/scenarios/cafe-chain-q1/validate")
    assert answer.status_code == 500
    assert answer.json() == {
        "status": "error",
        "message": "the server failed on this request (RuntimeError: boom); this is a bug",
    }


def test_the_openapi_page_documents_every_route_and_the_upload_form(client):
    spec = client.get("/openapi.json").json()
    assert "multipart/form-data" in spec["paths"]["/api/actuals/import"]["post"]["requestBody"]["content"]
    assert set(spec["paths"]["/api/scenarios/{name}/optimize"]["post"]["requestBody"]["content"]) == {
        "application/json"
    }
    assert client.get("/docs").status_code == 200
