"""The sales hand-off: conversions are leads that a sales team works oldest first; waiting lowers the close rate."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

if TYPE_CHECKING:
    from simulation.state import Quarter


def selling(s: Quarter) -> Generator[simpy.Event, object, None]:
    """Each working hour the sales team works its share of `leads_per_day`, oldest leads first."""
    q, rng = s.q, s.rng
    per_hour = q.leads_per_day / (q.close_hour - q.open_hour)
    credit = 0.0
    while True:
        yield s.env.timeout(1.0)
        now = s.env.now
        if s.until_open(now - 1.0) > 0:
            continue  # the hour just past was outside working hours
        credit += per_hour
        ready = bool(s.leads) and s.leads[0][0] <= now
        if not ready:
            credit = min(credit, max(1.0, per_hour))  # idle time does not pile up
        while s.leads and credit >= 1.0 and s.leads[0][0] <= now:
            at, waiting = s.leads[0]
            take = min(waiting, int(credit))
            wait = now - at
            deals = int(rng.binomial(take, q.close_rate * 0.5 ** (wait / q.lead_half_life_hours)))
            s.deals += deals
            day = min(int(now // 24), q.days - 1)
            s.daily["orders"][day] += deals
            s.daily["revenue"][day] += deals * q.value_per_conversion / q.close_rate
            s.lead_wait += wait * take
            s.worked += take
            credit -= take
            if take == waiting:
                s.leads.popleft()
            else:
                s.leads[0][1] = waiting - take
