"""The piecewise-linear LP of a problem as arrays: one sparse matrix, solver-neutral.

The model is assembled once, vectorised with numpy; a backend (`optimizer.backends`)
hands it to a solver and returns a `RawSolution`.

Columns, for slots c (cell × period), segments k and channels j:

- ``x_c`` spend in ``[lower_c, upper_c]``;
- ``s_ck`` in ``[0, width_ck]``, one sparse link row ``Σ_k s_ck − x_c = 0``
  per slot; conversions ``Σ slope_ck · s_ck`` (segments fill in order because
  the curves are concave);
- ``r_jk`` reach segments over the channel's impressions, with the link row
  ``Σ_k r_jk − Σ_c∈j impressions_per_currency_unit_c · x_c ≤ 0``;
- ``F`` total conversions, defined by one row, when a KPI row needs it, so
  KPI rows stay short (rows over every segment slow the simplex down);
- elastic slack columns when explaining infeasibility.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from optimizer.decisions import capped_links
from optimizer.problem import Problem
from optimizer.pwl import Segments

INF = float("inf")


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
    presolve: bool = False


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
        put(rl0 + market.channel_of, x, -market.impressions_per_currency_unit)
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
    # The share rules cap the on/off links more tightly than the budget, except where a row may be broken.
    rows = problem.rows if elastic is not None else capped_links(problem.rows)
    for k, row in enumerate(rows):
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
