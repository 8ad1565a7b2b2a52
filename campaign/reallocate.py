"""Mid-campaign reallocation: spend to date fixed, the rest re-optimised on what the actuals taught.

Each cell's spend in each remaining period may move at most `max_change`
from the current plan (large edits restart the platforms' learning phase).
Among plans as good as the best (within the optimizer's tolerance), the one
closest to the current plan wins: the new plan is moved back towards the
current one along the straight line between them as far as it stays
feasible and as good; with concave curves both sets are intervals, so a
bisection finds the point.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from optimizer import Optimizer
from optimizer.engine import achieved_value, kpi_statuses, with_unit_bounds
from optimizer.explain import switch_values
from optimizer.polish import feasible
from optimizer.problem import build_problem
from optimizer.result import OptimizationResult
from scenarios.calendar import horizon
from scenarios.curves import EXPONENTIAL, Curves
from scenarios.errors import InfeasibleError, UsageError
from scenarios.learning import CellLearning, by_period, learn, updated_scenario
from scenarios.market import Market, build_market
from scenarios.schema import Kpis, Scenario
from simulation import plan_from_result

#: A rate moved less than this (relative) is "as planned" in the reasons.
NOTICEABLE = 0.05


@dataclass(frozen=True)
class Reallocation:
    """The new plan and what changed, why, and what it means for the quarter's KPIs."""

    result: OptimizationResult
    as_of: dt.date
    past_periods: int
    changes: list[dict[str, Any]]
    learning: list[CellLearning]
    projection: dict[str, dict[str, float]]
    at_risk: list[dict[str, Any]]
    kpis_relaxed: bool

    def to_dict(self) -> dict[str, Any]:
        """The `reallocate --json` document: the optimize contract for the remaining periods, plus the changes."""
        document = self.result.to_dict()
        document["allocation"] = [a for a in document["allocation"] if a["period"] > self.past_periods]
        document |= {
            "as_of": self.as_of.isoformat(),
            "past_periods": self.past_periods,
            "changes": self.changes,
            "learning": [item.to_dict() for item in self.learning if item.spend > 0],
            "projection": self.projection,
            "at_risk": self.at_risk,
            "kpis_relaxed": self.kpis_relaxed,
        }
        return document


def elapsed_periods(scenario: Scenario, as_of: dt.date) -> int:
    """Periods complete before `as_of` (the first day not yet spent); errors outside the horizon."""
    h = horizon(scenario)
    if h.start is None:
        raise UsageError(f"scenario '{scenario.name}' has no start date: reallocation needs one (start: YYYY-MM-DD)")
    last = h.start + dt.timedelta(days=h.days - 1)
    if as_of <= h.start:
        raise UsageError(f"--as-of {as_of} is not after the start of the horizon ({h.start}): nothing is spent yet")
    if as_of > last:
        raise UsageError(f"--as-of {as_of} is after the end of the horizon ({last}): nothing is left to reallocate")
    day = (as_of - h.start).days
    ends = np.array([np.flatnonzero(h.period_of_day == p).max() for p in range(scenario.periods.count)])
    return int((ends < day).sum())


