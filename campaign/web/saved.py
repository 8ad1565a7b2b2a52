"""The store's routes: the runs recorded, and a scenario's adopted plans (adopt a run's plan, list, read a version).

`POST /api/scenarios/{name}/optimize` and `.../reallocate` record each run
in the workspace's store and name it in the header ``X-Campaign-Run``;
adopting that run makes its plan the scenario's next version, which the
command line reads as ``--plan @current`` (or ``@N``) in the workspace.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field

from campaign import app
from campaign.plan_store import PlanVersion
from campaign.web.bodies import Body
from campaign.web.planning import workspace
from scenarios import UsageError

router = APIRouter(prefix="/api", tags=["plans"])


class AdoptBody(Body):
    """The run whose plan becomes the scenario's current plan."""

    run: Annotated[int, Field(ge=1)]


def version_document(held: PlanVersion, with_plan: bool = False) -> dict[str, Any]:
    """A plan version: the scenario, its summary and, if asked, the plan itself (a plan document)."""
    document = {"scenario": held.scenario, **held.summary()}
    if with_plan:
        document["plan"] = held.run.plan
    return document


def version_of(text: str) -> int | None:
    """A version in a path: ``current`` (None) or a whole number from 1; 400 for any other."""
    if text == "current":
        return None
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise UsageError(f"{text!r} is not a plan version: give a version number (1, 2, ...) or 'current'")


@router.get("/runs")
def runs(
    request: Request,
    scenario: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The runs recorded in the workspace's store, the latest first, of one scenario or of all (no documents)."""
    space = workspace(request)
    path = space.scenario(scenario) if scenario is not None else None
    return {"runs": [r.summary() for r in app.stored_runs(path, space.store, limit)]}


@router.get("/runs/{key}")
def run(key: int, request: Request) -> dict[str, Any]:
    """One run: its summary, the result document it answered and the whole plan it made."""
    found = app.stored_run(key, workspace(request).store)
    return {**found.summary(), "document": found.document, "plan": found.plan}


@router.get("/scenarios/{name:path}/plans")
def plans(name: str, request: Request) -> dict[str, Any]:
    """The scenario's adopted plans, version 1 first, and which is current (null before any is adopted)."""
    space = workspace(request)
    return app.saved_plans(space.scenario(name), space.store).to_dict()


@router.post("/scenarios/{name:path}/plans", status_code=201)
def adopt(name: str, request: Request, body: AdoptBody) -> dict[str, Any]:
    """Adopt a run's plan as the scenario's current plan: its next version."""
    space = workspace(request)
    return version_document(app.adopt_plan(space.scenario(name), body.run, space.store))


@router.get("/scenarios/{name:path}/plans/{version}")
def plan(name: str, version: str, request: Request) -> dict[str, Any]:
    """One adopted plan (a number or ``current``) with the plan itself, as a `--plan` file holds it."""
    space = workspace(request)
    return version_document(app.saved_plan(space.scenario(name), version_of(version), space.store), True)
