"""Solving the confidence LP (`optimizer.sample_lp`) with the stretched draws written out only where needed.

A stretched draw needs a chain of its own for the conversions, the bulk of
the LP at hundreds of draws. Leaving a draw out drops its non-negative term
u_s of each CVaR row on conversions: a relaxation. So the LP is solved with
some draws written out; if it is infeasible, so is the LP with every draw;
if no draw left out has h_s above its row's η on the chains the LP used
(its conversions there at the plan: the chord, or the tangents' envelope,
the most the LP's segments give), filling that draw's segments that way
and taking u_s = 0 completes a solution of the LP with every draw, which
is therefore feasible with the same plan. Otherwise the draws in question
are written out and the LP solved again (`solve_lazily`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from optimizer.backends import run_solver
from optimizer.sample_lp import Chains, Draws, build_sample_matrix
from scenarios import SolverError


@dataclass(frozen=True)
class Solved:
    """One solve of the confidence LP: spend, optimum (max-sense), η per KPI row held, ζ, each draw's reach."""

    spend: np.ndarray
    value: float
    eta: np.ndarray
    zeta: float
    reach: np.ndarray


def solve_sample(
    draws: Draws,
    conv: Chains | None,
    reach: Chains | None,
    confidence: float,
    quantile: float | None,
    included: np.ndarray,
    solver: str,
    only: set[int] | None = None,
    feasibility: bool = False,
) -> Solved | None:
    """The confidence LP solved, or None when it is infeasible (`feasibility`: `build_sample_matrix`'s; None
    when some KPI row's slack exceeds 1e-7 of its target, or of 1)."""
    matrix, layout = build_sample_matrix(draws, conv, reach, confidence, quantile, included, only, feasibility)
    raw = run_solver(matrix, solver)
    if raw.status == "infeasible":
        return None
    # Without a verdict (seen proving a big LP infeasible), the feasibility question's LP, which always has a
    # plan, settles whether there is one: with the inner chains for every draw, else for the same draws.
    if (
        raw.status != "optimal"
        and not feasibility
        and solve_sample(draws, conv, reach, confidence, quantile, included, solver, only, True) is None
    ):
        return None
    if raw.status != "optimal":
        raise SolverError(f"the solver stopped without an optimal plan (status: {raw.status})")
    values = raw.col_value
    if feasibility:
        rows = [r for k, r in enumerate(draws.base.rows) if r.name.startswith("kpi.") and (only is None or k in only)]
        allowed = np.array([1e-7 * max(1.0, abs(row.rhs)) for row in rows])
        if np.any(values[layout.slack] > allowed):
            return None
    reach_values = np.where(layout.reach >= 0, values[np.maximum(layout.reach, 0)], 0.0)
    zeta = float(values[layout.zeta]) if layout.zeta >= 0 else math.nan
    return Solved(values[layout.spend], float(raw.objective), values[layout.eta], zeta, reach_values)


def chain_values(conv: Chains, spend: np.ndarray) -> np.ndarray:
    """Every draw's chain at `spend` (draws × slots): the chord through the nodes (inner), or the lowest tangent
    at the nodes (outer, tangents of infinite slope left out): the most the LP's segments give there."""
    if conv.kind == "inner":
        return conv.values(spend)
    x = spend[conv.owner]
    finite = np.isfinite(conv.slopes)
    lines = np.where(finite, conv.heights + np.where(finite, conv.slopes, 0.0) * (x - conv.nodes), np.inf)
    out = np.zeros((len(conv.heights), len(spend)))
    for c in np.unique(conv.owner):
        part = conv.owner == c
        lowest = lines[:, part].min(axis=1)
        out[:, c] = np.where(np.isfinite(lowest), lowest, conv.heights[:, part][:, -1])
    return out


def left_out(
    draws: Draws,
    conv: Chains | None,
    solved: Solved,
    quantile: float | None,
    included: np.ndarray,
    only: set[int] | None = None,
    level: float | None = None,
) -> np.ndarray:
    """The stretched draws left out whose term the plan would make positive: a KPI row on conversions above its
    η, or (with a quantile) an objective below ζ, on the chains the LP used (`only`: the KPI rows it held).

    With the `level` of a feasibility question (no quantile), none when the plan already holds each KPI row on
    conversions at that level over every draw, its CVaR recomputed from all the draws' figures on the chains:
    another η then completes the solution."""
    missing = np.zeros(len(draws.problems), dtype=bool)
    if conv is None:
        return missing
    base = draws.base
    kpi_rows = [k for k, row in enumerate(base.rows) if row.name.startswith("kpi.") and (only is None or k in only)]
    obj = base.objective
    totals = chain_values(conv, solved.spend).sum(axis=1)
    if level is not None and quantile is None and _holds_every_draw(draws, kpi_rows, solved, totals, level):
        return missing
    for s in np.flatnonzero(draws.stretched & ~included):
        problem = draws.problems[s]
        total = float(totals[s])
        for i, k in enumerate(kpi_rows):
            row = problem.rows[k]
            if not row.conversions:
                continue
            flip = -1.0 if row.sense == ">=" else 1.0
            h = flip * (row.lhs(solved.spend, total, solved.reach[s]) - row.rhs)
            if h > solved.eta[i] + 1e-9 * max(1.0, abs(row.rhs)):
                missing[s] = True
        if quantile is not None and obj.conversions:
            value = obj.sign * obj.value(solved.spend, total, solved.reach[s])
            if value < solved.zeta - 1e-9 * max(1.0, abs(solved.zeta)):
                missing[s] = True
    return missing


def _holds_every_draw(draws: Draws, kpi_rows: list[int], solved: Solved, totals: np.ndarray, level: float) -> bool:
    """Whether each KPI row on conversions has CVaR at `level` of at most 0 over all the draws at the plan."""
    for k in kpi_rows:
        rows = [p.rows[k] for p in draws.problems]
        if not rows[0].conversions:
            continue
        h = np.array([
            (-1.0 if row.sense == ">=" else 1.0) * (row.lhs(solved.spend, float(totals[s]), solved.reach[s]) - row.rhs)
            for s, row in enumerate(rows)
        ])  # fmt: skip
        if cvar(h, level) > 1e-9 * max(1.0, max(abs(row.rhs) for row in rows)):
            return False
    return True


def cvar(h: np.ndarray, level: float) -> float:
    """The empirical CVaR of the values `h` at `level`: the mean of their worst (1 − level) share, the share's
    boundary value counted in part."""
    worst = np.sort(h)[::-1]
    k = (1.0 - level) * len(worst)
    whole = min(math.floor(k + 1e-12), len(worst))
    part = k - whole
    total = float(worst[:whole].sum()) + (part * float(worst[whole]) if whole < len(worst) and part > 0 else 0.0)
    return total / k


def solve_lazily(
    draws: Draws,
    conv: Chains | None,
    reach: Chains | None,
    confidence: float,
    quantile: float | None,
    included: np.ndarray,
    solver: str,
    only: set[int] | None = None,
    certify: bool = False,
) -> Solved | None:
    """The confidence LP with every draw, solved with only the draws needed written out (module docstring), or
    None when it is infeasible. `included` (the draws written out from the start) grows with those added.
    With `certify` (a feasibility question: any plan will do, not the LP's optimum), the LP stops as soon as its
    plan holds every KPI row at `confidence` over all the draws (`left_out`'s `level`)."""
    while True:
        solved = solve_sample(draws, conv, reach, confidence, quantile, included, solver, only)
        if solved is None:
            return None
        missing = left_out(draws, conv, solved, quantile, included, only, confidence if certify else None)
        if not missing.any():
            return solved
        included |= missing
