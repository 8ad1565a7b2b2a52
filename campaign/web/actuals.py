"""The actuals routes: preview and import uploaded exports, and reallocate the rest of the quarter.

Uploads are multipart forms (files in the field ``files``, the options as
text fields) read with limits (`uploads`); a preview writes nothing, an
import keeps its files in the workspace.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from campaign import app
from campaign.web.bodies import UPLOAD_FORM, ImportForm, ReallocateBody
from campaign.web.planning import RUN_HEADER, workspace
from campaign.web.uploads import Form, kept, read_form, shown, temporary
from campaign.web.workspace import Workspace
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


@dataclass(frozen=True)
class Uploaded:
    """An upload request read: its files, its options and the workspace they go to."""

    upload: Form
    form: ImportForm
    space: Workspace

    def scenario(self) -> Path:
        """The scenario file the form names (400 or 404 for a name the workspace does not resolve)."""
        return self.space.scenario(self.form.scenario)

    def options(self) -> tuple[str | None, tuple[dt.date, dt.date] | None]:
        """The currency and dates of the form, as the use cases take them."""
        return currency(self.form), dates(self.form)


async def uploaded(request: Request) -> Uploaded:
    """The upload form of the preview and the import: files read with limits, text fields checked."""
    upload = await read_form(request)
    return Uploaded(upload, ImportForm.model_validate(upload.fields), workspace(request))


@router.post("/actuals/preview", openapi_extra=UPLOAD_FORM)
async def preview(request: Request) -> dict[str, Any]:
    """How each uploaded export's rows map onto the scenario's cells, and the rows no rule claims; writes nothing."""
    done = await uploaded(request)

    def run() -> dict[str, Any]:
        path = done.scenario()
        with temporary(done.space.folder, done.upload.uploads) as paths:
            previews = [p.to_dict() for p in app.preview_actuals(paths, path, *done.options())]
            return {"previews": shown(previews, paths[0].parents[1])}

    return await run_in_threadpool(run)


@router.post("/actuals/import", openapi_extra=UPLOAD_FORM)
async def import_actuals(request: Request) -> dict[str, Any]:
    """`campaign actuals import FILES --scenario NAME --json`: every export in one transaction, all or none."""
    done = await uploaded(request)

    def run() -> dict[str, Any]:
        path, form, space = done.scenario(), done.form, done.space
        with kept(space.folder, done.upload.uploads) as paths:
            reports = app.import_actuals(paths, path, space.ledger(form.scenario), *done.options(), form.replace)
        documents = [r.to_dict() for r in reports]
        return documents[0] if len(documents) == 1 else {"imports": documents}

    return await run_in_threadpool(run)


@router.post("/scenarios/{name:path}/reallocate")
def reallocate(name: str, request: Request, response: Response, body: ReallocateBody) -> dict[str, Any]:
    """`campaign reallocate NAME --as-of DATE --json` from the workspace's ledger of the scenario.

    The run is recorded in the workspace's store; the header ``X-Campaign-Run`` names it (to adopt its plan).
    """
    request.state.variant = body.variant
    space = workspace(request)
    path = space.scenario(name)
    ledger = space.ledger(name)
    done = app.reallocate(path, body.as_of, body.variant, ledger, body.max_change, body.exclude, store=space.store)
    if done.run is not None:
        response.headers[RUN_HEADER] = str(done.run.id)
    return done.result.to_dict()
