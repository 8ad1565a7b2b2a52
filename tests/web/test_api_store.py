"""The store of runs and adopted plans over HTTP, read back by the command line (`--plan @current`)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from campaign.cli import cli
from campaign.plan_store import STORE_FILE
from scenarios import bundled_scenarios
from tests.web.conftest import write_scenario
from tests.web.test_api_actuals import META, upload
from tests.web.test_api_planning import BASE, timeless

CAFE = "/api/scenarios/cafe-chain-q1"


@contextmanager
def inside(folder: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def command(*args: str) -> dict:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def optimized(client, path: str = CAFE, **body) -> tuple[int, dict]:
    answer = client.post(f"{path}/optimize", json=body)
    assert answer.status_code == 200, answer.text
    return int(answer.headers["X-Campaign-Run"]), answer.json()


def test_a_run_is_stored_with_its_scenarios_hash_time_and_document_and_read_back(client, workspace):
    run, document = optimized(client, budget=12000)
    assert (workspace / STORE_FILE).is_file()
    [listed] = client.get("/api/runs").json()["runs"]
    bundled = bundled_scenarios()["cafe-chain-q1"][0]
    assert listed["id"] == run
    assert (listed["kind"], listed["scenario"], listed["variant"]) == ("optimize", "cafe-chain-q1", None)
    assert listed["scenario_sha256"] == hashlib.sha256(bundled.read_bytes()).hexdigest()
    assert listed["created_at"].endswith("+00:00")
    stored = client.get(f"/api/runs/{run}").json()
    assert stored["document"] == document
    # The stored plan spends what the answer's allocation spends, slot by slot.
    spend = {(r["channel"], r["format"], r["period"]): r["spend"] for r in document["allocation"]}
    assert {(r["channel"], r["format"], r["period"]): r["spend"] for r in stored["plan"]["allocation"]} == spend
    assert client.get("/api/runs/999").status_code == 404
    assert client.get("/api/runs", params={"scenario": "b2b-saas-leads"}).json() == {"runs": []}


def test_adopting_twice_makes_versions_1_and_2_the_last_current(client):
    assert client.get(f"{CAFE}/plans").json() == {"scenario": "cafe-chain-q1", "current": None, "plans": []}
    first, _ = optimized(client)
    second, document = optimized(client, budget=15000)
    one = client.post(f"{CAFE}/plans", json={"run": first})
    two = client.post(f"{CAFE}/plans", json={"run": second})
    assert (one.status_code, two.status_code) == (201, 201)
    assert (one.json()["version"], two.json()["version"]) == (1, 2)
    listed = client.get(f"{CAFE}/plans").json()
    assert listed["current"] == 2
    assert [(p["version"], p["run"]) for p in listed["plans"]] == [(1, first), (2, second)]
    assert listed["plans"][1]["totals"] == document["totals"]
    current = client.get(f"{CAFE}/plans/current").json()
    assert (current["version"], current["run"]) == (2, second)
    assert sum(r["spend"] for r in current["plan"]["allocation"]) == pytest.approx(15000, abs=0.01)
    assert client.get(f"{CAFE}/plans/1").json()["run"] == first


@pytest.mark.parametrize(
    ("path", "status"),
    [("/plans/3", 404), ("/plans/0", 400), ("/plans/abc", 400)],
)
def test_an_unknown_version_is_404_and_a_malformed_one_400(client, path, status):
    run, _ = optimized(client)
    client.post(f"{CAFE}/plans", json={"run": run})
    answer = client.get(CAFE + path)
    assert answer.status_code == status
    assert answer.json()["status"] == "error"


def test_no_adopted_plan_yet_is_404(client):
    answer = client.get(f"{CAFE}/plans/current")
    assert answer.status_code == 404
    assert "no adopted plan yet" in answer.json()["message"]


def test_adopting_an_unknown_run_a_run_of_another_scenario_or_a_bad_body_is_refused(client):
    assert client.post(f"{CAFE}/plans", json={"run": 5}).status_code == 404
    run, _ = optimized(client, "/api/scenarios/b2b-saas-leads")
    other = client.post(f"{CAFE}/plans", json={"run": run})
    assert other.status_code == 400
    assert "planned scenario 'b2b-saas-leads', not 'cafe-chain-q1'" in other.json()["message"]
    assert client.post(f"{CAFE}/plans", json={"run": 0}).status_code == 400
    assert client.post(f"{CAFE}/plans", json={"run": run, "extra": 1}).status_code == 400
    assert client.get(f"{CAFE}/plans").json()["plans"] == []


def test_a_run_of_a_scenario_file_since_changed_is_not_adopted(client, workspace):
    path = write_scenario(workspace, BASE)
    run, _ = optimized(client, "/api/scenarios/my-shop.yaml")
    write_scenario(workspace, {**BASE, "description": "changed"})
    answer = client.post("/api/scenarios/my-shop.yaml/plans", json={"run": run})
    assert answer.status_code == 400
    assert "before it changed" in answer.json()["message"]
    assert path.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/scenarios/..%2F..%2Fetc/plans"),
        ("get", "/api/scenarios/..%2Fetc/plans"),
        ("get", "/api/scenarios/..%2Fx/plans/1"),
        ("post", "/api/scenarios/..%2Fx/plans"),
        ("get", "/api/scenarios/..%2Fx/pnl.xlsx"),
        ("get", "/api/scenarios/.hidden/report.html"),
        ("get", "/api/runs?scenario=..%2Fx"),
    ],
)
def test_names_that_spell_a_path_are_400(client, method, path):
    answer = client.request(method, path, json={"run": 1} if method == "post" else None)
    assert answer.status_code == 400, answer.text
    assert "not a scenario name" in answer.json()["message"]


def test_the_command_line_reads_the_adopted_plan_in_the_workspace(client, workspace, tmp_path):
    run, _ = optimized(client, budget=14000)
    client.post(f"{CAFE}/plans", json={"run": run})
    # The same plan written by `optimize -o` as a plan file gives the same P&L.
    command("optimize", "cafe-chain-q1", "--budget", "14000", "-o", str(tmp_path / "out"))
    expected = command("pnl", "cafe-chain-q1", "--plan", str(tmp_path / "out" / "result.json"))
    with inside(workspace):
        adopted = command("pnl", "cafe-chain-q1", "--plan", "@current")
        first = command("pnl", "cafe-chain-q1", "--plan", "@1")
        missing = CliRunner().invoke(cli, ["pnl", "cafe-chain-q1", "--plan", "@2"])
        wrong = CliRunner().invoke(cli, ["simulate", "cafe-chain-q1", "--plan", "@latest", "--runs", "2"])
    assert timeless(adopted) == timeless(expected) == timeless(first)
    assert missing.exit_code == 1
    assert "has no plan version 2; its versions are 1 to 1" in missing.stderr
    assert "Traceback" not in missing.output
    assert wrong.exit_code == 1
    assert "a stored plan is @current or @N" in wrong.stderr


def test_a_reallocated_plan_is_adopted_for_the_whole_quarter(client, workspace):
    client.post("/api/actuals/import", data={"scenario": "cafe-chain-q1"}, files=upload(META))
    answer = client.post(f"{CAFE}/reallocate", json={"as_of": "2027-01-18"})
    assert answer.status_code == 200, answer.text
    run = int(answer.headers["X-Campaign-Run"])
    adopted = client.post(f"{CAFE}/plans", json={"run": run})
    assert adopted.status_code == 201, adopted.text
    plan = client.get(f"{CAFE}/plans/current").json()["plan"]
    document = answer.json()
    # The periods after as-of are the reallocation's, whole periods at their new spend.
    whole = {
        (r["channel"], r["format"], r["period"]): r["spend"]
        for r in document["allocation"]
        if r["share_of_period"] == 1.0
    }
    assert whole
    stored = {(r["channel"], r["format"], r["period"]): r["spend"] for r in plan["allocation"]}
    assert {key: stored[key] for key in whole} == pytest.approx(whole)
    # Before as-of: every slot of the past periods is planned (the ledger's spend, zero where none).
    assert {r["period"] for r in plan["allocation"]} == set(range(1, 14))


def test_a_store_that_is_not_ours_is_refused_untouched(client, workspace):
    (workspace / STORE_FILE).write_bytes(b"not a database at all, just text" * 10)
    before = (workspace / STORE_FILE).read_bytes()
    answer = client.post(f"{CAFE}/optimize", json={})
    assert answer.status_code == 400
    assert STORE_FILE in answer.json()["message"]
    assert (workspace / STORE_FILE).read_bytes() == before


def test_a_write_that_fails_midway_leaves_the_store_as_it_was(tmp_path):
    from campaign.plan_store import PlanStore

    store = PlanStore(tmp_path / STORE_FILE)
    kept = store.record("optimize", "s", None, "0" * 64, {"totals": {}}, {"allocation": []})
    with pytest.raises(TypeError):  # the document cannot be written: the insert fails inside the transaction
        store.record("optimize", "s", None, "0" * 64, {"bad": object()}, {"allocation": []})
    assert [r.id for r in store.runs()] == [kept.id]
    assert store.adopt(kept).version == 1
    assert [v.version for v in store.versions("s")] == [1]
    assert PlanStore(tmp_path / "missing.sqlite").runs() == []
    assert not (tmp_path / "missing.sqlite").exists()


def test_the_plans_command_lists_the_versions_the_app_adopted(client, workspace):
    from scenarios import amount, number

    with inside(workspace):
        empty = CliRunner().invoke(cli, ["plans", "cafe-chain-q1"])
    assert empty.exit_code == 0
    assert "cafe-chain-q1: no adopted plan yet" in empty.output
    first, _ = optimized(client)
    second, _ = optimized(client, budget=16000)
    for run in (first, second):
        client.post(f"{CAFE}/plans", json={"run": run})
    listed = client.get(f"{CAFE}/plans").json()
    with inside(workspace):
        assert command("plans", "cafe-chain-q1") == listed
        text = CliRunner().invoke(cli, ["plans", "cafe-chain-q1"]).output.splitlines()
    assert text[0].startswith("cafe-chain-q1: 2 adopted plans in ")
    for line, plan, current in zip(text[1:], listed["plans"], ("", " (current)"), strict=True):
        totals = plan["totals"]
        assert line == (
            f"  @{plan['version']}{current} adopted {plan['adopted_at']} from optimize run {plan['run']}: "
            f"spend {amount(totals['spend'], 'EUR')}, conversions {number(totals['conversions'])}"
        )


def test_adoptions_at_the_same_time_get_distinct_versions(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from campaign.plan_store import PlanStore

    path = tmp_path / STORE_FILE
    run = PlanStore(path).record("optimize", "s", None, "0" * 64, {}, {"allocation": []})
    with ThreadPoolExecutor(4) as pool:  # each thread its own connection, as two processes would have
        versions = sorted(pool.map(lambda _: PlanStore(path).adopt(run).version, range(12)))
    assert versions == list(range(1, 13))


def test_a_store_created_by_several_writers_at_once_is_created_once(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from campaign.plan_store import PlanStore

    path = tmp_path / STORE_FILE

    def record(index: int) -> int:
        return PlanStore(path).record("optimize", "s", None, "0" * 64, {"i": index}, {"allocation": []}).id

    with ThreadPoolExecutor(4) as pool:
        ids = sorted(pool.map(record, range(8)))
    assert ids == list(range(1, 9))
    assert sorted(r.document["i"] for r in PlanStore(path).runs()) == list(range(8))


def test_another_sqlite_database_under_the_stores_name_is_refused_untouched(client, workspace):
    import sqlite3

    other = sqlite3.connect(workspace / STORE_FILE)
    other.execute("CREATE TABLE notes (text TEXT)")
    other.commit()
    other.close()
    before = (workspace / STORE_FILE).read_bytes()
    answer = client.post(f"{CAFE}/optimize", json={})
    assert answer.status_code == 400
    assert "not a plan store of this tool" in answer.json()["message"]
    assert (workspace / STORE_FILE).read_bytes() == before
    assert client.get(f"{CAFE}/plans").status_code == 400
