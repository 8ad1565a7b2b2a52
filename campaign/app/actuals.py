"""The actuals: import ad-platform exports into the ledger (`import_actuals`), show what it holds (`show_actuals`),
and re-optimise the rest of the quarter from them (`reallocate`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign.actuals import ImportReport, import_files
from campaign.app.common import cell_sums, existing_ledger, ledger_path, ledger_rows, load, this_quarter
from campaign.app.defaults import MAX_CHANGE
from campaign.ledger import Ledger, LedgerRow
from campaign.reallocate import Reallocation
from campaign.reallocate import reallocate as reallocate_rest
from scenarios import Scenario, UsageError


@dataclass(frozen=True)
class LedgerSummary:
    """What the ledger holds: its imports and the actuals per cell (``channel.format``) of the scenario."""

    path: Path
    currency: str
    imports: list[dict[str, object]]
    cells: dict[str, dict[str, float]]
    #: The rows dated before the scenario's start: `{"rows", "weeks", "first", "last"}`, or None without any.
    history: dict[str, Any] | None = None
    #: The scenario's first day, if it has dates.
    start: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        """The `actuals show --json` document."""
        return {"ledger": str(self.path), "imports": self.imports, "cells": self.cells, "history": self.history}


def history_summary(rows: list[LedgerRow]) -> dict[str, Any] | None:
    """How many history rows, the calendar weeks (Monday to Sunday) their days fall in, their first and last day."""
    if not rows:
        return None
    mondays = set()
    for row in rows:
        monday = row.start - dt.timedelta(days=row.start.weekday())
        while monday <= row.end:
            mondays.add(monday)
            monday += dt.timedelta(days=7)
    first, last = min(r.start for r in rows), max(r.end for r in rows)
    return {"rows": len(rows), "weeks": len(mondays), "first": str(first), "last": str(last)}


@dataclass(frozen=True)
class Reallocated:
    """The scenario and the new plan for its remaining periods."""

    scenario: Scenario
    result: Reallocation


def import_actuals(
    files: Sequence[Path],
    scenario: str | Path,
    ledger: Path | None = None,
    currency: str | None = None,
    dates: tuple[dt.date, dt.date] | None = None,
    replace: bool = False,
) -> list[ImportReport]:
    """Import every export into the scenario's ledger in one transaction (all of them or none); one report each."""
    loaded = load(scenario)
    return import_files(list(files), loaded, ledger_path(ledger, scenario, loaded.name), currency, dates, replace)


def show_actuals(scenario: str | Path, ledger: Path | None = None) -> LedgerSummary:
    """The imports in the scenario's ledger, its actuals summed per cell, and its history rows in summary."""
    loaded = load(scenario)
    path = existing_ledger(ledger, scenario, loaded.name)
    with Ledger(path) as book:
        imports, rows = book.imports(), book.rows(loaded.name, loaded.currency)
    quarter = this_quarter(rows, loaded)
    past = [r for r in rows if loaded.start is not None and r.end < loaded.start]
    return LedgerSummary(path, loaded.currency, imports, cell_sums(quarter), history_summary(past), loaded.start)


def exclusions(patterns: Sequence[str]) -> list[re.Pattern[str]]:
    """Campaign-name patterns (case-insensitive); one that is not a regular expression is a `UsageError`."""
    compiled = []
    for text in patterns:
        try:
            compiled.append(re.compile(text, re.IGNORECASE))
        except re.error as error:
            raise UsageError(
                f"--exclude-campaign {text!r} is not a regular expression ({error}); "
                "escape special characters, such as 'Display \\(test\\)'"
            ) from None
    return compiled


def reallocate(
    scenario: str | Path,
    as_of: dt.date,
    variant: str | None = None,
    ledger: Path | None = None,
    max_change: float = MAX_CHANGE,
    exclude: Sequence[str] = (),
) -> Reallocated:
    """Re-optimise the periods from `as_of` on, from the ledger's actuals before it.

    Ledger rows whose campaign matches a pattern of `exclude` are left out.
    """
    patterns = exclusions(exclude)
    loaded = load(scenario, variant)
    rows = ledger_rows(existing_ledger(ledger, scenario, loaded.name), loaded)
    return Reallocated(loaded, reallocate_rest(loaded, rows, as_of, max_change, variant, patterns))
