"""The market model: what spend on each cell buys, shared by both engines.

A cell is one (channel, format) pair. With spend ``x`` (currency over the
horizon) on a cell:

- impressions = 1000 · x / CPM, CPM = channel CPM × format `cpm_factor`;
- clicks = impressions × CTR (channel CTR × `ctr_factor`); bounces =
  clicks × bounce rate; paid engagement = impressions × engagement rate ×
  `engagement_factor`; negative feedback = impressions × its rate;
- conversions = the cell's response curve; by default
  ``S · (1 − exp(−x / s))`` with initial slope ``1000 · CTR · CVR / CPM``
  (conversions per currency unit at low spend) and saturation ``S`` =
  audience × format `audience_share` × `in_market` (people who could convert);
- reach per channel = ``A · (1 − exp(−I / A))`` for the channel's total
  impressions ``I`` and audience ``A`` (each person reached by Poisson
  arrivals of impressions);
- new followers = engagement (paid and organic) × the channel's follow rate.

The organic plan is fixed input here: `organic_outlook` (`scenarios.organic`) rolls the follower
base forward week by week and returns its engagement and new followers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scenarios.calendar import horizon
from scenarios.curves import EXPONENTIAL, HILL, POINTS, Curves
from scenarios.organic import OrganicOutlook, organic_outlook
from scenarios.schema import Channel, ExponentialCurve, HillCurve, PointsCurve, Scenario

__all__ = ["Market", "OrganicOutlook", "Outcomes", "build_market", "organic_outlook"]


@dataclass(frozen=True)
class Outcomes:
    """What a spend vector buys: per-cell arrays, per-channel reach, and totals.

    Per-slot arrays (one value per cell and period): `spend` and `conversions` ...
    `negative_feedback`. `reach` has one value per channel. `posts` (organic
    posts per week) and `creatives` have one value per cell. `totals` maps KPI
    names to horizon totals.
    """

    spend: np.ndarray
    impressions: np.ndarray
    clicks: np.ndarray
    conversions: np.ndarray
    engagement: np.ndarray
    bounces: np.ndarray
    negative_feedback: np.ndarray
    reach: np.ndarray
    totals: dict[str, float]
    posts: np.ndarray
    creatives: np.ndarray


@dataclass(frozen=True)
class Market:
    """The market of one scenario as arrays over slots, cells and channels.

    A *slot* is one cell (channel × format) in one period; with one period,
    slots and cells coincide. Slot arrays (`formats` ... `curves`,
    `available`) have one entry per slot, cell-major (slot = cell × periods +
    period); `channel_of`, `cell_of` and `period_of` map slots to their
    channel, cell and period (0-based). Money is in the scenario's currency:
    a slot's curve is what spend in that period buys. `cell_lower` /
    `cell_upper` bound a cell's spend over the horizon (`cell_upper` infinite
    where the scenario sets none); `channel_lower` / `channel_upper` a
    channel's; `available` is False in periods outside a channel's flight or
    in its blackouts. With adstock, a slot's curve counts only the share of
    its response that arrives within the horizon, and `carried_conversions`
    is what spend before the horizon still brings (included in the totals,
    not in any slot).

    Per-cell arrays for the whole decisions: `creative_impressions` (paid
    impressions one creative lasts, infinite without fatigue),
    `creative_cost` (currency) and `creative_hours` (team hours) per
    creative; `posts_min` / `posts_max` organic posts per week the optimizer
    may choose, `post_hours` per post, and `post_engagement` (cells × most
    posts) the engagement over the horizon of each cell's k-th weekly post.
    `channel_hours` is the team's weekly hours per active channel;
    `fixed_posts` and `fixed_post_hours` the channels' fixed organic posts
    per week and the hours they take.
    """

    channels: tuple[str, ...]
    formats: tuple[str, ...]
    channel_of: np.ndarray
    cpm: np.ndarray
    ctr: np.ndarray
    cvr: np.ndarray
    bounce_rate: np.ndarray
    engagement_rate: np.ndarray
    negative_rate: np.ndarray
    curves: Curves
    cell_keys: tuple[str, ...]
    cell_of: np.ndarray
    period_of: np.ndarray
    periods: int
    period_unit: str
    available: np.ndarray
    cell_lower: np.ndarray
    cell_upper: np.ndarray
    production_cost: np.ndarray
    audience: np.ndarray
    follow_rate: np.ndarray
    channel_lower: np.ndarray
    channel_upper: np.ndarray
    organic: OrganicOutlook
    value_per_conversion: float
    gross_margin: float
    fixed_costs: float
    carried_conversions: float = 0.0
    fees_per_conversion: float = 0.0
    weeks: float = 1.0
    creative_impressions: np.ndarray | None = None
    creative_cost: np.ndarray | None = None
    creative_hours: np.ndarray | None = None
    posts_min: np.ndarray | None = None
    posts_max: np.ndarray | None = None
    post_hours: np.ndarray | None = None
    post_engagement: np.ndarray | None = None
    channel_hours: float = 0.0
    fixed_post_hours: float = 0.0
    fixed_posts: float = 0.0

    def __post_init__(self) -> None:
        n = len(self.channel_of)
        if len(self.formats) != n:
            raise ValueError(f"Market needs one format per cell: {len(self.formats)} formats for {n} cells")
        for name in (
            "cpm",
            "ctr",
            "cvr",
            "bounce_rate",
            "engagement_rate",
            "negative_rate",
            "cell_of",
            "period_of",
            "available",
        ):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"Market.{name} must have one value per slot ({n})")
        if np.any(self.cpm <= 0):
            raise ValueError("Market.cpm must be > 0 in every slot")
        if np.any(self.cell_lower > self.cell_upper):
            raise ValueError("Market.cell_lower must not exceed Market.cell_upper")

    @property
    def margin_per_conversion(self) -> float:
        """What a conversion leaves after the cost of goods, fulfilment and payment fees (currency)."""
        return self.value_per_conversion * self.gross_margin - self.fees_per_conversion

    @property
    def cell_channel(self) -> np.ndarray:
        """The channel of each cell (0-based)."""
        return self.channel_of[:: self.periods]

    def creatives_needed(self, spend: np.ndarray) -> np.ndarray:
        """Whole creatives each cell's paid impressions wear out (0 without fatigue)."""
        if self.creative_impressions is None:
            return np.zeros(len(self.cell_keys))
        shown = np.bincount(self.cell_of, weights=self.impressions(spend), minlength=len(self.cell_keys))
        with np.errstate(divide="ignore", invalid="ignore"):
            needed = np.ceil(np.maximum(shown / self.creative_impressions - 1e-9, 0.0))
        return np.where(np.isfinite(self.creative_impressions), needed, 0.0)

    def organic_posts(self, posts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Engagement and new followers over the horizon of each cell's planned organic posts (per week)."""
        n = len(self.cell_keys)
        if self.post_engagement is None or not self.post_engagement.size:
            return np.zeros(n), np.zeros(n)
        cumulative = np.concatenate([np.zeros((n, 1)), np.cumsum(self.post_engagement, axis=1)], axis=1)
        engagement = cumulative[np.arange(n), np.asarray(posts, dtype=int)]
        return engagement, engagement * self.follow_rate[self.cell_channel]

    def team_hours(self, spend: np.ndarray, posts: np.ndarray, creatives: np.ndarray | None = None) -> float:
        """The team's hours per week the plan takes: active channels, organic posts, new creatives.

        `creatives` per cell default to the ones the spend's impressions wear out.
        """
        active = np.bincount(self.channel_of, weights=spend, minlength=len(self.channels)) > 1e-9
        hours = self.channel_hours * float(active.sum()) + self.fixed_post_hours
        if self.post_hours is not None:
            hours += float(self.post_hours @ posts)
        if self.creative_hours is not None:
            made = self.creatives_needed(spend) if creatives is None else creatives
            hours += float(self.creative_hours @ made) / self.weeks
        return hours

    @property
    def cells(self) -> list[str]:
        """The cell key ``channel.format`` of each slot."""
        return [self.cell_keys[c] for c in self.cell_of]

    @property
    def impressions_per_currency_unit(self) -> np.ndarray:
        """Impressions per currency unit in each slot (1000 / CPM)."""
        return 1000.0 / self.cpm

    def impressions(self, spend: np.ndarray) -> np.ndarray:
        """Paid impressions per slot for `spend` (currency per slot)."""
        return np.asarray(spend, dtype=float) * self.impressions_per_currency_unit

    def reach(self, spend: np.ndarray) -> np.ndarray:
        """Unique people reached by paid ads, per channel."""
        per_channel = np.bincount(self.channel_of, weights=self.impressions(spend), minlength=len(self.channels))
        return self.audience * -np.expm1(-per_channel / self.audience)

    def outcomes(self, spend: np.ndarray, posts: np.ndarray | None = None) -> Outcomes:
        """Everything `spend` (currency per slot) and `posts` (organic posts per week per cell) bring.

        Without `posts`, each cell posts its minimum.
        """
        spend = np.asarray(spend, dtype=float)
        if posts is None:
            posts = self.posts_min if self.posts_min is not None else np.zeros(len(self.cell_keys), dtype=int)
        posts = np.asarray(posts, dtype=int)
        creatives = self.creatives_needed(spend)
        post_engagement, post_followers = self.organic_posts(posts)
        impressions = self.impressions(spend)
        clicks = impressions * self.ctr
        conversions = self.curves.value(spend)
        engagement = impressions * self.engagement_rate
        bounces = clicks * self.bounce_rate
        negative = impressions * self.negative_rate
        reach = self.reach(spend)
        paid_followers = float(engagement @ self.follow_rate[self.channel_of])
        total_spend = float(spend.sum())
        total_conv = float(conversions.sum()) + self.carried_conversions
        used = np.bincount(self.cell_of, weights=spend, minlength=len(self.cell_keys)) > 1e-9
        production = float(self.production_cost @ used)
        if self.creative_cost is not None:
            production += float(self.creative_cost @ creatives)
        revenue = total_conv * self.value_per_conversion
        total_clicks = float(clicks.sum())
        totals = {
            "spend": total_spend,
            "conversions": total_conv,
            "impressions": float(impressions.sum()),
            "reach": float(reach.sum()),
            "clicks": total_clicks,
            "engagement": float(engagement.sum() + self.organic.engagement.sum() + post_engagement.sum()),
            "new_followers": paid_followers + float(self.organic.new_followers.sum() + post_followers.sum()),
            "bounces": float(bounces.sum()),
            "bounce_rate": float(bounces.sum()) / total_clicks if total_clicks > 0 else 0.0,
            "negative_feedback": float(negative.sum()),
            "revenue": revenue,
            "gross_margin": revenue * self.gross_margin,
            "production": production,
            "profit": total_conv * self.margin_per_conversion - total_spend - production - self.fixed_costs,
            "cpa": total_spend / total_conv if total_conv > 0 else math.inf,
            "roas": revenue / total_spend if total_spend > 0 else 0.0,
            "carried_conversions": self.carried_conversions,
            "creatives": float(creatives.sum()),
            "organic_posts_per_week": float(posts.sum()) + self.fixed_posts,
            "team_hours_per_week": self.team_hours(spend, posts),
        }
        return Outcomes(
            spend, impressions, clicks, conversions, engagement, bounces, negative, reach, totals, posts, creatives
        )


def build_market(scenario: Scenario) -> Market:
    """Derive the market arrays of a validated scenario."""
    names = list(scenario.channels)
    channel_of: list[int] = []
    formats: list[str] = []
    cpm, ctr, cvr, bounce, eng, neg, lower, upper = ([] for _ in range(8))
    kind, maximum, scale, alpha = [], [], [], []
    keys: list[str] = []
    production: list[float] = []
    available: list[np.ndarray] = []
    points: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for j, name in enumerate(names):
        ch = scenario.channels[name]
        for fmt_name, fmt in ch.formats.items():
            i = len(channel_of)
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
            available.append(_running(ch, scenario.periods.count))
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
    curves = Curves(np.array(kind), np.array(maximum, float), np.array(scale, float), np.array(alpha, float), points)
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
    return (period >= channel.flight.start) & (period <= end) & ~np.isin(period, channel.blackout)
