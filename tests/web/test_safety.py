"""Safety: `campaign serve` refuses a non-loopback host without a token; with one, every request needs it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from campaign.cli import cli
from campaign.web import create_app

TOKEN = "s3cret-token-for-tests"


@pytest.fixture
def started(monkeypatch):
    """The calls `campaign serve` makes to uvicorn.run, which never starts a server here."""
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda web, **options: calls.append((web, options)))
    monkeypatch.delenv("CAMPAIGN_TOKEN", raising=False)
    return calls


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.org"])
def test_a_non_loopback_host_without_a_token_is_a_usage_error_and_nothing_starts(started, host, tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--host", host, "--workspace", str(tmp_path)])
    assert result.exit_code == 2
    assert started == []
    assert f"--host {host} would let other machines reach the app" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_starts_without_a_token(started, host, tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--host", host, "--port", "8123", "--workspace", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [(web, options)] = started
    assert options == {"host": host, "port": 8123, "log_level": "warning"}
    assert web.state.workspace.folder == tmp_path.resolve()


def test_a_token_from_the_option_or_the_environment_lets_any_host_start_and_guards_it(started, tmp_path, monkeypatch):
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--token", TOKEN, "--workspace", str(tmp_path)])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("CAMPAIGN_TOKEN", TOKEN)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--workspace", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for web, _ in started:
        client = TestClient(web)
        assert client.get("/healthz").status_code == 401
        assert client.get("/healthz", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_a_missing_workspace_is_a_usage_error(started, tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--workspace", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert started == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": "Bearer ünïcode".encode("latin-1")},
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/healthz"),
        ("GET", "/api/scenarios"),
        ("GET", "/api/scenarios/cafe-chain-q1"),
        ("POST", "/api/scenarios/cafe-chain-q1/optimize"),
        ("POST", "/api/scenarios/cafe-chain-q1/simulate"),
        ("GET", "/api/jobs/x"),
        ("POST", "/api/actuals/import"),
        ("GET", "/docs"),
        ("GET", "/openapi.json"),
    ],
)
def test_without_the_token_every_request_is_401(tmp_path, headers, method, path):
    client = TestClient(create_app(tmp_path, TOKEN))
    answer = client.request(method, path, headers=headers)
    assert answer.status_code == 401
    assert answer.json() == {
        "status": "error",
        "message": "this server needs its token: send the header 'Authorization: Bearer TOKEN'",
    }
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_with_the_token_requests_are_served(tmp_path):
    client = TestClient(create_app(tmp_path, TOKEN), headers={"Authorization": f"Bearer {TOKEN}"})
    assert client.get("/api/scenarios").status_code == 200
    assert client.post("/api/scenarios/cafe-chain-q1/validate").status_code == 200
