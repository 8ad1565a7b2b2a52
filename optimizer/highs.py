"""The HiGHS backend (highspy): the whole matrix in one call, kept loaded for warm re-solves."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

import numpy as np

from optimizer.matrix import Matrix, RawSolution


class HighsBackend:
    """HiGHS through highspy, the default backend."""

    label = "HiGHS"

    def solve(self, matrix: Matrix) -> RawSolution:
        return _read(_model(matrix), matrix)

    def session(self) -> HighsSession:
        return HighsSession()


class HighsSession:
    """One HiGHS instance: later solves change row bounds and start from the last basis."""

    def __init__(self) -> None:
        self._highs: Any = None

    def solve(self, matrix: Matrix, rows: np.ndarray) -> RawSolution:
        if self._highs is None:
            self._highs = _model(matrix)
        else:
            low, up = matrix.row_lower, matrix.row_upper
            self._highs.changeRowsBounds(len(rows), rows.astype(np.int32), low[rows], up[rows])
            _run(self._highs)
        return _read(self._highs, matrix)


HIGHS = HighsBackend()

#: HiGHS's `simplex_strategy` value for the primal simplex.
PRIMAL_SIMPLEX = 4

#: Plain LPs of at least this many rows are first solved by the interior-point method with crossover
#: (a vertex, as the simplex gives): the dual simplex takes one iteration per cell row, and on Hill
#: scenarios of 1,000 / 2,000 / 10,000 cells takes 0.16 / 0.79 / 14.3 s against 0.08 / 0.27 / 1.6 s.
INTERIOR_POINT_ROWS = 1000


def _model(matrix: Matrix) -> Any:
    """A HiGHS instance holding `matrix`, solved once."""
    import highspy

    _silence_banner()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    # Presolve slows down roughly as N² on the plan's LP and never paid off in its benchmarks; the confidence
    # LP, with its rows per draw, solves faster with it (`Matrix.presolve`).
    h.setOptionValue("presolve", "on" if matrix.presolve else "off")
    lp = highspy.HighsLp()
    n_cols, n_rows = len(matrix.cost), len(matrix.row_lower)
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.col_cost_ = matrix.cost
    lp.col_lower_ = matrix.col_lower
    lp.col_upper_ = matrix.col_upper
    lp.row_lower_ = matrix.row_lower
    lp.row_upper_ = matrix.row_upper
    order = np.lexsort((matrix.rows, matrix.cols))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.searchsorted(matrix.cols[order], np.arange(n_cols + 1)).astype(np.int32)
    lp.a_matrix_.index_ = matrix.rows[order].astype(np.int32)
    lp.a_matrix_.value_ = matrix.values[order]
    lp.sense_ = highspy.ObjSense.kMaximize
    if len(matrix.integer_cols):
        integrality = [highspy.HighsVarType.kContinuous] * n_cols
        for col in matrix.integer_cols:
            integrality[col] = highspy.HighsVarType.kInteger
        lp.integrality_ = integrality
        h.setOptionValue("mip_rel_gap", matrix.mip_gap)
        # Branch and bound needs presolve (and the cuts it enables); only plain LPs run without it.
        h.setOptionValue("presolve", "on")
        # The RINS and RENS sub-MIPs took most of the time on plans with rules and found nothing
        # the tree did not (benchmarks/rules.py, benchmarks/s_curves.py).
        h.setOptionValue("mip_heuristic_run_rins", False)
        h.setOptionValue("mip_heuristic_run_rens", False)
    h.passModel(lp)
    if not len(matrix.integer_cols) and not matrix.presolve and n_rows >= INTERIOR_POINT_ROWS:
        _run_interior_point(h)
    else:
        _run(h)
    return h


def _run_interior_point(h: Any) -> None:
    """Solve by the interior-point method and crossover; without an optimum, solve again by the simplex,
    so infeasible and unbounded LPs get the simplex's verdict. Later warm re-solves use the simplex."""
    import highspy

    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "on")
    h.run()
    h.setOptionValue("solver", "choose")
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        h.clearSolver()
        _run(h)


def _run(h: Any) -> None:
    """Solve; when the dual simplex ends without a verdict (status Unknown, seen on badly scaled infeasible
    LPs), solve again from scratch with the primal simplex, which settles them."""
    import highspy

    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kUnknown:
        return
    _, strategy = h.getOptionValue("simplex_strategy")
    h.clearSolver()
    h.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX)
    h.run()
    h.setOptionValue("simplex_strategy", strategy)


def _read(h: Any, matrix: Matrix) -> RawSolution:
    import highspy

    n_cols, n_rows = len(matrix.cost), len(matrix.row_lower)
    names = {
        highspy.HighsModelStatus.kOptimal: "optimal",
        highspy.HighsModelStatus.kInfeasible: "infeasible",
        highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
        highspy.HighsModelStatus.kUnbounded: "unbounded",
    }
    name = names.get(h.getModelStatus(), "not solved")
    if name != "optimal":
        return RawSolution(name, np.zeros(n_cols), np.zeros(n_cols), np.zeros(n_rows), float("nan"))
    solution = h.getSolution()
    info = h.getInfo()
    return RawSolution(
        name,
        np.asarray(solution.col_value),
        np.asarray(solution.col_dual),
        np.asarray(solution.row_dual),
        float(info.objective_function_value),
        float(info.mip_gap) if len(matrix.integer_cols) else 0.0,
        float(info.mip_dual_bound) if len(matrix.integer_cols) else float(info.objective_function_value),
    )


_BANNER_SILENCED = False


def _silence_banner() -> None:
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
