"""Piecewise-linear approximations of response curves: inner chains and outer envelopes.

Breakpoints are spaced by curvature: equal steps of ``∫ sqrt(|f''|) dx``,
which equalises the interpolation error ``h² |f''| / 8`` across segments
(the minimax spacing for smooth curves). The inner chain lies on or below
each curve, so a plan feasible for it is feasible on the true curves; the
outer envelope (tangents, or the concave envelope of an S-shaped curve)
lies above, so a problem infeasible with it is infeasible. S-shaped curves
also need their convex stretch filled in order: `Segments.ordered` says
which segments need a binary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios import EXPONENTIAL, POINTS, Curves


@dataclass(frozen=True)
class Segments:
    """The segments of N piecewise-linear curves, flattened.

    Attributes
    ----------
    owner : int array (M,)
        Curve index of each segment.
    start, width : float arrays (M,)
        Left end and length of each segment (x units).
    slope : float array (M,)
        Chord slope of each segment (y per x unit), non-increasing per curve.
    intercept : float array (N,) or None
        Value of each curve's approximation at 0 (None: all zero, as for chords).
    """

    owner: np.ndarray
    start: np.ndarray
    width: np.ndarray
    slope: np.ndarray
    intercept: np.ndarray | None = None

    @staticmethod
    def from_breakpoints(curves: Curves, breakpoints: list[np.ndarray]) -> Segments:
        """The inner approximation: a chain through nodes on or below each curve (one array of spends per curve).

        On concave stretches the nodes are on the curve (chords lie below it). On the
        convex stretch of an S-shaped curve, where chords would lie above it, each
        segment follows the tangent at its midpoint and each node takes the lower of
        its two segments' tangents, so the chain stays below the curve there too.
        """
        counts = np.array([len(b) - 1 for b in breakpoints])
        owner = np.repeat(np.arange(len(breakpoints)), counts)
        if not len(breakpoints):
            empty = np.zeros(0)
            return Segments(owner, empty, empty, empty)
        left = np.concatenate([b[:-1] for b in breakpoints])
        right = np.concatenate([b[1:] for b in breakpoints])
        nodes = np.concatenate(breakpoints)
        node_owner = np.repeat(np.arange(len(breakpoints)), counts + 1)
        heights = curves.take(node_owner).value(nodes)
        starts = np.concatenate([[0], np.cumsum(counts + 1)])
        for i in np.flatnonzero(~curves.concave & (curves.kind != POINTS)).tolist():
            heights[starts[i] : starts[i + 1]] = _inner_values(curves, i, breakpoints[i])
        last = np.cumsum(counts + 1) - 1  # each curve's last node: no segment from there to the next curve
        rise = np.delete(np.diff(heights), last[:-1])
        width = right - left
        slope = np.divide(rise, width, out=np.zeros_like(rise), where=width > 0)
        return Segments(owner, left, width, slope)

    @staticmethod
    def upper_chain(curves: Curves, breakpoints: list[np.ndarray]) -> Segments:
        """The tight outer approximation: on or above each curve, with the same breakpoints.

        Concave curves get their tangent envelope; an S-shaped curve gets chords on its
        convex stretch (they lie above it there) and tangents past its inflection. Not
        concave, so a problem with it needs the binaries of `ordered`: its MILP optimum
        bounds the true optimum from above.
        """
        concave = curves.concave
        envelope = Segments.tangents(curves, breakpoints)
        parts = []
        exact = Segments.from_breakpoints(curves, breakpoints)
        for i, points in enumerate(breakpoints):
            if curves.kind[i] == POINTS:
                # A point table is its own curve: the chain through its points is exact.
                mine = exact.owner == i
                parts.append((exact.start[mine], exact.width[mine], exact.slope[mine]))
                continue
            if concave[i]:
                mine = envelope.owner == i
                parts.append((envelope.start[mine], envelope.width[mine], envelope.slope[mine]))
                continue
            turn = min(curves.inflection[i], points[-1])
            left = np.unique(np.append(points[points <= turn], turn))
            one = curves.take(np.full(len(left), i))
            chord_slopes = np.divide(np.diff(one.value(left)), np.diff(left))
            touching = np.unique(np.append(points[points >= turn], turn))
            edges, right, _ = _tangent_envelope(curves, i, touching, points[-1])
            # The first tangent touches at the inflection: the envelope's part before it is cut off.
            starts = np.maximum(edges[:-1], turn)
            widths = np.maximum(edges[1:] - starts, 0.0)
            parts.append(
                (
                    np.concatenate([left[:-1], starts]),
                    np.concatenate([np.diff(left), widths]),
                    np.concatenate([chord_slopes, right]),
                )
            )
        owner = np.concatenate([np.full(len(p[0]), i) for i, p in enumerate(parts)]) if parts else np.zeros(0, int)
        stack = [np.concatenate([p[k] for p in parts]) if parts else np.zeros(0) for k in range(3)]
        return Segments(owner, stack[0], stack[1], stack[2], envelope.intercept)

    def ordered(self) -> np.ndarray:
        """Indices k of the segments that must be full before segment k + 1 may start.

        A maximisation fills concave chains (falling slopes) in order by itself; a
        rise in slope (the convex stretch of an S-shaped curve) needs a binary per
        segment up to the last rise, and only there.
        """
        same = self.owner[1:] == self.owner[:-1]
        rising = same & (self.slope[1:] > self.slope[:-1] * (1 + 1e-12) + 1e-15)
        need = np.zeros(len(self.owner), dtype=bool)
        for i in np.unique(self.owner[1:][rising]):
            mine = np.flatnonzero(self.owner == i)
            last_rise = mine[:-1][rising[mine[:-1]]].max()
            need[mine[0] : last_rise + 1] = True
        return np.flatnonzero(need)

    @staticmethod
    def tangents(curves: Curves, breakpoints: list[np.ndarray]) -> Segments:
        """The outer approximation: the lowest of the tangents at the breakpoints.

        It lies above a concave curve, so a problem infeasible with it is
        infeasible on the true curves. Tangents where the slope is infinite
        (a Hill curve with alpha < 1 at 0) are left out; the envelope's value
        at 0 is then the intercept.
        """
        owners, starts, widths, slopes = [], [], [], []
        intercept = np.zeros(len(breakpoints))
        concave = curves.concave
        touch = curves.ray_tangency
        for i, points in enumerate(breakpoints):
            if not concave[i]:
                # Above an S-shaped curve: its concave envelope, the ray from 0 to where it touches, then the curve.
                if curves.kind[i] == POINTS:
                    full_x, full_y = _upper_hull(*curves.points[i])
                    end = np.interp(points[-1], full_x, full_y)  # on the full hull, before cutting it
                    keep = full_x < points[-1]
                    hull_x = np.append(full_x[keep], points[-1])
                    hull_y = np.append(full_y[keep], end)
                    rise, run = np.diff(hull_y), np.diff(hull_x)
                    owners.append(np.full(len(run), i))
                    starts.append(hull_x[:-1])
                    widths.append(run)
                    slopes.append(np.divide(rise, run, out=np.zeros_like(rise), where=run > 0))
                    continue
                points = np.unique(np.concatenate([[min(touch[i], points[-1])], points[points > touch[i]]]))
            edges, slope, intercept[i] = _tangent_envelope(curves, i, points, points[-1])
            owners.append(np.full(len(slope), i))
            starts.append(edges[:-1])
            widths.append(np.diff(edges))
            slopes.append(slope)
        if not owners:
            empty = np.zeros(0)
            return Segments(empty.astype(int), empty, empty, empty, intercept)
        return Segments(
            np.concatenate(owners), np.concatenate(starts), np.concatenate(widths), np.concatenate(slopes), intercept
        )


def _tangent_envelope(curves: Curves, i: int, points: np.ndarray, end: float) -> tuple[np.ndarray, np.ndarray, float]:
    """The lowest of curve `i`'s tangents at `points`, on [0, end]: edges, slopes and value at 0.

    Tangents where the slope is infinite (a Hill curve with alpha < 1 at 0) are left out.
    """
    one = curves.take(np.full(len(points), i))
    value, slope = one.value(points), one.derivative(points)
    keep = np.isfinite(slope) & (slope < 1e12)
    points, value, slope = points[keep], value[keep], slope[keep]
    if len(points) == 0:
        return np.array([0.0, end]), np.zeros(1), 0.0
    offset = value - slope * points  # each tangent's value at 0
    drop = slope[:-1] - slope[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        kinks = np.where(drop > 1e-15, (offset[1:] - offset[:-1]) / drop, points[1:])
    edges = np.maximum.accumulate(np.concatenate([[0.0], np.clip(kinks, 0.0, end), [end]]))
    return edges, slope, max(offset[0], 0.0)


def curvature_breakpoints(curves: Curves, upper: np.ndarray, count: int) -> list[np.ndarray]:
    """`count` curvature-spaced segments per curve on ``[0, upper]``.

    Point tables keep their own points (they are exact already).
    """
    upper = np.asarray(upper, dtype=float)
    n = len(curves)
    k = np.arange(count + 1) / count
    out: list[np.ndarray] = [np.zeros(0)] * n
    exp = np.flatnonzero(curves.kind == EXPONENTIAL)
    if exp.size:
        s = curves.scale[exp][:, None]
        tail = -np.expm1(-upper[exp][:, None] / (2.0 * s))
        with np.errstate(divide="ignore"):
            grid = -2.0 * s * np.log1p(-k[None, :] * tail)
        grid[:, -1] = upper[exp]
        # A flat (zero) curve needs one segment only.
        for row, i in zip(grid, exp, strict=True):
            out[i] = row if curves.maximum[i] > 0 and upper[i] > 0 else np.array([0.0, upper[i]])
    for i in np.flatnonzero(curves.kind == POINTS):
        xs = curves.points[int(i)][0]
        inside = xs[(xs > 0) & (xs < upper[i])]
        out[i] = np.concatenate([[0.0], inside, [upper[i]]])
    others = np.flatnonzero((curves.kind != EXPONENTIAL) & (curves.kind != POINTS))
    if others.size:
        out_others = _numeric_breakpoints(curves.take(others), upper[others], count)
        for row, i in zip(out_others, others, strict=True):
            out[i] = row
    # An S-shaped curve gets a node at its inflection, so no segment straddles it, and `count`
    # more up to where the ray from the origin touches it: the stretch where chains above and
    # below the curve differ most, and where binaries decide whether a cell is worth entering.
    turn, touch = curves.inflection, curves.ray_tangency
    for i in np.flatnonzero((turn > 0) & (curves.kind != POINTS)):
        top = min(touch[i], upper[i])
        out[i] = np.concatenate([out[i], np.linspace(0.0, top, count + 1), [turn[i]] if turn[i] < upper[i] else []])
    return [
        np.unique(b) if len(b) > 1 and upper[i] > 0 else np.array([0.0, max(upper[i], 0.0)]) for i, b in enumerate(out)
    ]


_GRID = np.linspace(0.0, 1.0, 2049) ** 3  # shares of each curve's range, dense near zero where Hill curves bend most
_STEPS = np.diff(_GRID)
_CHUNK = 256  # curves per block: a block's grid arrays stay near 4 MB each, so memory is linear and small


def _numeric_breakpoints(curves: Curves, upper: np.ndarray, count: int) -> list[np.ndarray]:
    """Curvature spacing from a dense grid per curve, all curves at once (in blocks of `_CHUNK`)."""
    rows: list[np.ndarray] = []
    for first in range(0, len(curves), _CHUNK):
        block = np.arange(first, min(first + _CHUNK, len(curves)))
        rows.extend(_numeric_block(curves.take(block), upper[block], count))
    return rows


def _numeric_block(curves: Curves, upper: np.ndarray, count: int) -> list[np.ndarray]:
    grid = upper[:, None] * _GRID[None, :]
    density = curves.curvature_grid(grid)
    np.sqrt(density, out=density)
    density[:, 0] = density[:, 1]
    # Trapezoids of the density over the grid, summed in place: mass[:, j] is the integral up to grid[:, j].
    mass = np.empty_like(density)
    mass[:, 0] = 0.0
    np.add(density[:, 1:], density[:, :-1], out=mass[:, 1:])
    mass[:, 1:] *= 0.5 * upper[:, None] * _STEPS[None, :]
    np.cumsum(mass, axis=1, out=mass)
    total = mass[:, -1]
    good = np.isfinite(total) & (total > 0)
    targets = np.linspace(0.0, 1.0, count + 1)[None, :] * np.where(good, total, 0.0)[:, None]
    nodes = _interp_rows(targets, np.where(good[:, None], mass, 0.0), grid)
    nodes[:, 0], nodes[:, -1] = 0.0, upper
    return [row if ok else np.array([0.0, top]) for row, ok, top in zip(nodes, good, upper, strict=True)]


def _interp_rows(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """``np.interp(x[i], xp[i], fp[i])`` for every row i at once (each `xp[i]` non-decreasing)."""
    n, width = xp.shape
    rows = np.arange(n)[:, None]
    # Binary search in every row at once: `below` counts the entries of xp[i] at or below each x.
    below = np.zeros(x.shape, dtype=np.intp)
    top = np.full(x.shape, width, dtype=np.intp)
    while np.any(active := below < top):
        mid = (below + top) // 2
        go = xp[rows, np.minimum(mid, width - 1)] <= x
        below, top = np.where(active & go, mid + 1, below), np.where(active & ~go, mid, top)
    at = np.clip(below - 1, 0, width - 2)
    x0, x1 = xp[rows, at], xp[rows, at + 1]
    y0, y1 = fp[rows, at], fp[rows, at + 1]
    run = x1 - x0
    share = np.divide(x - x0, run, out=np.zeros_like(x), where=run > 0)
    out = y0 + np.clip(share, 0.0, 1.0) * (y1 - y0)
    return np.where(x >= xp[:, -1:], fp[:, -1:], np.where(x <= xp[:, :1], fp[:, :1], out))


def refine(breakpoints: list[np.ndarray], near: list[np.ndarray], parts: int = 4) -> list[np.ndarray]:
    """Split the segments that contain any of the spends `near[i]` into `parts` pieces."""
    refined = []
    for b, points in zip(breakpoints, near, strict=True):
        extra = []
        for x in np.atleast_1d(points):
            j = int(np.clip(np.searchsorted(b, x, side="right") - 1, 0, len(b) - 2))
            for jj in (j - 1, j, j + 1):
                if 0 <= jj < len(b) - 1:
                    extra.append(np.linspace(b[jj], b[jj + 1], parts + 1)[1:-1])
        merged = np.unique(np.concatenate([b, *extra])) if extra else b
        refined.append(merged if len(merged) >= 2 else b)  # keep [0, 0] for a slot that cannot spend
    return refined


def _inner_values(curves: Curves, i: int, nodes: np.ndarray) -> np.ndarray:
    """Heights of the inner chain at `nodes` for curve `i` (see `Segments.from_breakpoints`)."""
    one = curves.take(np.full(len(nodes), i))
    heights = one.value(nodes)
    if curves.concave[i] or curves.kind[i] == POINTS or len(nodes) < 2:
        return heights
    turn = curves.inflection[i]
    mids = 0.5 * (nodes[:-1] + nodes[1:])
    mid_curve = curves.take(np.full(len(mids), i))
    # The first segment starts at the origin with the slope there (0 for an S-shaped Hill curve).
    mids[0] = nodes[0]
    mid_value, mid_slope = mid_curve.value(mids), mid_curve.derivative(mids)
    convex = nodes[1:] <= turn * (1 + 1e-12)
    for j in np.flatnonzero(convex):
        for node in (j, j + 1):
            line = mid_value[j] + mid_slope[j] * (nodes[node] - mids[j])
            heights[node] = min(heights[node], line)
    return heights


def _upper_hull(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The upper convex hull of points sorted by x: the concave envelope of a point table."""
    hull: list[int] = []
    for k in range(len(xs)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            cross = (xs[b] - xs[a]) * (ys[k] - ys[a]) - (ys[b] - ys[a]) * (xs[k] - xs[a])
            if cross >= 0:
                hull.pop()
            else:
                break
        hull.append(k)
    return xs[hull], ys[hull]
