"""What one simulated quarter gives: its KPIs, crisis and community statistics, and daily series."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from scenarios import derived, profit

if TYPE_CHECKING:
    from simulation.state import Quarter


@dataclass(frozen=True)
class Replication:
    """The KPIs of one simulated quarter, its crisis statistics and daily series.

    `kpis` maps names to horizon totals (as `optimize` reports them); `crisis`
    holds `crises` (count), `hours` (time in crisis), `response_hours` (mean
    wait of crisis mentions for a reply, NaN without crisis), `followers_lost`
    and `conversions_lost` (expected, against the same days without the
    crisis), `mentions` and `ad_impressions` (paid impressions shown during
    crises); `community` holds `messages`, `response_hours` (mean) and
    `unanswered` (share still waiting at the end); `daily` maps series names
    to one value per day; `channel_impressions` and `channel_reach` hold the
    paid impressions and people reached per channel (the frequency's parts),
    `channel_daily` the paid impressions per day (rows) and channel (columns).
    """

    kpis: dict[str, float]
    crisis: dict[str, float]
    community: dict[str, float]
    daily: dict[str, np.ndarray]
    channel_impressions: np.ndarray = field(default_factory=lambda: np.zeros(0))
    channel_reach: np.ndarray = field(default_factory=lambda: np.zeros(0))
    channel_daily: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))


def paid_spend(s: Quarter) -> tuple[float, np.ndarray]:
    """The quarter's spend and each day's, from the hours of paid delivery that ran.

    A slot's spend is spread evenly over its period's hours, so the quarter spends Σ slot spend × (hours
    delivered in the slot's period / the period's hours), summed exactly (`math.fsum`): without a pause every
    share is exactly 1 and the total is the plan's, whichever days a crisis made deliver hour by hour.
    """
    q = s.q
    hours = 24.0 * q.days_in_period
    delivered = np.bincount(q.period_of_day, weights=s.paid_hours, minlength=len(hours))
    share = np.divide(delivered, hours, out=np.zeros(len(hours)), where=hours > 0)
    total = math.fsum((q.slot_spend * share).ravel())
    per_period = np.array([math.fsum(q.slot_spend[:, t]) for t in range(len(hours))])
    day_period = q.period_of_day
    daily = per_period[day_period] * s.paid_hours / hours[day_period]
    return total, daily


def result(s: Quarter) -> Replication:
    """The replication's KPIs (reach drawn from the channels' impressions), crisis and community statistics."""
    q = s.q
    spend, s.daily["spend"] = paid_spend(s)
    t = s.totals | {"spend": spend}
    shown = 1.0 - np.exp(-s.channel_impressions / q.audience)
    channel_reach = s.rng.binomial(np.round(q.audience).astype(np.int64), shown).astype(float)
    reach = float(channel_reach.sum())
    orders: float
    if q.sales:  # a deal is worth what a lead is worth when worked at once, over the close rate
        revenue = s.deals * q.value_per_conversion / q.close_rate
        orders = s.deals
    else:
        revenue = t["conversions"] * q.value_per_conversion
        orders = t["conversions"]
    base = {"spend": t["spend"], "conversions": t["conversions"], "clicks": t["clicks"], "bounces": t["bounces"]}
    ratios = derived(base | {"revenue": revenue}, s.channel_impressions, channel_reach)
    kpis = {
        "spend": t["spend"],
        "impressions": t["impressions"],
        "clicks": t["clicks"],
        "conversions": t["conversions"],
        "reach": reach,
        "frequency": ratios["frequency"],
        "engagement": t["engagement"],
        "new_followers": float(s.gained),
        "negative_feedback": t["negative_feedback"],
        "bounce_rate": ratios["bounce_rate"],
        "revenue": revenue,
        "profit": profit(
            revenue, orders, t["spend"], q.production, q.gross_margin, q.fees_per_conversion, q.fixed_costs
        ),
        "cpa": ratios["cpa"],
        "roas": ratios["roas"],
        "final_followers": float(s.followers.sum()),
    }
    if q.sales:
        kpis["deals"] = float(s.deals)
        kpis["lead_response_hours"] = s.lead_wait / s.worked if s.worked else math.nan
        kpis["leads_waiting"] = float(sum(n for _, n in s.leads))
    crisis = {key: float(value) for key, value in s.stats.items()}
    crisis["response_hours"] = float(np.mean(s.mention_waits)) if s.mention_waits else math.nan
    within = np.array(s.mention_waits) <= q.response_target_hours
    crisis["within_target"] = float(within.sum() / s.stats["mentions"]) if s.stats["mentions"] else math.nan
    answered = len(s.waits)
    community = {
        "messages": float(s.messages),
        "response_hours": float(np.mean(s.waits)) if s.waits else math.nan,
        "unanswered": (s.messages - answered) / s.messages if s.messages else 0.0,
    }
    return Replication(
        kpis, crisis, community, s.daily, s.channel_impressions.copy(), channel_reach, s.channel_daily.copy()
    )
