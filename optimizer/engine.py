"""The optimizer service: solve, certify, refine, explain.

`Optimizer` follows the scikit-learn rule: `__init__` stores settings,
`optimize` validates them and returns a new `OptimizationResult`.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from optimizer.approximation import initial_breakpoints, refined_breakpoints, segments_of
from optimizer.assemble import assemble
from optimizer.backends import DEFAULT_SOLVER, backend
from optimizer.bound import lagrangian_bound
from optimizer.explain import step_report, switch_values
from optimizer.infeasible import elastic_plan, explain_infeasible, proven_infeasible, violation_weights
from optimizer.lp import LinearSolution, solve_lp
from optimizer.polish import even_out, polish
from optimizer.posts import fill_posts, planned_posts
from optimizer.problem import Problem, Row, build_problem
from optimizer.result import ConstraintReport, OptimizationResult, SolverReport
from scenarios import (
    OBJECTIVES,
    InfeasibleError,
    Market,
    Outcomes,
    Scenario,
    SolverError,
    build_market,
)

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
    explain : bool
        Explain the answer where that costs extra solves: an infeasible problem's
        conflict and smallest fixes, and the worth of one more step of an on/off
        limit (team hours, active channels). Without it, an `InfeasibleError` only
        says so and those limits are left out of the constraint reports.
    """

    def __init__(
        self,
        tolerance: float = DEFAULT_TOLERANCE,
        solver: str = DEFAULT_SOLVER,
        segments: int | None = None,
        explain: bool = True,
    ) -> None:
        self.tolerance = tolerance
        self.solver = solver
        self.segments = segments
        self.explain = explain

    def _check(self) -> int:
        if not (isinstance(self.tolerance, float | int) and 1e-7 <= self.tolerance <= 0.5):
            raise SolverError(f"tolerance must be between 1e-7 and 0.5, got {self.tolerance}")
        backend(self.solver)  # a SolverError naming the valid solvers when unknown
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
        slot_bounds: tuple[np.ndarray, np.ndarray] | None = None,
        market: Market | None = None,
    ) -> OptimizationResult:
        """Solve the scenario and explain the answer.

        Parameters
        ----------
        objective : str, optional
            ``conversions``, ``profit``, ``reach`` or ``min_spend``; the scenario's by default.
        budget : float, optional
            Total paid budget over the horizon (currency); the scenario's by default.
        slot_bounds : (lower, upper) arrays, optional
            Extra spend bounds per slot (cell × period, the market's order): spend already
            made (lower = upper), or move limits on a current plan.
        market : Market, optional
            The scenario's market, when the caller has adjusted it (periods already spent
            counted at their actual conversions); built from the scenario by default.

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
        market = market if market is not None else build_market(scenario)
        problem = with_slot_bounds(build_problem(scenario, market, objective, budget), slot_bounds)
        if problem.objective.name == "min_spend" and not any(r.name == "kpi.min_conversions" for r in problem.rows):
            raise SolverError("the min_spend objective needs a conversion target: set kpis.min_conversions")
        conv_bp, reach_bp = initial_breakpoints(problem, count)
        rounds = 0
        # On/off rules: the first MILP picks a pattern; refinement rounds hold it (cheap LPs) and
        # one MILP over the upper chains certifies it; a pattern that fails is released.
        pattern: np.ndarray | None = None
        first: float | None = None  # the plan's value on the initial breakpoints, for discrete_prices
        while True:
            rounds += 1
            conv, reach = segments_of(problem, conv_bp, reach_bp)
            solution = solve_lp(problem, conv, reach, self.solver, mip_gap=self.tolerance / 10, fixed_switches=pattern)
            if solution.status == "infeasible" and pattern is not None:
                pattern = None  # the held pattern cannot meet the refined rows: let the MILP choose again
                continue
            if solution.status == "infeasible":
                # The chords lie below the curves: near the edge of what the curves allow, a feasible
                # problem can look infeasible. Prove it with the tangents, or refine where a plan would be.
                if rounds >= MAX_ROUNDS or proven_infeasible(problem, conv_bp, reach_bp, self.solver):
                    if not self.explain:
                        raise InfeasibleError("No plan meets every constraint.")
                    raise explain_infeasible(problem, count, self.solver)
                weights = violation_weights(problem)
                closest, conv_bp, reach_bp = elastic_plan(problem, weights, conv_bp, reach_bp, self.solver)
                conv_bp, reach_bp = refined_breakpoints(problem, closest.spend, conv_bp, reach_bp)
                continue
            if solution.status != "optimal":
                raise SolverError(f"the solver stopped without an optimal plan (status: {solution.status})")
            outcomes = polished_outcomes(problem, solution)
            achieved = achieved_value(problem, outcomes)
            if rounds == 1:
                first = achieved
            bound = lagrangian_bound(problem, solution.shadow, solution.link_shadow)
            relaxed_plan = None
            gap = relative_gap(problem, bound, achieved, outcomes)
            if problem.switches and gap > self.tolerance:
                if pattern is None:
                    pattern = solution.switches
                held = lagrangian_bound(problem, solution.shadow, solution.link_shadow, pattern)
                if relative_gap(problem, held, achieved, outcomes) > self.tolerance / 2 and rounds < MAX_ROUNDS:
                    conv_bp, reach_bp = refined_breakpoints(problem, solution.spend, conv_bp, reach_bp)
                    continue
            if (solution.integer or problem.switches) and gap > self.tolerance:
                # With S-shaped curves the Lagrangian can keep a duality gap; the MILP over the
                # upper chains (on or above every curve) bounds the true optimum too.
                upper, relaxed_plan = upper_bound(problem, conv_bp, reach_bp, self.solver, self.tolerance / 10)
                bound = min(bound, upper)
                gap = relative_gap(problem, bound, achieved, outcomes)
            if gap <= self.tolerance or rounds >= MAX_ROUNDS:
                break
            pattern = None
            conv_bp, reach_bp = refined_breakpoints(problem, solution.spend, conv_bp, reach_bp)
            if relaxed_plan is not None:
                # Refining where the relaxation's plan lies is what lowers its bound.
                conv_bp, reach_bp = refined_breakpoints(problem, relaxed_plan, conv_bp, reach_bp)
        if nothing_can_be_bought(problem, outcomes):
            if not self.explain:
                raise InfeasibleError("No plan that spends anything meets every constraint.")
            raise explain_infeasible(
                with_some_spend(problem),
                count,
                self.solver,
                hard={SOME_SPEND},
                heading="No plan that spends anything meets every constraint: the rules only allow spending "
                "nothing. The smallest change of each conflicting constraint that alone allows a plan:",
            )
        seconds = time.perf_counter() - started
        # For profit the bound covers the media contribution; fixed costs are the same for every plan.
        fixed = market.fixed_costs if problem.objective.name == "profit" else 0.0
        report = SolverReport(
            name=backend(self.solver).label + (" MILP" if solution.integer or problem.switches else ""),
            seconds=seconds,
            approximation_error=float(gap),
            bound=float(problem.objective.sign * bound - fixed),
            segments=int(sum(len(b) - 1 for b in conv_bp)) if conv_bp else 0,
            rounds=rounds,
            tolerance=float(self.tolerance),
        )
        conv, reach = segments_of(problem, conv_bp, reach_bp)
        result = assemble(scenario, variant, problem, solution, outcomes, report, conv, reach)
        if problem.switches and self.explain:
            steps = discrete_prices(problem, count, self.solver, result, self.tolerance / 10, first)
            result = replace(result, constraints=steps)
        elif problem.switches:
            # Without the re-solves their duals would be the fixed pattern's, which say nothing: leave them out.
            kept = tuple(c for c in result.constraints if c.name not in DISCRETELY_PRICED)
            result = replace(result, constraints=kept)
        return result


def with_slot_bounds(problem: Problem, bounds: tuple[np.ndarray, np.ndarray] | None) -> Problem:
    """The problem with each slot's spend box narrowed to `bounds` (lower, upper), where given."""
    if bounds is None:
        return problem
    lower = np.maximum(problem.lower, np.asarray(bounds[0], dtype=float))
    upper = np.maximum(np.minimum(problem.upper, np.asarray(bounds[1], dtype=float)), lower)
    return replace(problem, lower=lower, upper=upper)


