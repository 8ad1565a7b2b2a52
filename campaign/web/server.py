"""The web app: `create_app(workspace, token)` puts the API's routes, its error documents and the token check together.

With a token every request needs the header ``Authorization: Bearer TOKEN``
(compared in constant time); without one the app is meant for 127.0.0.1
alone (`campaign serve` refuses any other host).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from importlib import metadata
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from campaign.web import (
    actuals,
    downloads,
    errors,
    finance_pages,
    planner_pages,
    planning,
    running,
    saved,
    strategist_pages,
)
from campaign.web.jobs import Jobs
from campaign.web.pending import Pending
from campaign.web.workspace import Workspace


def authorised(request: Request, token: str) -> bool:
    """Whether the request carries ``Authorization: Bearer <token>``."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


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
    for module in (saved, downloads, planning, running, actuals, finance_pages, strategist_pages, planner_pages):
        web.include_router(module.router)
    web.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @web.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """200 while the server answers."""
        return {"status": "ok"}

    if token:

        @web.middleware("http")
        async def require_token(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            if not authorised(request, token):
                needed = "this server needs its token: send the header 'Authorization: Bearer TOKEN'"
                refused = errors.error(401, needed)
                refused.headers["WWW-Authenticate"] = "Bearer"
                return refused
            return await call_next(request)

    return web
