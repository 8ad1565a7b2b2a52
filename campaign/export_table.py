"""Read an export file into rows of strings, within bounded time and memory.

CSV, TSV or semicolon-separated text (UTF-8 with or without a byte-order
mark, or UTF-16) and xlsx workbooks. Only regular files are read (a FIFO or
a device such as /dev/zero is refused before it is opened), at most
`MAX_FILE_BYTES` of them, with at most `MAX_ROWS` rows and fields of at most
`MAX_FIELD_CHARS` characters.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import itertools
import os
import stat
from collections.abc import Callable
from pathlib import Path

from scenarios import UsageError

#: The largest export file read, in bytes (32 MiB: a quarter of daily rows by placement and ad is a few MiB).
MAX_FILE_BYTES = 32 * 1024 * 1024
#: The most rows (header and preamble included) read from one export.
MAX_ROWS = 200_000
#: The longest field of a text export, in characters (Python's csv default).
MAX_FIELD_CHARS = 131_072
#: How many rows at the top of a file are searched for the header row.
HEADER_ROWS = 40
DELIMITERS = ("\t", ",", ";")


def read_table(path: Path, is_header: Callable[[list[list[str]]], bool]) -> tuple[list[list[str]], str]:
    """All rows of the export at `path`, as strings, and the SHA-256 of its bytes.

    `is_header(rows)` tells whether the first rows of a text file, split with a
    candidate delimiter, hold a recognisable header row: the delimiter that
    gives one wins, otherwise the one that splits most.
    """
    raw = read_bytes(path)
    digest = hashlib.sha256(raw).hexdigest()
    if raw[:2] == b"PK":
        return _read_xlsx(path, raw), digest
    try:
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(raw) > 3 and raw[1:2] == b"\x00"):
            text = raw.decode("utf-16")
        else:
            text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a text export (neither UTF-8 nor UTF-16) and not an xlsx file") from None
    del raw
    heads = {d: _head(text, d) for d in DELIMITERS}
    chosen = next((d for d, rows in heads.items() if is_header(rows)), None)
    if chosen is None:
        chosen = max(DELIMITERS, key=lambda d: max((len(r) for r in heads[d]), default=0))
    return _parse(path, text, chosen), digest


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file of at most `MAX_FILE_BYTES` (FIFOs and devices are refused unopened)."""
    try:
        info = path.stat()
    except OSError as error:
        raise UsageError(f"{path}: cannot read the file: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device"
        raise UsageError(f"{path}: is {kind}, not a file; save the export to a file and import that")
    if info.st_size > MAX_FILE_BYTES:
        raise UsageError(_too_large(path, info.st_size))
    try:
        # O_NONBLOCK: should the path be swapped for a FIFO after the check, opening it does not wait for a writer.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise UsageError(f"{path}: cannot read the file: {error.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise UsageError(_too_large(path, len(raw)))
    return raw


def _too_large(path: Path, size: int) -> str:
    return (
        f"{path}: the file has {size:,} bytes or more, above the limit of {MAX_FILE_BYTES:,} bytes (32 MiB) for "
        "one export; export a shorter period or fewer breakdowns per file"
    )


def _head(text: str, delimiter: str) -> list[list[str]]:
    """The first rows of `text` split with `delimiter` (lenient: any row the csv module rejects ends the head)."""
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    with contextlib.suppress(csv.Error):
        for row in itertools.islice(reader, HEADER_ROWS):
            rows.append(row)
    return rows


def _parse(path: Path, text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    start = 1
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise UsageError(_too_many(path))
            start = reader.line_num + 1
    except csv.Error as error:
        if "field limit" in str(error):
            reason = (
                f"a field longer than {MAX_FIELD_CHARS:,} characters (most often a quote that is never closed, "
                "so the rest of the file reads as one field)"
            )
        elif "unexpected end of data" in str(error):
            reason = "a quote that is never closed (the file ends inside a quoted field)"
        else:
            reason = f"a row that is no valid CSV ({error})"
        raise UsageError(f"{path}: line {start}: {reason}; export the file again or fix that line") from None
    return rows


def _too_many(path: Path) -> str:
    return (
        f"{path}: more than {MAX_ROWS:,} rows, the limit for one export; export a shorter period or fewer "
        "breakdowns per file"
    )


def _read_xlsx(path: Path, raw: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell(v) for v in values])
            if len(rows) > MAX_ROWS:
                book.close()
                raise UsageError(_too_many(path))
        book.close()
    except UsageError:
        raise
    except Exception as error:
        raise UsageError(f"{path}: not a readable xlsx workbook ({type(error).__name__}: {error})") from None
    return rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value)
