"""The API's errors as JSON: ``{"status": "error", "message"}`` with a 4xx code, an infeasible problem as 409.

400 bad input (the command line's exit 1 and 2), 401 no or a wrong token,
404 an unknown scenario, job, run or plan version, 413 an upload too large or too many files,
409 no plan meets every constraint (the command line's exit-3 document) or a scenario file exists already,
403 a page's form without its CSRF token; a page's request gets its error as a page (HTML) with the same
status and message;
500, with the same document, only for a bug.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from campaign.app.authoring import ExistingFileError
from campaign.app.common import InfeasiblePlanError, infeasible_document
from campaign.app.saved import NotStoredError
from campaign.web.page_kit import ForbiddenError, render
from campaign.web.workspace import BadNameError, UnknownScenarioError
from scenarios import CampaignError, InfeasibleError


class TooLargeError(CampaignError):
    """An upload over the size or count limit: HTTP 413."""


class UnknownJobError(CampaignError):
    """A job id the server does not hold: HTTP 404."""


class BusyError(CampaignError):
    """As many jobs running as the server allows: HTTP 429."""


#: The HTTP status of each kind of error; any other `CampaignError` is bad input (400).
STATUS = (
    (UnknownScenarioError, 404),
    (UnknownJobError, 404),
    (NotStoredError, 404),
    (BadNameError, 400),
    (TooLargeError, 413),
    (BusyError, 429),
    (ForbiddenError, 403),
    (ExistingFileError, 409),
)


def error(status: int, message: str) -> JSONResponse:
    """The error document with `status`."""
    return JSONResponse({"status": "error", "message": message}, status_code=status)


def is_page(request: Request) -> bool:
    """Whether the request is for a page (answered in HTML), not the API."""
    return not request.url.path.startswith(("/api", "/healthz", "/docs", "/openapi", "/redoc"))


def answer(request: Request, status: int, message: str) -> Response:
    """The error as a page for a page's request, else as the error document."""
    if is_page(request):
        return render(request, "error.html", {"message": message}, status)
    return error(status, message)


def status_of(exc: CampaignError) -> int:
    """The HTTP status for one of the project's errors."""
    return next((code for kind, code in STATUS if isinstance(exc, kind)), 400)


def _field(location: tuple[Any, ...] | list[Any]) -> str:
    """A field's place in the request as a dotted path without the part (body, query) it came in."""
    return ".".join(str(part) for part in location[1:]) or str(location[0]) if location else "request"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into the error document."""

    @app.exception_handler(InfeasibleError)
    async def infeasible(request: Request, exc: InfeasibleError) -> Response:
        if is_page(request):
            return answer(request, 409, str(exc))
        warnings = exc.warnings if isinstance(exc, InfeasiblePlanError) else None
        scenario = request.path_params.get("name", "")
        variant = getattr(request.state, "variant", None)
        return JSONResponse(infeasible_document(exc, scenario, variant, warnings), status_code=409)

    @app.exception_handler(CampaignError)
    async def campaign_error(request: Request, exc: CampaignError) -> Response:
        return answer(request, status_of(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = [f"{_field(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in exc.errors()]
        return answer(request, 400, "the request is not valid: " + "; ".join(problems))

    @app.exception_handler(ValidationError)
    async def bad_form(request: Request, exc: ValidationError) -> Response:
        problems = [f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in exc.errors()]
        return answer(request, 400, "the form is not valid: " + "; ".join(problems))

    @app.exception_handler(Exception)
    async def failure(request: Request, exc: Exception) -> JSONResponse:
        return error(500, f"the server failed on this request ({type(exc).__name__}: {exc}); this is a bug")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return answer(request, exc.status_code, str(exc.detail))
