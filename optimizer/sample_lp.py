"""The confidence LP: one plan for many draws of the uncertain figures, each KPI held by a CVaR constraint.

For draws s = 1..S (one `Problem` each, built on the drawn market: the same
rows in the same order, each KPI row with that draw's quarter noise in its
right-hand side), the spend x is shared and each draw has its own
conversions F_s and reach R_js. A KPI row, written h_s(x) = g_s(x) − b_s ≤ 0
(a floor turned round), is held by the CVaR constraint of Rockafellar and
Uryasev (2000),

    η + 1 / ((1 − α) S) · Σ_s u_s ≤ 0,   u_s ≥ h_s(x) − η,   u_s ≥ 0,

which implies h_s ≤ 0 in at least a share α of the draws (the CVaR bounds the
α-quantile from above) and is linear. The objective is the mean over the
draws of the problem's objective, or with a `quantile` q the mean of its
worst q share (its lower-tail CVaR, linear the same way).

Every draw's curves are approximated on the same breakpoints (`Chains`), so
the mean of the draws' chains is one chain per slot: the expected conversions
cost one set of segments. A draw that only scales the base curves uses the
base chain times its scale; a stretched draw needs a chain of its own, and
gets one only where a KPI row on conversions (or the objective's tail) needs
that draw (`included`): leaving a draw out drops a non-negative term, a
relaxation, exact once no draw left out has h_s above η.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from optimizer.matrix import INF, Matrix
from optimizer.problem import Problem
from optimizer.pwl import Segments
from optimizer.sample_chains import Chains, chains
from scenarios import Curves, SolverError

__all__ = ["Chains", "Draws", "Layout", "build_sample_matrix", "chains", "reach_curves_of"]


@dataclass(frozen=True)
class Draws:
    """The problems of the draws and how each draw's curves relate to the base problem's.

    `scale` (draws × slots) multiplies each slot's base curve in a draw that is not `stretched`; `stretch`
    (draws × slots) is each slot's curve stretch ρ in each draw.
    """

    base: Problem
    problems: tuple[Problem, ...]
    scale: np.ndarray
    stretch: np.ndarray

    @property
    def stretched(self) -> np.ndarray:
        """Whether each draw stretches some curve."""
        return np.any(np.abs(self.stretch - 1.0) > 1e-12, axis=1)


@dataclass(frozen=True)
class Layout:
    """Where the parts of the confidence LP are: spend, each KPI's η, ζ, each draw's reach columns, and each KPI
    row's slack."""

    spend: slice
    eta: np.ndarray
    zeta: int
    reach: np.ndarray
    slack: np.ndarray


