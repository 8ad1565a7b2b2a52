"""The breakpoints and chains computed for all curves at once equal the former per-curve computations.

Each reference below is the per-curve loop the optimizer used before, kept here as the oracle;
seeded random curves of every kind (exponential, Hill with alpha below and above 1, point tables
concave and S-shaped) with random ranges, including zero ranges.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.pwl import Segments, _inner_values, _numeric_breakpoints, curvature_breakpoints
from scenarios.curves import EXPONENTIAL, HILL, POINTS, Curves


def random_curves(rng: np.random.Generator, n: int) -> tuple[Curves, np.ndarray]:
    kind = rng.choice([EXPONENTIAL, HILL, HILL, POINTS], size=n)
    maximum = rng.uniform(1.0, 1e4, n) * (rng.random(n) > 0.05)
    scale = 10.0 ** rng.uniform(1, 6, n)
    alpha = np.where(kind == HILL, rng.choice([rng.uniform(0.2, 1.0), 1.0, rng.uniform(1.0001, 6.0)], n), 1.0)
    points = {}
    for i in np.flatnonzero(kind == POINTS):
        m = int(rng.integers(1, 9))
        xs = np.concatenate([[0.0], np.cumsum(rng.uniform(0.1, 1.0, m) * scale[i])])
        steps = np.sort(rng.uniform(0.0, 1.0, m))[::-1] if rng.random() < 0.5 else rng.uniform(0.0, 1.0, m)
        ys = np.concatenate([[0.0], np.cumsum(steps * np.diff(xs))])
        points[int(i)] = (xs, ys)
    upper = scale * rng.choice([0.0, 0.3, 1.0, 5.0, 50.0], n) * rng.uniform(0.5, 2.0, n)
    return Curves(kind, maximum, scale, alpha, points), upper


def numeric_breakpoints_per_curve(curves: Curves, upper: np.ndarray, count: int) -> list[np.ndarray]:
    """The former implementation: one long grid for every curve, interpolated curve by curve."""
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


@pytest.mark.parametrize("seed", range(40))
def test_numeric_breakpoints_equal_the_per_curve_ones(seed: int) -> None:
    rng = np.random.default_rng(seed)
    curves, upper = random_curves(rng, int(rng.integers(1, 600)))
    hill = np.flatnonzero(curves.kind == HILL)
    count = int(rng.integers(2, 40))
    got = _numeric_breakpoints(curves.take(hill), upper[hill], count)
    want = numeric_breakpoints_per_curve(curves.take(hill), upper[hill], count)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=0.0)


def test_take_keeps_point_tables_in_order() -> None:
    curves, _ = random_curves(np.random.default_rng(7), 200)
    index = np.random.default_rng(8).integers(0, 200, 500)
    taken = curves.take(index)
    assert set(taken.points) == set(np.flatnonzero(curves.kind[index] == POINTS).tolist())
    for new, (xs, ys) in taken.points.items():
        assert xs is curves.points[int(index[new])][0]
        assert ys is curves.points[int(index[new])][1]


def best_response_per_curve(curves: Curves, weight: np.ndarray, price: np.ndarray, lower, upper) -> np.ndarray:
    """The former `Curves.best_response`: 100 bisection steps over every cell, S-shaped cells one by one.

    Hill cells are now solved by Newton's method in log spend.
    """
    n = len(curves)
    x = np.empty(n)
    target = np.divide(price, weight, out=np.full(n, np.inf), where=weight > 0)
    exp = (curves.kind == EXPONENTIAL) & (weight > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.where(target > 0, curves.scale * np.log(curves.maximum / curves.scale / target), np.inf)
    root = np.where(target <= 0, np.inf, root)
    x[exp] = root[exp]
    hill = np.flatnonzero((curves.kind == HILL) & (weight > 0))
    if hill.size:
        lo = np.minimum(np.maximum(lower[hill], curves.inflection[hill]).astype(float), upper[hill])
        hi = upper[hill].astype(float).copy()
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            spread = np.zeros(n)
            spread[hill] = mid
            above = curves.derivative(spread)[hill] > target[hill]
            lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
        x[hill] = 0.5 * (lo + hi)
    x = np.clip(np.nan_to_num(x, nan=0.0, posinf=np.inf, neginf=0.0), lower, upper)
    for i in np.flatnonzero(~curves.concave & (curves.kind == HILL) & (weight > 0)).tolist():
        cand = np.array([lower[i], upper[i], x[i]], dtype=float)
        x[i] = cand[int(np.argmax(weight[i] * curves._value_one(i, cand) - price[i] * cand))]
    for i in [i for i in range(n) if curves.kind[i] == POINTS or weight[i] <= 0]:
        candidates = [lower[i], upper[i]]
        if curves.kind[i] == POINTS and weight[i] > 0:
            candidates += [v for v in curves.points[i][0] if lower[i] <= v <= upper[i]]
        cand = np.array(candidates, dtype=float)
        x[i] = cand[int(np.argmax(weight[i] * curves._value_one(i, cand) - price[i] * cand))]
    return x


@pytest.mark.parametrize("seed", range(40))
def test_best_response_equals_the_per_curve_one(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 400))
    curves, upper = random_curves(rng, n)
    lower = upper * rng.choice([0.0, 0.0, 0.2], n)
    weight = rng.choice([1.0, 3.0, 0.0, -1.0], n) * rng.uniform(0.5, 2.0, n)
    price = curves.derivative(curves.scale * rng.uniform(0.01, 10.0, n)) * rng.uniform(0.5, 2.0, n) * np.abs(weight)
    price = np.where(rng.random(n) < 0.1, -price, price)
    got = curves.best_response(weight, price, lower, upper)
    want = best_response_per_curve(curves, weight, price, lower, upper)
    # Newton's method and the former bisection agree to rounding; where they differ at all, both are
    # stationary points of the same objective, so the objective is equal too.
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12 * float(np.max(upper, initial=1.0)))
    gain = weight * curves.value(got) - price * got
    np.testing.assert_allclose(gain, weight * curves.value(want) - price * want, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("seed", range(20))
def test_inner_chain_equals_the_per_curve_one(seed: int) -> None:
    rng = np.random.default_rng(300 + seed)
    curves, upper = random_curves(rng, int(rng.integers(1, 300)))
    breakpoints = curvature_breakpoints(curves, upper, int(rng.integers(2, 20)))
    got = Segments.from_breakpoints(curves, breakpoints)
    # The former computation: each curve's chain heights on their own.
    rise = np.concatenate([np.diff(_inner_values(curves, i, b)) for i, b in enumerate(breakpoints)])
    width = np.concatenate([np.diff(b) for b in breakpoints])
    slope = np.divide(rise, width, out=np.zeros_like(rise), where=width > 0)
    np.testing.assert_array_equal(got.width, width)
    np.testing.assert_array_equal(got.slope, slope)
    np.testing.assert_array_equal(got.owner, np.repeat(np.arange(len(breakpoints)), [len(b) - 1 for b in breakpoints]))


@pytest.mark.parametrize("seed", range(5))
def test_numeric_breakpoints_of_hill_curves_with_alpha_one_equal_the_per_curve_ones(seed: int) -> None:
    rng = np.random.default_rng(500 + seed)
    curves, upper = random_curves(rng, 300)
    hill = np.flatnonzero(curves.kind == HILL)
    ones = Curves(curves.kind[hill], curves.maximum[hill], curves.scale[hill], np.ones(hill.size))
    got = _numeric_breakpoints(ones, upper[hill], 17)
    want = numeric_breakpoints_per_curve(ones, upper[hill], 17)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=0.0)
