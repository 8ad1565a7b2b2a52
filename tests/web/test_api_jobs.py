"""The simulation as a job: started, polled, finished with `simulate --json`'s document, failed, cancelled, bounded."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from campaign.web import create_app
from campaign.web.errors import BusyError, UnknownJobError
from campaign.web.jobs import Jobs
from tests.conftest import BASE, merged
from tests.web.conftest import write_scenario
from tests.web.test_api_planning import cli_json


def finished(client: TestClient, job: str) -> dict:
    """The job's document once its thread has ended (bounded by the runs it does, not by a clock)."""
    client.app.state.jobs.wait(job)
    answer = client.get(f"/api/jobs/{job}")
    assert answer.status_code == 200
    return answer.json()


def test_a_simulation_job_runs_to_the_commands_document(client):
    started = client.post("/api/scenarios/cafe-chain-q1/simulate", json={"runs": 30, "seed": 3, "crises": False})
    assert started.status_code == 202
    job = started.json()["job"]
    doc = finished(client, job)
    assert doc["status"] == "done"
    assert (doc["done"], doc["total"]) == (30, 30)
    assert doc["result"] == cli_json("simulate", "cafe-chain-q1", "--runs", "30", "--seed", "3", "--no-crisis")


def test_progress_is_reported_in_order_up_to_the_runs(client, monkeypatch):
    from campaign.web import jobs as jobs_module

    seen: list[tuple[int, int]] = []
    original = jobs_module.Jobs._run

    def recording(self, job, work):
        def watched(progress):
            def report(done, total):
                seen.append((done, total))
                progress(done, total)

            return work(report)

        original(self, job, watched)

    monkeypatch.setattr(jobs_module.Jobs, "_run", recording)
    job = client.post("/api/scenarios/cafe-chain-q1/simulate", json={"runs": 30, "seed": 3}).json()["job"]
    assert finished(client, job)["status"] == "done"
    from simulation.montecarlo import CHUNK

    assert seen == [(min(done, 30), 30) for done in range(CHUNK, 30 + CHUNK, CHUNK)]


def test_a_failing_simulation_reports_the_commands_message(client):
    job = client.post("/api/scenarios/cafe-chain-q1/simulate", json={"variant": "nope", "runs": 5}).json()["job"]
    doc = finished(client, job)
    assert doc["status"] == "failed"
    assert doc["result"]["status"] == "error"
    assert "nope" in doc["result"]["message"]


def test_an_infeasible_simulation_fails_with_the_infeasible_document(client, workspace):
    write_scenario(workspace, merged(BASE, {"kpis": {"min_clicks": 40000}}), "infeasible.yaml")
    job = client.post("/api/scenarios/infeasible.yaml/simulate", json={"runs": 5}).json()["job"]
    doc = finished(client, job)
    assert doc["status"] == "failed"
    assert doc["result"]["status"] == "infeasible"
    assert doc["result"]["scenario"] == "infeasible.yaml"
    assert {r["name"] for r in doc["result"]["relaxations"]} >= {"budget.total", "kpi.min_clicks"}


def test_a_cancelled_simulation_stops_before_its_runs_and_says_so(client):
    job = client.post("/api/scenarios/cafe-chain-q1/simulate", json={"runs": 100000}).json()["job"]
    answer = client.delete(f"/api/jobs/{job}")
    assert answer.status_code == 200
    doc = finished(client, job)
    assert doc["status"] == "cancelled"
    assert doc["done"] < 100000
    assert doc["result"] is None


def test_only_so_many_jobs_run_at_once(workspace):
    client = TestClient(create_app(workspace, jobs=1))
    first = client.post("/api/scenarios/cafe-chain-q1/simulate", json={"runs": 100000}).json()["job"]
    second = client.post("/api/scenarios/cafe-chain-q1/simulate", json={"runs": 5})
    assert second.status_code == 429
    assert "1 jobs are running" in second.json()["message"]
    client.delete(f"/api/jobs/{first}")
    assert finished(client, first)["status"] == "cancelled"
    third = client.post("/api/scenarios/cafe-chain-q1/simulate", json={"runs": 5})
    assert third.status_code == 202
    assert finished(client, third.json()["job"])["status"] == "done"


def test_an_unknown_job_is_404(client):
    assert client.get("/api/jobs/nope").status_code == 404
    assert client.delete("/api/jobs/nope").status_code == 404


@pytest.mark.parametrize("body", [{"runs": 0}, {"runs": 100001}, {"seed": -1}, {"crisis": False}])
def test_bad_simulation_bodies_are_400_and_start_nothing(client, body):
    answer = client.post("/api/scenarios/cafe-chain-q1/simulate", json=body)
    assert answer.status_code == 400
    assert client.app.state.jobs.jobs == {}


def test_jobs_cancel_at_the_next_progress_report_and_forget_the_oldest_finished():
    jobs = Jobs(limit=1, kept=2)
    gate = threading.Event()
    reports = []

    def blocked(progress):
        progress(1, 3)
        gate.wait()
        reports.append("resumed")
        progress(2, 3)
        reports.append("not reached")
        return {}

    job = jobs.start(blocked, 3)
    with pytest.raises(BusyError):
        jobs.start(lambda progress: {}, 1)
    jobs.cancel(job.id)
    gate.set()
    assert jobs.wait(job.id).to_dict() == {"job": job.id, "status": "cancelled", "done": 2, "total": 3, "result": None}
    assert reports == ["resumed"]
    done = []
    for _ in range(3):  # each waited for before the next, as the limit is one
        done.append(jobs.start(lambda progress: {"n": 1}, 1).id)
        assert jobs.wait(done[-1]).to_dict()["result"] == {"n": 1}
    with pytest.raises(UnknownJobError, match="the server keeps its last 2 finished jobs"):
        jobs.get(job.id)
    assert list(jobs.jobs) == done[1:]
