"""The token's guard: the API's bearer header, and for the pages a login that sets a session cookie.

With a token, a request is let in when it carries ``Authorization: Bearer
TOKEN`` or the session cookie the login page sets. The cookie holds an HMAC
of a fixed message under the token, not the token itself (HttpOnly,
SameSite=Strict). A page asked for without either is sent to the login page;
the API and the health check answer 401 with the error document.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from campaign.web import errors
from campaign.web.page_kit import check_csrf, render

router = APIRouter(tags=["pages"], include_in_schema=False)
#: The cookie of a logged-in browser.
SESSION_COOKIE = "session"
#: Paths served without the token: the login page itself and the pages' static files.
OPEN = ("/login", "/static/")


def session_value(token: str) -> str:
    """The session cookie's value for `token`: an HMAC-SHA256 under the token (the token cannot be read back)."""
    return hmac.new(token.encode(), b"campaign-planner session", hashlib.sha256).hexdigest()


def bearer(request: Request, token: str) -> bool:
    """Whether the request carries ``Authorization: Bearer <token>``."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def logged_in(request: Request, token: str) -> bool:
    """Whether the request carries the session cookie of `token`."""
    given = request.cookies.get(SESSION_COOKIE, "")
    return hmac.compare_digest(given.encode(), session_value(token).encode())


def target(next_path: str | None) -> str:
    """Where to go after the login: a path of this server (never another site), else the scenario list."""
    if next_path and next_path.startswith("/") and not next_path.startswith(("//", "/\\")):
        return next_path
    return "/"


def guard(web: FastAPI, token: str) -> None:
    """Let in only the requests with the bearer header or, for pages, the session cookie."""

    @web.middleware("http")
    async def require_token(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        path = request.url.path
        page = errors.is_page(request)
        if bearer(request, token) or path.startswith(OPEN) or (page and logged_in(request, token)):
            return await call_next(request)
        if page and request.method == "GET":
            wanted = path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(wanted)}", status_code=303)
        refused = errors.error(401, "this server needs its token: send the header 'Authorization: Bearer TOKEN'")
        refused.headers["WWW-Authenticate"] = "Bearer"
        return refused


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    """The login form: the server's token."""
    return render(request, "login.html", {"next": target(next), "failed": False})


@router.post("/login", response_model=None)
def login(
    request: Request,
    token: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the token; if right, set the session cookie and go on to `next`, else the form again with 401."""
    check_csrf(request, csrf)
    expected: str | None = request.app.state.token
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        return render(request, "login.html", {"next": target(next), "failed": True}, status=401)
    answer = RedirectResponse(target(next), status_code=303)
    answer.set_cookie(SESSION_COOKIE, session_value(expected), httponly=True, samesite="strict")
    return answer
