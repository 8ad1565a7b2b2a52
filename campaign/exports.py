"""Read ad-platform exports as the platforms write them: Meta, Google Ads, LinkedIn, TikTok, or a plain CSV.

The header row is found wherever it is; the platform is told by its
columns; headers are matched through alias tables (case, full-width
brackets and currency suffixes do not matter); total and summary rows are
dropped; numbers such as ``"1,356,884"``, `` --`` and ``<5`` are parsed;
CSV, TSV, UTF-8 with or without a byte-order mark, UTF-16 and xlsx are read.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from campaign.export_dates import parse_date, preamble_range
from campaign.export_table import HEADER_ROWS, read_table
from scenarios import UsageError

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
    """A parsed export: its platform, currency, data rows, and the rows dropped as totals (line and label).

    `dates_given` says the rows' dates are the ones given with --from/--to; `sha256` is the file's digest.
    """

    path: Path
    platform: str
    currency: str | None
    rows: list[ExportRow]
    dropped: list[int] = field(default_factory=list)
    censored: int = 0
    dropped_labels: list[str] = field(default_factory=list)
    dates_given: bool = False
    sha256: str = ""


def normalise(header: str) -> str:
    """A header for matching: lower case, full-width brackets as ASCII, no currency suffix, no padding."""
    text = header.replace("\ufeff", "").replace("（", "(").replace("）", ")").strip().strip('"').strip()
    text = re.sub(r"\s*\([A-Z]{3}\)$", "", text)
    text = re.sub(r"\s*\(\s*", " (", text)
    text = re.sub(r"\s*\)", ")", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def _header(rows: list[list[str]]) -> tuple[int, str] | None:
    for index, row in enumerate(rows[:HEADER_ROWS]):
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


def read_export(
    path: Path,
    currency: str | None = None,
    dates: tuple[dt.date, dt.date] | None = None,
    conversion_columns: Sequence[str] = (),
) -> Export:
    """Parse an export file.

    `currency` states the currency of exports that do not carry one; `dates`
    (first and last day) the dates of exports that carry none; `conversion_columns`
    the columns whose sum is each row's conversions (default: the platform's
    results or conversions column).
    """
    rows, digest = read_table(path, lambda head: _header(head) is not None)
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
    counted = _conversion_columns(path, names, conversion_columns)
    if counted is None:
        counted = [columns["conversions"]] if "conversions" in columns else []
    spend_header = header[columns["spend"]]
    found = _header_currency([spend_header])
    if found is None:
        found = currency
    preamble_dates = preamble_range(rows[:index], path)
    if dates is not None and ("start" in columns or preamble_dates is not None):
        source = (
            f"the column '{header[columns['start']].strip()}'"
            if "start" in columns
            else f"{preamble_dates[0]} to {preamble_dates[1]} above the header"  # type: ignore[index]
        )
        raise UsageError(
            f"{path}: the export has dates of its own ({source}); --from and --to give the dates of exports that "
            "have none: import this file without them"
        )
    fallback = dates if dates is not None else preamble_dates
    parsed, dropped, labels, censored, currencies = [], [], [], 0, set()
    for offset, row in enumerate(rows[index + 1 :], start=index + 2):
        if not any(c.strip() for c in row):
            continue
        cell = {key: row[i] if i < len(row) else "" for key, i in columns.items()}
        label = _total_label(row, cell)
        if label is not None:
            dropped.append(offset)
            labels.append(label)
            continue
        values = {}
        for key in ("spend", "impressions", "clicks"):
            values[key], hidden = _figure(path, offset, header[columns[key]], cell[key])
            censored += hidden
        values["conversions"] = 0.0
        for i in counted:
            value, hidden = _figure(path, offset, header[i], row[i] if i < len(row) else "")
            values["conversions"] += value
            censored += hidden
        try:
            start = parse_date(cell["start"]) if "start" in cell else None
            end = parse_date(cell["end"]) if "end" in cell else None
        except ValueError as error:
            raise UsageError(f"{path}: line {offset}: '{error}' is not a date") from None
        if start is None and fallback is not None:
            start, end = fallback
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
                conversions=values["conversions"],
                result_type=cell.get("result_type", "").strip(),
                detail=" / ".join(cell[k].strip() for k in ("adset", "ad") if cell.get(k, "").strip()),
            )
        )
    _check_sums(path, parsed)
    if len(currencies) > 1:
        raise UsageError(f"{path}: rows in several currencies ({', '.join(sorted(currencies))}); export one at a time")
    if currencies:
        column = currencies.pop()
        if found is not None and found != column:
            raise UsageError(f"{path}: the header says {found} but the currency column says {column}")
        found = column
    return Export(path, platform, found, parsed, dropped, censored, labels, dates is not None, digest)


def _figure(path: Path, line: int, column: str, text: str) -> tuple[float, bool]:
    try:
        return number(text)
    except ValueError:
        message = f"{path}: line {line}: {column.strip()} is {text!r}, not a count or amount of at least 0"
        raise UsageError(message) from None


def _conversion_columns(path: Path, names: list[str], wanted: Sequence[str]) -> list[int] | None:
    """The indexes of the columns named in `actuals.conversion_columns` that the export has (None: not set)."""
    if not wanted:
        return None
    found = [names.index(normalise(w)) for w in wanted if normalise(w) in names]
    if not found:
        counts = re.compile(r"conversion|result|lead|purchase|order|sign.?up|messag")
        candidates = [n for n in names if counts.search(n) and not re.search(r"type|rate|cost|value|per ", n)]
        hint = f" (this export has: {', '.join(repr(c) for c in candidates)})" if candidates else ""
        raise UsageError(
            f"{path}: none of the scenario's actuals.conversion_columns ({', '.join(wanted)}) is a column of this "
            f"export; export it with one of them, or add the column that counts this scenario's conversions to "
            f"actuals.conversion_columns{hint}"
        )
    return found


def _check_sums(path: Path, rows: list[ExportRow]) -> None:
    """Refuse figures whose sum is no finite number (two rows of 1e308 add up to infinity)."""
    for key in ("spend", "impressions", "clicks", "conversions"):
        if not math.isfinite(sum(getattr(r, key) for r in rows)):
            raise UsageError(
                f"{path}: the rows' {key} adds up to more than the largest number the tool can hold "
                "(about 1.8e308); the export's figures cannot be real: export it again"
            )


def _header_currency(header: list[str]) -> str | None:
    for name in header:
        match = re.search(r"\(([A-Z]{3})\)\s*$", name.strip().replace("）", ")").replace("（", "("))
        if match:
            return match.group(1)
    return None


#: Total rows as the platforms label them: Google's "Total: Campaigns" / "Total: Account", a bare
#: "Total" or "Grand total", TikTok's "Total of 12 campaigns". "Total of spring" is a campaign.
TOTAL = re.compile(r"(?:grand )?totals?|total:.*|total of [\d,]+ [a-z]+(?: [a-z]+)?", re.IGNORECASE)
DIMENSIONS = ("campaign", "platform_name", "placement", "adset", "ad", "channel", "format")
ACCOUNT_TOTAL = "no campaign, platform, placement or ad (the account total)"


def _total_label(row: list[str], cell: dict[str, str]) -> str | None:
    """The label of a total or summary row (what marks it as one), or None for a data row.

    Total rows carry the platform's own marker in their first filled cell or in the campaign
    cell, or (Meta's account total) leave every dimension empty.
    """
    first = next((c.strip() for c in row if c.strip()), "")
    for text in (first, cell.get("campaign", "").strip()):
        if TOTAL.fullmatch(text):
            return text
    dimensions = [cell[k] for k in DIMENSIONS if k in cell]
    if dimensions and not any(d.strip() for d in dimensions):
        return ACCOUNT_TOTAL
    return None
