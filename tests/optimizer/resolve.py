"""Re-solving a problem with one limit moved: the independent check of every explanation sentence.

`certified_value` runs the optimizer's own loop (chords, polish, Lagrangian bound,
refinement) on a `Problem`, so a row's limit can be moved exactly as the optimizer
states it (`with_limit`), and returns the plan's value on the true curves with the
certified bound on how far the true optimum can lie above it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from optimizer.approximation import initial_breakpoints, refined_breakpoints, segments_of
from optimizer.bound import lagrangian_bound
from optimizer.engine import achieved_value, polished_outcomes
from optimizer.infeasible import with_limit
from optimizer.lp import solve_lp
from optimizer.problem import Problem, build_problem
from scenarios.market_build import build_market
from scenarios.schema import Scenario


@dataclass(frozen=True)
class Certified:
    """A plan's max-sense value on the true curves and the proven bound on the optimum (None: infeasible)."""

    value: float | None
    bound: float | None

    @property
    def slack(self) -> float:
        """How far the true optimum can lie above `value`."""
        return max(0.0, self.bound - self.value)


def problem_of(scenario: Scenario, objective: str | None = None) -> Problem:
    """The scenario's problem as the optimizer builds it."""
    return build_problem(scenario, build_market(scenario), objective)


def certified_value(problem: Problem, tolerance: float = 1e-6, rounds: int = 12) -> Certified:
    """Solve an LP problem (no on/off rules) to `tolerance` on the true curves."""
    conv_bp, reach_bp = initial_breakpoints(problem, 64)
    best = Certified(None, None)
    for _ in range(rounds):
        conv, reach = segments_of(problem, conv_bp, reach_bp)
        solution = solve_lp(problem, conv, reach, "highs")
        if solution.status != "optimal":
            return best
        outcomes = polished_outcomes(problem, solution)
        value = achieved_value(problem, outcomes)
        bound = lagrangian_bound(problem, solution.shadow, solution.link_shadow)
        best = Certified(value, bound)
        if bound - value <= tolerance * max(1.0, abs(value)):
            break
        conv_bp, reach_bp = refined_breakpoints(problem, solution.spend, conv_bp, reach_bp)
    return best


def moved(problem: Problem, name: str, limit: float) -> Problem:
    """The problem with row `name`'s limit at `limit` (the total budget also moves `Problem.budget`)."""
    rows = list(problem.rows)
    k = next(i for i, r in enumerate(rows) if r.name == name)
    rows[k] = with_limit(rows[k], limit, problem)
    changed = replace(problem, rows=tuple(rows))
    return replace(changed, budget=limit) if name == "budget.total" else changed


def forced(problem: Problem, slot: int, amount: float) -> Problem:
    """The problem with at least `amount` of spend forced into one slot (cell × period)."""
    lower = problem.lower.copy()
    lower[slot] = max(lower[slot], amount)
    return replace(problem, lower=lower, upper=np.maximum(problem.upper, lower))
