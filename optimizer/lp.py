"""Solve a problem's piecewise-linear LP and read the answer back in the problem's terms.

`optimizer.matrix` builds the model as one sparse matrix; a backend of
`optimizer.backends` (HiGHS, the default, or CBC) solves it. Solver objects
never leave the backends: `solve_lp` returns plain arrays in the max-sense of
the problem's objective.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from optimizer.backends import DEFAULT_SOLVER, Session, backend, run_solver
from optimizer.matrix import Matrix, RawSolution, build_matrix
from optimizer.problem import Problem
from optimizer.pwl import Segments


@dataclass(frozen=True)
class LinearSolution:
    """What one LP solve returns, in the max-sense of the problem's objective.

    Attributes
    ----------
    status : str
        ``optimal``, ``infeasible``, ``unbounded`` or ``not solved``.
    spend : float array
        Spend per slot (currency).
    value : float
        LP objective on the piecewise-linear curves (max-sense).
    shadow : float array
        d(objective)/d(rhs) of each problem row.
    link_shadow : float array
        d(objective)/d(rhs) of each channel's reach link row (0 without reach).
    violation : float array
        Violation of each problem row (elastic solves only; zeros otherwise).
    seconds : float
        Wall-clock build and solve time.
    integer : bool
        Whether binaries were needed (S-shaped curves): then `shadow` comes from the LP
        re-solved with the binaries fixed at their optimal values.
    switches : float array
        The whole decisions of the business rules (one per `Problem.switches`).
    mip_gap : float
        The MILP's proven relative gap on the approximation (0 for an LP).
    dual_bound : float
        The solver's proven bound on the approximation's optimum (the objective for an LP).
    """

    status: str
    spend: np.ndarray
    value: float
    shadow: np.ndarray
    link_shadow: np.ndarray
    violation: np.ndarray
    seconds: float
    integer: bool = False
    mip_gap: float = 0.0
    dual_bound: float = float("nan")
    switches: np.ndarray = field(default_factory=lambda: np.zeros(0))


def solve_lp(
    problem: Problem,
    conv: Segments | None,
    reach: Segments | None,
    solver: str = DEFAULT_SOLVER,
    elastic: dict[int, float] | None = None,
    mip_gap: float = 1e-6,
    fixed_switches: np.ndarray | None = None,
    feasibility: bool = False,
) -> LinearSolution:
    """Build and solve the LP of `problem` with the given segments.

    Parameters
    ----------
    conv, reach : Segments or None
        Conversion segments per slot and reach segments per channel (over
        impressions); None when the problem does not need them.
    elastic : dict, optional
        Row index -> weight: minimise the weighted violation of these rows.
    mip_gap : float
        Relative gap at which a MILP (on/off rules, S-shaped curves) may stop.
    fixed_switches : array, optional
        Hold the on/off switches at these values (0 or 1).
    feasibility : bool
        Only whether a plan exists matters: the objective is left out, so a MILP stops at its
        first plan instead of proving the best one (the status says which; the plan is any plan).
    """
    started = time.perf_counter()
    matrix = build_matrix(problem, conv, reach, elastic, mip_gap, fixed_switches)
    if feasibility:
        matrix = replace(matrix, cost=np.zeros_like(matrix.cost))
    return _solution(problem, matrix, run_solver(matrix, solver), reach is not None, started)


def _solution(problem: Problem, matrix: Matrix, raw: RawSolution, with_reach: bool, started: float) -> LinearSolution:
    """Read the problem's quantities out of a raw solver answer."""
    n, k, m = len(problem.lower), len(problem.rows), len(problem.market.channels)
    if raw.status != "optimal":
        seconds = time.perf_counter() - started
        return LinearSolution(raw.status, np.zeros(n), float("nan"), np.zeros(k), np.zeros(m), np.zeros(k), seconds)
    spend = np.clip(raw.col_value[:n], problem.lower, problem.upper)
    shadow = raw.row_dual[matrix.user_rows].copy()
    link_shadow = raw.row_dual[matrix.reach_link_rows].copy() if with_reach else np.zeros(m)
    violation = np.zeros(k)
    if len(matrix.slack_cols):
        np.add.at(violation, matrix.slack_rows, raw.col_value[matrix.slack_cols])
    seconds = time.perf_counter() - started
    integer = bool(len(matrix.integer_cols))
    switches = np.round(raw.col_value[matrix.switch_cols])
    return LinearSolution(
        "optimal",
        spend,
        raw.objective,
        shadow,
        link_shadow,
        violation,
        seconds,
        integer,
        raw.mip_gap,
        raw.dual_bound,
        switches,
    )


class LinearModel:
    """One LP kept in the solver and re-solved as its rows' right-hand sides change.

    The backend's session keeps the model: with HiGHS it stays loaded and each
    re-solve starts from the last basis (a warm start); CBC rebuilds it. Use for sweeps such as the budget
    frontier, where only the budget row moves.

    Parameters
    ----------
    problem : Problem
        The problem whose rows define the model (its right-hand sides are the starting ones).
    conv, reach : Segments or None
        As for `solve_lp`.
    """

    def __init__(
        self,
        problem: Problem,
        conv: Segments | None,
        reach: Segments | None,
        solver: str = DEFAULT_SOLVER,
        mip_gap: float = 1e-6,
    ):
        self.problem = problem
        self.solver = solver
        self.with_reach = reach is not None
        self.matrix = build_matrix(problem, conv, reach, mip_gap=mip_gap)
        self._session: Session = backend(solver).session()

    def solve(self, problem: Problem) -> LinearSolution:
        """Solve with the right-hand sides of `problem`'s rows (same rows, same order as the model's)."""
        started = time.perf_counter()
        rows = self.matrix.user_rows.start + np.arange(len(problem.rows))
        low, up = self.matrix.row_lower.copy(), self.matrix.row_upper.copy()
        for r, row in zip(rows, problem.rows, strict=True):
            if row.sense in ("<=", "=="):
                up[r] = row.rhs
            if row.sense in (">=", "=="):
                low[r] = row.rhs
        matrix = replace(self.matrix, row_lower=low, row_upper=up)
        if len(matrix.integer_cols):
            return _solution(problem, matrix, run_solver(matrix, self.solver), self.with_reach, started)
        return _solution(problem, matrix, self._session.solve(matrix, rows), self.with_reach, started)