def polished_outcomes(problem: Problem, solution: LinearSolution) -> Outcomes:
    """The LP's plan polished on the true curves, evened out over interchangeable periods, the team's
    spare hours given to organic posts, and what it all brings."""
    spend = polish(problem, solution.spend, solution.shadow, solution.link_shadow, solution.switches)
    spend = even_out(problem, spend, solution.switches)
    # Solver round-off: fractions of a cent are no spend.
    spend = np.where((spend < 1e-6) & (problem.lower <= 0), 0.0, spend)
    posts = fill_posts(problem, spend, planned_posts(problem, solution.switches))
    return problem.market.outcomes(spend, posts)


def achieved_value(problem: Problem, outcomes: Outcomes) -> float:
    """The max-sense objective of a plan on the true curves."""
    obj = problem.objective
    switches = switch_values(problem, outcomes.spend, outcomes.posts) if obj.switch is not None else None
    # The plan's own conversions: those carried in from before the horizon are no one's choice.
    return obj.sign * obj.value(outcomes.spend, float(outcomes.conversions.sum()), outcomes.reach, switches)


def upper_bound(
    problem: Problem, conv_bp: list[np.ndarray], reach_bp: list[np.ndarray], solver: str, mip_gap: float = 1e-6
) -> tuple[float, np.ndarray | None]:
    """The proven bound over the upper chains (at least the true optimum, max-sense) and the relaxation's plan."""
    conv, reach = segments_of(problem, conv_bp, reach_bp, kind="upper")
    outer = solve_lp(problem, conv, reach, solver, mip_gap=mip_gap)
    if outer.status != "optimal":
        return math.inf, None
    obj = problem.objective
    # The chains' values at zero spend (Hill curves with alpha < 1) are constants the LP leaves out.
    constant = obj.sign * obj.conversions * float(conv.intercept.sum()) if conv and conv.intercept is not None else 0.0
    if reach is not None and reach.intercept is not None:
        constant += obj.sign * float(obj.reach @ reach.intercept)
    return outer.dual_bound + constant, outer.spend


