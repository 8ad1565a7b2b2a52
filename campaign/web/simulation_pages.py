"""The simulation pages: start `campaign simulate` as a background job, watch its progress, cancel it, its bands.

`POST /simulate/{name}` starts the API's job (`running.simulate`, the use
case `app.simulate`) and leads to `GET /jobs/{id}`: a progress bar that
refreshes itself (a meta refresh without JavaScript, ``static/job.js`` with
it) until the job ends, then the KPI bands and each target's chance of being
met, the document `simulate --json` prints.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from campaign.web import running
from campaign.web.bodies import SimulateBody
from campaign.web.page_kit import CSRF_FIELD, check_csrf, render
from campaign.web.planning import workspace

router = APIRouter(tags=["pages"], include_in_schema=False)
#: Seconds between the refreshes of a running job's page.
REFRESH = 1


@router.get("/simulate/{name:path}", response_class=HTMLResponse)
def simulate_form(name: str, request: Request) -> HTMLResponse:
    """The form: how many runs, the seed, the variant, with or without crises."""
    workspace(request).scenario(name)
    return render(request, "simulate.html", {"name": name})


@router.post("/simulate/{name:path}")
async def start(name: str, request: Request) -> RedirectResponse:
    """Start the simulation (the form's options; empty ones are the scenario's) and go to its job's page."""
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD) or ""))
    options: dict[str, Any] = {
        key: str(form[key]) for key in ("variant", "runs", "seed") if str(form.get(key) or "").strip()
    }
    options["crises"] = form.get("crises") == "true"
    body = SimulateBody.model_validate(options)
    started = running.simulate(name, request, body)
    return RedirectResponse(f"/jobs/{started['job']}", status_code=303)


@router.get("/jobs/{key}", response_class=HTMLResponse)
def job(key: str, request: Request) -> HTMLResponse:
    """The job's progress while it runs; its bands once done; its error if it failed."""
    held = running.jobs(request).get(key)
    state = held.to_dict()
    result = state["result"] if state["status"] == "done" else None
    return render(
        request,
        "job.html",
        {
            "name": held.scenario,
            "job": state,
            "result": result,
            "refresh": REFRESH if state["status"] == "running" else None,
            "error": state["result"] if state["status"] == "failed" else None,
        },
    )


@router.post("/jobs/{key}/cancel")
async def cancel(key: str, request: Request) -> RedirectResponse:
    """Ask the job to stop and go back to its page (which shows "cancelled" once it has)."""
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD) or ""))
    running.jobs(request).cancel(key)
    return RedirectResponse(f"/jobs/{key}", status_code=303)
