"""Weekly history: rows spread over their days and summed per cell and Monday-to-Sunday week."""

import datetime as dt
from dataclasses import dataclass

import numpy as np

from scenarios.history import monday, weekly


@dataclass(frozen=True)
class Row:
    start: dt.date
    end: dt.date
    channel: str
    format: str
    spend: float
    impressions: float = 0.0
    clicks: float = 0.0
    conversions: float = 0.0


D = dt.date


def test_days_are_summed_per_week_and_weeks_run_monday_to_sunday():
    rows = [
        Row(D(2026, 6, 1) + dt.timedelta(days=d), D(2026, 6, 1) + dt.timedelta(days=d), "fb", "feed", 10.0, 1000, 10, 1)
        for d in range(14)
    ]
    h = weekly(rows, ("fb.feed", "fb.reel"))
    assert h.weeks == (D(2026, 6, 1), D(2026, 6, 8))
    assert h.spend.tolist() == [[70.0, 70.0], [0.0, 0.0]]
    assert h.conversions[0].tolist() == [7.0, 7.0]
    assert h.weeks_per_cell.tolist() == [2, 0]


def test_a_week_row_starting_on_sunday_puts_a_seventh_into_the_week_before():
    h = weekly([Row(D(2026, 5, 31), D(2026, 6, 6), "fb", "feed", 70.0)], ("fb.feed",))
    assert h.weeks == (D(2026, 5, 25), D(2026, 6, 1))
    assert np.allclose(h.spend, [[10.0, 60.0]])


def test_rows_longer_than_a_week_are_set_aside_and_other_cells_ignored():
    rows = [Row(D(2026, 6, 1), D(2026, 6, 30), "fb", "feed", 300.0), Row(D(2026, 6, 1), D(2026, 6, 1), "tt", "x", 5.0)]
    h = weekly(rows, ("fb.feed",))
    assert h.set_aside == 1
    assert h.weeks == ()
    assert h.spend.shape == (1, 0)


def test_only_days_in_the_window_count():
    rows = [Row(D(2026, 6, 1), D(2026, 6, 7), "fb", "feed", 70.0)]
    h = weekly(rows, ("fb.feed",), last=D(2026, 6, 3))
    assert h.weeks == (D(2026, 6, 1),)
    assert np.allclose(h.spend, [[30.0]])
    assert monday(D(2026, 6, 7)) == D(2026, 6, 1)


def daily(first: dt.date, last: dt.date, channel: str = "fb", fmt: str = "feed") -> list[Row]:
    """One row a day, the spend of day d (counting from 1) d, clicks 2d: every day's figure tells which day it is."""
    count = (last - first).days + 1
    return [
        Row(
            first + dt.timedelta(days=d), first + dt.timedelta(days=d), channel, fmt, float(d + 1), clicks=2.0 * (d + 1)
        )
        for d in range(count)
    ]


def test_a_week_counts_only_when_the_cells_rows_cover_all_seven_days():
    # Thursday 2026-06-04 to Tuesday 2026-06-23: Thu-Sun (4 days), two whole weeks, Mon-Tue (2 days).
    rows = daily(D(2026, 6, 4), D(2026, 6, 23))
    h = weekly(rows, ("fb.feed", "fb.reel"))
    assert h.weeks == (D(2026, 6, 1), D(2026, 6, 8), D(2026, 6, 15), D(2026, 6, 22))
    assert h.observed.tolist() == [[False, True, True, False], [False, False, False, False]]
    assert h.partial == (("fb.feed", D(2026, 6, 1), 4), ("fb.feed", D(2026, 6, 22), 2))
    assert h.weeks_per_cell.tolist() == [2, 0]
    # By hand: 2026-06-08 is day 5 of the rows, so that week's spend is 5 + 6 + ... + 11 = 56, the next 12 + ... + 18.
    assert h.spend[0, 1] == sum(range(5, 12)) == 56
    assert h.spend[0, 2] == sum(range(12, 19)) == 105
    assert h.clicks[0, 1] == 2 * 56
    full = h.trimmed()
    assert full.weeks == (D(2026, 6, 8), D(2026, 6, 15))
    assert full.observed.tolist() == [[True, True], [False, False]]
    assert full.spend[0].tolist() == [56.0, 105.0]
    assert full.partial == h.partial


def test_rows_of_several_campaigns_cover_a_week_together_and_a_day_missing_leaves_it_partial():
    together = [
        Row(D(2026, 6, 1), D(2026, 6, 3), "fb", "feed", 30.0),
        Row(D(2026, 6, 4), D(2026, 6, 7), "fb", "feed", 40.0),
    ]
    h = weekly(together, ("fb.feed",))
    assert h.observed.tolist() == [[True]]
    assert h.spend.tolist() == [[70.0]]
    gap = [r for r in daily(D(2026, 6, 1), D(2026, 6, 14)) if r.start != D(2026, 6, 10)]
    h = weekly(gap, ("fb.feed",))
    assert h.observed.tolist() == [[True, False]]
    assert h.partial == (("fb.feed", D(2026, 6, 8), 6),)
    assert h.trimmed().weeks == (D(2026, 6, 1),)


def test_a_window_ending_mid_week_leaves_that_week_partial_and_no_whole_week_leaves_none():
    h = weekly(daily(D(2026, 6, 1), D(2026, 6, 14)), ("fb.feed",), last=D(2026, 6, 10))
    assert h.observed.tolist() == [[True, False]]
    assert h.partial == (("fb.feed", D(2026, 6, 8), 3),)
    short = weekly(daily(D(2026, 6, 4), D(2026, 6, 9)), ("fb.feed",)).trimmed()
    assert short.weeks == ()
    assert short.partial == (("fb.feed", D(2026, 6, 1), 4), ("fb.feed", D(2026, 6, 8), 2))
