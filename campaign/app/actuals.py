"""The actuals: how exports would map onto the cells (`preview_actuals`), import them into the ledger
(`import_actuals`), show what it holds (`show_actuals`), and re-optimise the rest of the quarter (`reallocate`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign.actuals import ImportReport, import_files, prepare
from campaign.app.common import LEDGER_SUMS, cell_sums, existing_ledger, ledger_path, ledger_rows, load, this_quarter
from campaign.app.defaults import MAX_CHANGE
from campaign.app.saved import plan_document, record_run
from campaign.ledger import Ledger, LedgerRow
from campaign.plan_store import Run
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
class Previewed:
    """One export read, checked and mapped onto the scenario's cells, nothing written: the preview document."""

    file: str
    platform: str
    currency: str
    #: The export's data rows.
    rows: int
    #: Each row a rule claims: its line, campaign, placement, dates, the cell it maps onto and its figures.
    claimed: list[dict[str, Any]]
    #: The rows no rule claims, with the reason.
    unmapped: list[dict[str, Any]]
    #: The claimed rows of the scenario's quarter summed per cell, as `actuals show` would count them once imported.
    cells: dict[str, dict[str, float]]
    #: Every row of the export summed, claimed or not.
    totals: dict[str, float]
    history: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        """The `actuals/preview` document of one export."""
        return {
            "file": self.file,
            "platform": self.platform,
            "currency": self.currency,
            "rows": self.rows,
            "claimed": self.claimed,
            "unmapped": self.unmapped,
            "cells": self.cells,
            "totals": self.totals,
            "history": self.history,
        }


@dataclass(frozen=True)
class Reallocated:
    """The scenario and the new plan for its remaining periods."""

    scenario: Scenario
    result: Reallocation
    #: The run as the store keeps it, when asked to record it.
    run: Run | None = None


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


def preview_actuals(
    files: Sequence[Path],
    scenario: str | Path,
    currency: str | None = None,
    dates: tuple[dt.date, dt.date] | None = None,
) -> list[Previewed]:
    """How each export's rows would map onto the scenario's cells, and which rows no rule claims; writes nothing.

    Raises `UsageError` with the reason for an export `import_actuals` would refuse.
    """
    loaded = load(scenario)
    previews = []
    for path in files:
        prepared = prepare(path, loaded, currency, dates)
        claimed = [
            {
                "row": line,
                "campaign": row.campaign,
                "placement": row.placement,
                "start": str(row.start),
                "end": str(row.end),
                "cell": f"{row.channel}.{row.format}",
                **{key: float(getattr(row, key)) for key in LEDGER_SUMS},
            }
            for line, row in prepared.claimed
        ]
        export = prepared.export
        previews.append(
            Previewed(
                str(export.path),
                export.platform,
                str(export.currency),
                len(export.rows),
                claimed,
                prepared.unmapped,
                cell_sums(this_quarter([row for _, row in prepared.claimed], loaded)),
                prepared.totals,
                prepared.history,
            )
        )
    return previews


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
    store: Path | None = None,
) -> Reallocated:
    """Re-optimise the periods from `as_of` on, from the ledger's actuals before it.

    Ledger rows whose campaign matches a pattern of `exclude` are left out. With `store`, the run is recorded
    there, its plan the whole quarter's (the ledger's spend before `as_of`, the new plan after it).
    """
    patterns = exclusions(exclude)
    loaded = load(scenario, variant)
    rows = ledger_rows(existing_ledger(ledger, scenario, loaded.name), loaded)
    done = reallocate_rest(loaded, rows, as_of, max_change, variant, patterns)
    run = None
    if store is not None:
        plan = plan_document(loaded.name, variant, done.result, done.quarter)
        run = record_run("reallocate", scenario, loaded, variant, done.to_dict(), plan, store)
    return Reallocated(loaded, done, run)
