"""Importing actuals: an export's rows mapped onto the scenario's cells, checked, and recorded in the ledger."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign.exports import Export, ExportRow, read_export
from campaign.ledger import Ledger, LedgerRow
from scenarios.calendar import horizon
from scenarios.errors import UsageError
from scenarios.schema import MappingRule, Scenario


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
            "note": self.note,
        }


def match(rule: MappingRule, platform: str, row: ExportRow) -> bool:
    """Whether `rule` claims `row` of a `platform` export."""
    if rule.platform != platform:
        return False
    if rule.platform_name is not None and rule.platform_name.lower() != row.platform_name.lower():
        return False
    if rule.placement is not None and rule.placement.lower() != row.placement.lower():
        return False
    return rule.campaign is None or re.search(rule.campaign, row.campaign) is not None


def map_rows(export: Export, scenario: Scenario) -> tuple[list[LedgerRow], list[dict[str, Any]]]:
    """The rows that map onto a cell, and the others with the reason."""
    cells = {f"{c}.{f}" for c, ch in scenario.channels.items() for f in ch.formats}
    h = horizon(scenario)
    first = h.start
    last = first + dt.timedelta(days=h.days - 1) if first is not None else None
    counted = [t.lower() for t in scenario.actuals.conversion_results]
    types = {r.result_type for r in export.rows if r.result_type}
    if not counted and len(types) > 1:
        raise UsageError(
            f"{export.path}: rows count different results ({', '.join(sorted(types))}); they cannot be summed as one "
            "conversion: list the ones that count in the scenario's actuals.conversion_results"
        )
    mapped, unmapped = [], []
    for row in export.rows:
        if export.platform == "generic" and row.channel:
            cell = f"{row.channel}.{row.format}"
            rule = (
                None if cell not in cells else MappingRule(platform="generic", channel=row.channel, format=row.format)
            )
        else:
            rule = next((r for r in scenario.actuals.mapping if match(r, export.platform, row)), None)
        if rule is None:
            unmapped.append({"row": row.line, "reason": _no_rule(export.platform, row)})
            continue
        if row.start is None:
            raise UsageError(
                f"{export.path}: line {row.line} has no dates; export with a date range or a Day breakdown"
            )
        if first is not None and (row.start < first or row.end > last):
            raise UsageError(
                f"{export.path}: line {row.line} covers {row.start} to {row.end}, outside the scenario's horizon "
                f"({first} to {last})"
            )
        conversions = row.conversions
        if counted and row.result_type and row.result_type.lower() not in counted:
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


def import_file(path: Path, scenario: Scenario, ledger: Ledger, currency: str | None = None) -> ImportReport:
    """Read, check, map and record one export; nothing is recorded if any check fails."""
    export = read_export(path, currency)
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
        sum(r.conversions for r in export.rows if not counted or not r.result_type or r.result_type.lower() in counted)
    )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    when = ledger.imported(digest)
    if when is not None:
        imported, duplicates = 0, len(mapped)
        note = f"this file was already imported on {when}: nothing added"
    else:
        imported, duplicates = ledger.record(path, digest, export.platform, export.currency, scenario.name, mapped)
        note = f"{duplicates} rows were already in the ledger: not added again" if duplicates else ""
    return ImportReport(
        str(path),
        export.platform,
        export.currency,
        len(export.rows),
        imported,
        duplicates,
        unmapped,
        totals,
        export.dropped,
        note,
    )
