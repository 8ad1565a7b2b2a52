"""The budget frontier: the best conversions at each budget, and what the last euro buys.

One LP is built for the largest budget and kept in the solver; each point
only moves the budget row's right-hand side, so HiGHS starts from the last
basis. Each point is polished and certified like a single plan; a point that
misses the tolerance refines the breakpoints around its plan and rebuilds
the model for the points after it.

Along the frontier conv*(B) (conversions-optimal plans under every rule and
KPI), profit is ``margin · value · conv*(B) − spend − fixed costs`` and its
slope is ``margin · value · λ(B) − 1`` with λ the budget's shadow price (the
envelope theorem): profit peaks where the marginal CPA 1/λ equals the gross
margin a conversion earns. Both marked budgets are found by bisection on λ.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from optimizer.approximation import initial_breakpoints, refined_breakpoints, segments_of
from optimizer.backends import DEFAULT_SOLVER
from optimizer.bound import lagrangian_bound
from optimizer.engine import MAX_ROUNDS, Optimizer, achieved_value, polished_outcomes, relative_gap, upper_bound
from optimizer.lp import LinearModel
from optimizer.problem import Problem, build_problem
from optimizer.stops import SpendStop, spend_stop
from scenarios import InfeasibleError, Scenario, SolverError, build_market, finite

MAX_POINTS = 1000


@dataclass(frozen=True)
class FrontierPoint:
    """The conversions-optimal plan at one budget (currency over the horizon).

    `marginal_cpa` is 1 / (conversions per extra currency unit of budget):
    infinite where more budget buys nothing. Values are None where no plan
    meets the rules at this budget (`status` "infeasible").
    """

    budget: float
    status: str
    spend: float | None = None
    conversions: float | None = None
    profit: float | None = None
    reach: float | None = None
    cpa: float | None = None
    marginal_cpa: float | None = None
    approximation_error: float | None = None

    @property
    def spends_budget(self) -> bool:
        """Whether the plan spends its whole budget (else something else stops spend, and more budget buys nothing)."""
        return self.spend is not None and self.spend >= self.budget * (1 - 1e-6)

    def to_dict(self) -> dict[str, Any]:
        """One point of the frontier JSON."""
        return {
            "budget": self.budget,
            "status": self.status,
            "spend": self.spend,
            "conversions": self.conversions,
            "profit": self.profit,
            "reach": self.reach,
            "cpa": self.cpa,
            "marginal_cpa": self.marginal_cpa,
            "approximation_error": self.approximation_error,
            "spends_budget": self.spends_budget if self.status == "optimal" else None,
        }


@dataclass(frozen=True)
class FrontierResult:
    """Optimal outcomes over a budget range, with the budgets worth marking.

    `profit_max_budget` maximises profit along the frontier (marginal CPA =
    gross margin per conversion); `marginal_cpa_above_value_budget` is where
    the marginal CPA passes the revenue per conversion (beyond it, the last
    currency unit brings back less than one in revenue). Each is None when
    the scenario has no value per conversion, and the second also when the
    marginal CPA stays below the revenue wherever the budget is spent;
    `*_at_edge` says the budget lies at or beyond an end of the range.
    `spend_stops` says where spend stops below the budget, what stops it and
    what more room would bring; `profit_max_reason` is ``marginal_cpa``
    (profit peaks where the marginal CPA meets the margin), ``spend_stops``
    (profit rises until spend stops and stays there) or ``edge``.
    """

    scenario: str
    variant: str | None
    currency: str
    conversion: str
    points: tuple[FrontierPoint, ...]
    profit_max_budget: float | None
    profit_max: float | None
    profit_max_at_edge: bool
    marginal_cpa_above_value_budget: float | None
    value_budget_at_edge: bool
    seconds: float
    spend_stops: SpendStop | None = None
    profit_max_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The `frontier --json` document."""
        return finite(
            {
                "scenario": self.scenario,
                "variant": self.variant,
                "currency": self.currency,
                "points": [p.to_dict() for p in self.points],
                "profit_max_budget": self.profit_max_budget,
                "profit_max": self.profit_max,
                "profit_max_at_edge": self.profit_max_at_edge,
                "marginal_cpa_above_value_budget": self.marginal_cpa_above_value_budget,
                "value_budget_at_edge": self.value_budget_at_edge,
                "profit_max_reason": self.profit_max_reason,
                "spend_stops": self.spend_stops.to_dict() if self.spend_stops is not None else None,
                "seconds": self.seconds,
            }
        )


