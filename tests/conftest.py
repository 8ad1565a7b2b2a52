"""Shared fixtures: small scenarios built in code, the bundled library, and headless Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from scenarios import formatting
from scenarios.library import bundled_scenarios
from scenarios.loader import merge, resolve
from scenarios.schema import Scenario

#: The figures that depend on a simulated quarter's spend: summed exactly since the saved outputs were made, they
#: moved by at most a few floating-point roundings (2e-15 relative), and a spend the same in every quarter lost
#: its standard deviation of some 1e-11.
SPEND_ROUNDING = ("kpis/spend/*", "kpis/profit/*", "kpis/cpa/*", "kpis/roas/*", "rows/*/simulated/profit/*")


def assert_as_before(now: Any, before: Any, loose: tuple[str, ...] = (), path: str = "") -> None:
    """`now` is the saved document `before`, key for key and value for value; a number at a path matching
    one of the `loose` patterns (`kpis/spend/*`) may differ from it by rounding: 1e-12 relative or 1e-9."""
    assert type(now) is type(before) or {type(now), type(before)} <= {int, float}, path
    if isinstance(before, dict):
        assert set(now) == set(before), path
        for key in before:
            assert_as_before(now[key], before[key], loose, f"{path}/{key}".lstrip("/"))
    elif isinstance(before, list):
        assert len(now) == len(before), path
        for i, (a, b) in enumerate(zip(now, before, strict=True)):
            assert_as_before(a, b, loose, f"{path}/{i}")
    elif isinstance(before, float) and any(fnmatchcase(path, pattern) for pattern in loose):
        assert now == pytest.approx(before, rel=1e-12, abs=1e-9), path
    else:
        assert now == before, path


BASE: dict[str, Any] = {
    "name": "two-channels",
    "currency": "EUR",
    "budget": {"total": 20000},
    "business": {"value_per_conversion": 30.0, "gross_margin": 0.6},
    "channels": {
        "instagram": {
            "audience": 100000,
            "in_market": 0.04,
            "cpm": 7.5,
            "ctr": 0.01,
            "cvr": 0.03,
            "bounce_rate": 0.6,
            "engagement_rate": 0.01,
            "negative_feedback_rate": 0.0004,
            "followers": 5000,
            "organic": {
                "posts_per_week": 3,
                "reach_rate": 0.1,
                "engagement_rate": 0.01,
                "follow_rate": 0.05,
                "churn_per_week": 0.003,
            },
            "formats": {
                "reel": {"cpm_factor": 1.1, "ctr_factor": 1.3, "audience_share": 0.4},
                "image": {"audience_share": 0.6},
            },
        },
        "tiktok": {
            "audience": 200000,
            "in_market": 0.02,
            "cpm": 6.0,
            "ctr": 0.008,
            "cvr": 0.02,
            "bounce_rate": 0.7,
            "engagement_rate": 0.02,
            "negative_feedback_rate": 0.001,
            "formats": {
                "video": {"audience_share": 0.7},
                "spark": {"audience_share": 0.3, "cpm_factor": 1.2, "ctr_factor": 1.4},
            },
        },
    },
}


@pytest.fixture(autouse=True)
def english_numbers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test reads numbers in English, whatever the machine's locale (--locale tests set theirs)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    # A command run in-process sets the locale for what follows it: start and leave each test in English.
    token = formatting.activate(formatting.DEFAULT)
    yield
    formatting.deactivate(token)


def merged(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge test data the way variants merge (mappings merge, everything else replaces)."""
    return merge(base, overlay)


@pytest.fixture
def make_scenario() -> Callable[..., Scenario]:
    """Build a validated two-channel scenario, with any keys overridden."""

    def make(**overlay: Any) -> Scenario:
        return resolve(merged(BASE, overlay), "<test>")

    return make


@pytest.fixture
def two_channels(make_scenario: Callable[..., Scenario]) -> Scenario:
    """The plain two-channel, four-cell scenario."""
    return make_scenario()


BUNDLED = sorted(bundled_scenarios())


@pytest.fixture(params=BUNDLED)
def bundled(request: pytest.FixtureRequest) -> str:
    """The name of each bundled scenario in turn."""
    return request.param


#: Where browser tests save their screenshots.
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless Chromium through Playwright, closed afterwards; skips the test where Chromium is not installed."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Chromium is not installed here (.ci/run installs it): the browser checks are not run")
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    """`chromium` for a whole test."""
    with chromium() as launched:
        yield launched


def watched(browser: Any, errors: list[str]) -> Any:
    """A new page (downloads accepted, 1200 × 900) whose console errors and page errors are appended to `errors`."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page
