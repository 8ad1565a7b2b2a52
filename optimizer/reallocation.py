"""Re-optimising part of a plan: some slots fixed at what was spent, the others moved within limits.

`with_actuals` makes the slots already spent bring their actual conversions
(a constant) instead of modelled ones; `reoptimise` finds the best plan
within the slots' bounds, dropping the KPI targets when they cannot all be
met any more, and among plans as good as the best takes the one closest to
the starting plan (`optimizer.closest`); `with_plan` rewrites a result's
allocation, plan and totals for another plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from optimizer.assemble import kpi_statuses
from optimizer.closest import broken, closest, repaired
from optimizer.engine import Optimizer, with_slot_bounds
from optimizer.problem import build_problem
from optimizer.result import KpiStatus, OptimizationResult
from scenarios import EXPONENTIAL, Curves, InfeasibleError, Kpis, Market, Outcomes, Scenario


@dataclass(frozen=True)
class Reoptimised:
    """The outcome of `reoptimise`.

    Attributes
    ----------
    result : OptimizationResult or None
        The optimizer's best plan within the bounds; None when not even the
        objective alone has a plan there (the rules themselves bind).
    spend : float array
        The plan chosen: the one closest to the start among those within twice
        the certified tolerance of `result`; without `result`, the start made
        feasible with the least movement (or left as it is when none is found).
    relaxed : bool
        Whether the KPI targets were dropped to find a plan.
    broken : list of str
        Without `result`: the rules `spend` does not meet (empty otherwise).
    """

    result: OptimizationResult | None
    spend: np.ndarray
    relaxed: bool
    broken: list[str]


def reoptimise(
    scenario: Scenario,
    market: Market,
    start: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    variant: str | None = None,
) -> Reoptimised:
    """The best plan with each slot's spend in [lower, upper], closest to `start` among equally good ones.

    `start` lies within [lower, upper] (the plan the bounds were drawn around).

    Two plans within the optimizer's certified tolerance of each other are
    equally good: the plan kept is the one nearest `start` within twice that
    tolerance of the best. When the KPI targets cannot all be met within the
    bounds, the objective alone is optimised (`relaxed`).
    """
    relaxed = False
    bounds = (lower, upper)
    try:
        result: OptimizationResult | None = Optimizer().optimize(
            scenario, variant=variant, slot_bounds=bounds, market=market
        )
        solved = scenario
    except InfeasibleError:
        relaxed = True
        solved = scenario.model_copy(update={"kpis": Kpis()})
        try:
            result = Optimizer().optimize(solved, variant=variant, slot_bounds=bounds, market=market)
        except InfeasibleError:
            result = None
    problem = with_slot_bounds(build_problem(solved, market), bounds)
    if result is None:
        standing = repaired(problem, start, lower, upper)
        return Reoptimised(None, standing, relaxed, broken(problem, standing))
    best = result.plan.spend
    return Reoptimised(result, closest(problem, start, best, 2 * result.solver.tolerance, lower, upper), relaxed, [])


def kpi_outlook(scenario: Scenario, market: Market, outcomes: Outcomes) -> list[KpiStatus]:
    """Each KPI target of `scenario` against `outcomes` (a plan's, on `market`'s curves)."""
    return kpi_statuses(build_problem(scenario, market), outcomes)


def with_actuals(market: Market, past: np.ndarray, conversions: float) -> Market:
    """The market with the slots already spent bringing no modelled conversions, their actual ones a constant."""
    c = market.curves
    curves = Curves(
        np.where(past, EXPONENTIAL, c.kind),
        np.where(past, 0.0, c.maximum),
        np.where(past, 1.0, c.scale),
        np.where(past, 1.0, c.alpha),
        {i: v for i, v in c.points.items() if not past[i]},
    )
    return replace(market, curves=curves, carried_conversions=market.carried_conversions + conversions)


def with_plan(
    result: OptimizationResult,
    market: Market,
    spend: np.ndarray,
    cut: np.ndarray,
    rest: Mapping[str, np.ndarray],
) -> OptimizationResult:
    """The result with its allocation, plan and totals recomputed for `spend`.

    The slots flagged in `cut` show other figures: `rest` maps spend,
    conversions, impressions and clicks to per-slot arrays, and those fields
    of a cut slot are read from it (a period cut short keeps its remaining
    days only).
    """
    outcomes = market.outcomes(spend)

    def figure(key: str, slot: int) -> float:
        return float(rest[key][slot] if cut[slot] else getattr(outcomes, key)[slot])

    allocation = tuple(
        replace(
            row,
            spend=figure("spend", slot),
            impressions=figure("impressions", slot),
            clicks=figure("clicks", slot),
            conversions=figure("conversions", slot),
        )
        for slot, row in enumerate(result.allocation)  # one row per slot, in the market's order
    )
    plan = result.plan.with_spend([row.spend for row in allocation])
    return replace(result, allocation=allocation, plan=plan, totals=dict(outcomes.totals))
