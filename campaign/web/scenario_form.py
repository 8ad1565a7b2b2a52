"""The new-scenario form as data: its fields, the rows the user filled, and the scenario document they spell.

Pure functions, no web: `entries_of` keeps the form's fields as the user typed
them (to show them again), `document_of` builds the scenario document with
each field under its key (numbers read in the page's locale; a text that is
no number goes in as typed, so the schema names it), and `placed` says which
field each of the validation's problems concerns, by its key path.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal

from scenarios import KPIS, OBJECTIVES, Problem

#: The business fields: form field -> key path in the scenario.
BUSINESS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "description": ("description",),
    "currency": ("currency",),
    "start": ("start",),
    "weeks": ("periods", "count"),
    "budget": ("budget", "total"),
    "objective": ("objective",),
    "conversion": ("business", "conversion"),
    "value_per_conversion": ("business", "value_per_conversion"),
    "gross_margin": ("business", "gross_margin"),
}
#: Business fields that are text, not numbers.
TEXTS = ("name", "description", "currency", "start", "objective", "conversion")
#: A channel's figures (required first) and a format's multipliers.
CHANNEL_FIGURES = (
    "audience",
    "in_market",
    "cpm",
    "ctr",
    "cvr",
    "bounce_rate",
    "engagement_rate",
    "negative_feedback_rate",
    "followers",
)
FORMAT_FIGURES = ("cpm_factor", "ctr_factor", "cvr_factor", "engagement_factor", "audience_share")
#: The tables of rows and their columns.
TABLES: dict[str, tuple[str, ...]] = {
    "channel": ("name", *CHANNEL_FIGURES),
    "format": ("channel", "name", *FORMAT_FIGURES),
    "kpi": ("name", "target"),
    "rule": ("kind", "name", "min", "max"),
}
#: The rows each table starts with, and the most it may have.
BLANK_ROWS = {"channel": 3, "format": 4, "kpi": 3, "rule": 2}
MAX_ROWS = 40
#: The kinds of share rule and the KPI names (the catalogue's).
RULE_KINDS = ("channel_share", "format_share")
KPI_NAMES = tuple(kpi.name for kpi in KPIS)
#: What a new form holds before the user types.
DEFAULTS = {"currency": "EUR", "weeks": "13", "objective": OBJECTIVES[0]}


@dataclass
class Entries:
    """What the form holds: each field's text as typed and how many rows each table shows."""

    fields: dict[str, str] = field(default_factory=lambda: dict(DEFAULTS))
    rows: dict[str, int] = field(default_factory=lambda: dict(BLANK_ROWS))

    def get(self, name: str) -> str:
        """The text of field `name` ("" when empty)."""
        return self.fields.get(name, "")

    def cell(self, table: str, row: int, column: str) -> str:
        """The text of `column` in row `row` of `table`."""
        return self.get(f"{table}-{row}-{column}")

    def filled(self, table: str) -> list[int]:
        """The rows of `table` with anything typed in them (a rule's kind is always chosen: it does not count)."""
        typed = [c for c in TABLES[table] if c != "kind"]
        return [r for r in range(self.rows[table]) if any(self.cell(table, r, c).strip() for c in typed)]


