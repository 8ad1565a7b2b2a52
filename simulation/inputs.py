"""What one replication needs, as plain arrays: the plan, the market's rates per day, the team and the crisis model.

Everything here is pure and picklable, so replications can run in other
processes or on a Dask cluster. Money is in the scenario's currency, time in
hours from the start of the horizon (day d covers hours 24d to 24(d+1)).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace

import numpy as np

from scenarios import Market, Plan, Scenario, build_market, horizon, scenario_caveats

#: SEISMIC memory kernel (Zhao et al. 2015): flat for 5 minutes, then a power-law tail of exponent 1.23.
KERNEL_FLAT_HOURS = 5.0 / 60.0
KERNEL_TAIL_THETA = 0.23
#: The largest branching ratio a cascade may have: at 1 or above it never dies out.
MAX_BRANCHING = 0.95


@dataclass(frozen=True)
class QuarterInputs:
    """Arrays of one scenario and plan, per cell (c), slot (cell × period) or channel (j), and the settings.

    Daily paid delivery of cell c on day d is the spend of its slot in
    period `period_of_day[d]` spread over that period's days; its expected
    conversions follow the slot's response curve at the slot's spend (`slot_conversions`),
    spread the same way.
    """

    days: int
    start_weekday: int
    period_of_day: np.ndarray
    days_in_period: np.ndarray
    cell_channel: np.ndarray
    cell_keys: tuple[str, ...]
    channels: tuple[str, ...]
    slot_spend: np.ndarray  # (cells, periods)
    slot_conversions: np.ndarray  # (cells, periods)
    impressions_per_currency_unit: np.ndarray  # (cells, periods): impressions per currency unit
    ctr: np.ndarray  # (cells,)
    bounce_rate: np.ndarray
    engagement_rate: np.ndarray
    negative_rate: np.ndarray
    creative_impressions: np.ndarray
    creatives: np.ndarray
    audience: np.ndarray  # (channels,)
    followers: np.ndarray
    follow_rate: np.ndarray
    churn_per_week: np.ndarray
    reach_rate: np.ndarray
    post_decay: np.ndarray
    organic_engagement: np.ndarray
    post_half_life: np.ndarray  # (channels,) hours
    fixed_posts: np.ndarray  # (channels,) posts per week
    cell_posts: np.ndarray  # (cells,) posts per week
    cell_engagement_factor: np.ndarray
    carried_conversions: float
    value_per_conversion: float
    gross_margin: float
    fees_per_conversion: float
    production: float
    fixed_costs: float
    moderators: int
    open_hour: int
    close_hour: int
    weekends: bool
    minutes_per_reply: float
    messages_per_engagement: float
    patience_hours: float
    unfollow_if_ignored: float
    crisis_rate_per_hour: float
    crisis_onsets: tuple[float, ...]
    initial_mentions: float
    branching_ignored: float
    branching_answered: float
    reputation_hit: float
    churn_factor: float
    quiet_hours: float
    pause_ads: bool
    extra_moderators: int
    reaction_hours: float
    response_target_hours: float
    targets: tuple[tuple[str, str, float], ...]
    close_rate: float = 0.0
    leads_per_day: float = 0.0
    lead_half_life_hours: float = 24.0
    warnings: tuple[str, ...] = field(default=())

    @property
    def sales(self) -> bool:
        """Whether conversions are leads handed to a sales team."""
        return self.close_rate > 0

    @property
    def hours(self) -> float:
        """Length of the horizon in hours."""
        return 24.0 * self.days

    def drawn(self, market: Market) -> QuarterInputs:
        """These inputs with the rates and curves of `market`, one parameter draw of the plan's market
        (`scenarios.drawn_market`): expected conversions at the plan's spend, impressions per currency unit, CTR,
        negative-feedback and follow rates."""
        cells, periods = self.slot_spend.shape
        return replace(
            self,
            slot_conversions=market.curves.value(self.slot_spend.ravel()).reshape(cells, periods),
            impressions_per_currency_unit=market.impressions_per_currency_unit.reshape(cells, periods),
            ctr=market.ctr[::periods].copy(),
            negative_rate=market.negative_rate[::periods].copy(),
            follow_rate=market.follow_rate.copy(),
        )

    @classmethod
    def build(cls, scenario: Scenario, plan: Plan, market: Market | None = None) -> QuarterInputs:
        """Derive the inputs of `scenario` simulated under `plan`."""
        market = market or build_market(scenario)
        periods = market.periods
        cells = len(market.cell_keys)
        calendar = horizon(scenario)
        days, period_of_day, days_in_period = calendar.days, calendar.period_of_day, calendar.days_in_period
        spend = np.array(plan.spend, dtype=float).reshape(cells, periods)
        conversions = market.curves.value(plan.spend).reshape(cells, periods)
        channels = [scenario.channels[name] for name in market.channels]
        formats = [f for ch in channels for f in ch.formats.values()]
        team, sim = scenario.team, scenario.simulation
        crisis = sim.crisis
        warnings = scenario_caveats(scenario)
        ignored = crisis.branching_ignored
        if ignored >= 1.0:
            warnings.append(
                f"simulation.crisis.branching_ignored is {ignored:g}: at 1 or above a cascade never dies out; "
                f"capped at {MAX_BRANCHING:g}"
            )
            ignored = MAX_BRANCHING
        answered = min(crisis.branching_answered, ignored)
        start = scenario.start or dt.date(2027, 1, 4)
        production = plan.production(market)
        targets = [(kpi.name, kpi.symbol, limit) for kpi, limit in scenario.kpis.limits()]
        return cls(
            days=days,
            start_weekday=start.weekday(),
            period_of_day=period_of_day,
            days_in_period=days_in_period,
            cell_channel=market.cell_channel.copy(),
            cell_keys=market.cell_keys,
            channels=market.channels,
            slot_spend=spend,
            slot_conversions=conversions,
            impressions_per_currency_unit=market.impressions_per_currency_unit.reshape(cells, periods),
            ctr=market.ctr[::periods].copy(),
            bounce_rate=market.bounce_rate[::periods].copy(),
            engagement_rate=market.engagement_rate[::periods].copy(),
            negative_rate=market.negative_rate[::periods].copy(),
            creative_impressions=(
                market.creative_impressions.copy()
                if market.creative_impressions is not None
                else np.full(cells, math.inf)
            ),
            creatives=np.array(plan.creatives, dtype=float),
            audience=market.audience.copy(),
            followers=np.array([c.followers for c in channels], dtype=float),
            follow_rate=market.follow_rate.copy(),
            churn_per_week=np.array([c.organic.churn_per_week for c in channels]),
            reach_rate=np.array([c.organic.reach_rate for c in channels]),
            post_decay=np.array([c.organic.extra_post_decay for c in channels]),
            organic_engagement=np.array([c.organic.engagement_rate for c in channels]),
            post_half_life=np.array([c.organic.half_life_hours for c in channels]),
            fixed_posts=np.array([c.organic.posts_per_week for c in channels]),
            cell_posts=np.array(plan.posts, dtype=int),
            cell_engagement_factor=np.array([f.engagement_factor for f in formats]),
            carried_conversions=market.carried_conversions,
            value_per_conversion=market.value_per_conversion,
            gross_margin=market.gross_margin,
            fees_per_conversion=market.fees_per_conversion,
            production=production,
            fixed_costs=market.fixed_costs,
            moderators=team.moderators if team is not None else 1,
            open_hour=team.working_hours.start if team is not None else 9,
            close_hour=team.working_hours.end if team is not None else 17,
            weekends=team.working_hours.weekends if team is not None else False,
            minutes_per_reply=team.minutes_per_reply if team is not None else 4.0,
            messages_per_engagement=sim.community.messages_per_engagement,
            patience_hours=sim.community.patience_hours,
            unfollow_if_ignored=sim.community.unfollow_if_ignored,
            crisis_rate_per_hour=crisis.rate_per_quarter / (13 * 168.0),
            crisis_onsets=tuple(168.0 * (w - 1) + 10.0 for w in crisis.onset_weeks if 168.0 * (w - 1) < 24.0 * days),
            initial_mentions=crisis.initial_mentions,
            branching_ignored=ignored,
            branching_answered=answered,
            reputation_hit=crisis.reputation_hit,
            churn_factor=crisis.churn_factor,
            quiet_hours=crisis.quiet_hours,
            pause_ads=crisis.playbook.pause_ads,
            extra_moderators=crisis.playbook.extra_moderators,
            reaction_hours=crisis.playbook.reaction_hours,
            response_target_hours=crisis.playbook.response_target_hours,
            targets=tuple(targets),
            close_rate=sim.sales.close_rate if sim.sales is not None else 0.0,
            leads_per_day=sim.sales.leads_per_day if sim.sales is not None else 0.0,
            lead_half_life_hours=sim.sales.half_life_hours if sim.sales is not None else 24.0,
            warnings=tuple(warnings),
        )
