"""Previewed uploads held for the import: at most `kept`, each for at most `seconds`, for their scenario only."""

from __future__ import annotations

import pytest

from campaign.web import pending as module
from campaign.web.pending import Held, Pending
from campaign.web.uploads import Upload
from scenarios import UsageError


def held(scenario: str = "s") -> Held:
    return Held(scenario, [Upload("a.csv", b"x")], {})


def test_the_oldest_preview_is_forgotten_beyond_the_limit():
    waiting = Pending(kept=2)
    keys = [waiting.hold(held()) for _ in range(3)]
    with pytest.raises(UsageError, match="no longer held"):
        waiting.get(keys[0], "s")
    assert waiting.get(keys[2], "s").uploads[0].name == "a.csv"


def test_a_preview_expires_and_belongs_to_its_scenario(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    waiting = Pending(seconds=60)
    key = waiting.hold(held())
    with pytest.raises(UsageError):
        waiting.get(key, "other")
    now[0] += 59
    assert waiting.get(key, "s")
    now[0] += 2
    with pytest.raises(UsageError):
        waiting.get(key, "s")


def test_an_imported_preview_is_dropped():
    waiting = Pending()
    key = waiting.hold(held())
    waiting.drop(key)
    with pytest.raises(UsageError):
        waiting.get(key, "s")
