"""Exact optima that share no code with the optimizer, for the tests to compare it with."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FloorOptimum:
    """The optimum of exponential curves under a budget and a clicks floor, with its multipliers."""

    value: float  # conversions
    spend: np.ndarray  # currency, per cell
    budget_price: float  # λ: conversions per currency unit of budget
    floor_price: float  # μ: conversions lost per click of floor


def budget_and_floor_optimum(
    saturation: np.ndarray, scale: np.ndarray, clicks: np.ndarray, budget: float, floor: float
) -> FloorOptimum:
    """max Σ S(1 − exp(−x/s)) s.t. Σx ≤ budget, clicks·x ≥ floor, x ≥ 0, by the KKT conditions.

    At the optimum each funded cell's marginal return S/s·exp(−x/s) equals its price λ − μ·c
    (λ for the budget, μ for the clicks floor, c its clicks per currency unit), so
    x = s·ln(S / (s·(λ − μ·c))). For a fixed μ, bisection on λ spends the budget; the clicks this
    buys grow with μ, so an outer bisection on μ meets the floor (μ = 0 when it holds without it).
    """

    def spend(lam: float, mu: float) -> np.ndarray:
        price = lam - mu * clicks
        return np.maximum(0.0, scale * np.log(saturation / (scale * price)))

    def budget_price(mu: float) -> float:
        lowest = mu * float(clicks.max())
        lo, hi = lowest + 1e-300, lowest + float(np.max(saturation / scale))
        for _ in range(400):
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            lo, hi = (mid, hi) if spend(mid, mu).sum() > budget else (lo, mid)
        return hi

    mu = 0.0
    if clicks @ spend(budget_price(0.0), 0.0) < floor:
        lo, hi = 0.0, 1.0
        while clicks @ spend(budget_price(hi), hi) < floor:
            hi *= 2.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if clicks @ spend(budget_price(mid), mid) < floor else (lo, mid)
        mu = hi
    lam = budget_price(mu)
    x = spend(lam, mu)
    return FloorOptimum(float(np.sum(saturation * -np.expm1(-x / scale))), x, lam, mu)
