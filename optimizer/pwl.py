"""Piecewise-linear approximation of concave curves, with its error.

Breakpoints are spaced by curvature: equal steps of ``∫ sqrt(|f''|) dx``,
which equalises the interpolation error ``h² |f''| / 8`` across segments
(the minimax spacing for smooth concave curves). The interpolant lies below
a concave curve, so a plan feasible for it is feasible for the true curve;
`Segments.max_gap` gives the exact worst gap per segment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios.curves import EXPONENTIAL, POINTS, Curves


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
        """Chords of `curves` between consecutive breakpoints (one array per curve)."""
        counts = np.array([len(b) - 1 for b in breakpoints])
        owner = np.repeat(np.arange(len(breakpoints)), counts)
        left = np.concatenate([b[:-1] for b in breakpoints]) if len(breakpoints) else np.zeros(0)
        right = np.concatenate([b[1:] for b in breakpoints]) if len(breakpoints) else np.zeros(0)
        expanded = curves.take(owner)
        width = right - left
        rise = expanded.value(right) - expanded.value(left)
        slope = np.divide(rise, width, out=np.zeros_like(rise), where=width > 0)
        return Segments(owner, left, width, slope)

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
        for i, points in enumerate(breakpoints):
            one = curves.take(np.full(len(points), i))
            value, slope = one.value(points), one.derivative(points)
            keep = np.isfinite(slope) & (slope < 1e12)
            points, value, slope = points[keep], value[keep], slope[keep]
            if len(points) == 0:
                continue
            offset = value - slope * points  # each tangent's value at 0
            intercept[i] = max(offset[0], 0.0)
            drop = slope[:-1] - slope[1:]
            with np.errstate(divide="ignore", invalid="ignore"):
                kinks = np.where(drop > 1e-15, (offset[1:] - offset[:-1]) / drop, points[1:])
            edges = np.concatenate([[0.0], np.clip(kinks, 0.0, breakpoints[i][-1]), [breakpoints[i][-1]]])
            edges = np.maximum.accumulate(edges)
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

    def max_gap(self, curves: Curves) -> np.ndarray:
        """Largest distance between each curve and its interpolant on each segment."""
        expanded = curves.take(self.owner)
        end = self.start + self.width
        x = expanded.best_response(np.ones(len(self.owner)), self.slope, self.start, end)
        gap = expanded.value(x) - (expanded.value(self.start) + self.slope * (x - self.start))
        return np.maximum(gap, 0.0)


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
    return [
        np.unique(b) if len(b) > 1 and upper[i] > 0 else np.array([0.0, max(upper[i], 0.0)]) for i, b in enumerate(out)
    ]


def _numeric_breakpoints(curves: Curves, upper: np.ndarray, count: int) -> list[np.ndarray]:
    """Curvature spacing from a dense grid, concentrated near zero where Hill curves bend most."""
    u = np.linspace(0.0, 1.0, 2049) ** 3
    grid = upper[:, None] * u[None, :]
    owner = np.repeat(np.arange(len(curves)), len(u))
    density = np.sqrt(curves.take(owner).curvature(grid.ravel())).reshape(grid.shape)
    density[:, 0] = density[:, 1]
    steps = 0.5 * (density[:, 1:] + density[:, :-1]) * np.diff(grid, axis=1)
    mass = np.concatenate([np.zeros((len(curves), 1)), np.cumsum(steps, axis=1)], axis=1)
    rows = []
    for i in range(len(curves)):
        if not np.isfinite(mass[i, -1]) or mass[i, -1] <= 0:
            rows.append(np.array([0.0, upper[i]]))
            continue
        row = np.interp(np.linspace(0.0, mass[i, -1], count + 1), mass[i], grid[i])
        row[0], row[-1] = 0.0, upper[i]
        rows.append(row)
    return rows


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
        refined.append(np.unique(np.concatenate([b, *extra])) if extra else b)
    return refined
