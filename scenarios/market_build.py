"""Building a scenario's market: cells from channels × formats, their response curves, and slots.

Each channel's formats are its cells; a cell's curve is the scenario's
(Hill, exponential or points) or the default one from its CPM, CTR and CVR.
Cells are expanded to slots (cell × period) with the season's CPM and CVR
multipliers and the share of the response adstock leaves within the horizon;
creative fatigue and the organic posts the optimizer may plan are per-cell
arrays (`_whole_decisions`).
"""

from __future__ import annotations

import math

import numpy as np

from scenarios.calendar import horizon
from scenarios.curves import EXPONENTIAL, HILL, POINTS, Curves
from scenarios.market import Market
from scenarios.organic import OrganicOutlook, organic_outlook
from scenarios.schema import Channel, ExponentialCurve, HillCurve, PointsCurve, Scenario

__all__ = ["build_market"]


def build_market(scenario: Scenario) -> Market:
    """Derive the market arrays of a validated scenario."""
    names = list(scenario.channels)
    channel_of: list[int] = []
    formats: list[str] = []
    cpm, ctr, cvr, bounce, eng, neg, lower, upper = ([] for _ in range(8))
    keys: list[str] = []
    production: list[float] = []
    available: list[np.ndarray] = []
    for j, name in enumerate(names):
        ch = scenario.channels[name]
        running = _running(ch, scenario.periods.count)
        for fmt_name, fmt in ch.formats.items():
            channel_of.append(j)
            formats.append(fmt_name)
            c_cpm = ch.cpm * fmt.cpm_factor
            c_ctr = min(1.0, ch.ctr * fmt.ctr_factor)
            c_cvr = min(1.0, ch.cvr * fmt.cvr_factor)
            cpm.append(c_cpm)
            ctr.append(c_ctr)
            cvr.append(c_cvr)
            bounce.append(ch.bounce_rate)
            eng.append(min(1.0, ch.engagement_rate * fmt.engagement_factor))
            neg.append(ch.negative_feedback_rate)
            production.append(fmt.production_cost)
            lower.append(fmt.spend.min)
            upper.append(fmt.spend.max if fmt.spend.max is not None else math.inf)
            keys.append(f"{name}.{fmt_name}")
            available.append(running)
    curves = cell_curves(scenario)
    channels = [scenario.channels[n] for n in names]
    # Expand cells to slots (cell × period). A cell's curve covers the horizon; a period of it
    # buys the curve scaled so an even split over T periods gives the horizon's curve back:
    # f_t(x) = m_cvr,t / T · f(T · x / m_cpm,t), with the season's CPM and CVR multipliers.
    count = scenario.periods.count
    season_cpm = np.asarray(scenario.seasonality.cpm or [1.0] * count, dtype=float)
    season_cvr = np.asarray(scenario.seasonality.cvr or [1.0] * count, dtype=float)
    cell_of = np.repeat(np.arange(len(keys)), count)
    period_of = np.tile(np.arange(count), len(keys))
    # Adstock: a share θ^(T−t) of period t's response (0-based) arrives after the horizon.
    theta = np.array([_theta(scenario.channels[names[j]]) for j in channel_of])
    in_horizon = 1.0 - theta[cell_of] ** (count - period_of)
    slot_curves = curves.take(cell_of).scaled(in_horizon * season_cvr[period_of] / count, count / season_cpm[period_of])
    carry_in = np.array([f.carry_in for n in names for f in scenario.channels[n].formats.values()])
    # Spend in the period before the horizon, at its own (neutral) season: θ·(1 − θ^T) of its response is still to come.
    carried = float(np.sum(theta * (1.0 - theta**count) * curves.value(count * carry_in) / count))
    per_cell = np.array(channel_of, dtype=int)
    organic = organic_outlook(scenario)
    whole = _whole_decisions(scenario, organic)
    team = scenario.team
    return Market(
        channels=tuple(names),
        formats=tuple(formats[c] for c in cell_of),
        channel_of=per_cell[cell_of],
        cpm=np.array(cpm)[cell_of] * season_cpm[period_of],
        ctr=np.array(ctr)[cell_of],
        cvr=np.minimum(1.0, np.array(cvr)[cell_of] * season_cvr[period_of]),
        bounce_rate=np.array(bounce)[cell_of],
        engagement_rate=np.array(eng)[cell_of],
        negative_rate=np.array(neg)[cell_of],
        curves=slot_curves,
        cell_keys=tuple(keys),
        cell_of=cell_of,
        period_of=period_of,
        periods=count,
        period_unit=scenario.periods.unit,
        available=np.concatenate(available) if available else np.zeros(0, dtype=bool),
        cell_lower=np.array(lower, dtype=float),
        cell_upper=np.array(upper, dtype=float),
        production_cost=np.array(production, dtype=float),
        audience=np.array([c.audience for c in channels], dtype=float),
        follow_rate=np.array([c.organic.follow_rate for c in channels]),
        channel_lower=np.array([c.spend.min for c in channels], dtype=float),
        channel_upper=np.array([c.spend.max if c.spend.max is not None else math.inf for c in channels]),
        organic=organic,
        value_per_conversion=scenario.business.value_per_conversion,
        gross_margin=scenario.business.gross_margin,
        fixed_costs=scenario.business.monthly_costs.total * horizon(scenario).month_count,
        carried_conversions=carried,
        fees_per_conversion=_fees(scenario),
        weeks=scenario.periods.weeks,
        channel_hours=team.hours_per_active_channel if team is not None else 0.0,
        fixed_posts=float(sum(c.organic.posts_per_week for c in channels)),
        fixed_post_hours=float(sum(c.organic.posts_per_week * c.organic.hours_per_post for c in channels)),
        **whole,
    )


