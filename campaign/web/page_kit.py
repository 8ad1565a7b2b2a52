"""What the pages share: templates, their language (English or German) and Babel's formatting, and CSRF.

The language comes from ``?lang=de`` (kept in a cookie), else the cookie,
else the browser's Accept-Language (its q-values read by `accepted`, the
language negotiated by Babel's `negotiate_locale`); the German messages are read from
``locale/de/LC_MESSAGES/messages.po`` with Babel. Numbers, money and dates
are formatted for that locale by the command line's own functions
(`scenarios` formatting). Every form carries a CSRF token that must equal
the ``csrf`` cookie the page set (the double-submit pattern); a POST
without it is refused with 403.
"""

from __future__ import annotations

import hmac
import io
import secrets
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from scenarios import UsageError, amount, number, percent, using

HERE = Path(__file__).parent
#: The languages of the pages, the first the default.
LANGUAGES = ("en", "de")
#: The cookies of the language switch and of the CSRF token.
LANG_COOKIE = "lang"
CSRF_COOKIE = "csrf"
CSRF_FIELD = "csrf"


class ForbiddenError(UsageError):
    """A form without the page's CSRF token: HTTP 403."""


def N_(text: str) -> str:  # noqa: N802 - gettext's marker for a string translated where it is shown
    """Mark `text` for the catalog; it is translated where it is rendered."""
    return text


@cache
def translations(language: str) -> NullTranslations:
    """The messages of `language` from its .po catalog (none for English, the source language)."""
    po = HERE / "locale" / language / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


@cache
def environment(language: str) -> jinja2.Environment:
    """The template environment of `language`: autoescaped, its messages installed, Babel's filters."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("campaign.web", "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["number"] = lambda value, digits=0: number(value, digits)
    env.filters["money"] = lambda value, currency: amount(value, currency)
    env.filters["percent"] = lambda value, digits=1: percent(value, digits)
    return env


def accepted(header: str) -> list[str]:
    """The language tags of an Accept-Language header, most wanted first (by q-value, 1 when none; the first of
    equals first); a tag weighted 0, above 1 or unreadably is left out, and so is an empty one."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, *parameters = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = float("nan")
        if tag and 0 < quality <= 1:
            ranked.append((-quality, index, tag.replace("_", "-")))
    return [tag for _, _, tag in sorted(ranked)]


def language(request: Request) -> str:
    """The page's language: the ``lang`` query, else its cookie, else Babel's negotiation of Accept-Language
    (a regional tag falls back to its language), else English."""
    for chosen in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if chosen in LANGUAGES:
            return chosen
    wanted = accepted(request.headers.get("accept-language", ""))
    found = negotiate_locale(wanted, LANGUAGES, sep="-")  # the matching tag as the browser spelled it ("DE")
    return found.lower() if found else LANGUAGES[0]


def csrf_token(request: Request) -> str:
    """The request's CSRF token: its cookie's, or a new one (set on the response by `render`)."""
    token: str | None = getattr(request.state, "csrf", None)
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        request.state.csrf = token
    return token


def check_csrf(request: Request, given: str | None) -> None:
    """Refuse (403) a form whose token is missing or is not the cookie's."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not given or not hmac.compare_digest(cookie.encode(), given.encode()):
        raise ForbiddenError(
            "this form was not sent from the app's own page (its CSRF token is missing or out of date); "
            "reload the page and send it again"
        )


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """`template` rendered in the request's language and locale, with the CSRF field and the language switch."""
    lang = language(request)
    token = csrf_token(request)
    field = Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">')
    with using("de_DE" if lang == "de" else "en"):
        page = (
            environment(lang)
            .get_template(template)
            .render({**context, "lang": lang, "csrf_field": lambda: field, "path": request.url.path})
        )
    response = HTMLResponse(page, status_code=status)
    response.headers["Content-Language"] = lang
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, samesite="lax")
    return response
