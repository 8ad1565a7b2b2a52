"""Downloads: the P&L workbook (`campaign pnl --xlsx`) and the HTML report (`campaign report`) as files.

Each is written into a temporary folder inside the workspace, read back and
removed, and answered as an attachment whose file name is the scenario's
name (its letters, digits, ``.``, ``_`` and ``-`` alone) and what it is.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from campaign import app
from campaign.app.defaults import REPORT_RUNS
from campaign.options import MAX_SEED
from campaign.web.planning import workspace
from scenarios import MAX_RUNS

router = APIRouter(prefix="/api", tags=["downloads"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML = "text/html; charset=utf-8"
#: Characters a downloaded file's name keeps; any other becomes "_".
UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
#: A stored plan version in a query: a number or "current".
VERSION = r"^(current|[1-9][0-9]{0,8})$"


def file_name(scenario: str, what: str, suffix: str) -> str:
    """``<scenario>-<what><suffix>``: the scenario's name without a .yaml suffix, folders or unusual characters."""
    stem = re.sub(r"\.ya?ml$", "", scenario.replace("\\", "/").rsplit("/", 1)[-1], flags=re.IGNORECASE)
    stem = UNSAFE.sub("_", stem).lstrip(".")[:100] or "scenario"
    return f"{stem}-{what}{suffix}"


def attachment(data: bytes, media_type: str, name: str) -> Response:
    """`data` as a file to save under `name`."""
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type=media_type, headers=headers)


@router.get("/scenarios/{name:path}/pnl.xlsx", response_class=Response)
def workbook(
    name: str,
    request: Request,
    variant: str | None = None,
    plan: Annotated[str | None, Query(pattern=VERSION, description="An adopted plan version or 'current'.")] = None,
) -> Response:
    """`campaign pnl NAME --xlsx FILE`: the workbook with live formulas, of the optimizer's plan or an adopted one."""
    request.state.variant = variant
    space = workspace(request)
    path = space.scenario(name)
    chosen = Path(f"@{plan}") if plan is not None else None

    def run() -> bytes:
        with tempfile.TemporaryDirectory(dir=space.folder, prefix=".download-") as scratch:
            target = Path(scratch) / "pnl.xlsx"
            app.pnl(path, variant, chosen, xlsx=target, store=space.store)
            return target.read_bytes()

    return attachment(run(), XLSX, file_name(name, "pnl", ".xlsx"))


@router.get("/scenarios/{name:path}/report.html", response_class=Response)
def report(
    name: str,
    request: Request,
    variant: str | None = None,
    simulate: Annotated[int, Query(ge=1, le=MAX_RUNS)] = REPORT_RUNS,
    seed: Annotated[int | None, Query(ge=0, le=MAX_SEED)] = None,
) -> Response:
    """`campaign report NAME -o FILE`: the self-contained HTML report, `simulate` quarters for its bands."""
    request.state.variant = variant
    space = workspace(request)
    path = space.scenario(name)

    def run() -> bytes:
        with tempfile.TemporaryDirectory(dir=space.folder, prefix=".download-") as scratch:
            target = Path(scratch) / "report.html"
            app.report(path, target, variant, simulate, seed)
            return target.read_bytes()

    return attachment(run(), HTML, file_name(name, "report", ".html"))
