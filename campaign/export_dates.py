"""Dates as the ad platforms write them: in a row's date columns, and as the report's range above its header."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from dateutil import parser as dateparser

from scenarios import UsageError

__all__ = ["DATE_FORMATS", "full_date", "parse_date", "preamble_range"]


#: Row dates as the platforms write them in date columns, tried in order before dateutil.
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%B %d, %Y", "%b %d, %Y", "%Y/%m/%d", "%d.%m.%Y")


def parse_date(text: str) -> dt.date | None:
    """A date as the platforms write it: 2026-09-01, 09/01/2026 (US, month first), March 27, 2026, 5 Jan 2026.

    Raises `ValueError` for text that is not one whole date (a day, a month and a year).
    """
    value = str(text).strip()
    if not value:
        return None
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value[:10] if fmt == "%Y-%m-%d" else value, fmt).date()
        except ValueError:
            continue
    return full_date(value)


def full_date(text: str) -> dt.date:
    """`text` read by dateutil (numbers month first, as US exports write them), only if it gives a whole date.

    dateutil fills missing parts from a default date: parsing with two different
    defaults and comparing tells a whole date from "January 5" or "2026".
    """
    value = text.strip().strip('"').strip()
    try:
        first = dateparser.parse(value, default=dt.datetime(2000, 1, 1))
        second = dateparser.parse(value, default=dt.datetime(2001, 2, 2))
    except (ValueError, OverflowError):
        raise ValueError(value) from None
    if first.date() != second.date():
        raise ValueError(value)
    return first.date()


RANGE = re.compile(r"\s+(?:-|–|—|to)\s+|\s*[–—]\s*")
LABELS = (("start", re.compile(r"Report Start:\s*([^,]*)", re.I)), ("end", re.compile(r"Report End:\s*([^,]*)", re.I)))


def preamble_range(preamble: list[list[str]], path: Path) -> tuple[dt.date, dt.date] | None:
    """A report's date range from the lines above its header (Google Ads, LinkedIn), or None.

    Reads "January 5, 2026 - February 1, 2026", "5 January 2026 - 1 February 2026",
    "5 Jan 2026 – 1 Feb 2026", "2026-01-05 - 2026-02-01", "05.01.2026 - 01.02.2026" (dotted: day
    first, as it is wherever dots are written), quoted or not, and LinkedIn's
    "Report Start: 09/01/2026, Report End: 09/02/2026" (month first).
    """
    for line_number, row in enumerate(preamble, start=1):
        line = ",".join(row).strip().strip('"').strip()
        labelled = {key: found.group(1).strip() for key, pattern in LABELS if (found := pattern.search(line))}
        if labelled:
            if set(labelled) != {"start", "end"}:
                raise UsageError(
                    f"{path}: line {line_number}: '{line}' gives a report start or end but not both; export the "
                    "report again with its date range"
                )
            parts = [labelled["start"], labelled["end"]]
        else:
            parts = RANGE.split(line)
            if len(parts) != 2 or not all(re.search(r"\d", p) for p in parts):
                continue
        dates = []
        for part in parts:
            try:
                dates.append(parse_date(part.strip().strip('"')) or full_date(part))
            except ValueError:
                raise UsageError(
                    f"{path}: line {line_number}: '{part.strip()}' in the date range '{line}' is not a date; "
                    "expected a day, a month and a year, such as January 5, 2026, 5 Jan 2026, 2026-01-05 or "
                    "01/05/2026 (month first)"
                ) from None
        if dates[1] < dates[0]:
            raise UsageError(f"{path}: line {line_number}: the date range '{line}' ends before it starts")
        return dates[0], dates[1]
    return None