def reallocate(
    scenario: Scenario,
    rows: list[Any],
    as_of: dt.date,
    max_change: float = 0.2,
    variant: str | None = None,
) -> Reallocation:
    """Fix spend to date at the ledger's, learn the rates, and re-optimise the remaining periods."""
    if not 0 <= max_change <= 10:
        raise UsageError(
            f"--max-change must be between 0 and 10 (a share of each cell's planned spend), got {max_change}"
        )
    past = elapsed_periods(scenario, as_of)
    market = build_market(scenario)
    current = Optimizer().optimize(scenario, variant=variant)
    plan = plan_from_result(current, market).spend
    learned = learn(scenario, market, rows)
    updated = updated_scenario(scenario, learned)
    cells, periods = len(market.cell_keys), market.periods
    actual = by_period(scenario, rows, market.cell_keys, "spend")
    lower = np.clip(plan * (1 - max_change), 0.0, None)
    upper = plan * (1 + max_change)
    fixed = (market.period_of < past).reshape(cells, periods)
    lower = np.where(fixed.ravel(), actual.ravel(), lower)
    upper = np.where(fixed.ravel(), actual.ravel(), upper)
    _check_past(scenario, market, actual, plan, past)
    # The periods spent count at the conversions they actually brought, not at the model's.
    done = by_period(scenario, rows, market.cell_keys, "conversions").sum()
    learned_market = with_actuals(build_market(updated), fixed.ravel(), float(done))
    start = np.where(fixed.ravel(), actual.ravel(), plan)
    relaxed = False
    try:
        result = Optimizer().optimize(updated, variant=variant, unit_bounds=(lower, upper), market=learned_market)
        solved = updated
    except InfeasibleError:
        # The targets cannot all be met any more within the move limits: plan for the objective alone
        # and report the targets at risk.
        relaxed = True
        solved = updated.model_copy(update={"kpis": Kpis()})
        try:
            result = Optimizer().optimize(solved, variant=variant, unit_bounds=(lower, upper), market=learned_market)
        except InfeasibleError:
            result = None
    problem = with_unit_bounds(build_problem(solved, learned_market), (lower, upper))
    if result is None:
        # Not even the objective alone finds a plan within the limits (the rules themselves bind):
        # the current plan stands if it still meets them.
        switches = switch_values(problem, start) if problem.switches else None
        if not feasible(problem, start, 1e-7, switches):
            raise InfeasibleError(
                "No plan for the remaining periods meets the rules within the move limits, and the current plan "
                "does not either; widen --max-change or review the rules."
            )
        result, final = current, start
    else:
        # Two plans within the optimizer's certified tolerance of each other are equally good.
        final = _closest(problem, start, plan_from_result(result, learned_market).spend, 2 * result.solver.tolerance)
    result = _with_plan(result, learned_market, final)
    changes = _changes(learned_market, plan, final, past, learned, lower, upper, scenario.currency)
    outlook = _outlook(updated, learned_market, final, fixed.ravel(), rows)
    projection = {
        "original": {k: current.totals[k] for k in ("spend", "conversions", "clicks", "reach", "profit")},
        "projected": {k: outlook.totals[k] for k in ("spend", "conversions", "clicks", "reach", "profit")},
    }
    at_risk = [
        {"name": k.name, "target": k.target, "projected": k.value}
        for k in kpi_statuses(build_problem(updated, learned_market), outlook)
        if not k.met
    ]
    return Reallocation(result, as_of, past, changes, learned, projection, at_risk, relaxed)


def with_actuals(market: Market, past: np.ndarray, conversions: float) -> Market:
    """The market with the units already spent bringing no modelled conversions, their actual ones a constant."""
    c = market.curves
    curves = Curves(
        np.where(past, EXPONENTIAL, c.kind),
        np.where(past, 0.0, c.maximum),
        np.where(past, 1.0, c.scale),
        np.where(past, 1.0, c.alpha),
        {i: v for i, v in c.points.items() if not past[i]},
    )
    return replace(market, curves=curves, carried_conversions=market.carried_conversions + conversions)


def _check_past(scenario: Scenario, market, actual: np.ndarray, plan: np.ndarray, past: int) -> None:
    """Refuse a ledger that leaves out whole past periods, or whose past spend breaks a weekly cap."""
    unit = scenario.periods.unit
    planned = plan.reshape(actual.shape).sum(axis=0)
    spent = actual.sum(axis=0)
    for t in range(past):
        if planned[t] > 0 and spent[t] <= 0:
            raise UsageError(
                f"the ledger has no actuals for {unit} {t + 1}, before --as-of: import that {unit}'s exports, or "
                "give an earlier --as-of (spend to date is what the ledger says)"
            )
        cap = scenario.budget.per_period.max
        if cap is not None and spent[t] > cap * (1 + 1e-6):
            raise UsageError(
                f"the ledger's spend in {unit} {t + 1} ({spent[t]:,.2f} {scenario.currency}) is above "
                f"budget.per_period.max ({cap:,.2f}): no plan can meet that rule any more; raise it to re-optimise"
            )


def _value(problem, spend: np.ndarray) -> float:
    return achieved_value(problem, problem.market.outcomes(spend))