def cell_curves(scenario: Scenario) -> Curves:
    """Each cell's response curve over the whole horizon (currency to conversions), in the market's cell order.

    A cell without an explicit curve gets the exponential whose maximum is its in-market audience and whose
    initial slope is 1000 · CTR · CVR / CPM.
    """
    kind: list[int] = []
    maximum: list[float] = []
    scale: list[float] = []
    alpha: list[float] = []
    points: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for name, ch in scenario.channels.items():
        for fmt_name, fmt in ch.formats.items():
            i = len(kind)
            c_cpm = ch.cpm * fmt.cpm_factor
            c_ctr = min(1.0, ch.ctr * fmt.ctr_factor)
            c_cvr = min(1.0, ch.cvr * fmt.cvr_factor)
            curve = scenario.response.get(f"{name}.{fmt_name}")
            if isinstance(curve, HillCurve):
                kind.append(HILL)
                maximum.append(curve.max)
                scale.append(curve.half_saturation)
                alpha.append(curve.alpha)
            elif isinstance(curve, ExponentialCurve):
                kind.append(EXPONENTIAL)
                maximum.append(curve.max)
                scale.append(curve.scale)
                alpha.append(1.0)
            elif isinstance(curve, PointsCurve):
                xs = np.asarray(curve.spend, dtype=float)
                ys = np.asarray(curve.conversions, dtype=float)
                if xs[0] > 0:
                    xs, ys = np.concatenate([[0.0], xs]), np.concatenate([[0.0], ys])
                kind.append(POINTS)
                points[i] = (xs, ys)
                maximum.append(float(ys[-1]))
                scale.append(float(xs[-1]))
                alpha.append(1.0)
            else:
                saturation = ch.audience * fmt.audience_share * ch.in_market
                slope = 1000.0 * c_ctr * c_cvr / c_cpm
                kind.append(EXPONENTIAL)
                if saturation > 0 and slope > 0:
                    maximum.append(saturation)
                    scale.append(saturation / slope)
                else:
                    maximum.append(0.0)
                    scale.append(1.0)
                alpha.append(1.0)
    return Curves(np.array(kind), np.array(maximum, float), np.array(scale, float), np.array(alpha, float), points)


def _whole_decisions(scenario: Scenario, organic: OrganicOutlook) -> dict[str, np.ndarray]:
    """Per-cell arrays of creative fatigue and the organic posts the optimizer may plan.

    The k-th weekly post of a cell (0-based) reaches, each week, the channel's
    followers under its fixed posting × reach rate × decay^k, and engages at
    the channel's organic rate × the format's `engagement_factor`. Followers
    these posts win count in the totals, but not as audience of this
    horizon's posts: that keeps each post's value a constant, so the plan is
    exact as a MILP (the compounding left out is second order: a post's
    followers would see at most the remaining weeks' posts).
    """
    cells = [(ch, fmt) for ch in scenario.channels.values() for fmt in ch.formats.values()]
    channel_index = [j for j, ch in enumerate(scenario.channels.values()) for _ in ch.formats]
    most = max((f.organic_posts.max for _, f in cells if f.organic_posts is not None), default=0)
    engagement = np.zeros((len(cells), most))
    for c, (ch, fmt) in enumerate(cells):
        if fmt.organic_posts is None:
            continue
        o = ch.organic
        weekly = o.reach_rate * min(1.0, o.engagement_rate * fmt.engagement_factor)
        per_post = float(organic.followers[channel_index[c]].sum()) * weekly
        engagement[c, : fmt.organic_posts.max] = per_post * o.extra_post_decay ** np.arange(fmt.organic_posts.max)
    return {
        "creative_impressions": np.array(
            [f.creatives.impressions_per_creative if f.creatives is not None else math.inf for _, f in cells]
        ),
        "creative_cost": np.array([f.creatives.cost if f.creatives is not None else 0.0 for _, f in cells]),
        "creative_hours": np.array([f.creatives.hours if f.creatives is not None else 0.0 for _, f in cells]),
        "posts_min": np.array([f.organic_posts.min if f.organic_posts is not None else 0 for _, f in cells]),
        "posts_max": np.array([f.organic_posts.max if f.organic_posts is not None else 0 for _, f in cells]),
        "post_hours": np.array(
            [f.organic_posts.hours_per_post if f.organic_posts is not None else 0.0 for _, f in cells]
        ),
        "post_engagement": engagement,
    }


def _fees(scenario: Scenario) -> float:
    """Fulfilment and payment fees per conversion (currency): the fee rate applies to gross revenue."""
    b = scenario.business
    gross = b.value_per_conversion / (1.0 - b.returns_rate)
    return b.fulfilment_per_conversion + b.payment_fee_rate * gross


def _theta(channel: Channel) -> float:
    """The channel's adstock carry-over share (0 without adstock)."""
    return channel.adstock.theta if channel.adstock is not None else 0.0


def _running(channel: Channel, count: int) -> np.ndarray:
    """Whether the channel may run in each of `count` periods (its flight, less its blackouts)."""
    period = np.arange(1, count + 1)
    end = channel.flight.end if channel.flight.end is not None else count
    running = (period >= channel.flight.start) & (period <= end)
    return running & ~np.isin(period, channel.blackout) if channel.blackout else running
