"""Breakpoints for a problem's curves: where to put them first, and where to add more.

The conversion curves get curvature-spaced breakpoints over the spend range
a budget-only water-filling estimate says matters; reach curves over each
channel's impressions. `refined_breakpoints` splits the segments around a
plan. Chords between breakpoints give the inner approximation (feasible on
the true curves); tangents at them the outer one (a relaxation).
"""

from __future__ import annotations

import numpy as np

from optimizer.bound import reach_curves
from optimizer.problem import Problem
from optimizer.pwl import Segments, curvature_breakpoints, refine


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
    """Spend per slot of the budget-only problem, by water-filling on the true curves.

    None when the objective does not value conversions (reach).
    """
    obj = problem.objective
    curves = problem.market.curves
    lower, upper = problem.lower, problem.upper
    if obj.name == "reach":
        return None
    weight = np.full(len(upper), obj.conversions if obj.conversions > 0 else 1.0)
    spend_cost = -obj.sign * obj.spend if obj.name == "profit" else np.zeros(len(upper))

    def spend_at(price: float) -> np.ndarray:
        return curves.best_response(weight, spend_cost + price, lower, upper)

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
    problem: Problem, conv_bp: list[np.ndarray], reach_bp: list[np.ndarray], kind: str = "inner"
) -> tuple[Segments | None, Segments | None]:
    """Segments of the conversion and reach curves for the given breakpoints.

    `kind` is ``inner`` (on or below the curves: plans are feasible), ``envelope``
    (the concave envelope's tangents: an LP relaxation) or ``upper`` (on or above the
    curves, as tight as the breakpoints allow: a MILP relaxation).
    """
    build = {"inner": Segments.from_breakpoints, "envelope": Segments.tangents, "upper": Segments.upper_chain}[kind]
    conv = build(problem.market.curves, conv_bp) if conv_bp else None
    reach = build(reach_curves(problem)[0], reach_bp) if reach_bp else None
    return conv, reach


def refined_breakpoints(
    problem: Problem, spend: np.ndarray, conv_bp: list[np.ndarray], reach_bp: list[np.ndarray]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Split the segments around a plan, where the approximation matters."""
    market = problem.market
    near = [np.array([x]) for x in spend]
    conv_bp = refine(conv_bp, near) if conv_bp else conv_bp
    if reach_bp:
        impressions = np.bincount(market.channel_of, weights=market.impressions(spend), minlength=len(market.channels))
        reach_bp = refine(reach_bp, [np.array([t]) for t in impressions])
    return conv_bp, reach_bp
