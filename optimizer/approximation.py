"""Breakpoints for a problem's curves: where to put them first, and where to add more.

The conversion curves get curvature-spaced breakpoints over the spend range
a budget-only water-filling estimate says matters; reach curves over each
channel's impressions. `refined_breakpoints` splits the segments around a
plan. Chords between breakpoints give the inner approximation (feasible on
the true curves); tangents at them the outer one (a relaxation).
"""

from __future__ import annotations

from collections.abc import Callable

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
    return price_for_total(spend_at, problem.budget, 0.0, float(np.max(weight * curves.derivative(lower))) + 1.0)


def price_for_total(
    spend_at: Callable[[float], np.ndarray], total: float, low: float, high: float, iterations: int = 60
) -> np.ndarray:
    """The spends at the lowest price (to 1e-12 relative, in at most `iterations` steps) at which they
    total at most `total` (currency).

    `spend_at(price)` is the spend per slot at a price per currency unit; its total falls as the
    price rises, and ``[low, high]`` brackets the answer. Secant steps on the bracket (the Illinois
    rule) with bisection where they stall: on smooth totals a handful of steps, on totals with jumps
    (S-shaped curves) no more than bisection's.
    """
    over_low = float(spend_at(low).sum()) - total
    at_high = spend_at(high)
    over_high = float(at_high.sum()) - total
    if over_low <= 0:
        return spend_at(low)
    if over_high > 0:
        return at_high  # no price in the bracket is high enough: its top, where bisection would end
    kept = 0  # which end the last step kept: +1 low, -1 high
    for step in range(iterations):
        width = high - low
        if width <= 1e-12 * max(abs(high), 1e-300) or -over_high <= 1e-12 * max(abs(total), 1.0):
            break
        price = high - over_high * width / (over_high - over_low)
        if step % 4 == 3 or not low < price < high:
            price = 0.5 * (low + high)  # every fourth step halves the bracket whatever the secant does
        spends = spend_at(price)
        over = float(spends.sum()) - total
        if over > 0:
            low, over_low = price, over
            over_high = over_high / 2 if kept == 1 else over_high
            kept = 1
        else:
            high, over_high, at_high = price, over, spends
            over_low = over_low / 2 if kept == -1 else over_low
            kept = -1
    return at_high


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