@dataclass
class _Builder:
    """Columns, rows and coefficients collected as arrays, then one `Matrix`."""

    cost: list[np.ndarray] = field(default_factory=list)
    col_lo: list[np.ndarray] = field(default_factory=list)
    col_hi: list[np.ndarray] = field(default_factory=list)
    row_lo: list[np.ndarray] = field(default_factory=list)
    row_hi: list[np.ndarray] = field(default_factory=list)
    r: list[np.ndarray] = field(default_factory=list)
    c: list[np.ndarray] = field(default_factory=list)
    v: list[np.ndarray] = field(default_factory=list)
    n_cols: int = 0
    n_rows: int = 0

    def cols(
        self, count: int, lower: float | np.ndarray, upper: float | np.ndarray, cost: float | np.ndarray = 0.0
    ) -> np.ndarray:
        first = self.n_cols
        self.cost.append(np.broadcast_to(np.asarray(cost, dtype=float), (count,)).copy())
        self.col_lo.append(np.broadcast_to(np.asarray(lower, dtype=float), (count,)).copy())
        self.col_hi.append(np.broadcast_to(np.asarray(upper, dtype=float), (count,)).copy())
        self.n_cols += count
        return np.arange(first, first + count)

    def rows(self, lower: float | np.ndarray, upper: float | np.ndarray, count: int = 1) -> np.ndarray:
        first = self.n_rows
        self.row_lo.append(np.broadcast_to(np.asarray(lower, dtype=float), (count,)).copy())
        self.row_hi.append(np.broadcast_to(np.asarray(upper, dtype=float), (count,)).copy())
        self.n_rows += count
        return np.arange(first, first + count)

    def col(self, lower: float, upper: float, cost: float = 0.0) -> int:
        """One column."""
        return int(self.cols(1, lower, upper, cost)[0])

    def row(self, lower: float, upper: float) -> int:
        """One row."""
        return int(self.rows(lower, upper)[0])

    def put(self, rows: np.ndarray | int, cols: np.ndarray | int, values: np.ndarray | float) -> None:
        rows, cols, values = np.broadcast_arrays(np.asarray(rows), np.asarray(cols), np.asarray(values, dtype=float))
        keep = values != 0
        self.r.append(rows[keep].astype(np.int64).ravel())
        self.c.append(cols[keep].astype(np.int64).ravel())
        self.v.append(values[keep].ravel())

    def chain(self, seg: Segments, x: np.ndarray) -> np.ndarray:
        """Segment columns filling the spend `x`, and one column per owner with the chain's value; returns those."""
        n = len(x)
        s = self.cols(len(seg.width), 0.0, seg.width)
        link = self.rows(0.0, 0.0, n)  # Σ_k s_k − x = 0
        self.put(link[seg.owner], s, 1.0)
        self.put(link, x, -1.0)
        intercept = seg.intercept if seg.intercept is not None else np.zeros(n)
        t = self.cols(n, -INF, INF)
        define = self.rows(intercept, intercept, n)  # t − Σ_k slope_k s_k = value at the first node
        self.put(define, t, 1.0)
        self.put(define[seg.owner], s, -seg.slope)
        return t

    def forms(self, x: np.ndarray, coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The linear forms coef[s] · x (draws × slots) as Σ_g weight[s, g] · y_g over fewer columns y, returned
        with the weights: the slots whose coefficients move together over the draws (a channel's cells under
        channel-wide draws) share one y_g = Σ_c∈g ref_c x_c, so a draw's row holds one entry per group, not per
        slot. Coefficients that agree to 1e-12 count as moving together."""
        ref = np.abs(coef).max(axis=0)
        used = np.flatnonzero(ref > 0)
        if not len(used):
            return np.zeros(0, dtype=np.int64), np.zeros((len(coef), 0))
        ratio = coef[:, used] / ref[used]
        _, first, group = np.unique(np.round(ratio.T, 12), axis=0, return_index=True, return_inverse=True)
        group = np.asarray(group).ravel()
        if 2 * len(first) >= len(used):  # no gain: the rows hold the slots themselves
            return x[used], coef[:, used]
        y = self.cols(len(first), -INF, INF)
        define = self.rows(0.0, 0.0, len(first))  # y_g − Σ_c∈g ref_c x_c = 0
        self.put(define, y, 1.0)
        self.put(define[group], x[used], -ref[used])
        return y, ratio[:, first]

    def matrix(self) -> Matrix:
        empty = slice(0, 0)
        none = np.zeros(0, dtype=np.int64)
        parts = (self.cost, self.col_lo, self.col_hi, self.row_lo, self.row_hi)
        cost, col_lo, col_hi, row_lo, row_hi = (np.concatenate(p) if p else np.zeros(0) for p in parts)
        r, c, v = (np.concatenate(p) if p else np.zeros(0) for p in (self.r, self.c, self.v))
        return Matrix(cost, col_lo, col_hi, row_lo, row_hi, r.astype(np.int64), c.astype(np.int64), v,
                      empty, empty, empty, empty, none, none, none, presolve=True)  # fmt: skip


def reach_curves_of(problem: Problem) -> Curves:
    """Reach per channel as curves over impressions (the same in every draw: the audiences do not change)."""
    audience = problem.market.audience
    return Curves.exponential(audience, audience)


def _shared_fill(b: _Builder, conv: Chains, x: np.ndarray, which: np.ndarray, conversions: np.ndarray) -> None:
    """Draws `which`'s conversions over one filling of the inner chains' segments (`build_sample_matrix`'s
    `shared`), their columns put in `conversions`."""
    seg = conv.base()
    same = conv.owner[1:] == conv.owner[:-1]
    width = np.diff(conv.nodes)[same]
    rise = np.diff(conv.heights[which], axis=1)[:, same]
    slopes = np.divide(rise, width, out=np.zeros_like(rise), where=width > 0)
    first = np.flatnonzero(np.concatenate([[True], ~same]))
    fill = b.cols(len(seg.width), 0.0, seg.width)
    link = b.rows(0.0, 0.0, len(x))  # Σ_k s_k − x = 0
    b.put(link[seg.owner], fill, 1.0)
    b.put(link, x, -1.0)
    cols, weights = b.forms(fill, slopes)
    f = b.cols(len(which), -INF, INF)
    conversions[which] = f
    at_zero = conv.heights[which][:, first].sum(axis=1)
    define = b.rows(at_zero, at_zero, len(which))  # F_s − Σ_k slope_sk s_k = Σ_c value at the first node
    b.put(define, f, 1.0)
    b.put(define[:, None], cols[None, :], -weights)


def build_sample_matrix(
    draws: Draws,
    conv: Chains | None,
    reach: Chains | None,
    confidence: float,
    quantile: float | None,
    included: np.ndarray,
    only: set[int] | None = None,
    feasibility: bool = False,
) -> tuple[Matrix, Layout]:
    """The confidence LP (module docstring) on the chains given (inner: its plans are feasible; outer: its
    optimum is a bound). `included` says which draws' conversions it writes out (the others' terms of rows on
    conversions are left out); `only` holds just these KPI rows (indices into the rows), the others dropped.

    With `feasibility` (inner chains), the LP asks only whether a plan holds the KPIs: each CVaR row gets a
    slack column (its excess over 0, `Layout.slack`), the objective is minus their sum (0 exactly when a plan
    holds every row; an LP that is always feasible solves far more reliably than one proving infeasibility),
    and every stretched draw is written out over one filling of the chords' segments: the draws' chains share
    their nodes, so filling the segments in order gives each draw its chord value at once, and no filling gives
    any draw more. For KPIs that more conversions help, as for all of them, the plans that hold are those of the
    LP with each draw's own chain, at one set of segment columns.
    """
    base, problems = draws.base, draws.problems
    count = len(problems)
    n = len(base.lower)
    obj = base.objective
    b = _Builder()
    x = b.cols(n, base.lower, base.upper, obj.sign * obj.spend)
    for row in base.rows:
        if row.name.startswith("kpi."):
            continue
        if row.conversions != 0 or row.reach is not None or row.switch_index is not None:
            raise SolverError(f"the rule '{row.name}' depends on conversions, reach or whole decisions")
        low, up = {"<=": (-INF, row.rhs), ">=": (row.rhs, INF), "==": (row.rhs, row.rhs)}[row.sense]
        b.put(b.rows(low, up), x[row.index], row.coef)
    conversions = np.full(count, -1, dtype=np.int64)
    if conv is not None:
        if obj.conversions and quantile is None:
            mean = b.chain(conv.mean(), x)  # the expected conversions per slot
            cost = np.concatenate(b.cost)
            cost[mean] += obj.sign * obj.conversions
            b.cost = [cost]
        stretched = draws.stretched
        scaled = np.flatnonzero(~stretched)
        if len(scaled):  # F_s = Σ_c scale_sc · t_c on the base chain t
            cols, weights = b.forms(b.chain(conv.base(), x), draws.scale[scaled])
            f = b.cols(len(scaled), -INF, INF)
            conversions[scaled] = f
            define = b.rows(0.0, 0.0, len(scaled))
            b.put(define, f, 1.0)
            b.put(define[:, None], cols[None, :], -weights)
        if feasibility and conv.kind == "inner" and stretched.any():
            _shared_fill(b, conv, x, np.flatnonzero(stretched), conversions)
        for s in (int(k) for k in np.flatnonzero(included & stretched & (conversions < 0))):
            t = b.chain(conv.draw(s), x)
            conversions[s] = b.col(-INF, INF)
            one = b.row(0.0, 0.0)
            b.put(one, int(conversions[s]), 1.0)
            b.put(one, t, -1.0)
    m = len(base.market.channels)
    reach_cols = np.full((count, m), -1, dtype=np.int64)
    if reach is not None:
        seg = reach.base()
        per_unit = np.array([p.market.impressions_per_currency_unit for p in problems])
        channel_of = base.market.channel_of
        seen = [b.forms(x, np.where(channel_of == j, per_unit, 0.0)) for j in range(m)]  # impressions per channel
        for s in range(count):
            pieces = b.cols(len(seg.width), 0.0, seg.width)
            link = b.rows(-INF, 0.0, m)  # Σ_k r_jk − Σ_c∈j impressions per unit_c · x_c ≤ 0
            b.put(link[seg.owner], pieces, 1.0)
            for j, (cols, weights) in enumerate(seen):
                b.put(link[j], cols, -weights[s])
            total = b.cols(m, -INF, INF)
            at_zero = seg.intercept if seg.intercept is not None else np.zeros(m)
            defines = b.rows(at_zero, at_zero, m)
            b.put(defines, total, 1.0)
            b.put(defines[seg.owner], pieces, -seg.slope)
            reach_cols[s] = total
    if np.any(obj.reach) and quantile is None:
        cost = np.concatenate(b.cost)
        for s in range(count):
            cost[reach_cols[s]] += obj.sign * obj.reach / count
        b.cost = [cost]
    kpi_rows = [k for k, row in enumerate(base.rows) if row.name.startswith("kpi.") and (only is None or k in only)]
    eta = b.cols(len(kpi_rows), -INF, INF)
    cvar = b.rows(-INF, 0.0, len(kpi_rows))
    slack = b.cols(len(kpi_rows), 0.0, INF) if feasibility else np.zeros(0, dtype=np.int64)
    b.put(cvar[: len(slack)], slack, -1.0)
    for i, k in enumerate(kpi_rows):
        b.put(cvar[i], eta[i], 1.0)
        flips = np.array([-1.0 if p.rows[k].sense == ">=" else 1.0 for p in problems])  # h = g − b or b − g
        dense = np.zeros((count, n))
        for s, problem in enumerate(problems):
            np.add.at(dense[s], problem.rows[k].index, flips[s] * problem.rows[k].coef)
        cols, weights = b.forms(x, dense)
        for s, problem in enumerate(problems):
            kpi = problem.rows[k]
            if kpi.conversions and conversions[s] < 0:
                continue  # a draw left out: its term is dropped (a relaxation)
            u = b.col(0.0, INF)
            b.put(cvar[i], u, 1.0 / ((1.0 - confidence) * count))
            flip = flips[s]
            r = b.row(-INF, flip * kpi.rhs)
            b.put(r, cols, weights[s])
            if kpi.conversions:
                b.put(r, int(conversions[s]), flip * kpi.conversions)
            if kpi.reach is not None:
                b.put(r, reach_cols[s], flip * kpi.reach)
            b.put(r, int(eta[i]), -1.0)
            b.put(r, u, -1.0)
    zeta = -1
    if quantile is not None:
        zeta = b.col(-INF, INF, 1.0)
        paid, paid_weights = b.forms(x, np.tile(obj.sign * obj.spend, (count, 1)))
        for s in range(count):
            if obj.conversions and conversions[s] < 0:
                continue
            v = b.col(0.0, INF, -1.0 / (quantile * count))
            r = b.row(0.0, INF)  # objective_s − ζ + v_s ≥ 0 (the spend's part is in the columns' cost)
            b.put(r, paid, paid_weights[s])
            if obj.conversions:
                b.put(r, conversions[s], obj.sign * obj.conversions)
            if np.any(obj.reach):
                b.put(r, reach_cols[s], obj.sign * obj.reach)
            b.put(r, zeta, -1.0)
            b.put(r, v, 1.0)
        cost = np.concatenate(b.cost)
        cost[x] = 0.0  # with a quantile the objective is ζ − Σ v / (q S) alone
        b.cost = [cost]
    if feasibility:
        b.cost = [np.concatenate(b.cost) * 0.0]
        b.cost[0][slack] = -1.0
    return b.matrix(), Layout(slice(0, n), eta, zeta, reach_cols, slack)
