"""The optimizer service: solve, certify, refine, explain.

`Optimizer` follows the scikit-learn rule: `__init__` stores settings,
`optimize` validates them and returns a new `OptimizationResult`.
"""

from __future__ import annotations

import math
import time

import numpy as np

from optimizer.bound import lagrangian_bound, marginal_values, reach_curves
from optimizer.explain import (
    Relaxation,
    cell_bound_rows,
    constraint_reports,
    row_value,
    smallest_relaxation,
    zero_spend_reasons,
)
from optimizer.lp import SOLVERS, LinearSolution, solve_lp
from optimizer.polish import polish
from optimizer.problem import Problem, build_problem
from optimizer.pwl import Segments, curvature_breakpoints, refine
from optimizer.result import CellPlan, KpiStatus, OptimizationResult, SolverReport
from scenarios.errors import InfeasibleError, SolverError
from scenarios.market import Outcomes, build_market
from scenarios.schema import OBJECTIVES, Scenario

DEFAULT_TOLERANCE = 1e-3
MAX_ROUNDS = 8


class Optimizer:
    """Allocate a scenario's paid budget to maximise its objective under its rules.

    Parameters
    ----------
    tolerance : float
        Largest accepted certified relative gap to the true optimum (1e-3 = 0.1 %).
    solver : str
        ``highs`` (default) or ``cbc``.
    segments : int, optional
        Initial segments per curve; by default chosen from `tolerance`.
    """

    def __init__(
        self, tolerance: float = DEFAULT_TOLERANCE, solver: str = "highs", segments: int | None = None
    ) -> None:
        self.tolerance = tolerance
        self.solver = solver
        self.segments = segments

    def _check(self) -> int:
        if not (isinstance(self.tolerance, float | int) and 1e-7 <= self.tolerance <= 0.5):
            raise SolverError(f"tolerance must be between 1e-7 and 0.5, got {self.tolerance}")
        if self.solver not in SOLVERS:
            raise SolverError(f"unknown solver '{self.solver}'; valid solvers: {', '.join(SOLVERS)}")
        if self.segments is not None:
            if not 1 <= self.segments <= 4096:
                raise SolverError(f"segments must be between 1 and 4096, got {self.segments}")
            return self.segments
        return int(np.clip(math.ceil(16 * math.sqrt(DEFAULT_TOLERANCE / self.tolerance)), 8, 256))

    def optimize(
        self,
        scenario: Scenario,
        objective: str | None = None,
        budget: float | None = None,
        variant: str | None = None,
    ) -> OptimizationResult:
        """Solve the scenario and explain the answer.

        Parameters
        ----------
        objective : str, optional
            ``conversions``, ``profit``, ``reach`` or ``min_spend``; the scenario's by default.
        budget : float, optional
            Total paid budget over the horizon (currency); the scenario's by default.

        Raises
        ------
        InfeasibleError
            No plan meets every constraint; the message names the conflict.
        SolverError
            Bad settings or a solver failure.
        """
        count = self._check()
        if objective is not None and objective not in OBJECTIVES:
            raise SolverError(f"unknown objective '{objective}'; valid objectives: {', '.join(OBJECTIVES)}")
        started = time.perf_counter()
        market = build_market(scenario)
        problem = build_problem(scenario, market, objective, budget)
        if problem.objective.name == "min_spend" and not any(r.name == "kpi.min_conversions" for r in problem.rows):
            raise SolverError("the min_spend objective needs a conversion target: set kpis.min_conversions")
        conv_bp, reach_bp = initial_breakpoints(problem, count)
        rounds = 0
        while True:
            rounds += 1
            conv, reach = segments_of(problem, conv_bp, reach_bp)
            solution = solve_lp(problem, conv, reach, self.solver)
            if solution.status == "infeasible":
                raise explain_infeasible(problem, count, self.solver)
            if solution.status != "optimal":
                raise SolverError(f"the solver stopped without an optimal plan (status: {solution.status})")
            spend = polish(problem, solution.spend, solution.shadow, solution.link_shadow)
            # Solver round-off: fractions of a cent are no spend.
            spend = np.where((spend < 1e-6) & (problem.lower <= 0), 0.0, spend)
            outcomes = market.outcomes(spend)
            achieved = achieved_value(problem, outcomes)
            bound = lagrangian_bound(problem, solution.shadow, solution.link_shadow)
            gap = relative_gap(problem, bound, achieved, outcomes)
            if gap <= self.tolerance or rounds >= MAX_ROUNDS:
                break
            conv_bp, reach_bp = refined_breakpoints(problem, solution, conv_bp, reach_bp)
        seconds = time.perf_counter() - started
        report = SolverReport(
            name="HiGHS" if self.solver == "highs" else "CBC",
            seconds=seconds,
            approximation_error=float(gap),
            bound=float(problem.objective.sign * bound),
            segments=int(sum(len(b) - 1 for b in conv_bp)) if conv_bp else 0,
            rounds=rounds,
        )
        return assemble(scenario, variant, problem, solution, outcomes, report)


