"""The login: with a token, pages need the session cookie the login sets (an HMAC, not the token), forms their CSRF."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from campaign.web import create_app
from campaign.web.page_kit import CSRF_COOKIE
from campaign.web.security import SESSION_COOKIE, session_value

TOKEN = "s3cret-token-for-tests"
GERMAN = {"accept-language": "de-DE,de;q=0.9"}


@pytest.fixture
def guarded(workspace) -> TestClient:
    return TestClient(create_app(workspace, TOKEN), follow_redirects=False)


def csrf(client: TestClient) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    assert found.group(1) == client.cookies.get(CSRF_COOKIE)
    return found.group(1)


@pytest.mark.parametrize("path", ["/", "/plan/cafe-chain-q1?budget=9000", "/finance/cafe-chain-q1"])
def test_a_page_without_the_cookie_goes_to_the_login(guarded, path):
    answer = guarded.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=/")
    assert guarded.get(answer.headers["location"]).status_code == 200


def test_the_api_without_the_token_stays_401_and_a_page_post_too(guarded):
    assert guarded.get("/api/scenarios").status_code == 401
    assert guarded.post("/actuals/cafe-chain-q1/preview").status_code == 401


@pytest.mark.parametrize(("headers", "words"), [({}, "Log in"), (GERMAN, "Anmelden")])
def test_the_login_sets_an_httponly_strict_cookie_that_is_not_the_token(guarded, headers, words):
    assert words in guarded.get("/login", headers=headers).text
    answer = guarded.post(
        "/login", data={"token": TOKEN, "csrf": csrf(guarded), "next": "/plan/cafe-chain-q1"}, headers=headers
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/plan/cafe-chain-q1"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}="))
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert TOKEN not in cookie
    assert guarded.cookies.get(SESSION_COOKIE) == session_value(TOKEN) != TOKEN
    assert guarded.get("/plan/cafe-chain-q1").status_code == 200
    assert guarded.get("/").status_code == 200


def test_a_wrong_token_is_refused_and_sets_no_session(guarded):
    answer = guarded.post("/login", data={"token": "wrong", "csrf": csrf(guarded)})
    assert answer.status_code == 401
    assert "not this server" in answer.text
    assert guarded.cookies.get(SESSION_COOKIE) is None
    assert guarded.get("/").status_code == 303


def test_a_login_without_its_csrf_token_is_403(guarded):
    csrf(guarded)
    assert guarded.post("/login", data={"token": TOKEN}).status_code == 403
    assert guarded.post("/login", data={"token": TOKEN, "csrf": "forged"}).status_code == 403
    assert guarded.cookies.get(SESSION_COOKIE) is None


def test_a_forged_session_cookie_is_not_let_in(guarded):
    guarded.cookies.set(SESSION_COOKIE, TOKEN)
    assert guarded.get("/").status_code == 303
    guarded.cookies.set(SESSION_COOKIE, session_value("another token"))
    assert guarded.get("/").status_code == 303


@pytest.mark.parametrize("elsewhere", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_the_login_goes_on_only_to_this_servers_pages(guarded, elsewhere):
    answer = guarded.post("/login", data={"token": TOKEN, "csrf": csrf(guarded), "next": elsewhere})
    assert answer.headers["location"] == "/"


def test_without_a_token_the_pages_need_no_login_but_forms_still_their_csrf(client):
    assert client.get("/").status_code == 200
    assert client.get("/plan/cafe-chain-q1").status_code == 200
    assert client.post("/login", data={"token": "x"}).status_code == 403
