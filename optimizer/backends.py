"""The solver backends behind the LP: one protocol, a registry, and the MILP-then-duals recipe.

A backend takes a `Matrix` and returns a `RawSolution` in max-sense; it never
lets solver objects out. `SOLVERS` lists the registered names (the ``--solver``
choices); `backend` looks one up.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

import numpy as np

from optimizer.cbc import CBC
from optimizer.highs import HIGHS
from optimizer.matrix import Matrix, RawSolution
from scenarios import SolverError


class Session(Protocol):
    """One model kept by a backend across solves whose row bounds alone change."""

    def solve(self, matrix: Matrix, rows: np.ndarray) -> RawSolution:
        """Solve `matrix`, which differs from the previous call's only in the bounds of `rows`."""
        ...


class Backend(Protocol):
    """A solver that solves a max-sense `Matrix` (duals are d(objective)/d(bound))."""

    #: The solver's name in reports (``HiGHS``).
    label: str

    def solve(self, matrix: Matrix) -> RawSolution:
        """Solve `matrix` once, integer columns included."""
        ...

    def session(self) -> Session:
        """A model to re-solve as row bounds move (a warm start where the solver offers one)."""
        ...


BACKENDS: dict[str, Backend] = {"highs": HIGHS, "cbc": CBC}
SOLVERS = tuple(BACKENDS)
DEFAULT_SOLVER = "highs"


def backend(solver: str) -> Backend:
    """The backend registered as `solver`; a `SolverError` naming the valid ones otherwise."""
    try:
        return BACKENDS[solver]
    except KeyError:
        raise SolverError(f"unknown solver '{solver}'; valid solvers: {', '.join(SOLVERS)}") from None


def run_solver(matrix: Matrix, solver: str) -> RawSolution:
    """Solve `matrix` with the named backend; duals are d(objective)/d(bound) in max-sense.

    With integer columns the MILP is solved first; its integers are then fixed
    and the LP re-solved, which gives the duals (shadow prices given those
    on/off decisions) and keeps the MILP's proven relative gap.
    """
    run = backend(solver).solve
    if not len(matrix.integer_cols):
        return run(matrix)
    first = run(matrix)
    if first.status != "optimal":
        return first
    fixed = np.round(first.col_value[matrix.integer_cols])
    low, up = matrix.col_lower.copy(), matrix.col_upper.copy()
    low[matrix.integer_cols] = up[matrix.integer_cols] = fixed
    second = run(replace(matrix, col_lower=low, col_upper=up, integer_cols=np.zeros(0, dtype=np.int64)))
    return replace(second, mip_gap=first.mip_gap, dual_bound=first.dual_bound)
