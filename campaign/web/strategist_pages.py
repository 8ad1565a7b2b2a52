"""The strategist's pages: upload exports, preview how their rows map, import them, the actuals per cell,
reallocate the rest of the quarter, and adopt the new plan (versioned).

A preview writes nothing: the files wait in memory (`pending`) under a key
the import form sends back. Each route calls one use case and renders.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from campaign import app
from campaign.app.common import NoLedgerError
from campaign.app.defaults import MAX_CHANGE
from campaign.web.actuals import currency, dates
from campaign.web.bodies import ImportForm
from campaign.web.page_kit import CSRF_FIELD, check_csrf, render
from campaign.web.pending import Held, Pending
from campaign.web.planning import workspace
from campaign.web.uploads import kept, read_form, shown, temporary

router = APIRouter(tags=["pages"], include_in_schema=False)


def pending(request: Request) -> Pending:
    """The previews waiting to be imported."""
    held: Pending = request.app.state.pending
    return held


@router.get("/actuals/{name:path}/reallocate", response_class=HTMLResponse)
def reallocate_form(name: str, request: Request) -> HTMLResponse:
    """The reallocation form: an as-of date and a move limit."""
    workspace(request).scenario(name)
    return render(request, "reallocate.html", {"name": name, "as_of": "", "max_change": MAX_CHANGE * 100})


@router.get("/actuals/{name:path}", response_class=HTMLResponse)
def actuals(name: str, request: Request) -> HTMLResponse:
    """The upload form and what the ledger holds per cell (`actuals show`)."""
    space = workspace(request)
    path = space.scenario(name)
    try:
        summary = app.show_actuals(path, space.ledger(name))
    except NoLedgerError:
        summary = None  # nothing imported yet: the page says so
    return render(request, "actuals.html", {"name": name, "summary": summary})


@router.post("/actuals/{name:path}/preview", response_class=HTMLResponse)
async def preview(name: str, request: Request) -> HTMLResponse:
    """How each uploaded export's rows map onto the cells and which rows no rule claims; nothing written."""
    upload = await read_form(request)
    check_csrf(request, upload.fields.get(CSRF_FIELD))
    # A browser sends the optional fields left empty as empty strings: those are not given.
    fields = {k: v for k, v in upload.fields.items() if k in ("currency", "from", "to") and v.strip()}
    form = ImportForm.model_validate({**fields, "scenario": name})
    space = workspace(request)

    def run() -> list[dict[str, Any]]:
        path = space.scenario(name)
        with temporary(space.folder, upload.uploads) as paths:
            found = [p.to_dict() for p in app.preview_actuals(paths, path, currency(form), dates(form))]
            previews: list[dict[str, Any]] = shown(found, paths[0].parents[1])
            return previews

    previews = await run_in_threadpool(run)
    key = pending(request).hold(Held(name, upload.uploads, fields))
    return render(request, "preview.html", {"name": name, "previews": previews, "key": key})


@router.post("/actuals/{name:path}/import", response_class=HTMLResponse)
def import_actuals(
    name: str,
    request: Request,
    key: Annotated[str, Form()],
    replace: Annotated[bool, Form()] = False,
    csrf: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    """Import the previewed exports into the scenario's ledger, all in one transaction."""
    check_csrf(request, csrf)
    space = workspace(request)
    held = pending(request).get(key, name)
    form = ImportForm.model_validate({**held.fields, "scenario": name, "replace": replace})
    path = space.scenario(name)
    with kept(space.folder, held.uploads) as paths:
        reports = app.import_actuals(paths, path, space.ledger(name), currency(form), dates(form), replace)
    pending(request).drop(key)
    return render(request, "imported.html", {"name": name, "reports": [r.to_dict() for r in reports]})


@router.post("/actuals/{name:path}/reallocate", response_class=HTMLResponse)
def reallocate(
    name: str,
    request: Request,
    as_of: Annotated[dt.date, Form()],
    max_change: Annotated[float, Form(ge=0, le=1000, allow_inf_nan=False)] = MAX_CHANGE * 100,
    csrf: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    """Re-optimise the rest of the quarter from the ledger; the change table with reasons, and adopt."""
    check_csrf(request, csrf)
    space = workspace(request)
    path = space.scenario(name)
    done = app.reallocate(path, as_of, None, space.ledger(name), max_change / 100, store=space.store)
    context = {
        "name": name,
        "as_of": as_of.isoformat(),
        "max_change": max_change,
        "result": done.result.to_dict(),
        "run": done.run.id if done.run is not None else None,
    }
    return render(request, "reallocated.html", context)


@router.post("/plans/{name:path}")
def adopt(
    name: str, request: Request, run: Annotated[int, Form(ge=1)], csrf: Annotated[str | None, Form()] = None
) -> RedirectResponse:
    """Adopt the run's plan as the scenario's current plan (its next version), then show the versions."""
    check_csrf(request, csrf)
    space = workspace(request)
    app.adopt_plan(space.scenario(name), run, space.store)
    return RedirectResponse(request.url_for("plans_page", name=name), status_code=303)


@router.get("/plans/{name:path}", response_class=HTMLResponse, name="plans_page")
def plans(name: str, request: Request) -> HTMLResponse:
    """The scenario's adopted plans, version 1 first, the current one marked."""
    space = workspace(request)
    saved = app.saved_plans(space.scenario(name), space.store)
    return render(request, "plans.html", {"name": name, "saved": saved.to_dict()})
