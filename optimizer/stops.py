"""Where spend stops below the budget: which constraints stop it, and what more room in them would bring.

Past some budget a plan may spend less than it is given: weekly or channel
caps, a CPA or ROAS target, or saturated curves leave money unspent, and more
budget changes nothing. The binding constraints with a price are what stop it
(their duals cleaned of rows with room, as for every explanation); loosening
each of them by 1 % of its limit and solving again, certified like any plan,
says what the room would bring in conversions, spend and profit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from optimizer.approximation import initial_breakpoints, refined_breakpoints, segments_of
from optimizer.bound import lagrangian_bound, marginal_values
from optimizer.duals import binding_rows, clean_duals, clean_link_duals, row_slacks
from optimizer.engine import MAX_ROUNDS, achieved_value, polished_outcomes, relative_gap
from optimizer.explain import constraint_reports, is_floor, switch_values
from optimizer.infeasible import with_limit
from optimizer.lp import solve_lp
from optimizer.problem import RATIO, Problem
from scenarios import Outcomes

#: How much each stopping constraint is loosened, relative to its limit.
ROOM = 0.01


@dataclass(frozen=True)
class SpendStop:
    """Spend stops at `spend` below a budget of `budget`: the constraints that stop it and what 1 % more room brings.

    `constraints` hold each stopping row's name, label, sense, limit, unit and shadow price
    (conversions per unit of its limit); the gains are those of loosening all of them by `room`
    of their limits at once (caps up, floors down), each plan certified within `gap`.
    """

    budget: float
    spend: float
    constraints: tuple[dict[str, Any], ...]
    room: float
    conversions_gain: float
    spend_gain: float
    profit_gain: float
    gap: float

    def to_dict(self) -> dict[str, Any]:
        """The `spend_stops` block of the frontier JSON."""
        return {
            "budget": self.budget,
            "spend": self.spend,
            "constraints": list(self.constraints),
            "room": self.room,
            "conversions_gain": self.conversions_gain,
            "spend_gain": self.spend_gain,
            "profit_gain": self.profit_gain,
            "approximation_error": self.gap,
        }


def certified_plan(problem: Problem, count: int, tolerance: float, solver: str) -> tuple[Outcomes, float, Any] | None:
    """The problem's plan on the true curves, refined until certified within `tolerance` (None: infeasible).

    Returns the outcomes, the certified gap and what explains it (solution and chains).
    """
    conv_bp, reach_bp = initial_breakpoints(problem, count)
    for round_ in range(1, MAX_ROUNDS + 1):
        conv, reach = segments_of(problem, conv_bp, reach_bp)
        solution = solve_lp(problem, conv, reach, solver, mip_gap=tolerance / 10)
        if solution.status != "optimal":
            return None
        outcomes = polished_outcomes(problem, solution)
        bound = lagrangian_bound(problem, solution.shadow, solution.link_shadow)
        gap = relative_gap(problem, bound, achieved_value(problem, outcomes), outcomes)
        if gap <= tolerance or round_ == MAX_ROUNDS:
            return outcomes, gap, (solution, conv, reach)
        conv_bp, reach_bp = refined_breakpoints(problem, solution.spend, conv_bp, reach_bp)
    return None


def spend_stop(problem: Problem, count: int, tolerance: float, solver: str) -> SpendStop | None:
    """Why spend stops below `problem`'s budget, or None when the budget is spent (or no plan exists)."""
    found = certified_plan(problem, count, tolerance, solver)
    if found is None:
        return None
    outcomes, gap, (solution, conv, reach) = found
    spend = outcomes.totals["spend"]
    if spend >= problem.budget * (1 - 1e-6):
        return None
    switches = switch_values(problem, outcomes.spend, outcomes.posts)
    binding = binding_rows(*row_slacks(problem, outcomes.spend, switches, conv, reach))
    shadow = clean_duals(solution.shadow, binding)
    link = clean_link_duals(problem, shadow, solution.link_shadow, outcomes.spend)
    marginal = marginal_values(problem, shadow, link, outcomes.spend)
    reports = constraint_reports(problem, shadow, outcomes, marginal, binding)
    rows = {r.name: r for r in problem.rows}
    # What stops spending is a binding cap (or a ROAS floor, a cap on spend per revenue) with a price.
    stops = [
        r
        for r in reports
        if r.binding and r.shadow_price != 0 and r.name in rows and (r.sense == "<=" or rows[r.name].kind == RATIO)
    ]
    roomier = problem
    for r in stops:
        row = rows[r.name]
        limit = row.limit * (1 - ROOM) if is_floor(row) else row.limit * (1 + ROOM)
        k = [x.name for x in roomier.rows].index(r.name)
        changed = list(roomier.rows)
        changed[k] = with_limit(row, limit, roomier)
        roomier = replace(roomier, rows=tuple(changed))
    wider = certified_plan(roomier, count, tolerance, solver) if stops else None
    gains = (0.0, 0.0, 0.0)
    if wider is not None:
        before, after = outcomes.totals, wider[0].totals
        gains = (
            after["conversions"] - before["conversions"],
            after["spend"] - before["spend"],
            after["profit"] - before["profit"],
        )
        gap = max(gap, wider[1])
    constraints = tuple(
        {
            "name": r.name,
            "label": rows[r.name].label,
            "sense": r.sense,
            "limit": r.limit,
            "unit": r.unit,
            "shadow_price": r.shadow_price,
        }
        for r in stops
    )
    return SpendStop(
        float(problem.budget),
        float(spend),
        constraints,
        ROOM,
        float(gains[0]),
        float(gains[1]),
        float(gains[2]),
        float(np.float64(gap)),
    )
