"""The plan closest to the current one among those as good as the best.

Two plans within the optimizer's certified tolerance of each other are
equally good: a change that gains less than that is not a change. The
current plan is first made feasible with the least movement (actuals as
exports round them, whole clicks and cents, can leave it a fraction of a
cent over the budget or a share), then moved towards the optimum along the
straight line between them only as far as it has to be to stay feasible
and as good; with concave curves both sets are intervals, so a bisection
finds the point.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from optimizer.engine import achieved_value
from optimizer.explain import switch_values
from optimizer.polish import feasible
from optimizer.problem import Problem, Row

#: The relative slack every row is checked with (as the optimizer's polish does).
SLACK = 1e-7


def value(problem: Problem, spend: np.ndarray) -> float:
    """The max-sense objective of a plan on the true curves."""
    return achieved_value(problem, problem.market.outcomes(spend))


def _ok(problem: Problem, spend: np.ndarray) -> bool:
    switches = switch_values(problem, spend) if problem.switches else None
    return feasible(problem, spend, SLACK, switches)


def repaired(problem: Problem, start: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """`start` itself when it meets every row, else the least move (sum of absolute changes) within
    [lower, upper] that meets them, on the rows linearised at `start`; `start` when none is found.

    Only slots whose bounds leave room move (the fixed past does not; a cell the plan leaves empty
    stays empty).
    """
    if _ok(problem, start):
        return start
    free = np.flatnonzero((upper - lower > 1e-12) & (start > 0))
    n = len(free)
    if n == 0:
        return start
    market = problem.market
    slope = market.curves.derivative(start)
    conversions = float(market.curves.value(start).sum())
    reach = market.reach(start)
    switches = switch_values(problem, start) if problem.switches else None
    a_ub, b_ub, a_eq, b_eq = [], [], [], []
    for row in problem.rows:
        gradient = np.zeros(len(start))
        np.add.at(gradient, row.index, row.coef)
        gradient += row.conversions * slope
        g = gradient[free]
        gap = row.rhs - row.lhs(start, conversions, reach, switches)
        margin = 1e-9 * max(1.0, abs(row.rhs))
        if row.sense == "==":
            a_eq.append(np.concatenate([g, np.zeros(n)]))
            b_eq.append(gap)
        if row.sense == "<=":
            a_ub.append(np.concatenate([g, np.zeros(n)]))
            b_ub.append(gap - margin)
        if row.sense == ">=":
            a_ub.append(np.concatenate([-g, np.zeros(n)]))
            b_ub.append(-gap - margin)
    eye = np.eye(n)
    # t ≥ |d|: d - t ≤ 0 and -d - t ≤ 0.
    a_ub += list(np.hstack([eye, -eye])) + list(np.hstack([-eye, -eye]))
    b_ub += [0.0] * (2 * n)
    bounds = [(lower[slot] - start[slot], upper[slot] - start[slot]) for slot in free] + [(0, None)] * n
    from scipy.optimize import linprog  # imported when needed: it takes longer to import than a plan to solve

    solved = linprog(
        np.concatenate([np.zeros(n), np.ones(n)]),
        A_ub=np.array(a_ub),
        b_ub=np.array(b_ub),
        A_eq=np.array(a_eq) if a_eq else None,
        b_eq=np.array(b_eq) if b_eq else None,
        bounds=bounds,
        method="highs",
    )
    if solved.status != 0:
        return start
    point = start.copy()
    point[free] = np.clip(start[free] + solved.x[:n], lower[free], upper[free])
    return point if _ok(problem, point) else start


def closest(
    problem: Problem, current: np.ndarray, best: np.ndarray, tolerance: float, lower: np.ndarray, upper: np.ndarray
) -> np.ndarray:
    """The point nearest `current` (made feasible) on the line to `best` that is feasible and within
    `tolerance` (relative) of best's value."""
    current = repaired(problem, current, lower, upper)
    target = value(problem, best)
    floor = target - tolerance * max(abs(target), 1e-9)

    def good(t: float) -> bool:
        point = current + t * (best - current)
        return _ok(problem, point) and value(problem, point) >= floor

    if good(0.0):
        return current.copy()
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if good(mid) else (mid, hi)
    return current + hi * (best - current)


def broken(problem: Problem, spend: np.ndarray) -> list[str]:
    """The rules `spend` does not meet (their names), checked as `feasible` checks them."""
    switches = switch_values(problem, spend) if problem.switches else None
    return [
        row.name
        for row in problem.rows
        if not row.internal and not feasible(_alone(problem, row), spend, SLACK, switches)
    ]


def _alone(problem: Problem, row: Row) -> Problem:
    """The problem with this one row."""
    return replace(problem, rows=(row,))
