"""Importing actuals: an export's rows mapped onto the scenario's cells, checked, and recorded in the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign.exports import Export, ExportRow, read_export
from campaign.ledger import Batch, Ledger, LedgerRow, Recorded, merge_rows, record_imports
from scenarios import (
    LONGEST_ROW,
    MATCH_SECONDS,
    MappingRule,
    Scenario,
    SlowPatternError,
    UsageError,
    counted,
    horizon,
    pattern_search,
)


@dataclass(frozen=True)
class ImportReport:
    """What one import did: the `import` JSON document."""

    file: str
    platform: str
    currency: str
    rows: int
    imported: int
    duplicates: int
    unmapped: list[dict[str, Any]]
    totals: dict[str, float]
    dropped: list[int] = field(default_factory=list)
    note: str = ""
    dropped_rows: list[dict[str, Any]] = field(default_factory=list)
    merged: int = 0
    replaced: list[dict[str, Any]] = field(default_factory=list)
    #: The mapped rows dated before the scenario's start (`{"rows", "first", "last"}`), or None.
    history: dict[str, Any] | None = None
    #: The scenario's first day, if it has dates.
    start: dt.date | None = None
    #: How many of the history rows cover more than `LONGEST_ROW` days (calibration sets them aside).
    history_long: int = 0

    @property
    def history_note(self) -> str:
        """What the import says about its history rows ("" without any)."""
        if self.history is None:
            return ""
        h = self.history
        verb, them = ("is", "it") if h["rows"] == 1 else ("are", "them")
        note = (
            f"{counted(h['rows'], 'row')} dated {h['first']} to {h['last']}, before the scenario's start "
            f"({self.start}), {verb} history: `campaign calibrate` reads {them}; "
            f"this quarter's actuals and reallocation do not count {them}"
        )
        if self.history_long:
            one = self.history_long == 1
            which = "it" if h["rows"] == 1 else f"{self.history_long} of them"
            note += (
                f"; {which} cover{'s' if one else ''} more than {LONGEST_ROW} days; calibration sets "
                f"{'it' if one else 'them'} aside (export with a Day or Week breakdown)"
            )
        return note

    def to_dict(self) -> dict[str, Any]:
        """The `actuals import --json` document (DESIGN §6 contract, extended)."""
        return {
            "file": self.file,
            "platform": self.platform,
            "currency": self.currency,
            "rows": self.rows,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "unmapped": self.unmapped,
            "totals": self.totals,
            "dropped_total_rows": self.dropped,
            "dropped_rows": self.dropped_rows,
            "merged_rows": self.merged,
            "replaced": self.replaced,
            "history": self.history,
            "note": self.note,
        }


@dataclass(frozen=True)
class Prepared:
    """One export read, checked and mapped, not yet recorded."""

    export: Export
    batch: Batch
    merged: int
    unmapped: list[dict[str, Any]]
    totals: dict[str, float]
    history: dict[str, Any] | None = None
    start: dt.date | None = None
    history_long: int = 0
    #: Each row a rule claims, before rows of the same key are summed: its line in the file and the ledger row.
    claimed: list[tuple[int, LedgerRow]] = field(default_factory=list)


def history_span(rows: list[LedgerRow], start: dt.date | None) -> dict[str, Any] | None:
    """How many of `rows` end before `start` (history), and their first and last day; None without any."""
    past = [r for r in rows if start is not None and r.end < start]
    if not past:
        return None
    return {"rows": len(past), "first": str(min(r.start for r in past)), "last": str(max(r.end for r in past))}


def long_history(rows: list[LedgerRow], start: dt.date | None) -> int:
    """How many of `rows` end before `start` and cover more than `LONGEST_ROW` days (no week's figures)."""
    return sum(1 for r in rows if start is not None and r.end < start and (r.end - r.start).days + 1 > LONGEST_ROW)


def match(rule: MappingRule, platform: str, row: ExportRow) -> bool:
    """Whether `rule` claims `row` of a `platform` export (the campaign pattern within its time limit)."""
    if rule.platform != platform:
        return False
    if rule.platform_name is not None and rule.platform_name.lower() != row.platform_name.lower():
        return False
    if rule.placement is not None and rule.placement.lower() != row.placement.lower():
        return False
    return rule.campaign is None or pattern_search(rule.campaign, row.campaign)


def map_rows(export: Export, scenario: Scenario) -> tuple[list[LedgerRow], list[dict[str, Any]]]:
    """The rows that map onto a cell, and the others with the reason."""
    cells = {f"{c}.{f}" for c, ch in scenario.channels.items() for f in ch.formats}
    h = horizon(scenario)
    first = h.start
    last = first + dt.timedelta(days=h.days - 1) if first is not None else None
    columns = scenario.actuals.conversion_columns
    counted = [t.lower() for t in scenario.actuals.conversion_results]
    types = {r.result_type for r in export.rows if r.result_type}
    if not columns and not counted and len(types) > 1:
        raise UsageError(
            f"{export.path}: rows count different results ({', '.join(sorted(types))}); they cannot be summed as one "
            "conversion: list the ones that count in the scenario's actuals.conversion_results, or the columns "
            "that count on every row in actuals.conversion_columns"
        )
    mapped, unmapped = [], []
    for row in export.rows:
        rule = _rule(export, scenario, cells, row)
        if rule is None:
            unmapped.append({"row": row.line, "reason": _no_rule(export.platform, row)})
            continue
        if row.start is None or row.end is None:
            raise UsageError(
                f"{export.path}: line {row.line} has no dates and neither has the export; give the dates it covers "
                "with --from DATE --to DATE, or export with a date range or a Day breakdown"
            )
        if first is not None and row.start < first <= row.end:
            raise UsageError(
                f"{export.path}: line {row.line} covers {row.start} to {row.end}, across the scenario's start "
                f"({first}): days before the start are history and days from it on this quarter's, and one row "
                "cannot be both; export with a Day or Week breakdown"
            )
        if first is not None and last is not None and row.end > last:
            raise UsageError(
                f"{export.path}: line {row.line} covers {row.start} to {row.end}, outside the scenario's horizon "
                f"({first} to {last})"
            )
        conversions = row.conversions
        if not columns and counted and row.result_type and row.result_type.lower() not in counted:
            conversions = 0.0  # another kind of result: its spend counts, its results are not conversions
        mapped.append(
            LedgerRow(
                export.platform,
                row.campaign,
                row.platform_name,
                row.placement,
                row.start,
                row.end,
                rule.channel,
                rule.format,
                row.spend,
                row.impressions,
                row.clicks,
                conversions,
                row.detail,
            )
        )
    return mapped, unmapped


def _rule(export: Export, scenario: Scenario, cells: set[str], row: ExportRow) -> MappingRule | None:
    if export.platform == "generic" and row.channel:
        cell = f"{row.channel}.{row.format}"
        return None if cell not in cells else MappingRule(platform="generic", channel=row.channel, format=row.format)
    for index, rule in enumerate(scenario.actuals.mapping):
        try:
            if match(rule, export.platform, row):
                return rule
        except SlowPatternError:
            raise UsageError(
                f"{export.path}: line {row.line}: the campaign pattern '{rule.campaign}' of actuals.mapping[{index}] "
                f"took longer than {MATCH_SECONDS:g} s on the campaign name '{row.campaign}', so the "
                "import stopped; nested or overlapping repetition such as (a+)+ or (a|aa)+ backtracks without end: "
                "rewrite the pattern without it"
            ) from None
    return None


def _no_rule(platform: str, row: ExportRow) -> str:
    parts = [f"platform {platform}"]
    if row.platform_name:
        parts.append(f"Platform '{row.platform_name}'")
    if row.placement:
        parts.append(f"Placement '{row.placement}'")
    parts.append(f"campaign '{row.campaign}'")
    if platform == "generic" and row.channel:
        return f"{row.channel}.{row.format} is not a cell of the scenario"
    return "no actuals.mapping rule matches " + ", ".join(parts)


def prepare(
    path: Path,
    scenario: Scenario,
    currency: str | None = None,
    dates: tuple[dt.date, dt.date] | None = None,
) -> Prepared:
    """Read, check and map one export; raises `UsageError` with the reason for anything it cannot import."""
    export = read_export(path, currency, dates, scenario.actuals.conversion_columns)
    if export.currency is None:
        raise UsageError(f"{path}: the export names no currency; pass --currency {scenario.currency} to state it")
    if export.currency != scenario.currency:
        raise UsageError(
            f"{path}: the export is in {export.currency} but scenario '{scenario.name}' plans in "
            f"{scenario.currency}; convert it first (the ledger never mixes currencies)"
        )
    if not export.rows:
        raise UsageError(f"{path}: the export has no data rows")
    mapped, unmapped = map_rows(export, scenario)
    if not mapped:
        reasons = "; ".join(sorted({u["reason"] for u in unmapped}))
        raise UsageError(f"{path}: no row maps onto a cell of scenario '{scenario.name}': {reasons}")
    counted = [t.lower() for t in scenario.actuals.conversion_results]
    totals = {key: float(sum(getattr(r, key) for r in export.rows)) for key in ("spend", "impressions", "clicks")}
    # Results of other kinds (messaging conversations, profile visits) are not conversions, mapped or not.
    totals["conversions"] = float(
        sum(
            r.conversions
            for r in export.rows
            if scenario.actuals.conversion_columns
            or not counted
            or not r.result_type
            or r.result_type.lower() in counted
        )
    )
    rows, merged = merge_rows(mapped)
    batch = Batch(path, export.sha256, export.platform, export.currency, scenario.name, rows)
    history = history_span(mapped, scenario.start)
    long = long_history(mapped, scenario.start)
    left = {u["row"] for u in unmapped}
    lines = [r.line for r in export.rows if r.line not in left]
    claimed = list(zip(lines, mapped, strict=True))
    return Prepared(export, batch, merged, unmapped, totals, history, scenario.start, long, claimed)


def import_files(
    paths: list[Path],
    scenario: Scenario,
    ledger: Path,
    currency: str | None = None,
    dates: tuple[dt.date, dt.date] | None = None,
    replace: bool = False,
) -> list[ImportReport]:
    """Import every export into the ledger at `ledger` in one transaction: all of them, or none."""
    prepared = []
    for path in paths:
        try:
            prepared.append(prepare(path, scenario, currency, dates))
        except UsageError as error:
            raise UsageError(_together(str(error), len(paths))) from None
    try:
        done = record_imports(ledger, [p.batch for p in prepared], replace)
    except UsageError as error:
        raise UsageError(_together(str(error), len(paths))) from None
    return [report(p, d) for p, d in zip(prepared, done, strict=True)]


def _together(message: str, count: int) -> str:
    if count < 2:
        return message
    return f"{message}. Nothing was imported from any of the {count} files: they are imported together or not at all"


def import_file(
    path: Path,
    scenario: Scenario,
    ledger: Ledger,
    currency: str | None = None,
    dates: tuple[dt.date, dt.date] | None = None,
    replace: bool = False,
) -> ImportReport:
    """Read, check, map and record one export in an open ledger; nothing is recorded if any check fails."""
    prepared = prepare(path, scenario, currency, dates)
    return report(prepared, ledger.write([prepared.batch], replace)[0])


def report(prepared: Prepared, done: Recorded) -> ImportReport:
    """The report of one recorded export: counts, what was summed, dropped and replaced."""
    export = prepared.export
    notes = []
    if done.already is not None:
        notes.append(f"this file was already imported on {done.already}: nothing added")
    elif done.duplicates:
        notes.append(f"{done.duplicates} rows were already in the ledger with the same figures: not added again")
    if prepared.merged:
        notes.append(f"{counted(prepared.merged, 'row')} with the same campaign, placement and dates were summed")
    if export.censored:
        notes.append(
            f"{counted(export.censored, 'count')} written as '<5' (the platform hides small counts) "
            f"{'was' if export.censored == 1 else 'were'} counted as 2, the middle of 0 to 4"
        )
    if export.dates_given:
        first, last = export.rows[0].start, export.rows[0].end
        notes.append(f"the export has no dates: its rows cover {first} to {last} as given by --from and --to")
    return ImportReport(
        str(export.path),
        export.platform,
        str(export.currency),
        len(export.rows),
        done.added,
        done.duplicates,
        prepared.unmapped,
        prepared.totals,
        export.dropped,
        "; ".join(notes),
        [{"row": line, "label": label} for line, label in zip(export.dropped, export.dropped_labels, strict=True)],
        prepared.merged,
        _replaced_cells(done),
        prepared.history,
        prepared.start,
        prepared.history_long,
    )


def _replaced_cells(done: Recorded) -> list[dict[str, Any]]:
    """Per cell, the spend and conversions of the restated rows before and after."""
    cells: dict[str, dict[str, Any]] = {}
    for item in done.replaced:
        cell = cells.setdefault(
            f"{item.row.channel}.{item.row.format}",
            {"rows": 0, "spend_before": 0.0, "spend_after": 0.0, "conversions_before": 0.0, "conversions_after": 0.0},
        )
        cell["rows"] += 1
        for key in ("spend", "conversions"):
            cell[f"{key}_before"] += item.before[key]
            cell[f"{key}_after"] += getattr(item.row, key)
    return [{"cell": name, **values} for name, values in cells.items()]
