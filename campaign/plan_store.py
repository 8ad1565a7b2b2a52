"""The store of runs and adopted plans: a SQLite file in the workspace that this tool marks as its own.

A run is one optimisation or reallocation: its scenario (by name), variant,
the SHA-256 of the scenario file it ran on, when, its result document and
the whole plan it made (a plan document as `optimize -o` writes result.json).
Adopting a run's plan makes it the scenario's next plan version (1, 2, ...);
the highest version is the current plan. The file carries
`PRAGMA application_id` = `APPLICATION_ID` and its schema version in
`user_version`; any other database is refused untouched. Every write is one
transaction (`BEGIN IMMEDIATE`): it lands whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenarios import UsageError

#: `PRAGMA application_id` of a store: "CPST" (campaign-planner store) in ASCII.
APPLICATION_ID = 0x43505354
#: `PRAGMA user_version`: the version of the store's schema.
SCHEMA_VERSION = 1
#: The store's file name in the workspace.
STORE_FILE = "campaign-store.sqlite"
#: How long a write waits for another process's lock, in seconds.
LOCK_SECONDS = 5.0
#: Runs kept that no plan version refers to (the oldest go first).
KEPT_RUNS = 200

SCHEMA = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    scenario TEXT NOT NULL,
    variant TEXT,
    scenario_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    document TEXT NOT NULL,
    plan TEXT NOT NULL
);
CREATE TABLE plans (
    scenario TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    run_id INTEGER NOT NULL REFERENCES runs(id),
    adopted_at TEXT NOT NULL,
    PRIMARY KEY (scenario, version)
)
"""


