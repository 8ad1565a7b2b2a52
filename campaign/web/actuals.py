"""The actuals routes: preview and import uploaded exports, and reallocate the rest of the quarter.

Uploads are multipart forms (files in the field ``files``, the options as
text fields) read with limits (`uploads`); a preview writes nothing, an
import keeps its files in the workspace.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from campaign import app
from campaign.web.bodies import UPLOAD_FORM, ImportForm, ReallocateBody
from campaign.web.planning import workspace
from campaign.web.uploads import kept, read_form, shown, temporary
from scenarios import UsageError

router = APIRouter(prefix="/api", tags=["actuals"])


def currency(form: ImportForm) -> str | None:
    """The form's `currency` in capitals, as `--currency` reads it."""
    return form.currency.upper() if form.currency else None


def dates(form: ImportForm) -> tuple[dt.date, dt.date] | None:
    """The form's `from` and `to` (both or neither), as `actuals import --from --to` takes them."""
    if form.start is None and form.stop is None:
        return None
    if form.start is None or form.stop is None:
        raise UsageError("'from' and 'to' go together: give the first and the last day the exports cover")
    if form.stop < form.start:
        raise UsageError(f"'to' {form.stop} is before 'from' {form.start}")
    return form.start, form.stop


@router.post("/actuals/preview", openapi_extra=UPLOAD_FORM)
async def preview(request: Request) -> dict[str, Any]:
    """How each uploaded export's rows map onto the scenario's cells, and the rows no rule claims; writes nothing."""
    upload = await read_form(request)
    form = ImportForm.model_validate(upload.fields)
    space = workspace(request)

    def run() -> dict[str, Any]:
        path = space.scenario(form.scenario)
        with temporary(space.folder, upload.uploads) as paths:
            previews = [p.to_dict() for p in app.preview_actuals(paths, path, currency(form), dates(form))]
            return {"previews": shown(previews, paths[0].parents[1])}

    return await run_in_threadpool(run)


@router.post("/actuals/import", openapi_extra=UPLOAD_FORM)
async def import_actuals(request: Request) -> dict[str, Any]:
    """`campaign actuals import FILES --scenario NAME --json`: every export in one transaction, all or none."""
    upload = await read_form(request)
    form = ImportForm.model_validate(upload.fields)
    space = workspace(request)

    def run() -> dict[str, Any]:
        path = space.scenario(form.scenario)
        chosen = currency(form), dates(form)
        with kept(space.folder, upload.uploads) as paths:
            reports = app.import_actuals(paths, path, space.ledger(form.scenario), *chosen, form.replace)
        documents = [r.to_dict() for r in reports]
        return documents[0] if len(documents) == 1 else {"imports": documents}

    return await run_in_threadpool(run)


@router.post("/scenarios/{name:path}/reallocate")
def reallocate(name: str, request: Request, body: ReallocateBody) -> dict[str, Any]:
    """`campaign reallocate NAME --as-of DATE --json` from the workspace's ledger of the scenario."""
    request.state.variant = body.variant
    space = workspace(request)
    path = space.scenario(name)
    done = app.reallocate(path, body.as_of, body.variant, space.ledger(name), body.max_change, body.exclude)
    return done.result.to_dict()
