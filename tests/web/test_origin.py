"""A page on another site cannot make a browser change anything on this server (it can on none of its routes)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from campaign.web import create_app
from tests.web.test_api_actuals import META, everything, upload

EVIL = "http://evil.example"


def test_another_sites_form_cannot_import_an_export(client, workspace):
    # multipart forms need no preflight: without this check a page anywhere could post them to 127.0.0.1
    answer = client.post(
        "/api/actuals/import", data={"scenario": "cafe-chain-q1"}, files=upload(META), headers={"Origin": EVIL}
    )
    assert answer.status_code == 403
    assert answer.json() == {
        "status": "error",
        "message": f"a request from another site's page ({EVIL}) cannot change anything here",
    }
    assert everything(workspace) == {}


@pytest.mark.parametrize("origin", [EVIL, "null", "http://127.0.0.1:9999", "https://testserver.evil.example"])
def test_every_changing_request_from_another_origin_is_refused(client, origin):
    for path in ("/api/scenarios/cafe-chain-q1/optimize", "/api/actuals/preview", "/login"):
        assert client.post(path, json={}, headers={"Origin": origin}).status_code == 403, path


def test_the_servers_own_pages_and_programs_are_let_in(client):
    own = client.post("/api/scenarios/cafe-chain-q1/optimize", json={}, headers={"Origin": "http://testserver"})
    assert own.status_code == 200
    assert client.post("/api/scenarios/cafe-chain-q1/optimize", json={}).status_code == 200  # no Origin: a program
    assert client.get("/api/scenarios", headers={"Origin": EVIL}).status_code == 200  # reading changes nothing


def test_the_check_comes_before_the_token(tmp_path):
    guarded = TestClient(create_app(tmp_path, token="s3cret"))
    headers = {"Authorization": "Bearer s3cret", "Origin": EVIL}
    assert guarded.post("/api/scenarios/cafe-chain-q1/optimize", json={}, headers=headers).status_code == 403
