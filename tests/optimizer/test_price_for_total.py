"""`price_for_total` finds the same price as plain bisection, on smooth totals and on totals with jumps."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.approximation import price_for_total
from scenarios.curves import EXPONENTIAL, HILL, Curves


def bisection(spend_at, total: float, high: float) -> np.ndarray:
    """Bisection of the price's logarithm from 1e-300 up (flat Hill curves put the price far below 1):
    3,000 halvings, the spends at the bracket's top."""
    low, high = -300.0 * np.log(10.0), np.log(high)
    for _ in range(3000):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if spend_at(np.exp(mid)).sum() > total else (low, mid)
    return spend_at(np.exp(high))


@pytest.mark.parametrize("seed", range(30))
def test_the_price_equals_bisection(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    kind = rng.choice([EXPONENTIAL, HILL], n)
    # Every third seed has S-shaped Hill curves: their spend jumps from 0 to past the inflection.
    alpha = np.where(kind == HILL, rng.uniform(0.5, 1.0 if seed % 3 else 3.0, n), 1.0)
    scale = 10.0 ** rng.uniform(1, 5, n)
    curves = Curves(kind, rng.uniform(1.0, 1e4, n), scale, alpha, {})
    lower, upper = np.zeros(n), scale * 10.0 ** rng.uniform(-1, 2, n)
    weight = np.ones(n)

    def spend_at(price: float) -> np.ndarray:
        return curves.best_response(weight, np.full(n, price), lower, upper)

    total = float(rng.uniform(0.05, 0.95) * spend_at(0.0).sum())
    high = float(np.max(curves.derivative(lower))) + 1.0
    got = price_for_total(spend_at, total, 0.0, high)
    want = bisection(spend_at, total, high)
    assert got.sum() <= total * (1 + 1e-12)
    if seed % 3:  # smooth totals: the same spends, and all of `total` spent
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9 * upper.max())
        assert got.sum() == pytest.approx(total, rel=1e-9)
    else:  # with jumps the total at the price can fall short of `total`; the same price leaves the same spends
        assert got.sum() == pytest.approx(want.sum(), rel=1e-7)


def test_a_total_met_at_the_lowest_price_and_one_no_price_reaches() -> None:
    curves = Curves(np.array([EXPONENTIAL]), np.array([100.0]), np.array([50.0]), np.array([1.0]), {})
    upper = np.array([1e3])

    def spend_at(price: float) -> np.ndarray:
        return curves.best_response(np.ones(1), np.array([price]), np.zeros(1), upper)

    np.testing.assert_array_equal(price_for_total(spend_at, 2e3, 0.0, 10.0), upper)  # all of it fits
    np.testing.assert_array_equal(price_for_total(spend_at, -1.0, 0.0, 1e-3), spend_at(1e-3))  # the bracket's top
