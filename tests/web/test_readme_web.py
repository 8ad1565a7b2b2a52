"""The figures the README's "Web app and HTTP API" section states are the code's."""

from __future__ import annotations

import inspect
from pathlib import Path

from campaign.plan_store import KEPT_RUNS, STORE_FILE
from campaign.web import create_app
from campaign.web.jobs import Jobs
from campaign.web.pending import Pending
from campaign.web.scenario_pages import MAX_FORM
from campaign.web.uploads import MAX_BYTES, MAX_FILES, MAX_REQUEST, MB
from simulation.montecarlo import CHUNK

README = Path(__file__).parents[2] / "README.md"


def section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("## Web app and HTTP API", 1)[1].split("\n## ", 1)[0]


def test_the_limits_the_readme_states():
    text = section()
    assert (MAX_FILES, MAX_BYTES // MB, MAX_REQUEST // MB) == (10, 20, 50)
    assert "At most 10 files and 20 MiB each, 50 MiB a request" in text
    running = inspect.signature(create_app).parameters["jobs"].default
    kept = inspect.signature(Jobs).parameters["kept"].default
    assert (running, kept) == (2, 50)
    assert "At most 2 simulations run at once and the last 50 finished are kept" in text
    assert "as many simulations running as the server runs at once (2)" in text
    assert f"it stops at its next {CHUNK} quarters" in text
    assert (KEPT_RUNS, STORE_FILE) == (200, "campaign-store.sqlite")
    assert "the last 200 runs no version refers to are kept" in text
    assert "`campaign-store.sqlite`" in text
    held = inspect.signature(Pending).parameters
    assert (held["kept"].default, held["seconds"].default) == (4, 3600.0)
    assert "at most 4 previews, an hour each" in text
    assert MAX_FORM // MB == 20
    assert "The form's body is at most 20 MiB (413 beyond)" in text


def test_every_route_of_the_app_is_in_the_readme(tmp_path):
    text = section()
    # The OpenAPI document lists every route of the included routers (app.routes holds the routers themselves).
    routes = {
        (method.upper(), path)
        for path, operations in create_app(tmp_path).openapi()["paths"].items()
        for method in operations
        if path.startswith(("/api", "/healthz"))
    }
    assert ("POST", "/api/scenarios/{name}/optimize") in routes
    missing = [f"{m} {p}" for m, p in routes if f"`{m} {p.replace('{key}', '{id}')}`" not in text]
    assert missing == []
