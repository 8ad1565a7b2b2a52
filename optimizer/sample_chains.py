"""Every draw's response curves through the same nodes: chords (`inner`) or tangents (`outer`), for the
confidence LP (`optimizer.sample_lp`).

The draws' curves are approximated on the same breakpoints, so their chains
share their nodes and differ only in the heights and slopes there; the mean
of the draws' curves is concave too, with the mean values and slopes.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from optimizer.pwl import Segments
from scenarios import Curves


@dataclass(frozen=True)
class Chains:
    """Every draw's curves through the same nodes: an `inner` chain of chords (on or below the concave curves) or
    an `outer` envelope of the tangents at the nodes (on or above them).

    `owner` and `nodes` are the slot and spend of each node, slot by slot in order; `heights` and `slopes`
    (draws × nodes) the curves' values and derivatives there, `base_heights` and `base_slopes` the base curves'.
    The mean of the draws' curves is concave too, with the mean values and slopes: its chain costs one set of
    segments however many draws there are.
    """

    kind: str
    owner: np.ndarray
    nodes: np.ndarray
    heights: np.ndarray
    slopes: np.ndarray
    base_heights: np.ndarray
    base_slopes: np.ndarray

    def draw(self, s: int) -> Segments:
        """Draw `s`'s chain."""
        return self._segments(self.heights[s], self.slopes[s])

    def mean(self) -> Segments:
        """The chain of the draws' mean curve."""
        return self._segments(self.heights.mean(axis=0), self.slopes.mean(axis=0))

    def base(self) -> Segments:
        """The base curves' chain."""
        return self._segments(self.base_heights, self.base_slopes)

    def values(self, spend: np.ndarray) -> np.ndarray:
        """Every draw's inner chain at `spend` (draws × slots)."""
        out = np.zeros((len(self.heights), len(spend)))
        for part in _slots(self.owner):
            c = int(self.owner[part.start])
            nodes = self.nodes[part]
            x = float(np.clip(spend[c], nodes[0], nodes[-1]))
            right = int(np.clip(np.searchsorted(nodes, x, side="right"), 1, len(nodes) - 1)) if len(nodes) > 1 else 0
            left = max(right - 1, 0)
            width = nodes[right] - nodes[left]
            w = (x - nodes[left]) / width if width > 0 else 0.0
            heights = self.heights[:, part]
            out[:, c] = heights[:, left] + w * (heights[:, right] - heights[:, left])
        return out

    def _segments(self, heights: np.ndarray, slopes: np.ndarray) -> Segments:
        if self.kind == "inner":
            same = self.owner[1:] == self.owner[:-1]
            width = np.diff(self.nodes)[same]
            rise = np.diff(heights)[same]
            slope = np.divide(rise, width, out=np.zeros_like(rise), where=width > 0)
            first = np.flatnonzero(np.concatenate([[True], ~same]))
            return Segments(self.owner[1:][same], self.nodes[:-1][same], width, slope, heights[first])
        parts = [_envelope(self.nodes[m], heights[m], slopes[m]) for m in _slots(self.owner)]
        owner = np.concatenate([np.full(len(p[0]), c) for c, p in enumerate(parts)])
        start, width, slope = (np.concatenate([p[k] for p in parts]) for k in range(3))
        return Segments(owner, start, width, slope, np.array([p[3] for p in parts]))


def _slots(owner: np.ndarray) -> list[slice]:
    """The node range of each slot."""
    edges = np.flatnonzero(np.concatenate([[True], owner[1:] != owner[:-1], [True]]))
    return [slice(a, b) for a, b in pairwise(edges)]


def _envelope(
    nodes: np.ndarray, values: np.ndarray, slopes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The lowest of a concave curve's tangents at `nodes`, on [0, last node]: segment starts, widths and slopes,
    and its value at 0. Tangents of infinite slope (a Hill curve with alpha < 1 at 0) are left out."""
    end = float(nodes[-1])
    keep = np.isfinite(slopes)
    b, v, g = nodes[keep], values[keep], slopes[keep]
    if not len(b):
        return np.zeros(1), np.array([end]), np.zeros(1), float(values[-1])
    # A tangent no steeper than the one before is the same line or lies above it: keep the falling ones.
    falling = np.concatenate([[True], g[1:] < g[:-1]])
    b, v, g = b[falling], v[falling], g[falling]
    a = v - g * b
    cross = (a[1:] - a[:-1]) / (g[:-1] - g[1:])
    edges = np.clip(np.maximum.accumulate(np.concatenate([[0.0], cross, [end]])), 0.0, end)
    return edges[:-1], np.diff(edges), g, float(a[0])


def chains(base: Curves, curves: list[Curves], breakpoints: list[np.ndarray], kind: str) -> Chains:
    """The `kind` chains (``inner`` or ``outer``) of the concave `base` curves and of each draw's (one `Curves`
    per draw) through `breakpoints` (per slot)."""
    owner = np.concatenate([np.full(len(b), i) for i, b in enumerate(breakpoints)])
    nodes = np.concatenate(breakpoints)
    heights, slopes = _at_nodes(curves, owner, nodes)
    base_heights, base_slopes = _at_nodes([base], owner, nodes)
    return Chains(kind, owner, nodes, heights, slopes, base_heights[0], base_slopes[0])


def _at_nodes(curves: list[Curves], owner: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each of `curves`' value and derivative at `nodes` (of the slots `owner`), draws × nodes: all draws' curves
    as one `Curves` (point tables, rare, one draw at a time)."""
    count, size = len(curves), len(nodes)
    if not count:
        return np.zeros((0, size)), np.zeros((0, size))
    if any(c.points for c in curves):
        takes = [c.take(owner) for c in curves]
        heights = np.array([t.value(nodes) for t in takes]).reshape(count, size)
        return heights, np.array([t.derivative(nodes) for t in takes]).reshape(count, size)
    kind, maximum, scale, alpha = (
        np.concatenate([getattr(c, name)[owner] for c in curves]) for name in ("kind", "maximum", "scale", "alpha")
    )
    every = Curves(kind, maximum, scale, alpha)
    at = np.tile(nodes, count)
    return every.value(at).reshape(count, size), every.derivative(at).reshape(count, size)
