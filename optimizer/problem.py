"""The allocation problem in solver-neutral form.

Every constraint is linear in three kinds of quantity: spend per slot ``x``,
total conversions ``F = Σ f_c(x_c)`` and paid reach per channel ``R_j``.
Ratio KPIs are written in that form (CPA: ``Σx − cpa · F ≤ 0``). The same
description feeds the LP builder, the Lagrangian bound and the explanations,
so they cannot drift apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from optimizer.decisions import fixed_hours, switch_rows, with_posts
from optimizer.kpi_rows import kpi_rows
from optimizer.rows import FREQUENCY, IF_ACTIVE, RATIO, RHS, Row, cell_rows, spend_bounds
from scenarios import Market, Scenario, SolverError

__all__ = [
    "FREQUENCY",
    "IF_ACTIVE",
    "RATIO",
    "RHS",
    "Objective",
    "Problem",
    "Row",
    "build_problem",
    "cell_rows",
    "fixed_hours",
    "spend_bounds",
]


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

    `lower`/`upper` are the spend bounds of each slot, finite (the organic
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
    rows += kpi_rows(scenario, market)
    decided, switches, switch_upper, cost = switch_rows(scenario, market, budget)
    rows += decided
    rows = with_posts(rows, market, switches)
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
        slots = np.flatnonzero(market.period_of == t)
        rows += spend_bounds(
            f"budget.period.{t + 1}",
            f"{market.period_unit} {t + 1}",
            slots,
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
