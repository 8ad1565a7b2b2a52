"""The actuals ledger: imported export rows in a SQLite database that this tool marks as its own.

A ledger carries `PRAGMA application_id` = `APPLICATION_ID` and its schema
version in `user_version`; any other database is refused untouched (a ledger
of the previous version, unmarked but with exactly this tool's tables, is
read as it is and marked on its next import). Every open runs SQLite's
`quick_check`, so a damaged ledger is refused before anything is read or
written. Writes happen in one transaction (`BEGIN IMMEDIATE`, waiting at most
`LOCK_SECONDS` for another writer); a file already imported (same bytes), or
a row already there with the same figures, adds nothing; a failure rolls the
whole import back.
"""

from __future__ import annotations

import datetime as dt
import errno
import math
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from campaign import ledger_db
from campaign.ledger_db import APPLICATION_ID, COLUMNS, FIGURES, SCHEMA, SCHEMA_VERSION, explain
from campaign.ledger_rows import Batch, LedgerRow, Recorded, Replaced, merge_rows
from scenarios import UsageError, amount, number

__all__ = [
    "APPLICATION_ID",
    "COLUMNS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "Batch",
    "Ledger",
    "LedgerRow",
    "Recorded",
    "Replaced",
    "merge_rows",
    "record_imports",
]


class Ledger:
    """The SQLite ledger of actuals at `path`: opened when it exists and is ours, created when missing."""

    def __init__(self, path: Path, create: bool = True, doing: str = "open") -> None:
        """Open (or create) the ledger; `doing` ("open" or "import") says what a failure interrupted."""
        self.path = path
        self.legacy = False
        if not path.exists() and not path.is_symlink():
            if not create:
                raise UsageError(f"{path}: no ledger yet; import exports with 'campaign actuals import'")
            self.db = ledger_db.connect(path, "rwc")
            try:
                ledger_db.initialise(self.db)
            except sqlite3.Error as error:
                self.db.close()
                raise explain(path, error, "create") from None
            return
        ledger_db.check_file(path)
        self.db = ledger_db.connect(path, "rw", doing)
        try:
            self.legacy = ledger_db.identify(path, self.db, doing)
            ledger_db.quick_check(path, self.db, doing)
        except BaseException:
            self.db.close()
            raise

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
        """Import `rows` (summed first where series and dates repeat) in one transaction; (added, already there)."""
        merged, _ = merge_rows(rows)
        done = self.write([Batch(file, sha256, platform, currency, scenario, merged)])[0]
        return done.added, done.duplicates

    def write(self, batches: list[Batch], replace: bool = False) -> list[Recorded]:
        """Record every batch in one transaction: all of them, or (on any error) none.

        A row with the same series and dates as a stored row adds nothing when its figures
        are the same; with other figures it replaces the stored one when `replace`, and is
        refused otherwise. A row whose dates overlap, without matching, those of a stored row
        of the same series (a "to date" export after a weekly one) would count days twice:
        refused.
        """
        ledger_db.check_writable(self.path)
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise explain(self.path, error, "import") from None
        try:
            if self.legacy:
                ledger_db.mark(self.db)
            done = [_write_batch(self.db, batch, replace) for batch in batches]
            _check_totals(self.path, self.db)
            self.db.execute("COMMIT")
        except BaseException as error:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise explain(self.path, error, "import") from None
            raise
        self.legacy = False
        return done

    def rows(self, scenario: str | None = None, currency: str | None = None) -> list[LedgerRow]:
        """The rows in the ledger (of one scenario and currency, if given), in import order."""
        query = (
            "SELECT a.platform, a.campaign, a.platform_name, a.placement, a.start, a.end, a.channel, a.format, "
            "a.spend, a.impressions, a.clicks, a.conversions, a.detail FROM actuals a "
            "JOIN imports i ON a.import_id = i.id "
            "WHERE (? IS NULL OR i.scenario = ?) AND (? IS NULL OR i.currency = ?) "
            "ORDER BY a.id"
        )
        try:
            found = self.db.execute(query, (scenario, scenario, currency, currency)).fetchall()
        except sqlite3.Error as error:
            raise explain(self.path, error, "read") from None
        return [
            LedgerRow(
                r[0],
                r[1],
                r[2],
                r[3],
                dt.date.fromisoformat(r[4]),
                dt.date.fromisoformat(r[5]),
                r[6],
                r[7],
                r[8],
                r[9],
                r[10],
                r[11],
                r[12],
            )
            for r in found
        ]

    def imports(self) -> list[dict[str, object]]:
        """The imports so far: file, platform, currency, when, rows."""
        query = (
            "SELECT i.file, i.platform, i.currency, i.imported_at, COUNT(a.id) FROM imports i "
            "LEFT JOIN actuals a ON a.import_id = i.id GROUP BY i.id ORDER BY i.id"
        )
        keys = ("file", "platform", "currency", "imported_at", "rows")
        try:
            found = self.db.execute(query).fetchall()
        except sqlite3.Error as error:
            raise explain(self.path, error, "read") from None
        return [dict(zip(keys, r, strict=True)) for r in found]


