"""The planning routes: the scenarios, validate, optimize, frontier, whatif and pnl, each one use case.

Each answers the document the command's ``--json`` prints (`campaign.app`'s
results' `to_dict`); the bodies are the commands' options (`bodies`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from campaign import app
from campaign.web.bodies import FrontierBody, OptimizeBody, PnlBody, WhatIfBody
from campaign.web.workspace import Workspace
from optimizer import FrontierResult

router = APIRouter(prefix="/api", tags=["planning"])
#: The header naming the run a route recorded in the workspace's store.
RUN_HEADER = "X-Campaign-Run"


def workspace(request: Request) -> Workspace:
    """The workspace the app serves."""
    space: Workspace = request.app.state.workspace
    return space


@router.get("/scenarios")
def list_scenarios(request: Request) -> dict[str, Any]:
    """The bundled scenarios (the `scenarios --json` entries) and the workspace's scenario files."""
    found = app.folder_scenarios(workspace(request).folder)
    return {"scenarios": [s.to_dict() for s in app.scenarios()], "workspace": [s.to_dict() for s in found]}


@router.get("/scenarios/{name:path}")
def show_scenario(name: str, request: Request) -> dict[str, Any]:
    """One scenario's name, where it comes from, its file and its YAML text."""
    space = workspace(request)
    path = space.scenario(name)
    return {"name": name, "source": space.source(name), "path": str(path), "yaml": space.text(name)}


@router.post("/scenarios/{name:path}/validate")
def validate(name: str, request: Request) -> dict[str, Any]:
    """`campaign validate NAME --json`."""
    return app.validate(workspace(request).scenario(name)).to_dict()


@router.post("/scenarios/{name:path}/optimize")
def optimize(name: str, request: Request, response: Response, body: OptimizeBody | None = None) -> dict[str, Any]:
    """`campaign optimize NAME --json` with the body's options; 409 with the relaxations when infeasible.

    The run is recorded in the workspace's store; the header ``X-Campaign-Run`` names it (to adopt its plan).
    """
    body = body or OptimizeBody()
    request.state.variant = body.variant
    space = workspace(request)
    path = space.scenario(name)
    done = app.optimize(
        path,
        body.variant,
        body.budget,
        body.objective,
        body.tolerance,
        store=space.store,
        without_kpis=tuple(body.without_kpis),
    )
    if done.run is not None:
        response.headers[RUN_HEADER] = str(done.run.id)
    return done.result.to_dict()


@router.post("/scenarios/{name:path}/frontier")
def frontier(name: str, request: Request, body: FrontierBody | None = None) -> dict[str, Any]:
    """`campaign frontier NAME --json` with the body's options."""
    return traced(name, request, body).to_dict()


def traced(name: str, request: Request, body: FrontierBody | None = None) -> FrontierResult:
    """The budget frontier of the workspace's scenario `name` (`app.frontier`) with the body's options."""
    body = body or FrontierBody()
    path = workspace(request).scenario(name)
    return app.frontier(path, body.variant, body.start, body.stop, body.points, body.tolerance).result


@router.post("/scenarios/{name:path}/whatif")
def whatif(name: str, request: Request, body: WhatIfBody | None = None) -> dict[str, Any]:
    """`campaign whatif NAME --json` with the body's options."""
    body = body or WhatIfBody()
    path = workspace(request).scenario(name)
    done = app.whatif(
        path, body.variants, body.sweeps, body.simulate, body.seed, fixed_parameters=body.fixed_parameters
    )
    return done.result.to_dict()


@router.post("/scenarios/{name:path}/pnl")
def pnl(name: str, request: Request, body: PnlBody | None = None) -> dict[str, Any]:
    """`campaign pnl NAME --json` with the body's options; 409 with the relaxations when infeasible."""
    body = body or PnlBody()
    request.state.variant = body.variant
    path = workspace(request).scenario(name)
    done = app.pnl(
        path,
        body.variant,
        simulate=body.simulate,
        seed=body.seed,
        compare_team=body.compare_team,
        fixed_parameters=body.fixed_parameters,
    )
    return done.to_dict()
