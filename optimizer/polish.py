"""Polish an LP plan on the true curves.

The LP optimises piecewise-linear chords, so its plan sits on breakpoints
and can split equal cells unequally. The Lagrangian's best response at the
LP's shadow prices (with the budget multiplier re-tuned so the budget is
spent as the LP spent it) points to where the true optimum lies. The
feasible set is convex (concave curves on the ≥ side of every row), so the
plan moves along the segment towards that point as far as stays feasible
and as far as the objective keeps rising.
"""

from __future__ import annotations

import numpy as np

from optimizer.approximation import price_for_total
from optimizer.bound import lagrangian, prices
from optimizer.problem import Problem
from scenarios import Market

GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0


def feasible(problem: Problem, spend: np.ndarray, tolerance: float = 1e-9, switches: np.ndarray | None = None) -> bool:
    """Whether `spend` (with the on/off `switches`) meets every row on the true curves (relative `tolerance`)."""
    market = problem.market
    conversions = float(market.curves.value(spend).sum())
    reach = market.reach(spend)
    for row in problem.rows:
        lhs = row.lhs(spend, conversions, reach, switches)
        slack = tolerance * max(1.0, abs(row.rhs), abs(row.limit), float(np.abs(row.coef).sum()) * 1e-3)
        if row.sense in ("<=", "==") and lhs > row.rhs + slack:
            return False
        if row.sense in (">=", "==") and lhs < row.rhs - slack:
            return False
    return True


def objective(problem: Problem, spend: np.ndarray) -> float:
    """The max-sense objective of a plan on the true curves."""
    market: Market = problem.market
    obj = problem.objective
    conversions = float(market.curves.value(spend).sum())
    return obj.sign * obj.value(spend, conversions, market.reach(spend))


def polish(
    problem: Problem,
    spend: np.ndarray,
    shadow: np.ndarray,
    link_shadow: np.ndarray,
    switches: np.ndarray | None = None,
) -> np.ndarray:
    """A plan at least as good as `spend` and feasible, moved towards the Lagrangian's choice."""
    if not feasible(problem, spend, 1e-7, switches):
        return spend
    target = _target(problem, spend, shadow, link_shadow)
    direction = target - spend
    if not np.any(np.abs(direction) > 1e-9):
        return spend
    lo, hi = 0.0, 1.0
    if not feasible(problem, spend + direction, switches=switches):
        for _ in range(40):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if feasible(problem, spend + mid * direction, switches=switches) else (lo, mid)
        hi = lo
    best = _golden_max(lambda t: objective(problem, spend + t * direction), 0.0, hi)
    candidate = np.clip(spend + best * direction, problem.lower, problem.upper)
    return candidate if better(problem, candidate, spend, switches) else spend


def better(problem: Problem, candidate: np.ndarray, spend: np.ndarray, switches: np.ndarray | None) -> bool:
    """Whether `candidate` keeps every slot's bounds and every row and does not lose against `spend`."""
    inside = np.all(candidate >= problem.lower - 1e-9) and np.all(candidate <= problem.upper + 1e-9)
    return bool(
        inside
        and feasible(problem, candidate, switches=switches)
        and objective(problem, candidate) >= objective(problem, spend)
    )


def _target(problem: Problem, spend: np.ndarray, shadow: np.ndarray, link_shadow: np.ndarray) -> np.ndarray:
    """The Lagrangian's best response, with the budget multiplier tuned to spend what the plan spends."""
    names = [row.name for row in problem.rows]
    if "budget.total" not in names or shadow[names.index("budget.total")] <= 0:
        return lagrangian(problem, shadow, link_shadow)[1]
    k = names.index("budget.total")
    total = float(spend.sum())
    base = prices(problem, shadow, link_shadow)
    curves = problem.market.curves
    weight = np.full(len(spend), base.phi)

    def spend_at(price: float) -> np.ndarray:
        # The budget row costs `price` per currency unit in every slot instead of its shadow price.
        kappa = base.kappa + (shadow[k] - price)
        return curves.best_response(weight, -kappa, problem.lower, problem.upper)

    lo, hi = 0.0, max(2.0 * shadow[k], 1e-12)
    for _ in range(60):
        if spend_at(hi).sum() <= total:
            break
        lo, hi = hi, hi * 2.0
    return price_for_total(spend_at, total, lo, hi)


def _golden_max(f, lo: float, hi: float, iterations: int = 60) -> float:
    """Maximiser of a concave function on [lo, hi] by golden-section search."""
    a, b = lo, hi
    c, d = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iterations):
        if b - a < 1e-12 * max(1.0, abs(hi)):
            break
        if fc < fd:
            a, c, fc = c, d, fd
            d = a + GOLDEN * (b - a)
            fd = f(d)
        else:
            b, d, fd = d, c, fc
            c = b - GOLDEN * (b - a)
            fc = f(c)
    candidates = [(f(lo), lo), (fc, c), (fd, d), (f(hi), hi)]
    return max(candidates)[1]


def even_out(problem: Problem, spend: np.ndarray, switches: np.ndarray | None = None) -> np.ndarray:
    """Spread each cell's spend evenly over periods that are interchangeable, where that stays feasible.

    Periods with the same prices, rates and availability are the same market:
    the LP's vertex answer may still load one more than another. Averaging a
    cell over such periods keeps every total (so reach and linear KPIs stay put)
    and, the curves being concave, never loses conversions; it is kept only if
    every row and every slot's bounds still hold and the objective did not fall (ramp limits, S-curves).
    """
    market = problem.market
    if market.periods <= 1:
        return spend
    signature: dict[bytes, list[int]] = {}
    for t in range(market.periods):
        slots = market.period_of == t
        key = np.concatenate(
            [market.cpm[slots], market.cvr[slots], market.curves.maximum[slots], market.available[slots]]
        ).tobytes()
        signature.setdefault(key, []).append(t)
    candidate = spend.copy()
    for periods in signature.values():
        if len(periods) < 2:
            continue
        group = np.isin(market.period_of, periods)
        for c in range(len(market.cell_keys)):
            slots = group & (market.cell_of == c)
            candidate[slots] = spend[slots].mean()
    return candidate if better(problem, candidate, spend, switches) else spend
