"""Build the piecewise-linear LP as arrays, solve it with HiGHS or CBC, read it back.

The model is assembled once, vectorised with numpy, as a sparse matrix; a
backend hands it to a solver: HiGHS through highspy (``highs``, the default:
the whole matrix in one call) or CBC through PuLP (``cbc``). Solver objects
never leave this module: `solve_lp` returns plain arrays in the max-sense of
the problem's objective.

Columns, for cells c, segments k and channels j:

- ``x_c`` spend in ``[lower_c, upper_c]``;
- ``s_ck`` in ``[0, width_ck]``, one sparse link row ``Σ_k s_ck − x_c = 0``
  per cell; conversions ``Σ slope_ck · s_ck`` (segments fill in order because
  the curves are concave);
- ``r_jk`` reach segments over the channel's impressions, with the link row
  ``Σ_k r_jk − Σ_c∈j impressions_per_unit_c · x_c ≤ 0``;
- ``F`` total conversions, defined by one row, when a KPI row needs it, so
  KPI rows stay short (rows over every segment slow the simplex down);
- elastic slack columns when explaining infeasibility.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field, replace

import numpy as np

from optimizer.problem import Problem
from optimizer.pwl import Segments
from scenarios.errors import SolverError

SOLVERS = ("highs", "cbc")
INF = float("inf")


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


@dataclass(frozen=True)
class Matrix:
    """A max-sense LP ``max c·v  s.t.  row_lower ≤ A v ≤ row_upper, col_lower ≤ v ≤ col_upper``.

    `A` is given as coordinates (`rows`, `cols`, `values`); the layout maps
    the problem's parts to column and row ranges.
    """

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    seg_cols: slice
    reach_cols: slice
    user_rows: slice
    reach_link_rows: slice
    slack_cols: np.ndarray
    slack_rows: np.ndarray
    integer_cols: np.ndarray
    switch_cols: slice = field(default_factory=lambda: slice(0, 0))
    mip_gap: float = 1e-6


def build_matrix(
    problem: Problem,
    conv: Segments | None,
    reach: Segments | None,
    elastic: dict[int, float] | None = None,
    mip_gap: float = 1e-6,
    fixed_switches: np.ndarray | None = None,
) -> Matrix:
    """Assemble the LP of `problem` (see the module docstring for its columns and rows).

    With `elastic` (row index -> weight), the listed rows may be violated at
    that cost per unit and the objective becomes the total weighted violation.
    """
    market = problem.market
    obj = problem.objective
    n, m = len(problem.lower), len(market.channels)
    sign = obj.sign
    cost: list[np.ndarray] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    r_idx: list[np.ndarray] = []
    c_idx: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    row_lo: list[np.ndarray] = []
    row_hi: list[np.ndarray] = []
    n_cols = 0
    n_rows = 0

    def add_cols(c: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> int:
        nonlocal n_cols
        first = n_cols
        cost.append(c)
        lo.append(lower)
        hi.append(upper)
        n_cols += len(c)
        return first

    def add_rows(lower: np.ndarray, upper: np.ndarray) -> int:
        nonlocal n_rows
        first = n_rows
        row_lo.append(lower)
        row_hi.append(upper)
        n_rows += len(lower)
        return first

    def put(rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        keep = values != 0
        r_idx.append(np.asarray(rows, dtype=np.int64)[keep])
        c_idx.append(np.asarray(cols, dtype=np.int64)[keep])
        vals.append(np.asarray(values, dtype=float)[keep])

    x0 = add_cols(sign * obj.spend.astype(float), problem.lower.astype(float), problem.upper.astype(float))
    x = np.arange(n) + x0

    seg0 = n_cols
    if conv is not None:
        seg_cost = sign * obj.conversions * conv.slope
        seg0 = add_cols(seg_cost, np.zeros(len(conv.width)), conv.width.astype(float))
        link0 = add_rows(np.zeros(n), np.zeros(n))
        put(link0 + conv.owner, seg0 + np.arange(len(conv.width)), np.ones(len(conv.width)))
        put(link0 + np.arange(n), x, -np.ones(n))
    seg_cols = slice(seg0, seg0 + (len(conv.width) if conv is not None else 0))

    # Convex stretches (S-shaped curves) fill in order: z_k = 1 when segment k is full,
    # s_k ≥ w_k·z_k, and the segment after it may only start then, s_(k+1) ≤ w_(k+1)·z_k.
    # Past the last binary of a curve every later segment waits for it: the concave tail
    # fills in order by itself, but only once it may start at all.
    ordered = conv.ordered() if conv is not None else np.zeros(0, dtype=np.int64)
    integer_cols = np.zeros(0, dtype=np.int64)
    if conv is not None and ordered.size:
        z0 = add_cols(np.zeros(len(ordered)), np.zeros(len(ordered)), np.ones(len(ordered)))
        integer_cols = z0 + np.arange(len(ordered))
        full0 = add_rows(np.zeros(len(ordered)), np.full(len(ordered), INF))
        put(full0 + np.arange(len(ordered)), seg0 + ordered, np.ones(len(ordered)))
        put(full0 + np.arange(len(ordered)), integer_cols, -conv.width[ordered])
        gate, gated = [], []
        ends = np.searchsorted(conv.owner, conv.owner[ordered], side="right")
        last = np.append(conv.owner[ordered][1:] != conv.owner[ordered][:-1], True)
        for z, k, end, final in zip(integer_cols, ordered, ends, last, strict=True):
            following = np.arange(k + 1, end if final else k + 2)
            gate += [z] * len(following)
            gated += list(following)
        gate_cols, gated_segs = np.array(gate, dtype=np.int64), np.array(gated, dtype=np.int64)
        next0 = add_rows(np.full(len(gated_segs), -INF), np.zeros(len(gated_segs)))
        put(next0 + np.arange(len(gated_segs)), seg0 + gated_segs, np.ones(len(gated_segs)))
        put(next0 + np.arange(len(gated_segs)), gate_cols, -conv.width[gated_segs])

    r0 = n_cols
    reach_link = slice(0, 0)
    if reach is not None:
        r_cost = sign * obj.reach[reach.owner] * reach.slope
        r0 = add_cols(r_cost, np.zeros(len(reach.width)), reach.width.astype(float))
        rl0 = add_rows(np.full(m, -INF), np.zeros(m))
        put(rl0 + reach.owner, r0 + np.arange(len(reach.width)), np.ones(len(reach.width)))
        put(rl0 + market.channel_of, x, -market.impressions_per_unit)
        reach_link = slice(rl0, rl0 + m)
    reach_cols = slice(r0, r0 + (len(reach.width) if reach is not None else 0))

    f_col = -1
    if any(row.conversions != 0 for row in problem.rows):
        if conv is None:
            raise ValueError("rows on conversions need conversion segments")
        f_col = add_cols(np.zeros(1), np.zeros(1), np.full(1, INF))
        # F = Σ slope·s + intercepts (intercepts are nonzero only for the outer approximation)
        offset = -float(conv.intercept.sum()) if conv.intercept is not None else 0.0
        d0 = add_rows(np.full(1, offset), np.full(1, offset))
        put(np.full(len(conv.slope), d0), seg_cols.start + np.arange(len(conv.slope)), conv.slope)
        put(np.array([d0]), np.array([f_col]), np.array([-1.0]))

    # Whole decisions of the business rules (on/off, creatives, posts): integers the rows refer to.
    switch0 = n_cols
    if problem.switches:
        count = len(problem.switches)
        switch_cost = sign * obj.switch if obj.switch is not None else np.zeros(count)
        if fixed_switches is None:
            switch0 = add_cols(switch_cost, np.zeros(count), problem.switch_bounds)
            integer_cols = np.concatenate([integer_cols, switch0 + np.arange(count)])
        else:  # an on/off pattern held fixed: the problem stays an LP (for the switches)
            fixed = np.asarray(fixed_switches, dtype=float)
            switch0 = add_cols(switch_cost, fixed.copy(), fixed.copy())
    switch_cols = slice(switch0, switch0 + len(problem.switches))

    u0 = n_rows
    bounds = {"<=": (-INF, None), ">=": (None, INF), "==": (None, None)}
    for k, row in enumerate(problem.rows):
        low, up = bounds[row.sense]
        rhs = row.rhs
        if row.reach is not None and reach is not None and reach.intercept is not None:
            rhs -= float(row.reach @ reach.intercept)
        add_rows(np.array([rhs if low is None else low]), np.array([rhs if up is None else up]))
        put(np.full(len(row.index), u0 + k), x[row.index], row.coef)
        if row.conversions != 0:
            put(np.array([u0 + k]), np.array([f_col]), np.array([row.conversions]))
        if row.reach is not None and reach is not None:
            beta = row.reach[reach.owner] * reach.slope
            put(np.full(len(beta), u0 + k), reach_cols.start + np.arange(len(beta)), beta)
        if row.switch_index is not None and row.switch_coef is not None:
            put(np.full(len(row.switch_index), u0 + k), switch0 + row.switch_index, row.switch_coef)
    user_rows = slice(u0, u0 + len(problem.rows))

    slack_cols: list[int] = []
    slack_rows: list[int] = []
    if elastic is not None:
        for k, weight in elastic.items():
            signs = {"<=": [-1.0], ">=": [1.0], "==": [-1.0, 1.0]}[problem.rows[k].sense]
            for s in signs:
                col = add_cols(np.array([-weight]), np.zeros(1), np.full(1, INF))
                put(np.array([u0 + k]), np.array([col]), np.array([s]))
                slack_cols.append(col)
                slack_rows.append(k)

    def cat(parts: list[np.ndarray], dtype: type = float) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    objective = cat(cost)
    if elastic is not None:
        # Only the violation counts in an elastic solve.
        keep = np.zeros(len(objective), dtype=bool)
        keep[slack_cols] = True
        objective[~keep] = 0.0
    return Matrix(
        cost=objective,
        col_lower=cat(lo),
        col_upper=cat(hi),
        row_lower=cat(row_lo),
        row_upper=cat(row_hi),
        rows=cat(r_idx, np.int64),
        cols=cat(c_idx, np.int64),
        values=cat(vals),
        seg_cols=seg_cols,
        reach_cols=reach_cols,
        user_rows=user_rows,
        reach_link_rows=reach_link,
        slack_cols=np.array(slack_cols, dtype=np.int64),
        slack_rows=np.array(slack_rows, dtype=np.int64),
        integer_cols=integer_cols,
        switch_cols=switch_cols,
        mip_gap=mip_gap,
    )


@dataclass(frozen=True)
class RawSolution:
    """Column values, reduced costs and row duals of a max-sense LP."""

    status: str
    col_value: np.ndarray
    col_dual: np.ndarray
    row_dual: np.ndarray
    objective: float
    mip_gap: float = 0.0
    dual_bound: float = float("nan")


def run_solver(matrix: Matrix, solver: str) -> RawSolution:
    """Solve `matrix` with the named backend; duals are d(objective)/d(bound) in max-sense.

    With integer columns the MILP is solved first; its integers are then fixed
    and the LP re-solved, which gives the duals (shadow prices given those
    on/off decisions) and keeps the MILP's proven relative gap.
    """
    if solver not in SOLVERS:
        raise SolverError(f"unknown solver '{solver}'; valid solvers: {', '.join(SOLVERS)}")
    run = _run_highs if solver == "highs" else _run_pulp
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


def _run_highs(matrix: Matrix) -> RawSolution:
    return _read_highs(_highs_model(matrix), matrix)


def _highs_model(matrix: Matrix):
    """A HiGHS instance holding `matrix`, solved once."""
    import highspy

    _silence_highs_banner()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    # Presolve slows down roughly as N² on these models and never paid off in the benchmarks.
    h.setOptionValue("presolve", "off")
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
    h.run()
    return h


def _read_highs(h, matrix: Matrix) -> RawSolution:
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


def _run_pulp(matrix: Matrix) -> RawSolution:
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


def _cbc(mip_gap: float | None = None):
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
    elastic: dict[int, float] | None = None,
    mip_gap: float = 1e-6,
    fixed_switches: np.ndarray | None = None,
) -> LinearSolution:
    """Build and solve the LP of `problem` with the given segments.

    Parameters
    ----------
    conv, reach : Segments or None
        Conversion segments per cell and reach segments per channel (over
        impressions); None when the problem does not need them.
    elastic : dict, optional
        Row index -> weight: minimise the weighted violation of these rows.
    mip_gap : float
        Relative gap at which a MILP (on/off rules, S-shaped curves) may stop.
    fixed_switches : array, optional
        Hold the on/off switches at these values (0 or 1).
    """
    started = time.perf_counter()
    matrix = build_matrix(problem, conv, reach, elastic, mip_gap, fixed_switches)
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

    With HiGHS the model stays loaded and each re-solve starts from the last
    basis (a warm start); CBC rebuilds it. Use for sweeps such as the budget
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
        solver: str = "highs",
        mip_gap: float = 1e-6,
    ):
        self.problem = problem
        self.solver = solver
        self.with_reach = reach is not None
        self.matrix = build_matrix(problem, conv, reach, mip_gap=mip_gap)
        self._highs = None

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
        if self.solver != "highs" or len(matrix.integer_cols):
            return _solution(problem, matrix, run_solver(matrix, self.solver), self.with_reach, started)
        if self._highs is None:
            self._highs = _highs_model(matrix)
        else:
            self._highs.changeRowsBounds(len(rows), rows.astype(np.int32), low[rows], up[rows])
            self._highs.run()
        return _solution(problem, matrix, _read_highs(self._highs, matrix), self.with_reach, started)
