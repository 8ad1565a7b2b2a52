"""What the actuals ledger holds and records: its rows, one export's batch of them, and what recording it did."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Batch", "LedgerRow", "Recorded", "Replaced", "merge_rows"]


@dataclass(frozen=True)
class LedgerRow:
    """One mapped export row as the ledger keeps it (money in the import's currency)."""

    platform: str
    campaign: str
    platform_name: str
    placement: str
    start: dt.date
    end: dt.date
    channel: str
    format: str
    spend: float
    impressions: float
    clicks: float
    conversions: float
    detail: str = ""

    @property
    def identity(self) -> tuple[str, ...]:
        """What makes two rows the same series: everything but the dates and the figures."""
        return (
            self.platform,
            self.campaign,
            self.platform_name,
            self.placement,
            self.detail,
            self.channel,
            self.format,
        )


@dataclass(frozen=True)
class Batch:
    """The mapped rows of one export file, ready to record."""

    file: Path
    sha256: str
    platform: str
    currency: str
    scenario: str
    rows: list[LedgerRow]


@dataclass(frozen=True)
class Replaced:
    """A row restated by a later export: its figures before and after."""

    row: LedgerRow
    before: dict[str, float]


@dataclass(frozen=True)
class Recorded:
    """What recording one batch did: rows added, rows already there, rows replaced, or the earlier import's time."""

    added: int = 0
    duplicates: int = 0
    replaced: list[Replaced] = field(default_factory=list)
    already: str | None = None


def merge_rows(rows: Iterable[LedgerRow]) -> tuple[list[LedgerRow], int]:
    """Rows of the same series and dates summed into one; returns the rows and how many input rows were summed."""
    merged: dict[tuple, LedgerRow] = {}
    sizes: dict[tuple, int] = {}
    for row in rows:
        key = (*row.identity, row.start, row.end)
        sizes[key] = sizes.get(key, 0) + 1
        if key in merged:
            old = merged[key]
            row = LedgerRow(
                row.platform,
                row.campaign,
                row.platform_name,
                row.placement,
                row.start,
                row.end,
                row.channel,
                row.format,
                old.spend + row.spend,
                old.impressions + row.impressions,
                old.clicks + row.clicks,
                old.conversions + row.conversions,
                row.detail,
            )
        merged[key] = row
    return list(merged.values()), sum(n for n in sizes.values() if n > 1)
