"""Build the piecewise-linear LP with PuLP, solve it, and read the answer back.

PuLP objects live only in this module: `solve_lp` returns plain arrays.

The model, for cells c, segments k and channels j:

- ``x_c`` spend in ``[lower_c, upper_c]``; ``s_ck`` in ``[0, width_ck]`` with
  one sparse link row ``Σ_k s_ck = x_c`` per cell; conversions ``Σ slope_ck s_ck``
  (segments fill in order because the curves are concave);
- ``r_jk`` reach segments over the channel's impressions, with
  ``Σ_k r_jk ≤ Σ_c∈j impressions_per_unit_c · x_c``;
- one variable ``F`` for total conversions when a KPI row needs it, so KPI
  rows stay short (rows over every segment slow the simplex down);
- the problem's rows, written on ``x``, ``F`` and reach segments.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass

import numpy as np
import pulp

from optimizer.problem import Problem, Row
from optimizer.pwl import Segments
from scenarios.errors import SolverError

SOLVERS = ("highs", "cbc")


@dataclass(frozen=True)
class LinearSolution:
    """What one LP solve returns, in the max-sense of the problem's objective.

    Attributes
    ----------
    status : str
        ``optimal``, ``infeasible``, ``unbounded`` or ``not solved``.
    spend : float array
        Spend per cell (currency).
    value : float
        LP objective on the piecewise-linear curves (max-sense).
    shadow : float array
        d(objective)/d(rhs) of each problem row (max-sense).
    link_shadow : float array
        d(objective)/d(rhs) of each channel's reach link row (0 without reach).
    first_unit : float array
        Objective change per extra currency unit forced into each cell (priced
        out through the reduced costs; negative for cells the LP leaves empty).
    seconds : float
        Wall-clock build and solve time.
    """

    status: str
    spend: np.ndarray
    value: float
    shadow: np.ndarray
    link_shadow: np.ndarray
    first_unit: np.ndarray
    seconds: float


def make_solver(name: str) -> pulp.LpSolver:
    """A quiet PuLP solver object for `name` (``highs`` or ``cbc``)."""
    if name == "highs":
        _silence_highs_banner()
        return pulp.HiGHS(msg=False, presolve="off")
    if name == "cbc":
        solver = pulp.PULP_CBC_CMD(msg=False)
        if not solver.available():
            raise SolverError("the CBC solver is not installed; use --solver highs")
        return solver
    raise SolverError(f"unknown solver '{name}'; valid solvers: highs, cbc")


_BANNER_SILENCED = False


def _silence_highs_banner() -> None:
    """Create the first HiGHS instance with stdout closed: it prints a banner there."""
    global _BANNER_SILENCED
    if _BANNER_SILENCED:
        return
    import highspy

    sys.stdout.flush()
    with contextlib.suppress(OSError):
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(devnull)
            os.close(saved)
    _BANNER_SILENCED = True


def solve_lp(
    problem: Problem,
    conv: Segments | None,
    reach: Segments | None,
    solver: str = "highs",
    extra_lower: dict[int, float] | None = None,
) -> LinearSolution:
    """Build and solve the LP of `problem` with the given segments.

    Parameters
    ----------
    conv, reach : Segments or None
        Conversion segments per cell and reach segments per channel (over
        impressions); None when the problem does not need them.
    extra_lower : dict, optional
        Cell index -> spend floor, used to measure forced moves.
    """
    started = time.perf_counter()
    model, handles = _build(problem, conv, reach, extra_lower or {})
    engine = make_solver(solver)
    try:
        model.solve(engine)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"the {solver} solver failed: {exc}") from None
    status = {1: "optimal", -1: "infeasible", -2: "unbounded"}.get(model.status, "not solved")
    n = len(problem.lower)
    if status != "optimal":
        empty = np.zeros(n)
        return LinearSolution(status, empty, float("nan"), np.zeros(len(problem.rows)),
                              np.zeros(len(problem.market.channels)), empty, time.perf_counter() - started)
    # HiGHS reports duals of the minimised negative objective; CBC of the maximised one.
    flip = -1.0 if solver == "highs" else 1.0
    x_vars, seg_vars, r_vars, row_cons, link_cons, _ = handles
    spend = np.array([v.varValue or 0.0 for v in x_vars])
    spend = np.clip(spend, problem.lower, problem.upper)
    shadow = np.array([flip * (c.pi or 0.0) for c in row_cons])
    link_shadow = np.zeros(len(problem.market.channels))
    for j, c in link_cons.items():
        link_shadow[j] = flip * (c.pi or 0.0)
    first = _first_unit(problem, conv, reach, x_vars, seg_vars, r_vars, flip)
    value = pulp.value(model.objective) or 0.0
    return LinearSolution(status, spend, float(value), shadow, link_shadow, first, time.perf_counter() - started)


def solve_elastic(
    problem: Problem, conv: Segments | None, reach: Segments | None, weights: dict[int, float], solver: str = "highs"
) -> tuple[str, np.ndarray, np.ndarray]:
    """Minimise the weighted violation of the rows in `weights`, the others kept hard.

    Returns the status, the violation of each row (0 for hard rows, in the
    units of its linear form) and the rows' shadow prices in that LP.
    """
    model, handles = _build(problem, conv, reach, {}, elastic=weights)
    try:
        model.solve(make_solver(solver))
    except pulp.PulpSolverError as exc:
        raise SolverError(f"the {solver} solver failed: {exc}") from None
    status = {1: "optimal", -1: "infeasible", -2: "unbounded"}.get(model.status, "not solved")
    violation = np.zeros(len(problem.rows))
    flip = -1.0 if solver == "highs" else 1.0
    shadow = np.array([flip * (c.pi or 0.0) for c in handles[3]]) if status == "optimal" else np.zeros(len(problem.rows))
    if status == "optimal":
        for k, variables in handles[5].items():
            violation[k] = sum(v.varValue or 0.0 for v in variables)
    return status, violation, shadow


def _build(
    problem: Problem,
    conv: Segments | None,
    reach: Segments | None,
    extra_lower: dict[int, float],
    elastic: dict[int, float] | None = None,
):
    market = problem.market
    n = len(problem.lower)
    model = pulp.LpProblem("allocation", pulp.LpMaximize)
    x_vars = [
        pulp.LpVariable(f"x{c}", max(problem.lower[c], extra_lower.get(c, 0.0)), problem.upper[c])
        for c in range(n)
    ]
    seg_vars: list[pulp.LpVariable] = []
    conv_expr = pulp.LpAffineExpression()
    if conv is not None:
        seg_vars = [pulp.LpVariable(f"s{i}", 0.0, float(w)) for i, w in enumerate(conv.width)]
        conv_expr = pulp.LpAffineExpression(
            [(v, float(s)) for v, s in zip(seg_vars, conv.slope, strict=True) if s != 0.0]
        )
        bounds = np.searchsorted(conv.owner, np.arange(n + 1))
        for c in range(n):
            terms = [(seg_vars[i], 1.0) for i in range(bounds[c], bounds[c + 1])]
            terms.append((x_vars[c], -1.0))
            model.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintEQ, f"link{c}", 0.0))
    r_vars: list[pulp.LpVariable] = []
    reach_exprs: list[pulp.LpAffineExpression] = []
    link_cons: dict[int, pulp.LpConstraint] = {}
    if reach is not None:
        r_vars = [pulp.LpVariable(f"r{i}", 0.0, float(w)) for i, w in enumerate(reach.width)]
        per_unit = market.impressions_per_unit
        for j in range(len(market.channels)):
            mine = np.flatnonzero(reach.owner == j)
            reach_exprs.append(pulp.LpAffineExpression([(r_vars[i], float(reach.slope[i])) for i in mine]))
            terms = [(r_vars[i], 1.0) for i in mine]
            terms += [(x_vars[c], -float(per_unit[c])) for c in np.flatnonzero(market.channel_of == j)]
            con = pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintLE, f"reachlink{j}", 0.0)
            model.addConstraint(con)
            link_cons[j] = con
    total_conv = None
    if any(r.conversions != 0 for r in problem.rows):
        total_conv = pulp.LpVariable("conversions", 0.0)
        definition = conv_expr - total_conv
        model.addConstraint(pulp.LpConstraint(definition, pulp.LpConstraintEQ, "conversions_def", 0.0))
    row_cons = []
    slack_vars: dict[int, list[pulp.LpVariable]] = {}
    for k, row in enumerate(problem.rows):
        expr = _row_expr(row, x_vars, total_conv, reach_exprs)
        if elastic and k in elastic:
            signs = {"<=": [-1.0], ">=": [1.0], "==": [-1.0, 1.0]}[row.sense]
            slack_vars[k] = [pulp.LpVariable(f"e{k}_{i}", 0.0) for i in range(len(signs))]
            for sign, var in zip(signs, slack_vars[k], strict=True):
                expr += sign * var
        sense = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "==": pulp.LpConstraintEQ}[row.sense]
        con = pulp.LpConstraint(expr, sense, f"row{k}", row.rhs)
        model.addConstraint(con)
        row_cons.append(con)
    if elastic is not None:
        penalty = [(v, -elastic[k]) for k, variables in slack_vars.items() for v in variables]
        model.setObjective(pulp.LpAffineExpression(penalty))
        return model, (x_vars, seg_vars, r_vars, row_cons, link_cons, slack_vars)
    obj = problem.objective
    terms = [(x_vars[c], obj.sign * float(obj.spend[c])) for c in range(n) if obj.spend[c] != 0]
    objective = pulp.LpAffineExpression(terms)
    if obj.conversions != 0 and conv is not None:
        objective += obj.sign * obj.conversions * conv_expr
    for j, expr in enumerate(reach_exprs):
        if obj.reach[j] != 0:
            objective += obj.sign * float(obj.reach[j]) * expr
    model.setObjective(objective)
    return model, (x_vars, seg_vars, r_vars, row_cons, link_cons, slack_vars)


def _row_expr(row: Row, x_vars, total_conv, reach_exprs) -> pulp.LpAffineExpression:
    expr = pulp.LpAffineExpression(
        [(x_vars[int(c)], float(a)) for c, a in zip(row.index, row.coef, strict=True) if a != 0.0]
    )
    if row.conversions != 0:
        expr += row.conversions * total_conv
    if row.reach is not None:
        for j, a in enumerate(row.reach):
            if a != 0 and j < len(reach_exprs):
                expr += float(a) * reach_exprs[j]
    return expr


def _first_unit(problem: Problem, conv, reach, x_vars, seg_vars, r_vars, flip) -> np.ndarray:
    """Price out one more currency unit in each cell: x, its next segment, its channel's reach."""
    market = problem.market
    n = len(x_vars)
    dj = np.array([flip * (v.dj or 0.0) for v in x_vars])
    out = dj.copy()
    if conv is not None:
        seg_dj = np.array([flip * (v.dj or 0.0) for v in seg_vars])
        values = np.array([v.varValue or 0.0 for v in seg_vars])
        out += _next_open(conv, values, seg_dj, n)
    if reach is not None:
        r_dj = np.array([flip * (v.dj or 0.0) for v in r_vars])
        values = np.array([v.varValue or 0.0 for v in r_vars])
        per_channel = _next_open(reach, values, r_dj, len(market.channels))
        out += per_channel[market.channel_of] * market.impressions_per_unit
    return out


def _next_open(segments: Segments, values: np.ndarray, dj: np.ndarray, owners: int) -> np.ndarray:
    """Reduced cost of each owner's first segment that is not full (0 if all are full)."""
    open_ = values < segments.width - 1e-9
    out = np.zeros(owners)
    idx = np.flatnonzero(open_)
    first = np.unique(segments.owner[idx], return_index=True)
    out[first[0]] = dj[idx[first[1]]]
    return out
