"""The simulation pages: start a job from the form, its progress page while it runs, cancel, the bands once done."""

from __future__ import annotations

import html
import threading

import pytest
from babel.numbers import format_decimal

from campaign.web.page_kit import CSRF_COOKIE
from tests.web.test_api_actuals import cli_doc
from tests.web.test_pages_strategist import GERMAN, cells_of

CAFE = "cafe-chain-q1"


def csrf(client) -> str:
    assert client.get(f"/simulate/{CAFE}").status_code == 200
    token = client.cookies.get(CSRF_COOKIE)
    assert token
    return token


def held(client, work):
    """A job of the app's own that runs `work`, as the simulate route starts one."""
    return client.app.state.jobs.start(work, 2, CAFE)


@pytest.mark.parametrize(("headers", "locale", "words"), [({}, "en", "KPI bands"), (GERMAN, "de_DE", "Bandbreiten")])
def test_a_simulation_started_from_the_form_ends_in_the_commands_bands(client, headers, locale, words):
    answer = client.post(
        f"/simulate/{CAFE}",
        data={"csrf": csrf(client), "runs": "20", "seed": "3", "crises": "true", "variant": ""},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    key = answer.headers["location"].removeprefix("/jobs/")
    client.app.state.jobs.wait(key)
    page = client.get(f"/jobs/{key}", headers=headers)
    assert page.status_code == 200
    assert words in page.text
    assert 'http-equiv="refresh"' not in page.text
    document = cli_doc("simulate", CAFE, "--runs", "20", "--seed", "3")
    rows = cells_of(page.text, "bands")[1:]
    assert [row[0] for row in rows] == list(document["kpis"])
    for row, band in zip(rows, document["kpis"].values(), strict=True):
        expected = [format_decimal(band[q], format="#,##0.00", locale=locale) for q in ("p5", "p50", "p95", "mean")]
        assert [c.replace("\u2212", "-") for c in row[1:]] == [e.replace("\u2212", "-") for e in expected]
    targets = cells_of(page.text, "targets")[1:]
    assert [row[0] for row in targets] == [t["name"] for t in document["targets"]]


def test_a_running_job_shows_its_progress_refreshes_and_can_be_cancelled(client):
    token = csrf(client)
    release, reported = threading.Event(), threading.Event()

    def work(progress):
        progress(1, 2)
        reported.set()
        release.wait(30)
        progress(2, 2)  # the cancel asked for meanwhile stops the job here
        return {}

    job = held(client, work)
    assert reported.wait(30)
    page = client.get(f"/jobs/{job.id}")
    assert page.status_code == 200
    assert 'data-status="running"' in page.text
    assert '<progress id="progress" value="1" max="2">' in page.text
    assert '<meta http-equiv="refresh" content="1">' in page.text
    assert client.post(f"/jobs/{job.id}/cancel", data={}).status_code == 403
    answer = client.post(f"/jobs/{job.id}/cancel", data={"csrf": token}, follow_redirects=False)
    assert answer.status_code == 303
    release.set()
    client.app.state.jobs.wait(job.id)
    page = client.get(f"/jobs/{job.id}")
    assert 'data-status="cancelled"' in page.text
    assert "Cancelled after 2 of 2 runs." in page.text


def test_a_failed_job_shows_its_message_as_text(client):
    def work(progress):
        from scenarios import UsageError

        raise UsageError("<script>alert(1)</script> is not a plan")

    job = held(client, work)
    client.app.state.jobs.wait(job.id)
    page = client.get(f"/jobs/{job.id}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; is not a plan" in page.text


@pytest.mark.parametrize(
    ("method", "url", "data", "status"),
    [
        ("GET", "/jobs/nope", None, 404),
        ("GET", "/simulate/no-such-scenario", None, 404),
        ("GET", "/simulate/..%2Fx", None, 400),
        ("POST", f"/simulate/{CAFE}", {"runs": "5"}, 403),
        ("POST", f"/simulate/{CAFE}", {"runs": "0", "csrf": "CSRF"}, 400),
        ("POST", f"/simulate/{CAFE}", {"seed": "x", "csrf": "CSRF"}, 400),
    ],
)
def test_errors_are_pages_with_their_status(client, method, url, data, status):
    token = csrf(client)
    if data and data.get("csrf") == "CSRF":
        data = {**data, "csrf": token}
    answer = client.request(method, url, data=data)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert html.unescape(answer.text).count("This did not work") == 1
