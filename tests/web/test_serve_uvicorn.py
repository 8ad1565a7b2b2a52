"""`campaign serve` really serves: uvicorn on 127.0.0.1 and a free port, for as long as the test needs it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

#: How long the server may take to start (importing FastAPI, the optimizer and numpy) before the test gives up.
START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serve_answers_on_loopback_and_asks_for_its_token(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "CAMPAIGN_TOKEN": "t0ken-for-the-test"}
    server = subprocess.Popen(
        [sys.executable, "-m", "campaign", "serve", "--port", str(port), "--workspace", str(tmp_path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                status, body = get(f"http://127.0.0.1:{port}/healthz", "t0ken-for-the-test")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert (status, body) == (200, {"status": "ok"})
        status, body = get(f"http://127.0.0.1:{port}/api/scenarios")
        assert status == 401
        assert body["status"] == "error"
        status, body = get(f"http://127.0.0.1:{port}/api/scenarios", "t0ken-for-the-test")
        assert status == 200
        assert [s["name"] for s in body["scenarios"]] == ["b2b-saas-leads", "cafe-chain-q1", "fashion-holiday"]
    finally:
        server.terminate()
        server.wait(timeout=30)