@dataclass(frozen=True)
class Run:
    """One stored run: what ran on which scenario file, when, its result document and its plan."""

    id: int
    kind: str
    scenario: str
    variant: str | None
    scenario_sha256: str
    created_at: str
    document: dict[str, Any]
    plan: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        """The run without its documents (`GET /api/runs`)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "scenario": self.scenario,
            "variant": self.variant,
            "scenario_sha256": self.scenario_sha256,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class PlanVersion:
    """One adopted plan of a scenario: its version, the run it came from, when it was adopted."""

    scenario: str
    version: int
    adopted_at: str
    run: Run

    def summary(self) -> dict[str, Any]:
        """The version without its plan (a row of the list of versions)."""
        return {
            "version": self.version,
            "adopted_at": self.adopted_at,
            "run": self.run.id,
            "kind": self.run.kind,
            "variant": self.run.variant,
            "scenario_sha256": self.run.scenario_sha256,
            "totals": self.run.document.get("totals", {}),
        }


def now() -> str:
    """The time in UTC, to the second, in ISO 8601."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class PlanStore:
    """The store at `path`; reading a missing store finds nothing, the first write creates it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _open(self, create: bool) -> sqlite3.Connection | None:
        if not self.path.exists() and not create:
            return None
        if self.path.exists() and not self.path.is_file():
            raise UsageError(f"{self.path}: is not a regular file, so not a plan store; move it out of the way")
        db = self._connect("rwc" if create else "rw")
        try:
            if create:
                self._initialise(db)
            self._identify(db)
        except BaseException:
            db.close()
            raise
        return db

    def _connect(self, mode: str) -> sqlite3.Connection:
        try:
            return sqlite3.connect(
                f"{self.path.absolute().as_uri()}?mode={mode}", uri=True, timeout=LOCK_SECONDS, isolation_level=None
            )
        except sqlite3.Error as error:
            raise self._failed(error, "open") from None

    def _initialise(self, db: sqlite3.Connection) -> None:
        """Create the tables and mark the file, in one transaction, if it is a new (empty) database.

        Under the write lock, so two processes creating the store at once create it once.
        """
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                empty = db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0
                if empty and db.execute("PRAGMA application_id").fetchone()[0] == 0:
                    for statement in SCHEMA.split(";"):
                        db.execute(statement)
                    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            raise self._failed(error, "create") from None

    def _identify(self, db: sqlite3.Connection) -> None:
        try:
            application = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error as error:
            raise self._failed(error, "open") from None
        if application != APPLICATION_ID:
            raise UsageError(
                f"{self.path}: not a plan store of this tool (a file of another kind has its name); it was left "
                "untouched: move it out of the way"
            )
        if version > SCHEMA_VERSION:
            raise UsageError(
                f"{self.path}: a plan store of a newer version of this tool (schema {version}, this one reads up to "
                f"{SCHEMA_VERSION}); it was left untouched: upgrade campaign-planner to use it"
            )

    def _failed(self, error: sqlite3.Error, doing: str) -> UsageError:
        text = str(error)
        if "locked" in text or "busy" in text:
            return UsageError(
                f"{self.path}: the plan store is locked by another process for more than {LOCK_SECONDS:g} s; nothing "
                "was written. Try again once it has finished"
            )
        return UsageError(f"{self.path}: cannot {doing} the plan store ({text}); nothing was written")

    def _write(self, work: Any) -> Any:
        """`work(db)` in one transaction: committed whole, or rolled back and nothing written."""
        db = self._open(create=True)
        assert db is not None
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                answer = work(db)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            raise self._failed(error, "write") from None
        finally:
            db.close()
        return answer

    def _read(self, query: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        db = self._open(create=False)
        if db is None:
            return []
        try:
            rows: list[tuple[Any, ...]] = db.execute(query, parameters).fetchall()
        except sqlite3.Error as error:
            raise self._failed(error, "read") from None
        finally:
            db.close()
        return rows

    def record(
        self, kind: str, scenario: str, variant: str | None, sha256: str, document: dict[str, Any], plan: dict[str, Any]
    ) -> Run:
        """Store a run; the oldest runs beyond `KEPT_RUNS` that no plan version refers to are dropped."""
        created = now()

        def work(db: sqlite3.Connection) -> int:
            cursor = db.execute(
                "INSERT INTO runs (kind, scenario, variant, scenario_sha256, created_at, document, plan) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (kind, scenario, variant, sha256, created, json.dumps(document), json.dumps(plan)),
            )
            db.execute(
                "DELETE FROM runs WHERE id NOT IN (SELECT run_id FROM plans) AND id NOT IN "
                "(SELECT id FROM runs WHERE id NOT IN (SELECT run_id FROM plans) ORDER BY id DESC LIMIT ?)",
                (KEPT_RUNS,),
            )
            return int(cursor.lastrowid or 0)

        key = self._write(work)
        return Run(key, kind, scenario, variant, sha256, created, document, plan)

    def run(self, key: int) -> Run | None:
        """The run `key`, if the store holds it."""
        rows = self._read(f"SELECT {RUN_COLUMNS} FROM runs r WHERE r.id = ?", (key,))
        return _run(rows[0]) if rows else None

    def runs(self, scenario: str | None = None, limit: int = 100) -> list[Run]:
        """The latest runs first, of one scenario or of all."""
        where, parameters = ("WHERE r.scenario = ?", (scenario,)) if scenario is not None else ("", ())
        query = f"SELECT {RUN_COLUMNS} FROM runs r {where} ORDER BY r.id DESC LIMIT ?"
        return [_run(row) for row in self._read(query, (*parameters, limit))]

    def adopt(self, run: Run) -> PlanVersion:
        """Make the run's plan its scenario's next version (one more than the highest), in one transaction."""
        adopted = now()

        def work(db: sqlite3.Connection) -> int:
            if db.execute("SELECT 1 FROM runs WHERE id = ?", (run.id,)).fetchone() is None:
                raise UsageError(f"{self.path}: run {run.id} is no longer stored; run it again")
            (highest,) = db.execute("SELECT MAX(version) FROM plans WHERE scenario = ?", (run.scenario,)).fetchone()
            version = (highest or 0) + 1
            db.execute(
                "INSERT INTO plans (scenario, version, run_id, adopted_at) VALUES (?, ?, ?, ?)",
                (run.scenario, version, run.id, adopted),
            )
            return version

        return PlanVersion(run.scenario, self._write(work), adopted, run)

    def versions(self, scenario: str) -> list[PlanVersion]:
        """The scenario's adopted plans, version 1 first."""
        query = (
            f"SELECT p.version, p.adopted_at, {RUN_COLUMNS} FROM plans p JOIN runs r ON r.id = p.run_id "
            "WHERE p.scenario = ? ORDER BY p.version"
        )
        return [PlanVersion(scenario, row[0], row[1], _run(row[2:])) for row in self._read(query, (scenario,))]


#: The columns of a run, read from ``runs r``.
RUN_COLUMNS = "r.id, r.kind, r.scenario, r.variant, r.scenario_sha256, r.created_at, r.document, r.plan"


def _run(row: tuple[Any, ...]) -> Run:
    key, kind, scenario, variant, sha256, created, document, plan = row
    return Run(key, kind, scenario, variant, sha256, created, json.loads(document), json.loads(plan))
