"""Read ad-platform exports as the platforms write them: Meta, Google Ads, LinkedIn, TikTok, or a plain CSV.

The header row is found wherever it is; the platform is told by its
columns; headers are matched through alias tables (case, full-width
brackets and currency suffixes do not matter); total and summary rows are
dropped; numbers such as ``"1,356,884"``, `` --`` and ``<5`` are parsed;
CSV, TSV, UTF-8 with or without a byte-order mark, UTF-16 and xlsx are read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from scenarios.errors import UsageError

#: Column aliases per platform: field -> accepted header names (normalised: lower case, no currency suffix).
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "meta": {
        "campaign": ("campaign name",),
        "objective": ("objective",),
        "platform_name": ("platform",),
        "placement": ("placement",),
        "spend": ("amount spent",),
        "impressions": ("impressions",),
        "clicks": ("link clicks", "clicks (all)"),
        "conversions": ("results",),
        "result_type": ("result type",),
        "adset": ("ad set name",),
        "ad": ("ad name", "ads"),
        "start": ("day", "reporting starts"),
        "end": ("day", "reporting ends"),
    },
    "google": {
        "campaign": ("campaign",),
        "spend": ("cost",),
        "impressions": ("impr.", "impressions"),
        "clicks": ("clicks",),
        "conversions": ("conversions",),
        "currency": ("currency code", "currency"),
        "start": ("day",),
        "end": ("day",),
    },
    "linkedin": {
        "campaign": ("campaign name",),
        "ad": ("creative name",),
        "spend": ("total spent",),
        "impressions": ("impressions",),
        "clicks": ("clicks",),
        "conversions": ("conversions", "click conversions", "leads"),
        "currency": ("currency",),
        "start": ("start date (in utc)", "start date"),
        "end": ("start date (in utc)", "start date"),
    },
    "tiktok": {
        "campaign": ("campaign name",),
        "spend": ("cost",),
        "impressions": ("impressions",),
        "clicks": ("clicks (destination)", "clicks"),
        "conversions": ("conversions", "results"),
        "currency": ("currency",),
        "adset": ("ad group name",),
        "ad": ("ad name",),
        "start": ("date", "by day"),
        "end": ("date", "by day"),
    },
    "generic": {
        "campaign": ("campaign",),
        "channel": ("channel",),
        "format": ("format",),
        "spend": ("spend",),
        "impressions": ("impressions",),
        "clicks": ("clicks",),
        "conversions": ("conversions",),
        "currency": ("currency",),
        "start": ("start", "date"),
        "end": ("end", "date"),
    },
}

#: Columns whose presence tells the platform (normalised), most specific first.
SIGNATURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("meta", ("amount spent", "reporting starts")),
    ("meta", ("amount spent", "campaign name")),
    ("linkedin", ("total spent", "campaign name")),
    ("google", ("impr.", "cost", "campaign")),
    ("tiktok", ("cost", "campaign name", "impressions")),
    ("generic", ("channel", "format", "spend")),
)
REQUIRED = ("spend", "impressions", "clicks")
KNOWN = "Meta Ads Manager, Google Ads, LinkedIn Campaign Manager, TikTok Ads Manager, or a CSV with the columns "
KNOWN += "channel, format, start, end, spend, impressions, clicks, conversions, currency"


@dataclass(frozen=True)
class ExportRow:
    """One data row of an export, in the scenario's terms. `line` is its line (or sheet row) in the file."""

    line: int
    campaign: str
    platform_name: str
    placement: str
    channel: str
    format: str
    start: dt.date | None
    end: dt.date | None
    spend: float
    impressions: float
    clicks: float
    conversions: float
    result_type: str
    detail: str = ""


@dataclass(frozen=True)
class Export:
    """A parsed export: its platform, currency, data rows, and the rows dropped as totals."""

    path: Path
    platform: str
    currency: str | None
    rows: list[ExportRow]
    dropped: list[int] = field(default_factory=list)
    censored: int = 0