def _count(text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        return 0


def entries_of(pairs: Iterable[tuple[str, str]], add: str | None = None) -> Entries:
    """The form's own fields among `pairs` (others dropped), with one more row of table `add` if it names one."""
    given = dict(pairs)
    fields = {name: given[name] for name in BUSINESS if name in given}
    rows = {}
    for table, columns in TABLES.items():
        shown = min(max(_count(given.get(f"rows-{table}")), BLANK_ROWS[table]), MAX_ROWS)
        for row in range(MAX_ROWS):
            for column in columns:
                name = f"{table}-{row}-{column}"
                if given.get(name):
                    fields[name] = given[name]
                    shown = max(shown, row + 1)
        rows[table] = min(shown + (1 if add == table else 0), MAX_ROWS)
    return Entries(fields, rows)


def number_of(text: str, locale: str) -> Any:
    """The number `text` spells in `locale` or as a program writes it (a whole one as int), or `text` itself when
    it spells none (the schema then says what is wrong with it)."""
    try:
        value = parse_decimal(text.strip(), locale=locale, strict=True)
    except (NumberFormatError, ValueError):
        try:  # a number as a program writes it (0.02, 1e-3) is one in any locale
            value = Decimal(text.strip())
        except InvalidOperation:
            return text.strip()
    if not value.is_finite():
        return text.strip()
    return int(value) if value == value.to_integral_value() and abs(value) < Decimal(10) ** 15 else float(value)


def _put(document: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        document = document.setdefault(key, {})
    document[path[-1]] = value


def document_of(entries: Entries, locale: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The scenario document the form spells, and the field each key path belongs to (for `placed`).

    Empty fields are left out, so the schema's defaults (and its "is required") apply.
    """
    document: dict[str, Any] = {}
    places: dict[str, str] = {}
    for name, path in BUSINESS.items():
        text = entries.get(name).strip()
        places[".".join(path)] = name
        if not text:
            continue
        value: Any = text if name in TEXTS else number_of(text, locale)
        if name == "start":
            with contextlib.suppress(ValueError):
                value = dt.date.fromisoformat(text)
        _put(document, path, value)
    if "periods" in document:
        document["periods"]["unit"] = "week"
    channels: dict[str, Any] = {}
    for row in entries.filled("channel"):
        name = entries.cell("channel", row, "name").strip()
        places[f"channels.{name}"] = f"channel-{row}-name"
        channel = channels.setdefault(name, {})
        for figure in CHANNEL_FIGURES:
            places[f"channels.{name}.{figure}"] = f"channel-{row}-{figure}"
            text = entries.cell("channel", row, figure).strip()
            if text:
                channel[figure] = number_of(text, locale)
    for row in entries.filled("format"):
        owner = entries.cell("format", row, "channel").strip()
        name = entries.cell("format", row, "name").strip()
        places.setdefault(f"channels.{owner}", f"format-{row}-channel")
        places[f"channels.{owner}.formats.{name}"] = f"format-{row}-name"
        shape = channels.setdefault(owner, {}).setdefault("formats", {}).setdefault(name, {})
        for figure in FORMAT_FIGURES:
            places[f"channels.{owner}.formats.{name}.{figure}"] = f"format-{row}-{figure}"
            text = entries.cell("format", row, figure).strip()
            if text:
                shape[figure] = number_of(text, locale)
    if channels:
        document["channels"] = channels
    for row in entries.filled("kpi"):
        name = entries.cell("kpi", row, "name").strip()
        places[f"kpis.{name}"] = f"kpi-{row}-target"
        document.setdefault("kpis", {})[name] = number_of(entries.cell("kpi", row, "target"), locale)
    for row in entries.filled("rule"):
        kind = entries.cell("rule", row, "kind").strip() or RULE_KINDS[0]
        name = entries.cell("rule", row, "name").strip()
        places[f"rules.{kind}.{name}"] = f"rule-{row}-name"
        share = document.setdefault("rules", {}).setdefault(kind, {}).setdefault(name, {})
        for bound in ("min", "max"):
            places[f"rules.{kind}.{name}.{bound}"] = f"rule-{row}-{bound}"
            text = entries.cell("rule", row, bound).strip()
            if text:
                share[bound] = number_of(text, locale)
    return document, places


def placed(problems: Iterable[Problem], places: Mapping[str, str]) -> dict[str, list[str]]:
    """Each problem's line (as `campaign validate` prints it) under the field its key path is closest to; the
    problems no field concerns under ""."""
    found: dict[str, list[str]] = {}
    for problem in problems:
        parts = problem.path.split(".") if problem.path else []
        where = ""
        for end in range(len(parts), 0, -1):
            key = ".".join(parts[:end])
            if key in places:
                where = places[key]
                break
        found.setdefault(where, []).append(str(problem))
    return found
