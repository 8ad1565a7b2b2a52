"""Response curves: conversions as a function of spend, vectorised over cells.

Three families, all through the origin and non-decreasing:

- exponential: ``max · (1 − exp(−x / scale))``, the default curve derived
  from a cell's CPM, CTR, CVR and reachable in-market audience;
- Hill: ``max · x^α / (x^α + k^α)`` with ``k`` the half-saturation spend, as
  marketing-mix models (Robyn, Meridian, PyMC-Marketing) export it;
- points: a table of (spend, conversions) joined by straight lines, flat past
  its last point, as platform planners export it.

Spend ``x`` is in currency over the horizon; values are conversions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

EXPONENTIAL, HILL, POINTS = 0, 1, 2


@dataclass(frozen=True)
class Curves:
    """N response curves, one per cell (or per slot, inside a market), evaluated together.

    Parameters
    ----------
    kind : int array (N,)
        `EXPONENTIAL`, `HILL` or `POINTS` per cell.
    maximum : float array (N,)
        Saturation level in conversions (exponential, Hill); last value (points).
    scale : float array (N,)
        Exponential scale or Hill half-saturation, in currency.
    alpha : float array (N,)
        Hill shape (1 for other kinds).
    points : dict
        Cell index -> (spend, conversions) arrays, starting at (0, 0).
    """

    kind: np.ndarray
    maximum: np.ndarray
    scale: np.ndarray
    alpha: np.ndarray
    points: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.kind)
        for name in ("maximum", "scale", "alpha"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"Curves.{name} must have shape ({n},), got {getattr(self, name).shape}")
        if np.any(self.scale <= 0) or np.any(self.maximum < 0) or np.any(self.alpha <= 0):
            raise ValueError("Curves need scale > 0, maximum >= 0 and alpha > 0")
        if set(np.flatnonzero(self.kind == POINTS)) != set(self.points):
            raise ValueError("Curves.points must hold a table for exactly the POINTS cells")

    def __len__(self) -> int:
        return len(self.kind)

    @staticmethod
    def exponential(maximum: np.ndarray, scale: np.ndarray) -> Curves:
        """Build N exponential curves ``maximum · (1 − exp(−x / scale))``."""
        maximum = np.asarray(maximum, dtype=float)
        return Curves(
            kind=np.full(len(maximum), EXPONENTIAL),
            maximum=maximum,
            scale=np.asarray(scale, dtype=float),
            alpha=np.ones(len(maximum)),
        )

    def take(self, index: np.ndarray) -> Curves:
        """The curves at positions `index` (repeats allowed), in that order."""
        index = np.asarray(index, dtype=int)
        tables = np.flatnonzero(self.kind[index] == POINTS) if self.points else ()
        points = {int(new): self.points[int(index[new])] for new in tables}
        return Curves(self.kind[index], self.maximum[index], self.scale[index], self.alpha[index], points)

    def scaled(self, value_factor: np.ndarray, spend_factor: np.ndarray) -> Curves:
        """Curves ``a · f(b · x)`` for per-curve factors a (`value_factor`) and b (`spend_factor`)."""
        a, b = np.asarray(value_factor, dtype=float), np.asarray(spend_factor, dtype=float)
        points = {i: (xs / b[i], ys * a[i]) for i, (xs, ys) in self.points.items()}
        return Curves(self.kind, self.maximum * a, self.scale / b, self.alpha, points)

    def value(self, x: np.ndarray) -> np.ndarray:
        """Conversions at spend `x` (currency), one value per cell."""
        x = np.maximum(np.asarray(x, dtype=float), 0.0)
        out = np.empty(len(self))
        exp = self.kind == EXPONENTIAL
        out[exp] = self.maximum[exp] * -np.expm1(-x[exp] / self.scale[exp])
        hill = self.kind == HILL
        if hill.any():
            ratio = (x[hill] / self.scale[hill]) ** self.alpha[hill]
            out[hill] = self.maximum[hill] * ratio / (1.0 + ratio)
        for i, (xs, ys) in self.points.items():
            out[i] = np.interp(x[i], xs, ys)
        return out

    def derivative(self, x: np.ndarray) -> np.ndarray:
        """Marginal conversions per unit of spend at `x` (right derivative for points)."""
        x = np.maximum(np.asarray(x, dtype=float), 0.0)
        out = np.empty(len(self))
        exp = self.kind == EXPONENTIAL
        out[exp] = self.maximum[exp] / self.scale[exp] * np.exp(-x[exp] / self.scale[exp])
        hill = self.kind == HILL
        if hill.any():
            a, k, m = self.alpha[hill], self.scale[hill], self.maximum[hill]
            xh = np.maximum(x[hill], 1e-12 * k)
            ratio = (xh / k) ** a
            out[hill] = m * a * ratio / (xh * (1.0 + ratio) ** 2)
        for i, (xs, ys) in self.points.items():
            slopes = np.append(np.diff(ys) / np.diff(xs), 0.0)
            out[i] = slopes[min(np.searchsorted(xs, x[i], side="right") - 1, len(slopes) - 1)]
        return out

    def curvature(self, x: np.ndarray) -> np.ndarray:
        """Absolute second derivative at `x` (0 for point tables, which are piecewise linear)."""
        x = np.maximum(np.asarray(x, dtype=float), 0.0)
        out = np.zeros(len(self))
        exp = self.kind == EXPONENTIAL
        out[exp] = self.maximum[exp] / self.scale[exp] ** 2 * np.exp(-x[exp] / self.scale[exp])
        hill = self.kind == HILL
        if hill.any():
            a, k, m = self.alpha[hill], self.scale[hill], self.maximum[hill]
            xh = np.maximum(x[hill], 1e-9 * k)
            r = (xh / k) ** a
            second = m * a * r * ((a - 1.0) * (1.0 + r) - 2.0 * a * r) / (xh**2 * (1.0 + r) ** 3)
            out[hill] = np.abs(second)
        return out

    def curvature_grid(self, x: np.ndarray) -> np.ndarray:
        """`curvature` at a row of spends per curve: ``x`` of shape (N, G), curve i at ``x[i]``."""
        x = np.maximum(np.asarray(x, dtype=float), 0.0)
        hill = self.kind == HILL
        if hill.all():  # the usual file of Hill curves: no masked copies of the grid
            return _hill_curvature(self.alpha[:, None], self.scale[:, None], self.maximum[:, None], x)
        out = np.zeros(x.shape)
        exp = self.kind == EXPONENTIAL
        if exp.any():
            s, m = self.scale[exp][:, None], self.maximum[exp][:, None]
            out[exp] = m / s**2 * np.exp(-x[exp] / s)
        if hill.any():
            out[hill] = _hill_curvature(
                self.alpha[hill][:, None], self.scale[hill][:, None], self.maximum[hill][:, None], x[hill]
            )
        return out

    def best_response(self, weight: np.ndarray, price: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
        """Spend maximising ``weight · f(x) − price · x`` over ``[lower, upper]`` per cell.

        Concave when ``weight >= 0``: the first-order condition ``f'(x) = price / weight``
        is solved in closed form (exponential) or by bisection (Hill); point
        tables and ``weight < 0`` are maximised over their candidate vertices.
        """
        weight = np.asarray(weight, dtype=float)
        price = np.asarray(price, dtype=float)
        x = np.empty(len(self))
        target = np.divide(price, weight, out=np.full(len(self), np.inf), where=weight > 0)
        exp = (self.kind == EXPONENTIAL) & (weight > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope0 = self.maximum / self.scale
            root = np.where(target > 0, self.scale * np.log(slope0 / target), np.inf)
        root = np.where(target <= 0, np.inf, root)
        x[exp] = root[exp]
        hill = np.flatnonzero((self.kind == HILL) & (weight > 0))
        if hill.size:
            x[hill] = self._hill_stationary(hill, target[hill], lower[hill], upper[hill])
        x = np.clip(np.nan_to_num(x, nan=0.0, posinf=np.inf, neginf=0.0), lower, upper)
        # S-shaped curves: the stationary point of the concave part may lose to an end of the range;
        # a non-concave objective (weight <= 0) is best at an end of the range.
        s_shaped = ~self.concave & (self.kind == HILL) & (weight > 0)
        ends = np.flatnonzero(s_shaped | ((self.kind != POINTS) & (weight <= 0)))
        if ends.size:
            cand = np.stack([lower[ends], upper[ends], np.where(weight[ends] > 0, x[ends], lower[ends])]).astype(float)
            gain = weight[ends] * self._values(ends, cand) - price[ends] * cand
            x[ends] = cand[np.argmax(gain, axis=0), np.arange(ends.size)]
        # Point tables: best of the candidate vertices (the ends, and the table's points between them).
        tables = np.flatnonzero(self.kind == POINTS)
        if tables.size:
            xs, ys, real = self._tables
            lo, hi, w, p = lower[tables], upper[tables], weight[tables], price[tables]
            cand = np.concatenate([lo[:, None], hi[:, None], xs], axis=1).astype(float)
            value = np.concatenate([self._table_values(lo)[:, None], self._table_values(hi)[:, None], ys], axis=1)
            gain = w[:, None] * value - p[:, None] * cand
            inside = (xs >= lo[:, None]) & (xs <= hi[:, None]) & (w[:, None] > 0) & real
            gain[:, 2:][~inside] = -np.inf
            x[tables] = cand[np.arange(tables.size), np.argmax(gain, axis=1)]
        return x

    def _hill_stationary(
        self, hill: np.ndarray, target: np.ndarray, lower: np.ndarray, upper: np.ndarray
    ) -> np.ndarray:
        """Where Hill curves `hill` have slope `target`, past their inflection points, within [lower, upper].

        In ``u = ln(x / k)`` the log slope ``h(u) = ln(m·α/k) + (α − 1)·u − 2·ln(1 + e^(α·u)) − ln(target)``
        is concave (``h'' = −2α²σ(1 − σ)`` with σ the logistic of α·u) and falls past the inflection,
        so Newton's method from the upper end converges from the right, monotonically, to the root
        (or stays right of the range when the slope is above `target` throughout). Cells it cannot
        start on (no positive target, no finite upper end) are bisected.
        """
        a, k, m = self.alpha[hill], self.scale[hill], self.maximum[hill]
        lo = np.minimum(np.maximum(lower, self.inflection[hill]).astype(float), upper)
        hi = upper.astype(float)
        out = hi.copy()
        newton = (target > 0) & np.isfinite(target) & np.isfinite(hi) & (hi > lo)
        one = newton & (a == 1.0)
        if one.any():  # alpha 1: f'(x) = m·k / (x + k)², so x = sqrt(m·k / target) − k
            root = np.sqrt(m[one] * k[one] / target[one]) - k[one]
            out[one] = np.clip(root, lo[one], hi[one])
            newton &= ~one
        if newton.any():
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                a_, k_, lo_, hi_ = a[newton], k[newton], lo[newton], hi[newton]
                level = np.log(m[newton] * a_ / k_) - np.log(target[newton])
                # h(u) <= level + (α − 1)·u − 2·max(0, α·u), whose root max(level, 0) / (α + 1) is right of
                # h's root (and right of h's peak, which is at u < 0): a start near the root, still right of it.
                u = np.minimum(np.log(hi_ / k_), np.maximum(level, 0.0) / (a_ + 1.0))
                for _ in range(100):
                    au = a_ * u
                    soft = np.logaddexp(0.0, au)  # ln(1 + e^(α·u)); the logistic of α·u is e^(α·u − soft)
                    h = level + (a_ - 1.0) * u - 2.0 * soft
                    slope = (a_ - 1.0) - 2.0 * a_ * np.exp(au - soft)
                    step = np.where((h < 0) & (slope < 0), h / slope, 0.0)  # right of the root: move left
                    u = u - step
                    if not np.any(np.abs(step) > 4e-16 * np.maximum(1.0, np.abs(u))):
                        break
            root = k_ * np.exp(u)
            out[newton] = np.where(np.isnan(root), lo_, np.clip(root, lo_, hi_))
        other = ~newton & ~one
        if other.any():
            # A slope above the target at the upper end is above it throughout (f' falls past the inflection).
            xh = np.maximum(np.maximum(hi, 0.0), 1e-12 * k)
            with np.errstate(over="ignore", invalid="ignore"):
                ratio = (xh / k) ** a
                steep = m * a * ratio / (xh * (1.0 + ratio) ** 2) > target
            other &= ~steep
            out[other] = self._hill_bisection(hill[other], target[other], lo[other], hi[other])
        return out

    def _hill_bisection(self, hill: np.ndarray, target: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Bisection for `_hill_stationary` where Newton's method has no start; stops once no interval moves."""
        a, k, m = self.alpha[hill], self.scale[hill], self.maximum[hill]
        hi = hi.copy()
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            xh = np.maximum(np.maximum(mid, 0.0), 1e-12 * k)
            ratio = (xh / k) ** a
            above = m * a * ratio / (xh * (1.0 + ratio) ** 2) > target
            new_lo = np.where(above, mid, lo)
            new_hi = np.where(above, hi, mid)
            if np.array_equal(new_lo, lo, equal_nan=True) and np.array_equal(new_hi, hi, equal_nan=True):
                break
            lo, hi = new_lo, new_hi
        return 0.5 * (lo + hi)

    def _values(self, index: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Values of the exponential or Hill curves `index` at spends `x` (shape (..., len(index)))."""
        m, s, a = self.maximum[index], self.scale[index], self.alpha[index]
        with np.errstate(over="ignore", invalid="ignore"):
            r = (np.maximum(x, 0.0) / s) ** a
            return np.where(self.kind[index] == EXPONENTIAL, m * -np.expm1(-x / s), m * r / (1.0 + r))

    @property
    def concave(self) -> np.ndarray:
        """Whether each curve is concave (exponential, Hill with alpha <= 1, tables of falling slopes)."""
        return self._concave.copy()

    @cached_property
    def _concave(self) -> np.ndarray:
        """`concave`, computed once (the curves are immutable)."""
        out = (self.kind == EXPONENTIAL) | ((self.kind == HILL) & (self.alpha <= 1.0))
        for i, (xs, ys) in self.points.items():
            slopes = np.diff(ys) / np.diff(xs)
            out[i] = bool(np.all(np.diff(slopes) <= 1e-12 * np.maximum(1.0, np.abs(slopes[1:]))))
        return out

    @property
    def inflection(self) -> np.ndarray:
        """Spend where each curve turns from convex to concave (0 for concave curves).

        Hill: ``k · ((α − 1) / (α + 1))^(1/α)``; point tables: the start of the steepest segment
        after the last rise in slope.
        """
        return self._inflection.copy()

    @cached_property
    def _inflection(self) -> np.ndarray:
        """`inflection`, computed once (the curves are immutable)."""
        out = np.zeros(len(self))
        hill = (self.kind == HILL) & (self.alpha > 1.0)
        a = self.alpha[hill]
        out[hill] = self.scale[hill] * ((a - 1.0) / (a + 1.0)) ** (1.0 / a)
        for i, (xs, ys) in self.points.items():
            slopes = np.diff(ys) / np.diff(xs)
            rises = np.flatnonzero(np.diff(slopes) > 1e-12 * np.maximum(1.0, np.abs(slopes[1:])))
            out[i] = xs[rises[-1] + 1] if rises.size else 0.0
        return out

    @property
    def ray_tangency(self) -> np.ndarray:
        """Spend where the ray from the origin touches each curve (0 for concave curves).

        Below it, the curve's concave envelope is that ray. Hill: ``k · (α − 1)^(1/α)``;
        point tables: the point of highest conversions per unit of spend.
        """
        return self._ray_tangency.copy()

    @cached_property
    def _ray_tangency(self) -> np.ndarray:
        """`ray_tangency`, computed once (the curves are immutable)."""
        out = np.zeros(len(self))
        hill = (self.kind == HILL) & (self.alpha > 1.0)
        a = self.alpha[hill]
        out[hill] = self.scale[hill] * (a - 1.0) ** (1.0 / a)
        for i, (xs, ys) in self.points.items():
            if not self._concave[i]:
                ratio = np.divide(ys[1:], xs[1:])
                out[i] = xs[1 + int(np.argmax(ratio))]
        return out

    @cached_property
    def _tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The point tables in cell order as rows of one array (spends, conversions, which are real points).

        Shorter tables are padded with their last point.
        """
        tables = [self.points[int(i)] for i in np.flatnonzero(self.kind == POINTS)]
        width = max((len(xs) for xs, _ in tables), default=1)
        xs = np.array([np.pad(t[0], (0, width - len(t[0])), mode="edge") for t in tables]).reshape(-1, width)
        ys = np.array([np.pad(t[1], (0, width - len(t[1])), mode="edge") for t in tables]).reshape(-1, width)
        real = np.arange(width)[None, :] < np.array([len(t[0]) for t in tables], dtype=int)[:, None]
        return xs, ys, real

    def _table_values(self, x: np.ndarray) -> np.ndarray:
        """``np.interp(x[j], spends, conversions)`` of the j-th point table, for every table at once."""
        xs, ys, real = self._tables
        x = np.asarray(x, dtype=float)
        after = np.clip((real & (xs <= x[:, None])).sum(axis=1) - 1, 0, xs.shape[1] - 1)  # the node at or below
        last = real.sum(axis=1) - 1
        rows = np.arange(len(x))
        nxt = np.minimum(after + 1, last)
        x0, y0, x1, y1 = xs[rows, after], ys[rows, after], xs[rows, nxt], ys[rows, nxt]
        with np.errstate(divide="ignore", invalid="ignore"):
            inner = (y1 - y0) / (x1 - x0) * (x - x0) + y0
        return np.where(x >= xs[rows, last], ys[rows, last], np.where(x <= xs[:, 0], ys[:, 0], inner))

    def _value_one(self, i: int, x: np.ndarray) -> np.ndarray:
        """Values of curve `i` at several spends."""
        if self.kind[i] == POINTS:
            xs, ys = self.points[i]
            return np.interp(x, xs, ys)
        if self.kind[i] == EXPONENTIAL:
            return self.maximum[i] * -np.expm1(-x / self.scale[i])
        r = (np.maximum(x, 0.0) / self.scale[i]) ** self.alpha[i]
        return self.maximum[i] * r / (1.0 + r)


def _hill_curvature(a: np.ndarray, k: np.ndarray, m: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``|f''(x)|`` of Hill curves ``m·r / (1 + r)`` with ``r = (x / k)^a``, broadcast over `x` (spend ≥ 0).

    Powers are written as products and ``r`` as one exponential, in place: over a dense grid per
    curve this is most of a Hill plan's setup time.
    """
    xh = np.maximum(x, 1e-9 * k)
    if np.all(a == 1.0):  # alpha 1: |f''| = 2·m / (k² · (1 + x/k)³)
        one = xh / k
        one += 1.0
        return 2.0 * m / (k * k * (one * one * one))
    r = np.log(xh / k)
    r *= a
    np.exp(r, out=r)
    one = r + 1.0
    top = (a - 1.0) * one - 2.0 * a * r
    top *= r
    top *= m * a
    xh *= xh
    xh *= one * one * one
    top /= xh
    return np.abs(top, out=top)
