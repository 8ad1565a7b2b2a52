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
