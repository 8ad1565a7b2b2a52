"""What every command's text shares: aligned tables (rich), folded constraint names, KPI values.

Numbers and money come in the reader's locale from scenarios.formatting.
"""

from __future__ import annotations

import io
import math
import sys
from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from scenarios import COUNT, MONEY, PEOPLE, RATIO, display_of, money, number, people, significant


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool] | None = None) -> str:
    """A rich table of `rows` under `headers` (columns flagged in `right` right-aligned), as text.

    In a terminal the header is bold and a MISSED status red; piped or redirected, it is plain text.
    """
    right = right or [False] * len(headers)
    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold" if COLOUR else "")
    for header, flush in zip(headers, right, strict=True):
        grid.add_column(str(header), justify="right" if flush else "left", no_wrap=True)
    for row in rows:
        grid.add_row(*(_styled(str(cell)) for cell in row))
    buffer = io.StringIO()
    # Wide enough never to wrap or truncate: the table takes only the width it needs.
    console = Console(file=buffer, width=10_000, force_terminal=COLOUR, color_system="standard" if COLOUR else None)
    console.print(grid)
    return "\n".join(line.rstrip() for line in buffer.getvalue().rstrip("\n").splitlines())


#: Colour and bold in tables only when the output goes to a terminal.
COLOUR = sys.stdout.isatty()


def _styled(cell: str) -> Text | str:
    if COLOUR and cell in ("MISSED", "infeasible"):
        return Text(cell, style="bold red")
    return Text(cell)


def compact(names) -> list[str]:
    """Names folded where many share a pattern: budget.period.N.max (9), rules.min_spend_if_active.* (13)."""
    names = list(names)
    prefixes: dict[str, int] = {}
    for name in names:
        prefixes[".".join(name.split(".")[:2])] = prefixes.get(".".join(name.split(".")[:2]), 0) + 1
    groups: dict[str, list[str]] = {}
    for name in names:
        parts = name.split(".")
        key = ".".join("N" if p.isdigit() else p for p in parts)
        if key == name and prefixes[".".join(parts[:2])] >= 4:
            key = ".".join(parts[:2]) + ".*"
        groups.setdefault(key, []).append(name)
    return [found[0] if len(found) == 1 else f"{key} ({len(found)})" for key, found in groups.items()]


def kpi_number(name: str, value: float | None, currency: str) -> str:
    """A KPI value: CPA in the currency's own digits, ratios with three significant digits, counts whole."""
    if value is None:
        return "n/a"
    if not math.isfinite(value):
        return "-"
    display = display_of(name) or (PEOPLE if name.endswith("followers") else COUNT)
    if display == MONEY:
        return money(value, currency)
    if display == RATIO:
        return significant(value)
    if display == PEOPLE:
        return people(value)
    return number(value)


def kpi_table(statuses: Sequence[dict], currency: str) -> str:
    """The KPI lines: each target (`name`, `sense`, `target`) against the plan's `value`, met or MISSED."""
    rows = [
        [
            k["name"],
            f"{k['sense']} {kpi_number(k['name'], k['target'], currency)}",
            kpi_number(k["name"], k["value"], currency),
            met(k["met"]),
        ]
        for k in statuses
    ]
    return table(["kpi", "target", "plan", "status"], rows, [False, True, True, False])


def met(held: bool) -> str:
    """A KPI's status: met, or MISSED (red in a terminal)."""
    return "met" if held else "MISSED"