def normalise(header: str) -> str:
    """A header for matching: lower case, full-width brackets as ASCII, no currency suffix, no padding."""
    text = header.replace("\ufeff", "").replace("（", "(").replace("）", ")").strip().strip('"').strip()
    text = re.sub(r"\s*\([A-Z]{3}\)$", "", text)
    text = re.sub(r"\s*\(\s*", " (", text)
    text = re.sub(r"\s*\)", ")", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def read_table(path: Path) -> list[list[str]]:
    """All rows of a CSV, TSV (UTF-8 with or without BOM, or UTF-16) or xlsx file, as strings."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UsageError(f"{path}: cannot read the file: {error.strerror}") from None
    if raw[:2] == b"PK":
        return _read_xlsx(path, raw)
    try:
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(raw) > 3 and raw[1:2] == b"\x00"):
            text = raw.decode("utf-16")
        else:
            text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a text export (neither UTF-8 nor UTF-16) and not an xlsx file") from None
    tables = {d: list(csv.reader(io.StringIO(text), delimiter=d)) for d in ("\t", ",", ";")}
    # The delimiter that yields a recognisable header wins; otherwise the one that splits most.
    for rows in tables.values():
        if _header(rows) is not None:
            return rows
    return max(tables.values(), key=lambda rows: max((len(r) for r in rows[:40]), default=0))


def _read_xlsx(path: Path, raw: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(
                ["" if v is None else (v.date().isoformat() if isinstance(v, dt.datetime) else str(v)) for v in values]
            )
        book.close()
    except Exception as error:
        raise UsageError(f"{path}: not a readable xlsx workbook ({type(error).__name__}: {error})") from None
    return rows


def _header(rows: list[list[str]]) -> tuple[int, str] | None:
    for index, row in enumerate(rows[:40]):
        names = {normalise(c) for c in row}
        for platform, needed in SIGNATURES:
            if all(n in names for n in needed):
                return index, platform
    return None


def find_header(rows: list[list[str]], path: Path) -> tuple[int, str]:
    """The index of the header row among the first 40 rows, and the platform its columns tell."""
    found = _header(rows)
    if found is None:
        raise UsageError(f"{path}: not a known export format: no header row of {KNOWN}")
    return found


def number(text: str) -> tuple[float, bool]:
    """A count or amount from an export cell: ``"1,356,884"``, `` --`` (0), ``<5`` (2, censored)."""
    value = str(text).strip().replace("\u00a0", "")
    if value in ("", "--", "-", "—"):
        return 0.0, False
    censored = False
    match = re.fullmatch(r"<\s*(\d+(?:\.\d+)?)", value)
    if match:
        return float(match.group(1)) / 2.0 - 0.5, True
    value = value.replace(",", "").rstrip("%")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(text) from None
    if not math.isfinite(number) or number < 0:
        raise ValueError(text)
    return number, censored


def parse_date(text: str) -> dt.date | None:
    """A date as the platforms write it: 2026-09-01, 09/01/2026 (US), March 27, 2026."""
    value = str(text).strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%B %d, %Y", "%b %d, %Y", "%Y/%m/%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value[:10] if fmt == "%Y-%m-%d" else value, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def read_export(path: Path, currency: str | None = None) -> Export:
    """Parse an export file. `currency` states the currency of exports that do not carry one."""
    rows = read_table(path)
    index, platform = find_header(rows, path)
    header = rows[index]
    names = [normalise(c) for c in header]
    aliases = ALIASES[platform]
    columns: dict[str, int] = {}
    for key, accepted in aliases.items():
        for alias in accepted:
            if alias in names:
                columns[key] = names.index(alias)
                break
    missing = [k for k in REQUIRED if k not in columns]
    if missing:
        raise UsageError(f"{path}: a {platform} export needs the columns {', '.join(missing)} (or their aliases)")
    spend_header = header[columns["spend"]]
    found = _header_currency([spend_header])
    if found is None:
        found = currency
    preamble_dates = _preamble_dates(rows[:index])
    parsed, dropped, censored, currencies = [], [], 0, set()
    for offset, row in enumerate(rows[index + 1 :], start=index + 2):
        if not any(c.strip() for c in row):
            continue
        cell = {key: row[i] if i < len(row) else "" for key, i in columns.items()}
        if _is_total(platform, row, cell):
            dropped.append(offset)
            continue
        values = {}
        for key in ("spend", "impressions", "clicks", "conversions"):
            try:
                values[key], hidden = number(cell.get(key, ""))
            except ValueError:
                raise UsageError(
                    f"{path}: line {offset}: {header[columns[key]].strip()} is {cell[key]!r}, not a count or "
                    "amount of at least 0"
                ) from None
            censored += hidden
        try:
            start = parse_date(cell["start"]) if "start" in cell else None
            end = parse_date(cell["end"]) if "end" in cell else None
        except ValueError as error:
            raise UsageError(f"{path}: line {offset}: '{error}' is not a date") from None
        if start is None and preamble_dates is not None:
            start, end = preamble_dates
        if start is not None and end is not None and end < start:
            raise UsageError(f"{path}: line {offset}: the row ends ({end}) before it starts ({start})")
        if "currency" in cell and cell["currency"].strip():
            currencies.add(cell["currency"].strip().upper())
        parsed.append(
            ExportRow(
                line=offset,
                campaign=cell.get("campaign", "").strip(),
                platform_name=cell.get("platform_name", "").strip().lower(),
                placement=cell.get("placement", "").strip(),
                channel=cell.get("channel", "").strip(),
                format=cell.get("format", "").strip(),
                start=start,
                end=end if end is not None else start,
                spend=values["spend"],
                impressions=values["impressions"],
                clicks=values["clicks"],
                conversions=values.get("conversions", 0.0),
                result_type=cell.get("result_type", "").strip(),
                detail=" / ".join(cell[k].strip() for k in ("adset", "ad") if cell.get(k, "").strip()),
            )
        )
    if len(currencies) > 1:
        raise UsageError(f"{path}: rows in several currencies ({', '.join(sorted(currencies))}); export one at a time")
    if currencies:
        column = currencies.pop()
        if found is not None and found != column:
            raise UsageError(f"{path}: the header says {found} but the currency column says {column}")
        found = column
    return Export(path, platform, found, parsed, dropped, censored)


def _header_currency(header: list[str]) -> str | None:
    for name in header:
        match = re.search(r"\(([A-Z]{3})\)\s*$", name.strip().replace("）", ")").replace("（", "("))
        if match:
            return match.group(1)
    return None


def _preamble_dates(preamble: list[list[str]]) -> tuple[dt.date, dt.date] | None:
    """A report's date range from the lines above its header (Google Ads, LinkedIn)."""
    text = " ".join(" ".join(row) for row in preamble)
    match = re.search(r"([A-Z][a-z]+ \d{1,2}, \d{4})\s*-\s*([A-Z][a-z]+ \d{1,2}, \d{4})", text)
    if match:
        return parse_date(match.group(1)), parse_date(match.group(2))
    match = re.search(r"Report Start:\s*([\d/]+).*?Report End:\s*([\d/]+)", text)
    if match:
        return parse_date(match.group(1)), parse_date(match.group(2))
    return None


TOTAL = re.compile(r"^(grand )?totals?(:|\s+of\b|$)", re.IGNORECASE)
DIMENSIONS = ("campaign", "platform_name", "placement", "adset", "ad", "channel", "format")


def _is_total(platform: str, row: list[str], cell: dict[str, str]) -> bool:
    """Total and summary rows: Google's 'Total: ...', a 'Total' label, or a row whose every dimension is empty."""
    first = next((c.strip() for c in row if c.strip()), "")
    if TOTAL.match(first) or TOTAL.match(cell.get("campaign", "").strip()):
        return True
    dimensions = [cell[k] for k in DIMENSIONS if k in cell]
    return bool(dimensions) and not any(d.strip() for d in dimensions)