def initial_breakpoints(problem: Problem, count: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Curvature-spaced breakpoints for the conversion curves and, if needed, reach.

    Each conversion curve gets `count` segments over the range where its
    spend is likely to fall (three times the budget-only water-filling
    estimate, at least the even split), plus one chord to its upper bound.
    Any breakpoints give a valid plan; the certified bound says whether they
    were good enough.
    """
    conv_bp: list[np.ndarray] = []
    if problem.needs_conversions:
        upper = problem.upper
        guess = spend_estimate(problem)
        if guess is not None:
            even = problem.budget / max(1, len(upper))
            upper = np.minimum(upper, np.maximum(3.0 * guess, even))
        conv_bp = curvature_breakpoints(problem.market.curves, upper, count)
        conv_bp = [b if b[-1] >= top else np.append(b, top) for b, top in zip(conv_bp, problem.upper, strict=True)]
    reach_bp: list[np.ndarray] = []
    if problem.needs_reach:
        curves, top = reach_curves(problem)
        reach_bp = curvature_breakpoints(curves, top, count)
    return conv_bp, reach_bp


def spend_estimate(problem: Problem) -> np.ndarray | None:
    """Spend per cell of the budget-only problem, by water-filling on the true curves.

    None when the objective does not value conversions (reach).
    """
    obj = problem.objective
    curves = problem.market.curves
    lower, upper = problem.lower, problem.upper
    if obj.name == "reach":
        return None
    weight = np.full(len(upper), obj.conversions if obj.conversions > 0 else 1.0)
    unit_cost = -obj.sign * obj.spend if obj.name == "profit" else np.zeros(len(upper))

    def spend_at(price: float) -> np.ndarray:
        return curves.best_response(weight, unit_cost + price, lower, upper)

    if obj.name != "min_spend" and spend_at(0.0).sum() <= problem.budget:
        return spend_at(0.0)
    low, high = 0.0, float(np.max(weight * curves.derivative(lower))) + 1.0
    target = problem.budget
    for _ in range(60):
        mid = 0.5 * (low + high)
        if spend_at(mid).sum() > target:
            low = mid
        else:
            high = mid
    return spend_at(high)


def segments_of(
    problem: Problem, conv_bp: list[np.ndarray], reach_bp: list[np.ndarray]
) -> tuple[Segments | None, Segments | None]:
    """Segments of the conversion and reach curves for the given breakpoints."""
    conv = Segments.from_breakpoints(problem.market.curves, conv_bp) if conv_bp else None
    reach = Segments.from_breakpoints(reach_curves(problem)[0], reach_bp) if reach_bp else None
    return conv, reach


def refined_breakpoints(
    problem: Problem, solution: LinearSolution, conv_bp: list[np.ndarray], reach_bp: list[np.ndarray]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Split the segments around the current plan, where the approximation matters."""
    market = problem.market
    near = [np.array([x]) for x in solution.spend]
    conv_bp = refine(conv_bp, near) if conv_bp else conv_bp
    if reach_bp:
        impressions = np.bincount(
            market.channel_of, weights=market.impressions(solution.spend), minlength=len(market.channels)
        )
        reach_bp = refine(reach_bp, [np.array([t]) for t in impressions])
    return conv_bp, reach_bp


def achieved_value(problem: Problem, outcomes: Outcomes) -> float:
    """The max-sense objective of a plan on the true curves."""
    obj = problem.objective
    return obj.sign * obj.value(outcomes.spend, outcomes.totals["conversions"], outcomes.reach)


def relative_gap(problem: Problem, bound: float, achieved: float, outcomes: Outcomes) -> float:
    """Certified relative distance to the optimum, on the objective's gross scale.

    The scale is the objective itself for conversions, reach and spend, and the
    gross margin earned for profit (profit itself can be near zero).
    """
    t = outcomes.totals
    scale = {
        "conversions": t["conversions"],
        "reach": t["reach"],
        "min_spend": t["spend"],
        "profit": t["gross_margin"],
    }[problem.objective.name]
    if scale <= 1e-12:
        return 0.0 if bound - achieved <= 1e-9 else math.inf
    return max(0.0, (bound - achieved) / scale)


def assemble(
    scenario: Scenario,
    variant: str | None,
    problem: Problem,
    solution: LinearSolution,
    outcomes: Outcomes,
    report: SolverReport,
) -> OptimizationResult:
    """Put the plan, its outcomes and its explanations into one result."""
    market = problem.market
    cell_reach = market.audience[market.channel_of] * -np.expm1(
        -outcomes.impressions / market.audience[market.channel_of]
    )
    allocation = tuple(
        CellPlan(
            channel=market.channels[market.channel_of[c]],
            format=market.formats[c],
            period=1,
            spend=float(outcomes.spend[c]),
            conversions=float(outcomes.conversions[c]),
            impressions=float(outcomes.impressions[c]),
            reach=float(cell_reach[c]),
            clicks=float(outcomes.clicks[c]),
        )
        for c in range(len(market.channel_of))
    )
    marginal = marginal_values(problem, solution.shadow, solution.link_shadow, outcomes.spend)
    constraints = tuple(constraint_reports(problem, solution.shadow, outcomes, marginal))
    zero = tuple(zero_spend_reasons(problem, outcomes.spend, marginal))
    kpis = tuple(kpi_statuses(problem, outcomes))
    objective_value = problem.objective.value(outcomes.spend, outcomes.totals["conversions"], outcomes.reach)
    if problem.objective.name == "profit":
        objective_value = outcomes.totals["profit"]
    return OptimizationResult(
        scenario=scenario.name,
        variant=variant,
        currency=scenario.currency,
        objective=problem.objective.name,
        objective_value=float(objective_value),
        totals=dict(outcomes.totals),
        allocation=allocation,
        constraints=constraints,
        zero_spend=zero,
        kpis=kpis,
        solver=report,
    )


def kpi_statuses(problem: Problem, outcomes: Outcomes) -> list[KpiStatus]:
    """Each KPI target of the scenario against the plan's value on the true curves."""
    statuses = []
    for row in problem.rows:
        if not row.name.startswith("kpi."):
            continue
        value = row_value(row, outcomes)
        floor = row.name.startswith("kpi.min_")
        slack = 1e-6 * max(1.0, abs(row.limit))
        met = bool(value >= row.limit - slack if floor else value <= row.limit + slack)
        statuses.append(KpiStatus(row.name.removeprefix("kpi."), ">=" if floor else "<=", row.limit, value, met))
    return statuses


def explain_infeasible(problem: Problem, count: int, solver: str) -> InfeasibleError:
    """Name the conflicting constraints and the smallest relaxation of each.

    An elastic LP (every row may be violated at a cost proportional to its
    relative violation) finds the rows in conflict: those it violates or that
    bind it. Each is then relaxed alone, the others kept hard.
    """
    relaxed = cell_bound_rows(problem)
    conv_bp, reach_bp = initial_breakpoints(relaxed, count)
    conv, reach = segments_of(relaxed, conv_bp, reach_bp)
    weights = {
        k: 1.0 / max(abs(row.rhs), abs(row.limit), problem.budget if row.rhs == 0 else 1.0, 1.0)
        for k, row in enumerate(relaxed.rows)
    }
    elastic = solve_lp(relaxed, conv, reach, solver, elastic=weights)
    if elastic.status != "optimal":
        return InfeasibleError(
            "the problem is infeasible and the elastic re-solve failed too "
            f"(status: {elastic.status}); check the scenario's bounds"
        )
    violation, shadow = elastic.violation, elastic.shadow
    conflict = [k for k in range(len(relaxed.rows)) if violation[k] > 1e-7 or abs(shadow[k]) > 1e-9]

    def feasible(candidate: Problem) -> bool:
        c_conv, c_reach = segments_of(candidate, conv_bp, reach_bp)
        return solve_lp(candidate, c_conv, c_reach, solver).status == "optimal"

    relaxations = []
    for k in conflict:
        row = relaxed.rows[k]
        alone = solve_lp(relaxed, conv, reach, solver, elastic={k: 1.0})
        direct = float(alone.violation[k]) if alone.status == "optimal" else None
        limit = smallest_relaxation(relaxed, k, feasible, direct)
        relaxations.append(Relaxation(row.name, row.label, row.sense, row.limit, limit, row.unit))
    heading = (
        "No plan meets every constraint. These constraints conflict; the smallest change of each that "
        "alone makes a plan possible:"
    )
    lines = [heading]
    lines += [f"  - {r.sentence()}" for r in relaxations]
    if not relaxations:
        lines = ["No plan meets every constraint, and no single constraint could be named as the cause."]
    return InfeasibleError("\n".join(lines), tuple(relaxations))
