"""Days before --as-of that the ledger does not cover.

A day before `--as-of` on which the current plan spends on a channel, but
that no ledger row of that channel covers (whatever its campaign or
format), counts as nothing spent there. That may be true (the campaigns
were paused) or an export not imported yet: the reallocation goes on, and
a warning names the channel and the days. A whole period with no actuals
at all is refused instead (`reallocate._check_past`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from scenarios import horizon


def uncovered(scenario, market, plan: np.ndarray, rows: list[Any], as_of: dt.date) -> list[dict[str, Any]]:
    """Per channel, the runs of days before `as_of` with planned spend and no ledger row:
    `[{"channel", "first", "last", "days"}]`."""
    h = horizon(scenario)
    if h.start is None:
        raise ValueError("the scenario's horizon has no start date")
    h_start: dt.date = h.start
    days = (as_of - h_start).days
    out = []
    for k, channel in enumerate(market.channels):
        planned = np.bincount(
            market.period_of[market.channel_of == k], plan[market.channel_of == k], minlength=market.periods
        )
        wanted = planned[h.period_of_day[:days]] > 0
        covered = np.zeros(days, bool)
        for row in rows:
            if row.channel == channel:
                first = max((row.start - h_start).days, 0)
                last = min((row.end - h_start).days, days - 1)
                covered[first : last + 1] = True
        missing = wanted & ~covered
        start: int | None = None
        for d in range(days + 1):
            if d < days and missing[d]:
                start = d if start is None else start
            elif start is not None:
                out.append(
                    {
                        "channel": channel,
                        "first": (h_start + dt.timedelta(days=start)).isoformat(),
                        "last": (h_start + dt.timedelta(days=d - 1)).isoformat(),
                        "days": d - start,
                    }
                )
                start = None
    return out


def warning(gaps: list[dict[str, Any]]) -> list[str]:
    """The gaps in one sentence (none when there are none)."""
    if not gaps:
        return []
    named = "; ".join(
        f"{g['channel']} {g['first']}" + (f" to {g['last']} ({g['days']} days)" if g["days"] > 1 else " (1 day)")
        for g in gaps
    )
    text = (
        "days before the as-of date that no ledger row covers, counted as nothing spent (import their exports if "
        f"they were spent): {named}"
    )
    return [text]
