"""Paid delivery, per cell and day (hour by hour while a crisis is on or may start), and creative fatigue."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np
import simpy

from simulation.community import ask

if TYPE_CHECKING:
    from simulation.state import Quarter


def paid(s: Quarter) -> Generator[simpy.Event, object, None]:
    """Each day's delivery in one step; hour by hour on days a crisis is on or may start."""
    q = s.q
    for day in range(q.days):
        window = (24.0 * day, 24.0 * (day + 1))
        hourly = s.in_crisis or any(window[0] <= t < window[1] for t in s.onset_times)
        steps = 24 if hourly else 1
        for _ in range(steps):
            deliver(s, day, 1.0 / steps)
            yield s.env.timeout(24.0 / steps)
        s.daily["followers"][day] = s.followers.sum()


def deliver(s: Quarter, day: int, fraction: float) -> None:
    """`fraction` of day `day`'s paid delivery, starting now, under the reputation of the moment."""
    q, rng = s.q, s.rng
    t = q.period_of_day[day]
    paused = s.in_crisis and q.pause_ads
    share = 0.0 if paused else fraction / q.days_in_period[t]
    if not paused:
        s.paid_hours[day] += round(24 * fraction)
    spend = q.slot_spend[:, t] * share
    expected = q.slot_conversions[:, t] * share
    hit = 1.0 - q.reputation_hit if s.in_crisis else 1.0
    fatigue = creative_fatigue(s)
    impressions = rng.poisson(spend * q.impressions_per_currency_unit[:, t])
    clicks = rng.binomial(impressions, np.minimum(1.0, q.ctr * hit * fatigue))
    # Conversions per click that make the mean the curve's value at the plan's spend (Poisson
    # where a curve promises more conversions than clicks).
    p = np.divide(
        expected, spend * q.impressions_per_currency_unit[:, t] * q.ctr, out=np.zeros(s.cells), where=spend > 0
    )
    per_click = p <= 1.0
    converted = np.where(
        per_click,
        rng.binomial(clicks, np.where(per_click, p, 0.0) * hit),
        rng.poisson(np.where(per_click, 0.0, expected) * hit * hit * fatigue),
    )
    conversions = int(converted.sum()) + int(rng.poisson(q.carried_conversions * fraction / q.days))
    engagement = rng.binomial(impressions, q.engagement_rate)
    negative_rate = q.negative_rate * (q.churn_factor if s.in_crisis else 1.0)
    negative = rng.binomial(impressions, np.minimum(1.0, negative_rate))
    bounces = rng.binomial(clicks, q.bounce_rate)
    if s.in_crisis:
        base = q.slot_conversions[:, t].sum() * fraction / q.days_in_period[t]
        s.stats["conversions_lost"] += base - expected.sum() * hit * hit
        s.stats["ad_impressions"] += float(impressions.sum())
    s.shown += impressions
    by_channel = np.bincount(q.cell_channel, weights=impressions, minlength=len(q.channels))
    s.channel_impressions += by_channel
    s.channel_daily[day] += by_channel
    for key, value in (  # spend: `results.paid_spend`, from the hours delivered
        ("impressions", impressions.sum()),
        ("clicks", clicks.sum()),
        ("conversions", conversions),
        ("engagement", engagement.sum()),
        ("negative_feedback", negative.sum()),
        ("bounces", bounces.sum()),
    ):
        s.totals[key] += float(value)
    per_channel = np.bincount(q.cell_channel, weights=engagement, minlength=len(q.channels)).astype(np.int64)
    s.gain(per_channel)
    now, span = s.env.now, 24.0 * fraction
    ask(s, per_channel, now, span=span)
    s.churn(fraction)
    if q.sales and conversions:
        hours = max(1, round(span))
        for h, n in enumerate(rng.multinomial(conversions, np.full(hours, 1.0 / hours))):
            if n:
                s.leads.append([now + h + 0.5, int(n)])
    s.daily["conversions"][day] += conversions
    if not q.sales:
        s.daily["orders"][day] += conversions
        s.daily["revenue"][day] += conversions * q.value_per_conversion
    s.daily["clicks"][day] += clicks.sum()
    s.daily["engagement"][day] += engagement.sum()
    s.daily["bounces"][day] += bounces.sum()
    s.daily["negative_feedback"][day] += negative.sum()


def creative_fatigue(s: Quarter) -> np.ndarray:
    """CTR multiplier per cell: 1 until a creative has shown its impressions, then decaying; new ones reset it.

    As many of the plan's creatives as the impressions have worn out are swapped in at once.
    """
    q = s.q
    limited = np.isfinite(q.creative_impressions)
    per = np.where(limited, q.creative_impressions, 1.0)
    worn = np.where(limited, np.floor(s.shown / per), 0.0)
    swap = np.minimum(worn, s.creatives_left)
    s.shown -= swap * per
    s.creatives_left -= swap
    over = np.where(limited, s.shown / per - 1.0, 0.0)
    return np.exp(-np.maximum(over, 0.0))
