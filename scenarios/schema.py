"""The scenario file schema: closed pydantic models, one per YAML section.

Every model forbids unknown keys and non-finite numbers, so a typo is an
error, never a silently ignored setting. Money is in the scenario's currency;
rates are fractions in [0, 1]; "per period" means per `periods.unit`.
Cross-references between sections (a response override for a cell that
exists, a share rule for a known channel) are checked in `scenarios.checks`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from scenarios.actuals_schema import Actuals
from scenarios.calibration_schema import Calibration
from scenarios.closed import Closed, Factor, Money, PositiveMoney, Rate
from scenarios.kpis_schema import Kpis
from scenarios.simulation_schema import Simulation
from scenarios.uncertainty_schema import Uncertainty, lift_intervals

#: A scenario or variant name: letters, digits, '-', '_' and '.', starting with a letter or digit. Names end up in
#: file headers, CSV and JSON fields and sentences, so nothing else (no space, line break or invisible mark).
Identifier = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]

OBJECTIVES = ("conversions", "profit", "reach", "min_spend")
Objective = Literal["conversions", "profit", "reach", "min_spend"]


class Periods(Closed):
    """Length of the horizon: `count` periods of one `unit` each."""

    count: Annotated[int, Field(ge=1, le=520)] = 1
    unit: Literal["week", "month"] = "week"

    @property
    def weeks(self) -> float:
        """Horizon length in weeks (a month is 52/12 weeks)."""
        return self.count * (1.0 if self.unit == "week" else 52.0 / 12.0)

    @property
    def months(self) -> float:
        """Horizon length in months (a week is 12/52 months)."""
        return self.weeks * 12.0 / 52.0


class Bounds(Closed):
    """Spend bounds over the horizon, in currency."""

    min: Money = 0.0
    max: PositiveMoney | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g}) must not exceed max ({self.max:g})")
        return self


class Share(Closed):
    """Bounds on a share of total paid spend, as fractions in [0, 1]."""

    min: Rate = 0.0
    max: Rate = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> Share:
        if self.min > self.max:
            raise ValueError(f"min ({self.min:g}) must not exceed max ({self.max:g})")
        return self


class Budget(Closed):
    """Paid media budget over the whole horizon, in currency; `per_period` bounds each period's spend.

    Production costs of the cells used count against `total` unless a separate
    `production` budget is given.
    """

    total: PositiveMoney
    per_period: Bounds = Bounds()
    production: PositiveMoney | None = None


class Flight(Closed):
    """The periods (1-based, inclusive) a channel may run in."""

    start: Annotated[int, Field(ge=1)] = 1
    end: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Flight:
        if self.end is not None and self.start > self.end:
            raise ValueError(f"start ({self.start}) must not be after end ({self.end})")
        return self


class Seasonality(Closed):
    """Multipliers per period (one value per period) on every channel's CPM and CVR."""

    cpm: Annotated[list[Factor], Field(min_length=1)] | None = None
    cvr: Annotated[list[Factor], Field(min_length=1)] | None = None


class Ramp(Closed):
    """Largest change of a channel's spend from one period to the next, in currency."""

    max_increase: Money | None = None
    max_decrease: Money | None = None


class MonthlyCosts(Closed):
    """Fixed monthly costs of running social media, in currency per month."""

    team: Money = 0.0
    agency: Money = 0.0
    tools: Money = 0.0

    @property
    def total(self) -> float:
        """Sum of the fixed monthly costs (currency per month)."""
        return self.team + self.agency + self.tools


class TeamOption(Closed):
    """One way to staff social media: what it costs a month and the hours a week it gives.

    With `production_included`, the option also makes the content, so the
    scenario's production costs fall away.
    """

    monthly_cost: Money
    hours_per_week: Annotated[float, Field(ge=0.0)]
    production_included: bool = False
    description: str = ""


class Business(Closed):
    """What a conversion is worth, and what selling it costs.

    `value_per_conversion` is net revenue per conversion (after returns);
    `returns_rate` is the share of gross revenue that comes back;
    `gross_margin` the share of net revenue left after the cost of goods;
    `fulfilment_per_conversion` (currency) and `payment_fee_rate` (share of
    gross revenue) are the costs of serving an order; `value_months` the
    months over which a conversion's value arrives (12 for a yearly contract
    paid monthly), for the CAC payback. `team_options` are staffing choices
    `pnl --compare-team` weighs.
    """

    conversion: str = "conversion"
    value_per_conversion: Money = 0.0
    gross_margin: Rate = 1.0
    returns_rate: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    fulfilment_per_conversion: Money = 0.0
    payment_fee_rate: Rate = 0.0
    value_months: Annotated[float, Field(ge=1.0, le=120.0)] = 1.0
    monthly_costs: MonthlyCosts = MonthlyCosts()
    team_options: dict[str, TeamOption] = {}


