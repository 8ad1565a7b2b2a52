"""The web app: `create_app(workspace, token)` puts the API's routes, its error documents and the token check together.

With a token every request needs the header ``Authorization: Bearer TOKEN``
(compared in constant time) or, for the pages, the login's session cookie
(`security`); without one the app is meant for 127.0.0.1
alone (`campaign serve` refuses any other host).
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from campaign.web import (
    actuals,
    downloads,
    errors,
    explore_pages,
    finance_pages,
    origin,
    planner_pages,
    planning,
    running,
    saved,
    scenario_pages,
    security,
    simulation_pages,
    strategist_pages,
)
from campaign.web.jobs import Jobs
from campaign.web.pending import Pending
from campaign.web.workspace import Workspace


def create_app(workspace: Path, token: str | None = None, jobs: int = 2) -> FastAPI:
    """The app serving the scenario files of the folder `workspace`; with `token`, for bearers of it alone.

    `jobs` is how many simulations run at once. A missing folder is a `UsageError`.
    """
    web = FastAPI(
        title="campaign-planner",
        version=metadata.version("campaign-planner"),
        description="The command line's use cases over HTTP: each route answers the document its command's --json "
        'prints; errors as {"status": "error", "message"} with a 4xx code, no plan as 409 with the relaxations.',
    )
    web.state.workspace = Workspace.at(workspace)
    web.state.jobs = Jobs(limit=jobs)
    errors.install(web)
    # The store's and the downloads' routes first: `/scenarios/{name:path}` would take their paths.
    web.state.pending = Pending()
    for module in (
        scenario_pages,
        saved,
        downloads,
        planning,
        running,
        actuals,
        finance_pages,
        strategist_pages,
        planner_pages,
        simulation_pages,
        explore_pages,
    ):
        web.include_router(module.router)
    web.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @web.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """200 while the server answers."""
        return {"status": "ok"}

    web.state.token = token
    web.include_router(security.router)
    if token:
        security.guard(web, token)
    origin.same_site_only(web)  # added last, so it runs first

    return web
