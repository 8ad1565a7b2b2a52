"""The ledger's SQLite file: its schema and marker, the checks run when it is opened, and what went wrong with it.

Errors are explained in one paragraph: what, which file, what to do.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from pathlib import Path

from scenarios import UsageError

#: `PRAGMA application_id` of a ledger: "CPLD" (campaign-planner ledger) in ASCII.
APPLICATION_ID = 0x43504C44
#: `PRAGMA user_version`: the version of the ledger's schema.
SCHEMA_VERSION = 1
#: How long a write waits for another process's lock on the ledger, in seconds.
LOCK_SECONDS = 5.0
SQLITE_MAGIC = b"SQLite format 3\x00"

SCHEMA = """
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL,
    currency TEXT NOT NULL,
    scenario TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE TABLE actuals (
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
IMPORT_COLUMNS = ("id", "file", "sha256", "platform", "currency", "scenario", "imported_at")
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
FIGURES = ("spend", "impressions", "clicks", "conversions")


def connect(path: Path, mode: str, doing: str = "open") -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit); `mode` rw never creates the file."""
    uri = f"{path.absolute().as_uri()}?mode={mode}"
    try:
        return sqlite3.connect(uri, uri=True, timeout=LOCK_SECONDS, isolation_level=None)
    except sqlite3.Error as error:
        raise explain(path, error, doing) from None


def initialise(db: sqlite3.Connection) -> None:
    """Create the tables and mark the database as a ledger, in one transaction (executescript would commit)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        mark(db)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def mark(db: sqlite3.Connection) -> None:
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def check_file(path: Path) -> None:
    """Refuse, unopened by SQLite, what is not a regular file starting with SQLite's header."""
    try:
        info = path.stat()
    except OSError as error:
        raise UsageError(f"{path}: cannot open the ledger: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{path}: is a folder, not a ledger file")
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{path}: is not a regular file (a FIFO or a device), so not a ledger; pass another --ledger")
    try:
        with open(path, "rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise UsageError(f"{path}: cannot open the ledger: {error.strerror}") from None
    if head != SQLITE_MAGIC:
        what = "an empty file" if not head else "a file of another kind"
        raise UsageError(
            f"{path}: not an actuals ledger (a SQLite database) but {what}; it was left untouched. A new ledger is "
            "created only where no file exists: pass --ledger with a new file name"
        )


def identify(path: Path, db: sqlite3.Connection, doing: str = "open") -> bool:
    """Check the database is a ledger of this tool; True for an unmarked ledger of the previous version."""
    try:
        application = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {
            name: tuple(c[1] for c in db.execute(f"PRAGMA table_info('{name}')"))
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            if not name.startswith("sqlite_")
        }
    except sqlite3.Error as error:
        raise explain(path, error, doing) from None
    ours = tables == {"imports": IMPORT_COLUMNS, "actuals": COLUMNS}
    if application == APPLICATION_ID:
        if version > SCHEMA_VERSION:
            raise UsageError(
                f"{path}: a ledger of a newer version of this tool (schema {version}, this one reads up to "
                f"{SCHEMA_VERSION}); it was left untouched: upgrade campaign-planner to use it"
            )
        if not ours:
            raise UsageError(f"{path}: marked as an actuals ledger, but its tables are not a ledger's; {not_ours()}")
        return False
    if application == 0 and version == 0 and ours:
        return True
    what = f"application id {application:#x}" if application else f"tables {', '.join(sorted(tables)) or 'none'}"
    raise UsageError(f"{path}: a SQLite database, but not an actuals ledger of this tool ({what}); {not_ours()}")


def quick_check(path: Path, db: sqlite3.Connection, doing: str = "open") -> None:
    try:
        found = [r[0] for r in db.execute("PRAGMA quick_check(5)").fetchall()]
    except sqlite3.Error as error:
        raise explain(path, error, doing) from None
    if found != ["ok"]:
        raise explain(path, sqlite3.DatabaseError("database disk image is malformed: " + "; ".join(found)), doing)


def check_writable(path: Path) -> None:
    """Refuse up front a ledger file or folder the process may not write (SQLite writes a journal beside it)."""
    for target in (path, path.parent):
        if target.exists() and not os.access(target, os.W_OK):
            raise explain(path, sqlite3.OperationalError("attempt to write a readonly database"), "import")


def not_ours() -> str:
    """The end of the message for a database that is not a ledger of this tool."""
    return (
        "it was left untouched. A new ledger is created only where no file exists: pass --ledger with a new file name"
    )


def explain(path: Path, error: BaseException, doing: str) -> UsageError:
    """The error of a SQLite or file operation on the ledger at `path`, as one paragraph.

    `doing` is "open", "read", "create" or "import": an import or a creation adds that
    nothing was imported, since every write is one transaction.
    """
    text = str(error)
    folder = path.parent
    nothing = "; nothing was imported" if doing in ("import", "create") else ""
    lower = text.lower()
    code = getattr(error, "errno", None)
    if "malformed" in lower or "not a database" in lower or "disk image" in lower:
        detail = text.split(": ", 1)[1] if ": " in text else text
        return UsageError(
            f"{path}: the ledger is damaged (SQLite's check says: {detail}){nothing}. Restore it from a backup, or "
            "import the exports again into a new ledger with --ledger NEW_PATH"
        )
    if "locked" in lower or "busy" in lower:
        return UsageError(
            f"{path}: the ledger is locked by another process (another import writing to it) and stayed locked for "
            f"{LOCK_SECONDS:g} s{nothing}. Wait for that process to finish, then run the command again"
        )
    if "readonly" in lower or "read-only" in lower or code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return UsageError(
            f"{path}: cannot write the ledger: the file or its folder {folder} is read-only{nothing}. Make them "
            "writable, or import into a ledger elsewhere with --ledger PATH"
        )
    if "full" in lower or code in (errno.ENOSPC, errno.EDQUOT):
        return UsageError(
            f"{path}: the disk holding the ledger is full{nothing}; the ledger is as it was. Free some space on it, "
            "then run the command again"
        )
    if "unable to open" in lower:
        return UsageError(
            f"{path}: cannot open the ledger (SQLite: {text}){nothing}. Check that the folder {folder} exists and "
            "that you may write in it"
        )
    reason = getattr(error, "strerror", None) or text
    return UsageError(f"{path}: cannot {doing} the ledger ({reason}){nothing}")