def discrete_prices(
    problem: Problem,
    count: int,
    solver: str,
    result: OptimizationResult,
    mip_gap: float = 1e-5,
    base: float | None = None,
) -> tuple[ConstraintReport, ...]:
    """Price binding on/off limits (active channels, team hours) by solving again with one more step.

    Their duals say nothing once the on/off decisions are fixed; what a user wants to know is
    what one more active channel, or the hours it takes, would be worth. Both solves use the
    initial breakpoints, so their difference is not blurred by different approximations;
    `base` is the plan's value there when the caller has it already.
    """
    reports = list(result.constraints)
    names = [r.name for r in problem.rows]
    # One more active channel's hours where channels take hours; otherwise one hour a week.
    team_step = problem.market.channel_hours or 1.0
    conv_bp, reach_bp = initial_breakpoints(problem, count)

    def value(candidate: Problem) -> float | None:
        conv, reach = segments_of(candidate, conv_bp, reach_bp)
        solution = solve_lp(candidate, conv, reach, solver, mip_gap=mip_gap)
        if solution.status != "optimal":
            return None
        return achieved_value(candidate, polished_outcomes(candidate, solution))

    for i, report in enumerate(reports):
        # Team hours are priced even with hours to spare: fewer than one more channel takes still hold it back.
        if report.name not in DISCRETELY_PRICED or (report.name == "rules.max_active_channels" and not report.binding):
            continue
        step = 1.0 if report.name == "rules.max_active_channels" else team_step
        k = names.index(report.name)
        rows = list(problem.rows)
        rows[k] = replace(rows[k], limit=rows[k].limit + step, rhs=rows[k].rhs + step)
        base = value(problem) if base is None else base
        looser = value(replace(problem, rows=tuple(rows)))
        if base is None or looser is None:
            continue
        gain = looser - base
        # Both solves stop within `mip_gap` of their optimum: a smaller difference is no gain.
        gain = gain if gain > 2 * mip_gap * max(abs(base), abs(looser)) else 0.0
        reports[i] = step_report(report, problem, step, problem.objective.sign * gain)
    return tuple(reports)


SOME_SPEND = "plan.spend.min"
#: On/off limits priced by re-solving with one more step (`discrete_prices`), not by duals.
DISCRETELY_PRICED = ("team.hours", "rules.max_active_channels")


def nothing_can_be_bought(problem: Problem, outcomes: Outcomes) -> bool:
    """Whether the plan spends nothing although spending would serve the objective.

    With conversions or reach as the objective, any spend that the rules
    allow raises it; an optimal plan of zero spend means the rules (a CPA cap
    below any cell's best CPA, a share rule no mix can meet) forbid spending.
    """
    if problem.objective.name not in ("conversions", "reach") or outcomes.totals["spend"] > 0:
        return False
    market = problem.market
    useful = market.curves.derivative(np.zeros(len(problem.upper))) > 0
    if problem.objective.name == "reach":
        useful = market.impressions_per_currency_unit > 0
    return bool(np.any(useful & (problem.upper > 0)))


def with_some_spend(problem: Problem) -> Problem:
    """The problem with one more row: spend at least 1 % of the budget."""
    floor = 0.01 * problem.budget
    n = len(problem.upper)
    row = Row(
        SOME_SPEND,
        ">=",
        floor,
        floor,
        np.arange(n),
        np.ones(n),
        label="spending anything at all",
        unit=problem.currency,
    )
    return replace(problem, rows=(*problem.rows, row))


def relative_gap(problem: Problem, bound: float, achieved: float, outcomes: Outcomes) -> float:
    """Certified relative distance to the optimum, on the objective's gross scale.

    The scale is the objective itself for conversions, reach and spend, and the
    gross margin earned for profit (profit itself can be near zero).
    """
    t = outcomes.totals
    if problem.objective.name == "min_spend":
        # (spend − lower bound) / lower bound: the bound is on −spend.
        lower = -bound
        if lower <= 1e-12:
            return 0.0 if achieved >= bound - 1e-9 else math.inf
        return max(0.0, (-achieved - lower) / lower)
    own = t["conversions"] - problem.market.carried_conversions
    scale = {"conversions": own, "reach": t["reach"], "profit": t["gross_margin"]}[problem.objective.name]
    if scale <= 1e-12:
        return 0.0 if bound - achieved <= 1e-9 else math.inf
    return max(0.0, (bound - achieved) / scale)