def _write_batch(db: sqlite3.Connection, batch: Batch, replace: bool) -> Recorded:
    row = db.execute("SELECT imported_at FROM imports WHERE sha256 = ?", (batch.sha256,)).fetchone()
    if row is not None:
        return Recorded(duplicates=len(batch.rows), already=row[0])
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    import_id = db.execute(
        "INSERT INTO imports (file, sha256, platform, currency, scenario, imported_at) VALUES (?, ?, ?, ?, ?, ?)",
        (str(batch.file), batch.sha256, batch.platform, batch.currency, batch.scenario, now),
    ).lastrowid
    added = duplicates = 0
    replaced: list[Replaced] = []
    conflicts: list[tuple[LedgerRow, dict[str, float], str]] = []
    for row in batch.rows:
        dates = (row.start.isoformat(), row.end.isoformat())
        same = db.execute(
            "SELECT a.id, a.spend, a.impressions, a.clicks, a.conversions, i.file FROM actuals a "
            "JOIN imports i ON a.import_id = i.id WHERE a.platform = ? AND a.campaign = ? AND a.platform_name = ? "
            "AND a.placement = ? AND a.detail = ? AND a.channel = ? AND a.format = ? AND a.start = ? AND a.end = ?",
            (*row.identity, *dates),
        ).fetchone()
        if same is not None:
            before = dict(zip(FIGURES, same[1:5], strict=True))
            if all(math.isclose(before[k], getattr(row, k), rel_tol=1e-9, abs_tol=1e-9) for k in FIGURES):
                duplicates += 1
            elif replace:
                db.execute(
                    "UPDATE actuals SET import_id = ?, spend = ?, impressions = ?, clicks = ?, conversions = ? "
                    "WHERE id = ?",
                    (import_id, row.spend, row.impressions, row.clicks, row.conversions, same[0]),
                )
                replaced.append(Replaced(row, before))
            else:
                conflicts.append((row, before, same[5]))
            continue
        overlap = db.execute(
            "SELECT a.start, a.end, i.file FROM actuals a JOIN imports i ON a.import_id = i.id "
            "WHERE a.platform = ? AND a.campaign = ? AND a.platform_name = ? AND a.placement = ? "
            "AND a.detail = ? AND a.channel = ? AND a.format = ? AND a.start <= ? AND a.end >= ? LIMIT 1",
            (*row.identity, dates[1], dates[0]),
        ).fetchone()
        if overlap:
            raise UsageError(
                f"{batch.file}: {row.channel}.{row.format} ('{row.campaign}') from {row.start} to {row.end} "
                f"overlaps {overlap[0]} to {overlap[1]} already imported from {overlap[2]}: those days "
                "would count twice; export only the days not yet imported"
            )
        db.execute(
            "INSERT INTO actuals (import_id, platform, campaign, platform_name, placement, detail, start, "
            "end, channel, format, spend, impressions, clicks, conversions) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                import_id,
                *row.identity[:5],
                *dates,
                row.channel,
                row.format,
                row.spend,
                row.impressions,
                row.clicks,
                row.conversions,
            ),
        )
        added += 1
    if conflicts:
        raise UsageError(_restated(batch.file, batch.currency, conflicts))
    return Recorded(added, duplicates, replaced)