class Organic(Closed):
    """Unpaid posting on a channel, per week.

    `reach_rate` is the share of followers one post reaches; each extra post
    in the same week reaches `extra_post_decay` times as many as the one
    before. `engagement_rate` is engagements per person reached; `follow_rate`
    is new followers per engagement (paid or organic: people who engage are
    the ones who follow); `churn_per_week` is the share of followers lost
    each week; `hours_per_post` is the team's time per post; `half_life_hours`
    is how long a post takes to collect half its engagement (in the simulator,
    comments arrive over that time).
    """

    posts_per_week: Annotated[float, Field(ge=0.0, le=100.0)] = 0.0
    reach_rate: Rate = 0.0
    engagement_rate: Rate = 0.0
    follow_rate: Rate = 0.0
    churn_per_week: Rate = 0.0
    extra_post_decay: Rate = 0.8
    hours_per_post: Annotated[float, Field(ge=0.0)] = 0.0
    half_life_hours: Annotated[float, Field(gt=0.0, le=2000.0)] = 12.0


class Adstock(Closed):
    """Geometric carry-over of a channel's response from one period to the next.

    Of everything a period's spend eventually brings (its response curve), a
    share ``1 − theta`` arrives in that period, ``(1 − theta)·theta`` in the
    next, and so on; what would arrive after the horizon is not counted.
    """

    theta: Annotated[float, Field(ge=0.0, lt=1.0)]


class Creatives(Closed):
    """Creative fatigue: a cell needs one new creative per `impressions_per_creative` paid impressions.

    Each creative costs `cost` (currency, against the budget or the production
    budget) and `hours` of the team's time; creatives are whole, so the
    problem becomes a MILP.
    """

    impressions_per_creative: Annotated[float, Field(gt=0.0)]
    cost: Money = 0.0
    hours: Annotated[float, Field(ge=0.0)] = 0.0


class OrganicPosts(Closed):
    """Organic posts of this format per week, whole numbers the optimizer chooses between `min` and `max`.

    Each post reaches the channel's followers at its organic `reach_rate`,
    each extra post in the week `extra_post_decay` times fewer, and takes
    `hours_per_post` of the team's time.
    """

    min: Annotated[int, Field(ge=0, le=50)] = 0
    max: Annotated[int, Field(ge=0, le=50)]
    hours_per_post: Annotated[float, Field(ge=0.0)] = 0.0

    @model_validator(mode="after")
    def _ordered(self) -> OrganicPosts:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        return self


class Format(Closed):
    """A content format on a channel, as multipliers on the channel's rates.

    `audience_share` is the share of the channel's audience this format's
    placements can reach (stories, reels, feed). `production_cost` is what
    the creatives of this cell cost over the horizon if it runs at all
    (currency): an on/off decision, so the problem becomes a MILP.
    `carry_in` is the spend on this cell in the period just before the
    horizon (currency); with the channel's `adstock`, part of its response
    still arrives within the horizon. `creatives` sets creative fatigue and
    `organic_posts` lets the optimizer plan this format's organic posting.
    """

    cpm_factor: Factor = 1.0
    ctr_factor: Factor = 1.0
    cvr_factor: Factor = 1.0
    engagement_factor: Factor = 1.0
    audience_share: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0
    spend: Bounds = Bounds()
    production_cost: Money = 0.0
    carry_in: Money = 0.0
    creatives: Creatives | None = None
    organic_posts: OrganicPosts | None = None


class Channel(Closed):
    """A social network with its audience, prices and rates.

    `cpm` is currency per 1,000 impressions; `ctr` clicks per impression;
    `cvr` conversions per click; `bounce_rate` bounces per landing visit;
    `engagement_rate` engagements per paid impression;
    `negative_feedback_rate` hides, reports and negative comments per paid
    impression; `in_market` the share of the audience that could convert
    within the horizon. `flight` and `blackout` name the periods (1-based)
    the channel may run in and those it must stay dark; `adstock` how its
    response carries over into later periods.
    """

    audience: Annotated[float, Field(gt=0.0)]
    in_market: Rate
    cpm: PositiveMoney
    ctr: Rate
    cvr: Rate
    bounce_rate: Rate = 0.0
    engagement_rate: Rate = 0.0
    negative_feedback_rate: Rate = 0.0
    followers: Annotated[float, Field(ge=0.0)] = 0.0
    organic: Organic = Organic()
    spend: Bounds = Bounds()
    flight: Flight = Flight()
    blackout: list[Annotated[int, Field(ge=1)]] = []
    adstock: Adstock | None = None
    formats: Annotated[dict[str, Format], Field(min_length=1)]
    sources: dict[str, str] = {}


