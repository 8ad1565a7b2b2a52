"""Requests that change something come from this server's own pages or from a program, never from another site.

A browser sends ``Origin`` with every cross-site POST: a page on another site
could otherwise post a form to a server on 127.0.0.1 (the API's upload routes
take forms and have no CSRF token). Programs (curl, scripts) send no ``Origin``
and are let in; a browser's request is let in only when its ``Origin`` names
the host it was sent to.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response

from campaign.web import errors

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def same_site(request: Request) -> bool:
    """Whether `request` is safe, carries no ``Origin``, or one naming the host it was sent to."""
    origin = request.headers.get("origin")
    if request.method in SAFE_METHODS or origin is None:
        return True
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


def same_site_only(web: FastAPI) -> None:
    """Refuse with 403 every request that would change something and comes from another site's page."""

    @web.middleware("http")
    async def refuse_other_sites(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if same_site(request):
            return await call_next(request)
        origin = request.headers.get("origin")
        return errors.error(403, f"a request from another site's page ({origin}) cannot change anything here")
