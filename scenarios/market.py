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
base forward week by week and returns its engagement and new followers. `build_market`
(`scenarios.market_build`) derives the arrays from a scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios.curves import Curves
from scenarios.kpis import derived, profit
from scenarios.organic import OrganicOutlook

__all__ = ["Market", "OrganicOutlook", "Outcomes"]


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

    def channel_impressions(self, spend: np.ndarray) -> np.ndarray:
        """Paid impressions per channel for `spend` (currency per slot)."""
        return np.bincount(self.channel_of, weights=self.impressions(spend), minlength=len(self.channels))

    def reach(self, spend: np.ndarray) -> np.ndarray:
        """Unique people reached by paid ads, per channel."""
        return self.audience * -np.expm1(-self.channel_impressions(spend) / self.audience)

    def profit(self, conversions: float, spend: float, production: float) -> float:
        """Profit after fixed costs of a plan's conversions, paid spend and production costs (`scenarios.kpis`)."""
        revenue = conversions * self.value_per_conversion
        return profit(
            revenue, conversions, spend, production, self.gross_margin, self.fees_per_conversion, self.fixed_costs
        )

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
        base = {
            "spend": total_spend,
            "conversions": total_conv,
            "impressions": float(impressions.sum()),
            "reach": float(reach.sum()),
            "clicks": float(clicks.sum()),
            "bounces": float(bounces.sum()),
            "revenue": revenue,
        }
        ratios = derived(base, self.channel_impressions(spend), reach)
        totals = {
            "spend": total_spend,
            "conversions": total_conv,
            "impressions": base["impressions"],
            "reach": base["reach"],
            "frequency": ratios["frequency"],
            "clicks": base["clicks"],
            "engagement": float(engagement.sum() + self.organic.engagement.sum() + post_engagement.sum()),
            "new_followers": paid_followers + float(self.organic.new_followers.sum() + post_followers.sum()),
            "bounces": base["bounces"],
            "bounce_rate": ratios["bounce_rate"],
            "negative_feedback": float(negative.sum()),
            "revenue": revenue,
            "gross_margin": revenue * self.gross_margin,
            "production": production,
            "profit": self.profit(total_conv, total_spend, production),
            "cpa": ratios["cpa"],
            "roas": ratios["roas"],
            "carried_conversions": self.carried_conversions,
            "creatives": float(creatives.sum()),
            "organic_posts_per_week": float(posts.sum()) + self.fixed_posts,
            "team_hours_per_week": self.team_hours(spend, posts),
        }
        return Outcomes(
            spend, impressions, clicks, conversions, engagement, bounces, negative, reach, totals, posts, creatives
        )