def budget_grid(start: float, stop: float, count: int) -> np.ndarray:
    """`count` evenly spaced budgets from `start` to `stop` (currency), checked."""
    if not (math.isfinite(start) and math.isfinite(stop)) or start <= 0:
        raise SolverError(f"the budget range must start above 0, got {start:g}")
    if stop <= start:
        raise SolverError(f"the budget range must end above its start: {stop:g} <= {start:g}")
    if not 2 <= count <= MAX_POINTS:
        raise SolverError(f"a frontier has 2 to {MAX_POINTS} points, got {count}")
    return np.linspace(start, stop, count)


class Frontier:
    """Trace the conversions-optimal frontier of a scenario over budgets.

    Parameters
    ----------
    tolerance : float
        Largest accepted certified relative gap at every point.
    solver : str
        ``highs`` (warm-started re-solves) or ``cbc``.
    """

    def __init__(self, tolerance: float = 1e-3, solver: str = DEFAULT_SOLVER) -> None:
        self.tolerance = tolerance
        self.solver = solver

    def compute(
        self, scenario: Scenario, budgets: np.ndarray, variant: str | None = None, progress: Any = None
    ) -> FrontierResult:
        """Solve every budget of `budgets` (ascending) and mark the profit-maximising one.

        `progress`, if given, is called with 1 after each budget.
        """
        count = Optimizer(self.tolerance, self.solver)._check()
        started = time.perf_counter()
        budgets = np.sort(np.asarray(budgets, dtype=float))
        market = build_market(scenario)
        problem = build_problem(scenario, market, "conversions", float(budgets[-1]))
        tracer = _Tracer(problem, count, self.tolerance, self.solver, scenario)
        points = []
        for b in budgets:
            points.append(tracer.point(b))
            if progress:
                progress(1)
        margin_value = market.margin_per_conversion
        profit_budget = value_budget = profit_max = reason = None
        profit_edge = value_edge = False
        feasible = [p for p in points if p.status == "optimal"]
        stopped = next((p for p in feasible if not p.spends_budget), None)
        # Past the budget where spend stops, more budget buys nothing: its zero price is no marginal CPA.
        ceiling = math.inf if stopped is None or stopped.spend is None else stopped.spend
        if margin_value > 0 and feasible and tracer.concave:
            profit_budget, profit_edge = tracer.crossing(budgets, margin_value)
            value_budget, value_edge = tracer.crossing(budgets, market.value_per_conversion)
            if profit_budget is not None:
                profit_max = tracer.point(profit_budget).profit
        elif margin_value > 0 and feasible:
            # On/off rules or S-shaped curves: the budget's shadow price need not fall as the budget
            # grows, so the marked budgets are read off the grid rather than bisected.
            best = max(feasible, key=lambda p: -math.inf if p.profit is None else p.profit)
            profit_budget, profit_max = best.budget, best.profit
            profit_edge = best is feasible[0] or best is feasible[-1]
            value = market.value_per_conversion
            spent = [p for p in feasible if p.spends_budget]
            past = [p for p in spent if p.marginal_cpa is not None and p.marginal_cpa > value]
            value_budget = past[0].budget if past else (spent[-1].budget if spent else None)
            value_edge = not past or past[0] is feasible[0]
        if profit_budget is not None:
            reason = "edge" if profit_edge else "marginal_cpa"
            if profit_budget >= ceiling * (1 - 1e-4):
                # Profit rises until spend stops and stays flat after: no peak, a ceiling.
                profit_budget, profit_edge, reason = ceiling, False, "spend_stops"
                assert stopped is not None  # a finite ceiling comes from the point where spend stops
                profit_max = stopped.profit
        never = value_budget is not None and self._below(value_budget, points, market)
        if value_budget is not None and (value_budget >= ceiling * (1 - 1e-4) or never):
            value_budget, value_edge = None, False  # the marginal CPA never exceeds the revenue where budget is spent
        stop = None
        if stopped is not None:
            stop = spend_stop(tracer.at(stopped.budget), count, self.tolerance, self.solver)
        return FrontierResult(
            scenario=scenario.name,
            variant=variant,
            currency=scenario.currency,
            conversion=scenario.business.conversion,
            points=tuple(points),
            profit_max_budget=profit_budget,
            profit_max=profit_max,
            profit_max_at_edge=profit_edge,
            marginal_cpa_above_value_budget=value_budget,
            value_budget_at_edge=value_edge,
            seconds=time.perf_counter() - started,
            spend_stops=stop,
            profit_max_reason=reason,
        )

    @staticmethod
    def _below(budget: float, points: list[FrontierPoint], market: Any) -> bool:
        """Whether a value budget at the range's end only says the marginal CPA never passed the revenue in it."""
        last = [p for p in points if p.status == "optimal" and p.spends_budget]
        return bool(
            last
            and budget >= last[-1].budget
            and last[-1].marginal_cpa is not None
            and last[-1].marginal_cpa <= market.value_per_conversion
        )


