"""The allocation problem in solver-neutral form.

Every constraint is linear in three kinds of quantity: spend per cell ``x``,
total conversions ``F = Σ f_c(x_c)`` and paid reach per channel ``R_j``.
Ratio KPIs are written in that form (CPA: ``Σx − cpa · F ≤ 0``). The same
description feeds the LP builder, the Lagrangian bound and the explanations,
so they cannot drift apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from scenarios.errors import SolverError
from scenarios.market import Market
from scenarios.schema import Scenario

#: How the user's number enters a row, for shadow prices per unit of it.
RHS, CPA, ROAS, BOUNCE, IF_ACTIVE = "rhs", "cpa", "roas", "bounce", "if_active"


@dataclass(frozen=True)
class Row:
    """One linear constraint ``a·x + conversions·F + reach·R  (sense)  rhs``.

    Parameters
    ----------
    name : str
        Stable identifier (``budget.total``, ``kpi.min_reach``, ``channel.tiktok.share.max``).
    sense : str
        ``"<="``, ``">="`` or ``"=="``.
    limit : float
        The user's number (a budget, a KPI floor, a CPA cap).
    rhs : float
        Right-hand side of the linear form.
    index, coef : arrays
        Sparse coefficients on cell spend.
    conversions : float
        Coefficient on total conversions.
    reach : float array (channels,) or None
        Coefficients on paid reach per channel.
    kind : str
        How `limit` enters the row (`RHS`, `CPA`, `ROAS`, `BOUNCE`, `IF_ACTIVE`).
    label : str
        The constraint in words, for explanations.
    unit : str
        Unit of `limit` ("EUR", "people", "clicks", ...).
    switch_index, switch_coef : arrays or None
        Sparse coefficients on the problem's on/off switches (binaries).
    internal : bool
        A modelling row (a switch's link to its spend), neither reported nor relaxed.
    """

    name: str
    sense: str
    limit: float
    rhs: float
    index: np.ndarray
    coef: np.ndarray
    conversions: float = 0.0
    reach: np.ndarray | None = None
    kind: str = RHS
    label: str = ""
    unit: str = ""
    switch_index: np.ndarray | None = None
    switch_coef: np.ndarray | None = None
    internal: bool = False

    def __post_init__(self) -> None:
        if self.sense not in ("<=", ">=", "=="):
            raise ValueError(f"Row.sense must be '<=', '>=' or '==', got {self.sense!r}")
        if len(self.index) != len(self.coef):
            raise ValueError("Row.index and Row.coef must have the same length")

    def lhs(
        self, spend: np.ndarray, conversions: float, reach: np.ndarray, switches: np.ndarray | None = None
    ) -> float:
        """Value of the left-hand side at a plan (with its on/off switches, where the row has any)."""
        value = float(self.coef @ spend[self.index]) + self.conversions * conversions
        if self.reach is not None:
            value += float(self.reach @ reach)
        if self.switch_index is not None and switches is not None:
            value += float(self.switch_coef @ switches[self.switch_index])
        return value


@dataclass(frozen=True)
class Objective:
    """``maximise sign · (c·x + conversions·F + reach·R)``; `sign` is −1 for minimise."""

    name: str
    spend: np.ndarray
    conversions: float
    reach: np.ndarray
    sign: float = 1.0
    switch: np.ndarray | None = None

    def value(
        self, spend: np.ndarray, conversions: float, reach: np.ndarray, switches: np.ndarray | None = None
    ) -> float:
        """The objective in its own sense (a minimised spend is positive), with the switches' costs."""
        value = float(self.spend @ spend + self.conversions * conversions + self.reach @ reach)
        if self.switch is not None and switches is not None:
            value += float(self.switch @ switches)
        return value


@dataclass(frozen=True)
class Problem:
    """An allocation problem: market, box bounds, rows and objective.

    `lower`/`upper` are the spend bounds of each unit, finite (the organic
    plan's KPI contributions are already in the rows' right-hand sides);
    `switches` names the whole decisions the rows refer to: on/off binaries
    (``cell.X``, ``channel.X``, ``posts.X.k`` for a cell's k-th weekly organic
    post) and creative counts (``creatives.X``, up to `switch_upper`).
    """

    market: Market
    budget: float
    lower: np.ndarray
    upper: np.ndarray
    rows: tuple[Row, ...]
    objective: Objective
    currency: str
    conversion_name: str = "conversion"
    switches: tuple[str, ...] = ()
    switch_upper: np.ndarray | None = None

    @property
    def switch_bounds(self) -> np.ndarray:
        """Upper bound of each whole decision (1 for on/off, more for creative counts)."""
        if self.switch_upper is None:
            return np.ones(len(self.switches))
        return np.asarray(self.switch_upper, dtype=float)

    @property
    def needs_reach(self) -> bool:
        """Whether any row or the objective involves reach."""
        return bool(np.any(self.objective.reach)) or any(r.reach is not None and np.any(r.reach) for r in self.rows)

    @property
    def needs_conversions(self) -> bool:
        """Whether any row or the objective involves conversions."""
        return self.objective.conversions != 0 or any(r.conversions != 0 for r in self.rows)


def build_problem(
    scenario: Scenario, market: Market, objective: str | None = None, budget: float | None = None
) -> Problem:
    """Translate a scenario's budget, bounds, rules and KPIs into rows.

    Parameters
    ----------
    objective : str, optional
        Overrides the scenario's objective.
    budget : float, optional
        Overrides `budget.total` (currency over the horizon).
    """
    objective = objective or scenario.objective
    budget = float(budget if budget is not None else scenario.budget.total)
    if not (budget > 0 and math.isfinite(budget)):
        raise SolverError(f"the budget must be a finite number above 0, got {budget}")
    n, m = len(market.channel_of), len(market.channels)
    cur = scenario.currency
    all_cells = np.arange(n)
    ones = np.ones(n)
    rows: list[Row] = [Row("budget.total", "<=", budget, budget, all_cells, ones, label="the total budget", unit=cur)]
    for j, name in enumerate(market.channels):
        cells = np.flatnonzero(market.channel_of == j)
        rows += spend_bounds(f"channel.{name}", name, cells, market.channel_lower[j], market.channel_upper[j], cur)
    if market.periods > 1:
        rows += cell_rows(market, cur)
    rows += _period_rows(scenario, market)
    formats = np.array(market.formats)
    groups = [("channel", name, market.channel_of == j) for j, name in enumerate(market.channels)]
    shares = {("channel", k): v for k, v in scenario.rules.channel_share.items()}
    shares |= {("format", k): v for k, v in scenario.rules.format_share.items()}
    groups += [("format", f, formats == f) for f in dict.fromkeys(market.formats)]
    for group, name, mask in groups:
        share = shares.get((group, name))
        if share is None:
            continue
        # Σ_group x ≥ share·Σx  ⇔  Σ_c ([c ∈ group] − share)·x_c ≥ 0 (and ≤ for a maximum share)
        for bound, sense, value in (("min", ">=", share.min), ("max", "<=", share.max)):
            if (bound == "min" and value > 0) or (bound == "max" and value < 1):
                coef = mask.astype(float) - value
                rows.append(
                    Row(
                        f"{group}.{name}.share.{bound}",
                        sense,
                        value,
                        0.0,
                        all_cells,
                        coef,
                        label=f"the {name} {bound}imum share of spend",
                        unit="share",
                    )
                )
    rows += _kpi_rows(scenario, market)
    switch_rows, switches, switch_upper, cost = _switch_rows(scenario, market, budget)
    rows += switch_rows
    rows = _with_posts(rows, market, switches)
    obj = _objective(objective, market, n, m)
    if np.any(cost > 0):
        # Production costs (a cell used, each creative), out of the media budget or a budget of their own.
        paid = np.flatnonzero(cost > 0)
        if scenario.budget.production is None:
            rows[0] = replace(rows[0], switch_index=paid, switch_coef=cost[paid])
        else:
            limit = scenario.budget.production
            rows.append(
                Row(
                    "budget.production",
                    "<=",
                    limit,
                    limit,
                    np.zeros(0, dtype=int),
                    np.zeros(0),
                    switch_index=paid,
                    switch_coef=cost[paid],
                    label="the production budget",
                    unit=cur,
                )
            )
        if obj.name == "profit":
            obj = replace(obj, switch=-cost)
    # With one period a cell is one variable and its own bounds are the variable's box (explained
    # through its marginal value); with several they are rows over its periods. Caps that are rows
    # also cap the box, a hair looser, so a binding cap shows as the row's dual and not the box's;
    # they keep the curves' approximation ranges short.
    cap = np.minimum(budget, market.channel_upper[market.channel_of])
    if scenario.budget.per_period.max is not None:
        cap = np.minimum(cap, scenario.budget.per_period.max)
    cap = cap * (1 + 1e-6)
    if market.periods == 1:
        lower = market.cell_lower[market.cell_of].astype(float)
        upper = np.maximum(np.minimum(market.cell_upper[market.cell_of], cap), lower)
    else:
        lower = np.zeros(n)
        upper = np.minimum(market.cell_upper[market.cell_of] * (1 + 1e-6), cap)
    upper = np.where(market.available, upper, 0.0)
    # The rows hold the conversions of the plan's own spend; what spend before the horizon still
    # brings is a constant on their right-hand sides.
    carried = market.carried_conversions
    rows = [replace(r, rhs=r.rhs - r.conversions * carried) if r.conversions else r for r in rows]
    return Problem(
        market, budget, lower, upper, tuple(rows), obj, cur, scenario.business.conversion, switches, switch_upper
    )


def _period_rows(scenario: Scenario, market: Market) -> list[Row]:
    """Per-period budget floors and caps, and ramp limits on each channel from one period to the next."""
    cur = scenario.currency
    rows: list[Row] = []
    bounds = scenario.budget.per_period
    for t in range(market.periods if bounds.min > 0 or bounds.max is not None else 0):
        units = np.flatnonzero(market.period_of == t)
        rows += spend_bounds(
            f"budget.period.{t + 1}",
            f"{market.period_unit} {t + 1}",
            units,
            bounds.min,
            bounds.max if bounds.max is not None else math.inf,
            cur,
        )
    ramp = scenario.rules.ramp
    for j, name in enumerate(market.channels):
        for t in range(1, market.periods):
            now = np.flatnonzero((market.channel_of == j) & (market.period_of == t))
            before = np.flatnonzero((market.channel_of == j) & (market.period_of == t - 1))
            index = np.concatenate([now, before])
            coef = np.concatenate([np.ones(len(now)), -np.ones(len(before))])
            if ramp.max_increase is not None:
                rows.append(
                    Row(
                        f"ramp.{name}.{t + 1}.up",
                        "<=",
                        ramp.max_increase,
                        ramp.max_increase,
                        index,
                        coef,
                        label=f"the {name} ramp-up limit into {market.period_unit} {t + 1}",
                        unit=cur,
                    )
                )
            if ramp.max_decrease is not None:
                rows.append(
                    Row(
                        f"ramp.{name}.{t + 1}.down",
                        "<=",
                        ramp.max_decrease,
                        ramp.max_decrease,
                        index,
                        -coef,
                        label=f"the {name} ramp-down limit into {market.period_unit} {t + 1}",
                        unit=cur,
                    )
                )
    return rows


def _objective(name: str, market: Market, n: int, m: int) -> Objective:
    zeros_n, zeros_m = np.zeros(n), np.zeros(m)
    if name == "conversions":
        return Objective(name, zeros_n, 1.0, zeros_m)
    if name == "profit":
        margin = market.margin_per_conversion
        return Objective(name, -np.ones(n), margin, zeros_m)
    if name == "reach":
        return Objective(name, zeros_n, 0.0, np.ones(m))
    if name == "min_spend":
        return Objective(name, np.ones(n), 0.0, zeros_m, sign=-1.0)
    raise ValueError(f"unknown objective {name!r}; valid objectives: conversions, profit, reach, min_spend")


def _kpi_rows(scenario: Scenario, market: Market) -> list[Row]:
    k = scenario.kpis
    n = len(market.channel_of)
    cells = np.arange(n)
    imp = market.impressions_per_unit
    organic_eng = float(market.organic.engagement.sum())
    organic_new = float(market.organic.new_followers.sum())
    rows = []
    cur = scenario.currency
    conv = scenario.business.conversion
    if k.min_reach is not None:
        rows.append(
            Row(
                "kpi.min_reach",
                ">=",
                k.min_reach,
                k.min_reach,
                cells,
                np.zeros(n),
                reach=np.ones(len(market.channels)),
                label="the reach floor",
                unit="people",
            )
        )
    if k.min_clicks is not None:
        rows.append(
            Row(
                "kpi.min_clicks",
                ">=",
                k.min_clicks,
                k.min_clicks,
                cells,
                imp * market.ctr,
                label="the clicks floor",
                unit="clicks",
            )
        )
    if k.min_engagement is not None:
        rows.append(
            Row(
                "kpi.min_engagement",
                ">=",
                k.min_engagement,
                k.min_engagement - organic_eng,
                cells,
                imp * market.engagement_rate,
                label="the engagement floor",
                unit="engagements",
            )
        )
    if k.min_new_followers is not None:
        per_unit = imp * market.engagement_rate * market.follow_rate[market.channel_of]
        rows.append(
            Row(
                "kpi.min_new_followers",
                ">=",
                k.min_new_followers,
                k.min_new_followers - organic_new,
                cells,
                per_unit,
                label="the new-followers floor",
                unit="followers",
            )
        )
    if k.min_conversions is not None:
        rows.append(
            Row(
                "kpi.min_conversions",
                ">=",
                k.min_conversions,
                k.min_conversions,
                cells,
                np.zeros(n),
                conversions=1.0,
                label=f"the {conv} target",
                unit=f"{conv}s",
            )
        )
    if k.max_cpa is not None:
        rows.append(
            Row(
                "kpi.max_cpa",
                "<=",
                k.max_cpa,
                0.0,
                cells,
                np.ones(n),
                conversions=-k.max_cpa,
                kind=CPA,
                label="the CPA cap",
                unit=cur,
            )
        )
    if k.min_roas is not None:
        rows.append(
            Row(
                "kpi.min_roas",
                "<=",
                k.min_roas,
                0.0,
                cells,
                np.full(n, k.min_roas),
                conversions=-market.value_per_conversion,
                kind=ROAS,
                label="the ROAS floor",
                unit="x",
            )
        )
    if k.max_bounce_rate is not None:
        coef = imp * market.ctr * (market.bounce_rate - k.max_bounce_rate)
        rows.append(
            Row(
                "kpi.max_bounce_rate",
                "<=",
                k.max_bounce_rate,
                0.0,
                cells,
                coef,
                kind=BOUNCE,
                label="the bounce-rate cap",
                unit="share",
            )
        )
    if k.max_negative_feedback is not None:
        rows.append(
            Row(
                "kpi.max_negative_feedback",
                "<=",
                k.max_negative_feedback,
                k.max_negative_feedback,
                cells,
                imp * market.negative_rate,
                label="the negative-feedback cap",
                unit="reports",
            )
        )
    return rows


def spend_bounds(name: str, what: str, index: np.ndarray, low: float, high: float, currency: str) -> list[Row]:
    """Rows ``NAME.min`` / ``NAME.max`` bounding the spend on the cells in `index` (none when unbounded)."""
    ones = np.ones(len(index))
    rows = []
    if low > 0:
        rows.append(
            Row(
                f"{name}.min",
                ">=",
                float(low),
                float(low),
                index,
                ones,
                label=f"the {what} minimum spend",
                unit=currency,
            )
        )
    if math.isfinite(high):
        rows.append(
            Row(
                f"{name}.max", "<=", float(high), float(high), index, ones, label=f"the {what} spend cap", unit=currency
            )
        )
    return rows


def cell_rows(market: Market, currency: str) -> list[Row]:
    """The cells' own spend bounds over the horizon, as rows (``cell.CHANNEL.FORMAT.min/max``)."""
    rows = []
    for c, cell in enumerate(market.cell_keys):
        units = np.flatnonzero(market.cell_of == c)
        rows += spend_bounds(f"cell.{cell}", cell, units, market.cell_lower[c], market.cell_upper[c], currency)
    return rows


def _switch_rows(
    scenario: Scenario, market: Market, budget: float
) -> tuple[list[Row], tuple[str, ...], np.ndarray, np.ndarray]:
    """Whole decisions: cells and channels on or off, creatives, organic posts; their rules and hours.

    A cell switch y_c links to its spend by ``Σ x ≤ cap · y_c`` and ``Σ x ≥ minimum · y_c``; a
    channel switch w_j by ``Σ x ≤ cap · w_j``; a creative count n_c by ``impressions ≤ N · n_c``;
    a cell's k-th weekly organic post is a binary. Then ``Σ w ≤ max_active_channels`` and the
    team's weekly hours cover active channels, posts and creatives (spread over the weeks).
    Returns the rows, the switches' names, upper bounds and production costs (currency).
    """
    rules, team, cur = scenario.rules, scenario.team, scenario.currency
    rows: list[Row] = []
    names: list[str] = []
    upper: list[float] = []
    cost: list[float] = []
    hours: list[float] = []
    one = np.ones(1)

    def add(name: str, top: float = 1.0, price: float = 0.0, time: float = 0.0) -> np.ndarray:
        names.append(name)
        upper.append(top)
        cost.append(price)
        hours.append(time)
        return np.array([len(names) - 1])

    def horizon_cap(c: int, units: np.ndarray) -> float:
        return float(min(market.cell_upper[c], market.channel_upper[market.channel_of[units[0]]], budget))

    if rules.min_spend_if_active is not None or np.any(market.production_cost > 0):
        for c, cell in enumerate(market.cell_keys):
            units = np.flatnonzero(market.cell_of == c)
            cap = horizon_cap(c, units)
            k = add(f"cell.{cell}", price=float(market.production_cost[c]))
            rows.append(_link(f"cell.{cell}", units, k, cap, cur))
            if rules.min_spend_if_active is None:
                continue
            floor = rules.min_spend_if_active
            rows.append(
                Row(
                    f"rules.min_spend_if_active.{cell}",
                    ">=",
                    floor,
                    0.0,
                    units,
                    np.ones(len(units)),
                    kind=IF_ACTIVE,
                    switch_index=k,
                    switch_coef=-floor * one,
                    label=f"the minimum spend of {cell} if used",
                    unit=cur,
                )
            )
    for c, cell in enumerate(market.cell_keys):
        per_creative = market.creative_impressions[c] if market.creative_impressions is not None else math.inf
        if not math.isfinite(per_creative):
            continue
        # A market with creative lifetimes has their costs and hours too (`scenarios.market`).
        assert market.creative_cost is not None
        assert market.creative_hours is not None
        units = np.flatnonzero(market.cell_of == c)
        top = math.ceil(horizon_cap(c, units) * float(market.impressions_per_unit[units].max()) / per_creative)
        price, weekly = float(market.creative_cost[c]), float(market.creative_hours[c]) / market.weeks
        k = add(f"creatives.{cell}", float(max(top, 1)), price, weekly)
        rows.append(
            Row(
                f"creatives.{cell}",
                "<=",
                0.0,
                0.0,
                units,
                market.impressions_per_unit[units],
                switch_index=k,
                switch_coef=-per_creative * one,
                internal=True,
                label=f"the creatives {cell} needs",
                unit="impressions",
            )
        )
    if market.posts_max is not None:
        # A market with organic posts has all of their arrays (`scenarios.market`).
        assert market.posts_min is not None
        assert market.post_hours is not None
        for c, cell in enumerate(market.cell_keys):
            for post in range(int(market.posts_min[c]) + 1, int(market.posts_max[c]) + 1):
                add(f"posts.{cell}.{post}", time=float(market.post_hours[c]))
    channel_hours = team.hours_per_active_channel if team is not None else 0.0
    needs_channels = rules.max_active_channels is not None or channel_hours > 0
    channels = np.zeros(0, dtype=int)
    if needs_channels:
        for j, name in enumerate(market.channels):
            units = np.flatnonzero(market.channel_of == j)
            cap = float(min(market.channel_upper[j], budget))
            k = add(f"channel.{name}", time=channel_hours)
            channels = np.append(channels, k)
            rows.append(_link(f"channel.{name}", units, k, cap, cur))
    empty = np.zeros(0, dtype=int)
    if rules.max_active_channels is not None:
        limit = float(rules.max_active_channels)
        rows.append(
            Row(
                "rules.max_active_channels",
                "<=",
                limit,
                limit,
                empty,
                np.zeros(0),
                switch_index=channels,
                switch_coef=np.ones(len(channels)),
                label="the cap on active channels",
                unit="channels",
            )
        )
    time = np.array(hours, dtype=float)
    fixed = fixed_hours(market)
    if team is not None and team.hours_per_week is not None and (np.any(time > 0) or fixed > 0):
        timed = np.flatnonzero(time > 0)
        rows.append(
            Row(
                "team.hours",
                "<=",
                team.hours_per_week,
                team.hours_per_week - fixed,
                empty,
                np.zeros(0),
                switch_index=timed,
                switch_coef=time[timed],
                label="the team's weekly hours",
                unit="hours",
            )
        )
    return rows, tuple(names), np.array(upper, dtype=float), np.array(cost, dtype=float)


def _link(name: str, units: np.ndarray, switch: np.ndarray, cap: float, currency: str) -> Row:
    """``Σ x ≤ cap · y``: the units' spend only while their on/off switch is on (``active.NAME``)."""
    return Row(
        f"active.{name}",
        "<=",
        0.0,
        0.0,
        units,
        np.ones(len(units)),
        switch_index=switch,
        switch_coef=np.array([-cap]),
        internal=True,
        label=f"{name.split('.', 1)[1]} is on",
        unit=currency,
    )


def fixed_hours(market: Market) -> float:
    """Team hours per week no decision changes: the channels' fixed posting and each cell's minimum posts."""
    hours = market.fixed_post_hours
    if market.post_hours is not None:
        hours += float(market.post_hours @ market.posts_min)
    return hours


def _with_posts(rows: list[Row], market: Market, switches: tuple[str, ...]) -> list[Row]:
    """Engagement and follower floors count the organic posts: their minimum as a constant, each extra as a switch."""
    posts = [(k, name.rsplit(".", 1)) for k, name in enumerate(switches) if name.startswith("posts.")]
    if market.posts_min is None or market.posts_max is None or not np.any(market.posts_max > 0):
        return rows
    assert market.post_engagement is not None  # set with the other organic-post arrays
    engagement, followers = market.organic_posts(market.posts_min)
    index = np.array([k for k, _ in posts], dtype=int)
    cells = np.array([market.cell_keys.index(cell.removeprefix("posts.")) for _, (cell, _) in posts], dtype=int)
    nth = np.array([int(post) - 1 for _, (_, post) in posts], dtype=int)
    gain = market.post_engagement[cells, nth] if len(cells) else np.zeros(0)
    follow = market.follow_rate[market.cell_channel[cells]] if len(cells) else np.zeros(0)
    out = []
    for row in rows:
        if row.name == "kpi.min_engagement":
            row = replace(row, rhs=row.rhs - float(engagement.sum()), switch_index=index, switch_coef=gain)
        elif row.name == "kpi.min_new_followers":
            row = replace(row, rhs=row.rhs - float(followers.sum()), switch_index=index, switch_coef=gain * follow)
        out.append(row)
    return out
