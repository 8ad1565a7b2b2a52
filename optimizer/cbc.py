"""The CBC backend (through PuLP): the matrix rebuilt as a PuLP model for every solve."""

from __future__ import annotations

from typing import Any

import numpy as np

from optimizer.matrix import Matrix, RawSolution
from scenarios import SolverError


class CbcBackend:
    """CBC through PuLP; no warm start, each solve rebuilds the model."""

    label = "CBC"

    def solve(self, matrix: Matrix) -> RawSolution:
        return _solve(matrix)

    def session(self) -> CbcSession:
        return CbcSession()


class CbcSession:
    """CBC keeps nothing between solves: each one rebuilds the model with the new bounds."""

    def solve(self, matrix: Matrix, rows: np.ndarray) -> RawSolution:
        return _solve(matrix)


CBC = CbcBackend()


def _solve(matrix: Matrix) -> RawSolution:
    import pulp

    engine = _cbc(mip_gap=matrix.mip_gap if len(matrix.integer_cols) else None)
    model = pulp.LpProblem("allocation", pulp.LpMaximize)
    finite = np.isfinite
    variables = [
        model.add_variable(f"v{i}", lo if finite(lo) else None, hi if finite(hi) else None)
        for i, (lo, hi) in enumerate(zip(matrix.col_lower.tolist(), matrix.col_upper.tolist(), strict=True))
    ]
    for col in matrix.integer_cols:
        variables[col].cat = pulp.LpInteger
    order = np.argsort(matrix.rows, kind="stable")
    rows, cols, values = matrix.rows[order], matrix.cols[order], matrix.values[order]
    starts = np.searchsorted(rows, np.arange(len(matrix.row_lower) + 1))
    constraints = []
    for r in range(len(matrix.row_lower)):
        expr = pulp.LpAffineExpression(
            [
                (variables[c], v)
                for c, v in zip(
                    cols[starts[r] : starts[r + 1]].tolist(), values[starts[r] : starts[r + 1]].tolist(), strict=True
                )
            ]
        )
        low, up = matrix.row_lower[r], matrix.row_upper[r]
        if low == up:
            con = pulp.LpConstraint(expr, pulp.LpConstraintEQ, f"r{r}", float(low))
        elif finite(up):
            con = pulp.LpConstraint(expr, pulp.LpConstraintLE, f"r{r}", float(up))
        else:
            con = pulp.LpConstraint(expr, pulp.LpConstraintGE, f"r{r}", float(low))
        model.addConstraint(con)
        constraints.append(con)
    model.setObjective(
        pulp.LpAffineExpression([(v, c) for v, c in zip(variables, matrix.cost.tolist(), strict=True) if c != 0])
    )
    try:
        model.solve(engine)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"the CBC solver failed: {exc}") from None
    name = {1: "optimal", -1: "infeasible", -2: "unbounded"}.get(model.status, "not solved")
    value = float(pulp.value(model.objective) or 0.0)
    # PuLP passes on no dual bound from CBC; CBC stops within its relative gap setting.
    mip_gap = matrix.mip_gap if len(matrix.integer_cols) else 0.0
    if name != "optimal":
        zeros = np.zeros(len(variables))
        return RawSolution(name, zeros, zeros, np.zeros(len(constraints)), float("nan"))
    return RawSolution(
        name,
        np.array([v.varValue or 0.0 for v in variables]),
        np.array([v.dj or 0.0 for v in variables]),
        np.array([c.pi or 0.0 for c in constraints]),
        value,
        mip_gap,
        value + mip_gap * abs(value),
    )


def _cbc(mip_gap: float | None = None) -> Any:
    """CBC from a `cbc` on the PATH (pulp[cbc]) or, failing that, the binary PuLP bundles."""
    import warnings

    import pulp

    engine = pulp.COIN_CMD(msg=False, gapRel=mip_gap)
    if not engine.available():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            engine = pulp.PULP_CBC_CMD(msg=False, gapRel=mip_gap)
    if not engine.available():
        raise SolverError("the CBC solver is not installed (pip install 'pulp[cbc]'); use --solver highs")
    return engine
