"""The actuals ledger: imported export rows in a SQLite database, one transaction per import.

A file already imported (same bytes), or a row already there (same platform,
campaign, platform name, placement and dates), adds nothing; a failure
half-way rolls the whole import back.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from scenarios.errors import UsageError

SCHEMA = """
CREATE TABLE IF NOT EXISTS imports (
    id INTEGER PRIMARY KEY,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL,
    currency TEXT NOT NULL,
    scenario TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS actuals (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports(id),
    platform TEXT NOT NULL,
    campaign TEXT NOT NULL,
    platform_name TEXT NOT NULL,
    placement TEXT NOT NULL,
    detail TEXT NOT NULL,
    start TEXT NOT NULL,
    end TEXT NOT NULL,
    channel TEXT NOT NULL,
    format TEXT NOT NULL,
    spend REAL NOT NULL CHECK (spend >= 0),
    impressions REAL NOT NULL CHECK (impressions >= 0),
    clicks REAL NOT NULL CHECK (clicks >= 0),
    conversions REAL NOT NULL CHECK (conversions >= 0),
    UNIQUE (platform, campaign, platform_name, placement, detail, channel, format, start, end)
);
"""


@dataclass(frozen=True)
class LedgerRow:
    """One mapped export row as the ledger keeps it."""

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


COLUMNS = (
    "id",
    "import_id",
    "platform",
    "campaign",
    "platform_name",
    "placement",
    "detail",
    "start",
    "end",
    "channel",
    "format",
    "spend",
    "impressions",
    "clicks",
    "conversions",
)


class Ledger:
    """A SQLite ledger of actuals at `path` (created when missing)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.exists() and path.is_dir():
            raise UsageError(f"{path}: is a folder, not a ledger file")
        if not path.parent.exists():
            raise UsageError(f"{path}: the folder {path.parent} does not exist; create it first")
        try:
            self.db = sqlite3.connect(path)
            self.db.executescript(SCHEMA)
            found = tuple(row[1] for row in self.db.execute("PRAGMA table_info(actuals)"))
        except sqlite3.DatabaseError as error:
            raise UsageError(f"{path}: not an actuals ledger (a SQLite database): {error}") from None
        if found != COLUMNS:
            self.db.close()
            raise UsageError(f"{path}: a SQLite database, but not an actuals ledger of this tool (other tables)")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def imported(self, sha256: str) -> str | None:
        """When a file with these bytes was imported, if it was."""
        row = self.db.execute("SELECT imported_at FROM imports WHERE sha256 = ?", (sha256,)).fetchone()
        return row[0] if row else None

    def record(
        self, file: Path, sha256: str, platform: str, currency: str, scenario: str, rows: Iterable[LedgerRow]
    ) -> tuple[int, int]:
        """Import `rows` in one transaction; returns (rows added, rows already in the ledger).

        Rows of the same series and dates within the import are summed first. A row whose
        dates overlap, without matching, those of a row already stored for the same series
        (a "to date" export after a weekly one) would count days twice: the import is refused.
        """
        merged: dict[tuple, LedgerRow] = {}
        for row in rows:
            key = (*row.identity, row.start, row.end)
            if key in merged:
                old = merged[key]
                row = LedgerRow(
                    *key[:4],
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
        added = duplicates = 0
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self.db:  # one transaction: committed at the end, rolled back on any error
            cursor = self.db.execute(
                "INSERT INTO imports (file, sha256, platform, currency, scenario, imported_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (str(file), sha256, platform, currency, scenario, now),
            )
            import_id = cursor.lastrowid
            for row in merged.values():
                overlap = self.db.execute(
                    "SELECT a.start, a.end, i.file FROM actuals a JOIN imports i ON a.import_id = i.id "
                    "WHERE a.platform = ? AND a.campaign = ? AND a.platform_name = ? AND a.placement = ? "
                    "AND a.detail = ? AND a.channel = ? AND a.format = ? AND a.start <= ? AND a.end >= ? "
                    "AND NOT (a.start = ? AND a.end = ?) LIMIT 1",
                    (
                        *row.identity,
                        row.end.isoformat(),
                        row.start.isoformat(),
                        row.start.isoformat(),
                        row.end.isoformat(),
                    ),
                ).fetchone()
                if overlap:
                    raise UsageError(
                        f"{file}: {row.channel}.{row.format} ('{row.campaign}') from {row.start} to {row.end} "
                        f"overlaps {overlap[0]} to {overlap[1]} already imported from {overlap[2]}: those days "
                        "would count twice; export only the days not yet imported"
                    )
                try:
                    self.db.execute(
                        "INSERT INTO actuals (import_id, platform, campaign, platform_name, placement, detail, start, "
                        "end, channel, format, spend, impressions, clicks, conversions) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            import_id,
                            row.platform,
                            row.campaign,
                            row.platform_name,
                            row.placement,
                            row.detail,
                            row.start.isoformat(),
                            row.end.isoformat(),
                            row.channel,
                            row.format,
                            row.spend,
                            row.impressions,
                            row.clicks,
                            row.conversions,
                        ),
                    )
                    added += 1
                except sqlite3.IntegrityError as error:
                    if "UNIQUE" not in str(error):
                        raise UsageError(f"{file}: a row the ledger cannot hold: {error}") from None
                    duplicates += 1
        return added, duplicates

    def rows(self, scenario: str | None = None, currency: str | None = None) -> list[LedgerRow]:
        """The rows in the ledger (of one scenario and currency, if given), in import order."""
        query = (
            "SELECT a.platform, a.campaign, a.platform_name, a.placement, a.start, a.end, a.channel, a.format, "
            "a.spend, a.impressions, a.clicks, a.conversions, a.detail FROM actuals a "
            "JOIN imports i ON a.import_id = i.id "
            "WHERE (? IS NULL OR i.scenario = ?) AND (? IS NULL OR i.currency = ?) "
            "ORDER BY a.id"
        )
        return [
            LedgerRow(*r[:4], dt.date.fromisoformat(r[4]), dt.date.fromisoformat(r[5]), *r[6:])
            for r in self.db.execute(query, (scenario, scenario, currency, currency))
        ]

    def imports(self) -> list[dict[str, object]]:
        """The imports so far: file, platform, currency, when, rows."""
        query = (
            "SELECT i.file, i.platform, i.currency, i.imported_at, COUNT(a.id) FROM imports i "
            "LEFT JOIN actuals a ON a.import_id = i.id GROUP BY i.id ORDER BY i.id"
        )
        keys = ("file", "platform", "currency", "imported_at", "rows")
        return [dict(zip(keys, r, strict=True)) for r in self.db.execute(query)]