def _closest(problem, current: np.ndarray, best: np.ndarray, tolerance: float) -> np.ndarray:
    """The point nearest `current` on the line to `best` that is feasible and within `tolerance` of best."""
    target = _value(problem, best)
    floor = target - tolerance * max(abs(target), 1e-9)

    def good(t: float) -> bool:
        point = current + t * (best - current)
        switches = switch_values(problem, point) if problem.switches else None
        return feasible(problem, point, 1e-7, switches) and _value(problem, point) >= floor

    if good(0.0):
        return current.copy()
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if good(mid) else (mid, hi)
    return current + hi * (best - current)


def _with_plan(result: OptimizationResult, market, spend: np.ndarray) -> OptimizationResult:
    """The result with its allocation and totals recomputed for `spend`."""
    outcomes = market.outcomes(spend)
    allocation = tuple(
        replace(
            row,
            spend=float(outcomes.spend[u]),
            conversions=float(outcomes.conversions[u]),
            impressions=float(outcomes.impressions[u]),
            clicks=float(outcomes.clicks[u]),
        )
        for u, row in enumerate(result.allocation)  # one row per unit, in the market's order
    )
    return replace(result, allocation=allocation, totals=dict(outcomes.totals))


def _outlook(scenario: Scenario, market, spend: np.ndarray, past: np.ndarray, rows: list[Any]):
    """The quarter's expected outcomes: the ledger's actuals for the periods spent, the learned model after."""
    outcomes = market.outcomes(spend)  # the market counts the periods spent at their actual conversions
    t = dict(outcomes.totals)
    for key, per_unit in (("impressions", outcomes.impressions), ("clicks", outcomes.clicks)):
        t[key] = float(per_unit[~past].sum()) + float(by_period(scenario, rows, market.cell_keys, key).sum())
    t["revenue"] = t["conversions"] * market.value_per_conversion
    t["gross_margin"] = t["revenue"] * market.gross_margin
    t["profit"] = t["conversions"] * market.margin_per_conversion - t["spend"] - t["production"] - market.fixed_costs
    t["cpa"] = t["spend"] / t["conversions"] if t["conversions"] > 0 else float("inf")
    t["roas"] = t["revenue"] / t["spend"] if t["spend"] > 0 else 0.0
    return replace(outcomes, totals=t)


def _changes(market, old, new, past, learned, lower, upper, currency) -> list[dict[str, Any]]:
    by_cell = {item.cell: item for item in learned}
    changes = []
    for u in range(len(old)):
        period = int(market.period_of[u]) + 1
        if period <= past or abs(new[u] - old[u]) < max(0.5, 0.005 * old[u]):
            continue
        cell = market.cell_keys[market.cell_of[u]]
        reason = _reason(cell, by_cell.get(cell), new[u] > old[u], currency)
        if new[u] >= upper[u] - 1e-6 or new[u] <= lower[u] + 1e-6:
            reason += "; held to the move limit"
        channel, fmt = cell.split(".", 1)
        changes.append(
            {
                "channel": channel,
                "format": fmt,
                "period": period,
                "old_spend": float(old[u]),
                "new_spend": float(new[u]),
                "reason": reason,
            }
        )
    return changes


def _reason(cell: str, item: CellLearning | None, up: bool, currency: str) -> str:
    """The largest move among the cell's rates, in words, or why the budget moved anyway."""
    if item is not None:
        name, estimate = max(
            (("CPM", item.cpm), ("CTR", item.ctr), ("CVR", item.cvr)), key=lambda pair: abs(pair[1].moved)
        )
        if abs(estimate.moved) >= NOTICEABLE and item.spend > 0:
            better = estimate.moved < 0 if name == "CPM" else estimate.moved > 0
            if name == "CPM":
                text = (
                    f"{estimate.mean:.2f} {currency} vs {estimate.plan:.2f} planned, "
                    f"90 % CI {estimate.low:.2f}–{estimate.high:.2f}"
                )
            else:
                text = (
                    f"{100 * estimate.mean:.2f} % vs {100 * estimate.plan:.2f} % planned, "
                    f"90 % CI {100 * estimate.low:.2f}–{100 * estimate.high:.2f} %"
                )
            if better == up:
                return f"{cell} {name} {text}"
            return f"{cell} re-timed to the weeks where it earns most ({name} {text})"
    return f"{cell} as planned; budget {'freed' if not up else 'moved here'} as other cells' rates moved"