class HillCurve(Closed):
    """`max · x^alpha / (x^alpha + half_saturation^alpha)`, x in currency."""

    curve: Literal["hill"]
    alpha: Annotated[float, Field(gt=0.0, le=10.0)]
    half_saturation: PositiveMoney
    max: Annotated[float, Field(gt=0.0)]
    source: str | None = None


class ExponentialCurve(Closed):
    """`max · (1 - exp(-x / scale))`, x in currency."""

    curve: Literal["exponential"]
    max: Annotated[float, Field(gt=0.0)]
    scale: PositiveMoney
    source: str | None = None


class PointsCurve(Closed):
    """A table of (spend, conversions) points, joined by straight lines.

    Spend beyond the last point adds no conversions.
    """

    curve: Literal["points"]
    spend: Annotated[list[Annotated[float, Field(ge=0.0)]], Field(min_length=2)]
    conversions: Annotated[list[Annotated[float, Field(ge=0.0)]], Field(min_length=2)]
    source: str | None = None


ResponseCurve = Annotated[HillCurve | ExponentialCurve | PointsCurve, Field(discriminator="curve")]
CURVES = ("exponential", "hill", "points")


class Rules(Closed):
    """Business rules: shares of total paid spend, ramps, and on/off rules.

    `min_spend_if_active` is the least a cell may get over the horizon if it
    gets anything (currency); `max_active_channels` caps how many channels
    get any spend. On/off rules make the problem a MILP.
    """

    channel_share: dict[str, Share] = {}
    format_share: dict[str, Share] = {}
    ramp: Ramp = Ramp()
    min_spend_if_active: PositiveMoney | None = None
    max_active_channels: Annotated[int, Field(ge=0)] | None = None


class WorkingHours(Closed):
    """When the team answers comments and messages: from `start` to `end` o'clock, weekdays unless `weekends`."""

    start: Annotated[int, Field(ge=0, le=23)] = 9
    end: Annotated[int, Field(ge=1, le=24)] = 17
    weekends: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError(f"start ({self.start}) must be before end ({self.end})")
        return self


class Team(Closed):
    """The social media team's week: hours available, and hours each active channel takes.

    An active channel (any paid spend on it) needs `hours_per_active_channel`
    of community management every week. Organic posts and new creatives take
    the hours their formats and channels set; creatives' hours are spread
    evenly over the horizon's weeks. In the simulator, `moderators` people
    answer comments and messages during `working_hours`, each reply taking
    `minutes_per_reply`. Without `hours_per_week` the team's hours are not
    limited.
    """

    hours_per_week: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] | None = None
    hours_per_active_channel: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] = 0.0
    moderators: Annotated[int, Field(ge=1, le=100)] = 1
    working_hours: WorkingHours = WorkingHours()
    minutes_per_reply: Annotated[float, Field(gt=0.0, le=480.0)] = 4.0


class Scenario(Closed):
    """A complete planning scenario (one YAML file, one variant resolved)."""

    name: Identifier
    description: str = ""
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    start: dt.date | None = None
    periods: Periods = Periods()
    seed: Annotated[int, Field(ge=0)] = 0
    objective: Objective = "conversions"
    budget: Budget
    seasonality: Seasonality = Seasonality()
    business: Business = Business()
    channels: Annotated[dict[str, Channel], Field(min_length=1)]
    response: dict[str, ResponseCurve] = {}
    kpis: Kpis = Kpis()
    rules: Rules = Rules()
    team: Team | None = None
    simulation: Simulation = Simulation()
    actuals: Actuals = Actuals()
    calibration: Calibration | None = None
    uncertainty: Uncertainty = Uncertainty()
    sources: dict[str, str] = {}
    variants: dict[Identifier, dict[str, object]] = {}

    @model_validator(mode="before")
    @classmethod
    def _intervals(cls, data: Any) -> Any:
        """A figure written `{mean, low, high}` keeps its mean here and its interval under `uncertainty`."""
        return lift_intervals(data)
