"""Uploads previewed in a page and waiting to be imported: held in memory, under a random key, for a while.

The preview page writes nothing; its "import" button names the key, so the
files are not sent twice. At most `kept` previews wait (the oldest forgotten
first), each for at most `seconds`; an import takes its files once.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from campaign.web.uploads import Upload
from scenarios import UsageError


@dataclass(frozen=True)
class Held:
    """Previewed uploads: the scenario they were previewed for, the files, the form's text fields."""

    scenario: str
    uploads: list[Upload]
    fields: dict[str, str]
    since: float = field(default_factory=lambda: time.monotonic())


class Pending:
    """The previews waiting to be imported, guarded by one lock."""

    def __init__(self, kept: int = 4, seconds: float = 3600.0) -> None:
        self.kept = kept
        self.seconds = seconds
        self.lock = threading.Lock()
        self.held: OrderedDict[str, Held] = OrderedDict()

    def hold(self, held: Held) -> str:
        """Keep `held` and answer its key."""
        key = secrets.token_urlsafe(18)
        with self.lock:
            self.held[key] = held
            while len(self.held) > self.kept:
                self.held.popitem(last=False)
        return key

    def get(self, key: str, scenario: str) -> Held:
        """The uploads previewed under `key` for `scenario`; a `UsageError` once they are gone."""
        with self.lock:
            now = time.monotonic()
            for old in [k for k, h in self.held.items() if now - h.since > self.seconds]:
                del self.held[old]
            found = self.held.get(key)
        if found is None or found.scenario != scenario:
            raise UsageError(
                "the previewed files are no longer held (imported already, or too long ago); upload them again"
            )
        return found

    def drop(self, key: str) -> None:
        """Forget the uploads under `key` (once imported)."""
        with self.lock:
            self.held.pop(key, None)
