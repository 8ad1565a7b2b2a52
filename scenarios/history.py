"""A cell's past week by week: ledger rows dated before a quarter, summed per cell and calendar week.

A week runs Monday to Sunday. A row covering several days is spread evenly
over them (a Week breakdown that starts on a Sunday puts one seventh into
the week before). Rows covering more than seven days carry no week-by-week
information (an export without a Day or Week breakdown): they are set aside
and counted, never used. A cell's week is a week of figures only when its
rows cover all seven days: a partial week (a history that starts on a
Thursday, a `--to` on a Tuesday) would pass for a whole week of lower spend,
so it is counted with its days and never used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

#: The longest row that still counts as a week's figures (days).
LONGEST_ROW = 7

FIELDS = ("spend", "impressions", "clicks", "conversions")


class Row(Protocol):
    """What a history row needs: its dates, its cell, its figures."""

    @property
    def start(self) -> dt.date: ...
    @property
    def end(self) -> dt.date: ...
    @property
    def channel(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def spend(self) -> float: ...
    @property
    def impressions(self) -> float: ...
    @property
    def clicks(self) -> float: ...
    @property
    def conversions(self) -> float: ...


@dataclass(frozen=True)
class WeeklyHistory:
    """Figures per cell (rows) and calendar week (columns, Mondays in `weeks`, consecutive).

    `observed` is True where the cell's rows cover all seven days of the week (the other weeks' figures, partial or
    none, are never used); `set_aside` counts the rows longer than a week that were not used; `partial` names each
    cell and week its rows cover only in part, with the days covered: `(cell, Monday, days)`, 1 to 6 days.
    """

    cells: tuple[str, ...]
    weeks: tuple[dt.date, ...]
    spend: np.ndarray
    impressions: np.ndarray
    clicks: np.ndarray
    conversions: np.ndarray
    observed: np.ndarray
    set_aside: int = 0
    partial: tuple[tuple[str, dt.date, int], ...] = ()

    @property
    def weeks_per_cell(self) -> np.ndarray:
        """Weeks with figures, per cell."""
        return self.observed.sum(axis=1)

    def window(self, first: int, stop: int) -> WeeklyHistory:
        """Weeks `first` to `stop` − 1 (indices)."""
        cut = slice(first, stop)
        return WeeklyHistory(
            self.cells,
            self.weeks[cut],
            self.spend[:, cut],
            self.impressions[:, cut],
            self.clicks[:, cut],
            self.conversions[:, cut],
            self.observed[:, cut],
            self.set_aside,
            self.partial,
        )

    def trimmed(self) -> WeeklyHistory:
        """The weeks from the first some cell covers in full to the last (none if no cell covers a whole week);
        `partial` still names the partial weeks left out at either end."""
        full = np.flatnonzero(self.observed.any(axis=0))
        if not len(full):
            return self.window(0, 0)
        return self.window(int(full[0]), int(full[-1]) + 1)


def monday(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def weekly(
    rows: Iterable[Row],
    cells: tuple[str, ...],
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> WeeklyHistory:
    """Sum rows of the given cells per week, keeping the days from `first` to `last` (inclusive) when given.

    The weeks run from the Monday of the first day kept to the week of the last;
    rows of other cells are ignored. A cell's week is `observed` when its rows cover all its seven days (several
    rows may cover the same day: campaigns of one cell); the others it covers in part are listed in `partial`.
    """
    index = {cell: i for i, cell in enumerate(cells)}
    kept, set_aside = [], 0
    for row in rows:
        cell = f"{row.channel}.{row.format}"
        if cell not in index:
            continue
        if (row.end - row.start).days + 1 > LONGEST_ROW:
            set_aside += 1
            continue
        if (first is not None and row.end < first) or (last is not None and row.start > last):
            continue
        kept.append((index[cell], row))
    if not kept:
        empty = np.zeros((len(cells), 0))
        return WeeklyHistory(cells, (), empty, empty, empty, empty, np.zeros((len(cells), 0), bool), set_aside)
    begin = max(min(r.start for _, r in kept), first) if first is not None else min(r.start for _, r in kept)
    end = min(max(r.end for _, r in kept), last) if last is not None else max(r.end for _, r in kept)
    origin = monday(begin)
    count = (monday(end) - origin).days // 7 + 1
    sums = {name: np.zeros((len(cells), count)) for name in FIELDS}
    covered = np.zeros((len(cells), 7 * count), dtype=bool)
    for c, row in kept:
        days = (row.end - row.start).days + 1
        offsets = np.arange(days) + (row.start - origin).days
        inside = (offsets >= (begin - origin).days) & (offsets <= (end - origin).days)
        week = offsets[inside] // 7
        for name in FIELDS:
            np.add.at(sums[name][c], week, float(getattr(row, name)) / days)
        covered[c, offsets[inside]] = True
    days_covered = covered.reshape(len(cells), count, 7).sum(axis=2)
    weeks = tuple(origin + dt.timedelta(days=7 * w) for w in range(count))
    partial = tuple(
        (cells[c], weeks[w], int(days_covered[c, w]))
        for c, w in zip(*np.nonzero((days_covered > 0) & (days_covered < 7)), strict=True)
    )
    return WeeklyHistory(
        cells,
        weeks,
        sums["spend"],
        sums["impressions"],
        sums["clicks"],
        sums["conversions"],
        days_covered == 7,
        set_aside,
        partial,
    )