def _restated(file: Path, currency: str, conflicts: list[tuple[LedgerRow, dict[str, float], str]]) -> str:
    examples = "; ".join(
        f"{row.channel}.{row.format} '{row.campaign}' {row.start} to {row.end}: spend "
        f"{amount(before['spend'], currency, minor=True)} → {amount(row.spend, currency, minor=True)}, "
        f"conversions {number(before['conversions'], 1)} → {number(row.conversions, 1)}"
        for row, before, _ in conflicts[:3]
    )
    more = f" and {len(conflicts) - 3} more" if len(conflicts) > 3 else ""
    sources = ", ".join(sorted({source for _, _, source in conflicts}))
    return (
        f"{file}: {len(conflicts)} rows have the same campaign, placement and dates as rows already imported from "
        f"{sources}, but their figures differ ({examples}{more}); the platform restated them. Nothing was imported: "
        "pass --replace to replace the stored figures with this file's"
    )


def _check_totals(path: Path, db: sqlite3.Connection) -> None:
    """Refuse an import after which the ledger's figures no longer add up to a finite number."""
    sums = db.execute("SELECT SUM(spend), SUM(impressions), SUM(clicks), SUM(conversions) FROM actuals").fetchone()
    for key, value in zip(FIGURES, sums, strict=True):
        if value is not None and not math.isfinite(value):
            raise UsageError(
                f"{path}: with this import the ledger's {key} would add up to more than the largest number the tool "
                "can hold; nothing was imported: check the export's figures"
            )


def record_imports(path: Path, batches: list[Batch], replace: bool = False) -> list[Recorded]:
    """Record `batches` in the ledger at `path` in one transaction, creating the ledger if no file is there.

    A new ledger is written beside `path` under a temporary name and linked into place
    only once committed, so a failed import leaves no file behind; when another process
    creates the ledger first, the import goes into that one.
    """
    for _ in range(2):
        if path.exists() or path.is_symlink():
            with Ledger(path, create=False, doing="import") as ledger:
                return ledger.write(batches, replace)
        try:
            return _create(path, batches, replace)
        except FileExistsError:
            continue
    raise UsageError(f"{path}: a link to a file that does not exist; pass --ledger with the real path of the ledger")


def _create(path: Path, batches: list[Batch], replace: bool) -> list[Recorded]:
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"{path}: the folder {folder} does not exist; create it first, or pass another --ledger")
    if not os.access(folder, os.W_OK):
        raise explain(path, sqlite3.OperationalError("attempt to write a readonly database"), "create")
    temporary = folder / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        with Ledger(temporary) as ledger:
            ledger.path = path  # messages name the ledger the user asked for
            done = ledger.write(batches, replace)
        _link(temporary, path)
    except OSError as error:
        if isinstance(error, FileExistsError):
            raise
        raise explain(path, error, "create") from None
    finally:
        for leftover in (temporary, temporary.with_name(temporary.name + "-journal")):
            leftover.unlink(missing_ok=True)
    return done


def _link(temporary: Path, path: Path) -> None:
    """Give the committed ledger its name, never over a file that appeared meanwhile (FileExistsError)."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        # A file system without hard links: rename, checking first (a race of microseconds, not of an import).
        if path.exists() or path.is_symlink():
            raise FileExistsError(errno.EEXIST, "exists", str(path)) from None
        os.rename(temporary, path)
