"""The horizon on the calendar: days, the period each day falls in, and the months they make up.

Day d (0-based) is `start + d`; the horizon has round(weeks × 7) days; each
period's days follow each other (a weekly plan: 7 each). Monthly costs are
charged by calendar month: a month the horizon covers in full costs one
monthly cost, a month it covers in part its share of that month's days.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import numpy as np

from scenarios.schema import Scenario


@dataclass(frozen=True)
class Horizon:
    """The horizon's days and months.

    `period_of_day` maps each day to its period (0-based); `month_of_day` to
    its month (index into `months`, labels ``YYYY-MM``, or ``month 1`` ... when
    the scenario has no start date); `month_share` is the share of each
    month's monthly costs the horizon carries.
    """

    start: dt.date | None
    days: int
    period_of_day: np.ndarray
    days_in_period: np.ndarray
    months: tuple[str, ...]
    month_of_day: np.ndarray
    month_share: np.ndarray

    @property
    def month_count(self) -> float:
        """Monthly costs the horizon carries in all (months, fractional)."""
        return float(self.month_share.sum())


def horizon(scenario: Scenario) -> Horizon:
    """Lay the scenario's periods out on days and calendar months."""
    periods = scenario.periods.count
    days = max(1, round(scenario.periods.weeks * 7))
    period_of_day = np.minimum((np.arange(days) * periods) // days, periods - 1)
    days_in_period = np.bincount(period_of_day, minlength=periods).astype(float)
    start = scenario.start
    if start is None:
        # Without dates a month is 52/12 weeks, and the last one may be partial.
        month_days = 7 * 52 / 12
        month_of_day = (np.arange(days) // month_days).astype(int)
        count = int(month_of_day[-1]) + 1
        covered = np.bincount(month_of_day, minlength=count)
        labels = tuple(f"month {m + 1}" for m in range(count))
        return Horizon(None, days, period_of_day, days_in_period, labels, month_of_day, covered / month_days)
    dates = [start + dt.timedelta(days=d) for d in range(days)]
    keys = list(dict.fromkeys((d.year, d.month) for d in dates))
    index = {key: i for i, key in enumerate(keys)}
    month_of_day = np.array([index[(d.year, d.month)] for d in dates])
    covered = np.bincount(month_of_day, minlength=len(keys))
    lengths = np.array([calendar.monthrange(y, m)[1] for y, m in keys])
    labels = tuple(f"{y:04d}-{m:02d}" for y, m in keys)
    return Horizon(start, days, period_of_day, days_in_period, labels, month_of_day, covered / lengths)