class _Tracer:
    """Solves points of the frontier on one kept model, refining it when a point needs it."""

    def __init__(self, problem: Problem, count: int, tolerance: float, solver: str, scenario: Scenario) -> None:
        self.problem = problem
        self.count = count
        self.tolerance = tolerance
        self.solver = solver
        self.scenario = scenario
        self.conv_bp, self.reach_bp = initial_breakpoints(problem, count)
        self.model = self._model()
        self.budget_row = [r.name for r in problem.rows].index("budget.total")
        # Concave curves and no on/off rules: conversions are concave in the budget.
        self.concave = bool(problem.market.curves.concave.all()) and not problem.switches
        self._lambda: dict[float, float | None] = {}  # budget -> shadow price (None: infeasible)

    def _model(self) -> LinearModel:
        conv, reach = segments_of(self.problem, self.conv_bp, self.reach_bp)
        return LinearModel(self.problem, conv, reach, self.solver, self.tolerance / 10)

    def at(self, budget: float) -> Problem:
        """The problem with the budget row moved to `budget`."""
        rows = list(self.problem.rows)
        rows[self.budget_row] = replace(rows[self.budget_row], limit=budget, rhs=budget)
        return replace(self.problem, rows=tuple(rows), budget=budget)

    def point(self, budget: float) -> FrontierPoint:
        """The certified conversions-optimal plan at `budget`."""
        problem = self.at(float(budget))
        for round_ in range(1, MAX_ROUNDS + 1):
            solution = self.model.solve(problem)
            if solution.status != "optimal":
                return self._fallback(float(budget))
            outcomes = polished_outcomes(problem, solution)
            spend = outcomes.spend
            bound = lagrangian_bound(problem, solution.shadow, solution.link_shadow)
            achieved = achieved_value(problem, outcomes)
            gap = relative_gap(problem, bound, achieved, outcomes)
            if solution.integer and gap > self.tolerance:
                upper, _ = upper_bound(problem, self.conv_bp, self.reach_bp, self.solver, self.tolerance / 10)
                gap = relative_gap(problem, min(bound, upper), achieved, outcomes)
            if gap <= self.tolerance or round_ == MAX_ROUNDS:
                break
            self.conv_bp, self.reach_bp = refined_breakpoints(problem, spend, self.conv_bp, self.reach_bp)
            self.model = self._model()
        shadow = max(float(solution.shadow[self.budget_row]), 0.0)
        self._lambda[float(budget)] = shadow
        t = outcomes.totals
        return FrontierPoint(
            budget=float(budget),
            status="optimal",
            spend=t["spend"],
            conversions=t["conversions"],
            profit=t["profit"],
            reach=t["reach"],
            cpa=t["cpa"],
            marginal_cpa=1.0 / shadow if shadow > 0 else math.inf,
            approximation_error=float(gap),
        )

    def _fallback(self, budget: float) -> FrontierPoint:
        """A point the kept model could not solve: the full optimizer decides (it proves infeasibility)."""
        try:
            optimizer = Optimizer(self.tolerance, self.solver, explain=False)
            result = optimizer.optimize(self.scenario, "conversions", budget)
        except InfeasibleError:
            self._lambda[budget] = None
            return FrontierPoint(budget=budget, status="infeasible")
        budget_row = next(c for c in result.constraints if c.name == "budget.total")
        price = max(budget_row.shadow_price, 0.0)
        self._lambda[budget] = price
        t = result.totals
        return FrontierPoint(
            budget,
            "optimal",
            t["spend"],
            t["conversions"],
            t["profit"],
            t["reach"],
            t["cpa"],
            1.0 / price if price > 0 else math.inf,
            result.solver.approximation_error,
        )

    def crossing(self, budgets: np.ndarray, worth: float) -> tuple[float | None, bool]:
        """The budget where `worth` · λ(B) falls through 1 (marginal CPA = `worth`), and whether it is at an edge."""

        def above(budget: float) -> bool | None:
            if budget not in self._lambda:
                self.point(budget)
            price = self._lambda[budget]
            return None if price is None else worth * price > 1.0

        flags = [above(float(b)) for b in budgets]
        feasible = [(float(b), f) for b, f in zip(budgets, flags, strict=True) if f is not None]
        if not feasible:
            return None, False
        if not feasible[0][1]:
            return feasible[0][0], True
        if feasible[-1][1]:
            return feasible[-1][0], True
        low = max(b for b, f in feasible if f)
        high = min(b for b, f in feasible if not f and b > low)
        for _ in range(40):
            if high - low <= 1e-6 * high:
                break
            mid = 0.5 * (low + high)
            flag = above(mid)
            if flag is None:
                break
            low, high = (mid, high) if flag else (low, mid)
        return 0.5 * (low + high), False
