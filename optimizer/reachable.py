"""Why no plan reaches a confidence: the KPIs that cannot be made that safe alone, and the highest confidence
a plan reaches for all of them.

The confidence LP is feasible at a level α when every KPI row's CVaR at α is
at most 0 for some plan, and the CVaR grows with α: feasibility is monotone,
so the highest level is found by bisection over the multiples of
`RESOLUTION` below the level asked. Each step solves the LP on the chords
with the stretched draws written out only where needed
(`optimizer.sample_solve.solve_lazily`: the answer of the LP with every draw
written out, at a fraction of its size), the draws written out so far kept
for the next step; a level counts as reached only when its plan also meets
every KPI in at least that share of the draws on their true curves. So a plan
exists at the level reported and the LP has none at `RESOLUTION` above it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from optimizer.sample_lp import Draws, chains, reach_curves_of
from optimizer.sample_solve import solve_lazily, solve_sample
from scenarios import InfeasibleError, kpi_of, percent

#: How finely the highest reachable confidence is searched for.
RESOLUTION = 0.005


class ConfidenceUnreachableError(InfeasibleError):
    """No plan meets the KPIs at the confidence asked: those that cannot be made that safe, the highest reachable."""

    def __init__(self, message: str, kpis: tuple[str, ...], highest: float) -> None:
        super().__init__(message)
        self.kpis = kpis
        self.highest = highest

    @property
    def details(self) -> dict[str, object]:
        """What the infeasible JSON document adds: `unsafe` (the KPIs that alone cannot be held) and
        `highest_confidence`."""
        return {"unsafe": list(self.kpis), "highest_confidence": self.highest}


def unreachable(
    draws: Draws,
    conv_bp: list[np.ndarray],
    reach_bp: list[np.ndarray],
    confidence: float,
    solver: str,
    holds: Callable[[np.ndarray, float], bool],
    explain: bool = True,
) -> ConfidenceUnreachableError:
    """Why no plan holds every KPI at `confidence`: the KPIs that alone cannot (proven on the outer chains), and
    the highest multiple of `RESOLUTION` a plan reaches for all of them (on the inner chains, its plan checked by
    `holds(spend, level)` on the true curves), 0 when none does."""
    if not explain:
        message = f"No plan meets every KPI with {percent(confidence)} confidence over the draws."
        return ConfidenceUnreachableError(message, (), math.nan)
    curves = [p.market.curves for p in draws.problems]
    reach_base = reach_curves_of(draws.base)
    base_curves = draws.base.market.curves
    inner = (
        chains(base_curves, curves, conv_bp, "inner") if conv_bp else None,
        chains(reach_base, [], reach_bp, "inner") if reach_bp else None,
    )
    outer = (
        chains(base_curves, curves, conv_bp, "outer") if conv_bp else None,
        chains(reach_base, [], reach_bp, "outer") if reach_bp else None,
    )
    names: dict[str, set[int]] = {}
    for k, row in enumerate(draws.base.rows):
        if row.name.startswith("kpi."):
            names.setdefault(kpi_of(row.name).name, set()).add(k)
    none = np.zeros(len(draws.problems), dtype=bool)
    alone = tuple(
        name
        for name, rows in names.items()
        if solve_lazily(draws, *outer, confidence, None, none.copy(), solver, rows, certify=True) is None
    )
    every = np.ones(len(draws.problems), dtype=bool)

    def reached(step: int) -> bool:
        level = step * RESOLUTION
        solved = solve_sample(draws, *inner, level, None, every, solver, feasibility=True)
        return solved is not None and holds(solved.spend, level)

    low, high = 0, math.ceil(confidence / RESOLUTION - 1e-9)  # reached at `low` (0: taken as such), not at `high`
    while high - low > 1:
        middle = (low + high) // 2
        if reached(middle):
            low = middle
        else:
            high = middle
    highest = round(low * RESOLUTION, 10)
    # Below the first step: a plan on average over the draws (the CVaR at 0 is the mean), or not even that.
    below = not low and solve_sample(draws, *inner, 0.0, None, every, solver, feasibility=True) is not None
    if alone:
        which = f"{', '.join(alone)} cannot be held at that confidence by any plan, even alone"
    else:
        which = "each KPI can be held at that confidence alone, but not all of them together"
    reach_text = (
        f"The highest confidence a plan reaches for all of them is {percent(highest)}."
        if highest > 0
        else f"The highest confidence a plan reaches for all of them is below {percent(RESOLUTION)}."
        if below
        else "Even on average over the draws no plan meets every KPI."
    )
    message = f"No plan meets every KPI with {percent(confidence)} confidence over the draws: {which}. {reach_text}"
    return ConfidenceUnreachableError(message, alone, highest)
