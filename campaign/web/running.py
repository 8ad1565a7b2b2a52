"""The simulation as a background job: start it, poll its progress and result, cancel it.

``POST /api/scenarios/{name}/simulate`` answers ``{"job": ID}`` at once (202);
``GET /api/jobs/{ID}`` gives ``{"status", "done", "total", "result"}``, the
result being the `simulate --json` document once done; ``DELETE`` cancels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request

from campaign import app
from campaign.web.bodies import SimulateBody
from campaign.web.jobs import Jobs
from campaign.web.planning import workspace

router = APIRouter(prefix="/api", tags=["jobs"])


def jobs(request: Request) -> Jobs:
    """The app's jobs."""
    held: Jobs = request.app.state.jobs
    return held


@router.post("/scenarios/{name:path}/simulate", status_code=202)
def simulate(name: str, request: Request, body: SimulateBody | None = None) -> dict[str, Any]:
    """Start `campaign simulate NAME --json` with the body's options as a job."""
    body = body or SimulateBody()
    options = body
    path = workspace(request).scenario(name)

    def work(progress: Callable[[int, int], None]) -> dict[str, Any]:
        done = app.simulate(
            path,
            options.variant,
            runs=options.runs,
            seed=options.seed,
            crises=options.crises,
            progress=progress,
            fixed_parameters=options.fixed_parameters,
        )
        return done.result.to_dict()

    job = jobs(request).start(work, body.runs or 0, name, body.variant)
    return {"job": job.id}


@router.get("/jobs/{key}")
def job_status(key: str, request: Request) -> dict[str, Any]:
    """The job's status (running, done, failed, cancelled), progress and result."""
    return jobs(request).get(key).to_dict()


@router.delete("/jobs/{key}")
def cancel(key: str, request: Request) -> dict[str, Any]:
    """Ask the job to stop; it reports "cancelled" once it has."""
    return jobs(request).cancel(key).to_dict()
