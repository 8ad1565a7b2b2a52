"""Why an infeasible problem is infeasible, and the smallest fix of each conflicting constraint.

The inner (chord) approximation can make a feasible problem look infeasible
near the edge of what the curves allow, so infeasibility is first *proven*
with the outer (tangent) approximation, a relaxation of the true problem.
An elastic LP, in which every row may be violated at a cost proportional to
its relative violation, then finds the rows in conflict; each is relaxed
alone, the others kept hard, with breakpoints refined around the relaxed
plan so the change found is close to the smallest on the true curves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace

import numpy as np

from optimizer.approximation import initial_breakpoints, refined_breakpoints, segments_of
from optimizer.explain import is_floor, is_share
from optimizer.kpi_rows import kpi_with_limit
from optimizer.lp import LinearSolution, solve_lp
from optimizer.problem import FREQUENCY, IF_ACTIVE, RATIO, Problem, Row, cell_rows
from scenarios import InfeasibleError, frequency_at, number, percent, significant

REFINE_ROUNDS = 4


@dataclass(frozen=True)
class Relaxation:
    """The smallest change of one constraint that makes the problem feasible on its own.

    `relaxed_limit` is None when relaxing this constraint alone cannot help.
    """

    name: str
    label: str
    sense: str
    limit: float
    relaxed_limit: float | None
    unit: str

    def sentence(self) -> str:
        """The relaxation in words."""
        if self.relaxed_limit is None:
            return f"{self.name} ({self.label}): relaxing it alone is not enough"
        verb = "raise" if self.relaxed_limit > self.limit else "lower"
        if self.unit == "share":
            return f"{self.name} ({self.label}): {verb} it from {percent(self.limit)} to {percent(self.relaxed_limit)}"
        change = abs(self.relaxed_limit - self.limit) / abs(self.limit) if self.limit else math.inf
        pct = f" ({percent(change)})" if math.isfinite(change) else ""
        unit = "" if self.unit == "x" else f" {self.unit}"
        return f"{self.name} ({self.label}): {verb} it from {_fmt(self.limit)} to {_fmt(self.relaxed_limit)}{unit}{pct}"

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "name": self.name,
            "sense": self.sense,
            "limit": self.limit,
            "relaxed_limit": self.relaxed_limit,
            "unit": self.unit,
        }


def _fmt(value: float) -> str:
    """A limit in words: whole from 100 on, else four significant digits (in the reader's locale)."""
    if abs(value) >= 100:
        return number(value)
    return significant(value, 4)


def with_limit(row: Row, limit: float, problem: Problem) -> Row:
    """The same row with another limit (rebuilds ratio rows' coefficients)."""
    market = problem.market
    if row.kind in (RATIO, FREQUENCY):
        return kpi_with_limit(row, limit, market)
    if row.kind == IF_ACTIVE:
        assert row.switch_coef is not None  # an if-active row always has its switch
        return replace(row, limit=limit, switch_coef=np.full(len(row.switch_coef), -limit))
    if is_share(row):
        return replace(row, limit=limit, coef=row.coef + row.limit - limit)
    return replace(row, limit=limit, rhs=row.rhs + (limit - row.limit))


def bisected(row: Row) -> bool:
    """Whether `smallest_relaxation` bisects the row's limit (ratio, if-active and share rows) rather than
    reading it off the elastic violation."""
    return row.kind in (RATIO, IF_ACTIVE) or is_share(row)


def smallest_relaxation(
    problem: Problem, k: int, feasible: Callable[[Problem], bool], direct: float | None
) -> float | None:
    """The limit of row `k` closest to its own that makes `problem` feasible.

    `direct` is the violation an elastic LP found when row `k` alone was
    elastic (exact for rows whose limit is their right-hand side); ratio and
    share rows are bisected on their limit with `feasible`.
    """
    row = problem.rows[k]
    if direct is None:
        return None
    if row.kind == FREQUENCY:
        # The elastic LP moved the impressions the cap allows; the frequency they stand for is g(I / A).
        return frequency_at((row.rhs + direct) / row.audience)
    if not bisected(row):
        return row.limit + direct if row.sense == "<=" else row.limit - direct
    if is_floor(row):
        good = 0.0
        if not feasible(_swap(problem, k, with_limit(row, good, problem))):
            return None
    else:
        good = 1.0 if row.unit == "share" else row.limit * 2 + 1
        if not feasible(_swap(problem, k, with_limit(row, good, problem))):
            good = row.limit * 1e3 + 1e3
            if row.unit == "share" or not feasible(_swap(problem, k, with_limit(row, good, problem))):
                return None
    bad = row.limit
    for _ in range(30):
        if abs(good - bad) <= 1e-6 * max(abs(good), abs(bad)):
            break  # a millionth of the limit: far below the four digits the sentence prints
        mid = 0.5 * (good + bad)
        if feasible(_swap(problem, k, with_limit(row, mid, problem))):
            good = mid
        else:
            bad = mid
    return good


def _swap(problem: Problem, k: int, row: Row) -> Problem:
    rows = list(problem.rows)
    rows[k] = row
    return replace(problem, rows=tuple(rows))


def with_spend_bounds_as_rows(problem: Problem) -> Problem:
    """The problem with every spend bound a row (relaxable) and each slot's box widened to let it move."""
    market = problem.market
    room = problem.budget * 10 + float(market.cell_lower.sum() + market.channel_lower.sum())
    rows = problem.rows if market.periods > 1 else (*problem.rows, *cell_rows(market, problem.currency))
    lower = np.zeros(len(problem.lower))
    return replace(problem, rows=tuple(rows), lower=lower, upper=np.where(market.available, room, 0.0))


def proven_infeasible(problem: Problem, conv_bp: list[np.ndarray], reach_bp: list[np.ndarray], solver: str) -> bool:
    """Whether the outer (tangent) approximation, a relaxation, has no feasible plan either."""
    conv, reach = segments_of(problem, conv_bp, reach_bp, kind="envelope")
    return solve_lp(problem, conv, reach, solver, feasibility=True).status == "infeasible"


def elastic_plan(
    problem: Problem,
    weights: dict[int, float],
    conv_bp: list[np.ndarray],
    reach_bp: list[np.ndarray],
    solver: str,
    rounds: int = REFINE_ROUNDS,
) -> tuple[LinearSolution, list[np.ndarray], list[np.ndarray]]:
    """The plan of least weighted violation, with breakpoints refined around it (`rounds` solves at most)."""
    for round_ in range(rounds):
        conv, reach = segments_of(problem, conv_bp, reach_bp)
        solution = solve_lp(problem, conv, reach, solver, elastic=weights)
        if solution.status != "optimal" or round_ == rounds - 1:
            break
        conv_bp, reach_bp = refined_breakpoints(problem, solution.spend, conv_bp, reach_bp)
    return solution, conv_bp, reach_bp


def violation_weights(problem: Problem, hard: Collection[str] = ()) -> dict[int, float]:
    """One weight per soft row: a unit of violation costs 1 / the row's scale."""
    return {
        k: 1.0 / max(abs(row.rhs), abs(row.limit), problem.budget if row.rhs == 0 else 1.0, 1.0)
        for k, row in enumerate(problem.rows)
        if row.name not in hard and not row.internal
    }


def explain_infeasible(
    problem: Problem, count: int, solver: str, hard: Collection[str] = (), heading: str | None = None
) -> InfeasibleError:
    """Name the conflicting constraints and the smallest relaxation of each.

    Rows named in `hard` are never relaxed (they state what the user asked
    for, such as spending anything at all).
    """
    relaxed = with_spend_bounds_as_rows(problem)
    conv_bp, reach_bp = initial_breakpoints(relaxed, count)
    weights = violation_weights(relaxed, hard)
    elastic, conv_bp, reach_bp = elastic_plan(relaxed, weights, conv_bp, reach_bp, solver)
    if elastic.status != "optimal":
        return InfeasibleError(
            "No plan meets every constraint, and the search for the smallest fix failed too "
            f"(solver status: {elastic.status}); check the scenario's bounds"
        )
    conflict = [k for k in weights if elastic.violation[k] > 1e-7 or abs(elastic.shadow[k]) > 1e-9]

    def feasible(candidate: Problem) -> bool:
        c_conv, c_reach = segments_of(candidate, conv_bp, reach_bp)
        return solve_lp(candidate, c_conv, c_reach, solver, feasibility=True).status == "optimal"

    relaxations = []
    # The per-period rows all come from one setting (budget.per_period): relax them together.
    for bound in ("min", "max"):
        group = [k for k in conflict if _per_period(relaxed.rows[k].name) == bound]
        if group:
            relaxations.append(_per_period_relaxation(relaxed, bound, feasible))
            conflict = [k for k in conflict if k not in group]
    for k in conflict:
        row = relaxed.rows[k]
        # A row bisected on its limit needs only to know whether relaxing it alone can help: one solve.
        rounds = 1 if bisected(row) else REFINE_ROUNDS
        alone, _, _ = elastic_plan(relaxed, {k: 1.0}, conv_bp, reach_bp, solver, rounds)
        direct = float(alone.violation[k]) if alone.status == "optimal" else None
        limit = smallest_relaxation(relaxed, k, feasible, direct)
        if limit is not None and abs(limit) < 1e-9 * max(1.0, abs(row.limit)):
            limit = 0.0  # solver round-off
        relaxations.append(Relaxation(row.name, row.label, row.sense, row.limit, limit, row.unit))
    lines = [
        heading
        or "No plan meets every constraint. These constraints conflict; the smallest change of each that "
        "alone makes a plan possible:"
    ]
    lines += [f"  - {r.sentence()}" for r in relaxations]
    if not relaxations:
        lines.append("  (no single constraint could be named as the cause)")
    return InfeasibleError("\n".join(lines), tuple(relaxations))


def _per_period(name: str) -> str | None:
    """``min`` or ``max`` for a per-period budget row (budget.period.N.min/max), else None."""
    parts = name.split(".")
    if len(parts) == 4 and parts[:2] == ["budget", "period"] and parts[2].isdigit():
        return parts[3]
    return None


def _per_period_relaxation(problem: Problem, bound: str, feasible: Callable[[Problem], bool]) -> Relaxation:
    """The smallest change of the common per-period floor or cap that makes a plan possible."""
    index = [k for k, row in enumerate(problem.rows) if _per_period(row.name) == bound]
    limit = problem.rows[index[0]].limit
    unit = problem.market.period_unit

    def at(value: float) -> Problem:
        rows = list(problem.rows)
        for k in index:
            rows[k] = with_limit(rows[k], value, problem)
        return replace(problem, rows=tuple(rows))

    good = 0.0 if bound == "min" else problem.budget
    relaxed_limit: float | None = None
    if feasible(at(good)):
        bad = limit
        for _ in range(30):
            mid = 0.5 * (good + bad)
            good, bad = (mid, bad) if feasible(at(mid)) else (good, mid)
        relaxed_limit = good
    label = f"the {unit}ly spend {'floor' if bound == 'min' else 'cap'}"
    return Relaxation(
        f"budget.per_period.{bound}", label, ">=" if bound == "min" else "<=", limit, relaxed_limit, problem.currency
    )
