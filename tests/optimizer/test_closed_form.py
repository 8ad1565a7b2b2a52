"""The optimizer against closed-form optima: water-filling on concave curves.

With only a budget, the optimum of Σ f_c(x_c) has every funded cell at the
same marginal return λ: x_c = s_c·ln(S_c / (s_c·λ)) on exponential curves,
x_c = sqrt(M_c·k_c / λ) − k_c on Hill curves with alpha = 1, with λ set so
the spend adds up to the budget. These oracles share no code with the
optimizer.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer import Optimizer
from scenarios.schema import Business, Scenario
from tests.oracles import budget_and_floor_optimum


def exponential_optimum(saturation: np.ndarray, s: np.ndarray, budget: float) -> float:
    """max Σ S(1 − exp(−x/s)) s.t. Σx ≤ budget, x ≥ 0, by bisection on λ."""

    def spend(lam: float) -> np.ndarray:
        return np.maximum(0.0, s * np.log(saturation / (s * lam)))

    lo, hi = 1e-15, float(np.max(saturation / s))
    if spend(lo).sum() <= budget:
        return float(saturation.sum())
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if spend(mid).sum() > budget else (lo, mid)
    x = spend(hi)
    return float(np.sum(saturation * -np.expm1(-x / s)))


def hill_optimum(maximum: np.ndarray, k: np.ndarray, budget: float) -> float:
    """max Σ M·x/(x + k) s.t. Σx ≤ budget, x ≥ 0, by bisection on λ."""

    def spend(lam: float) -> np.ndarray:
        return np.maximum(0.0, np.sqrt(maximum * k / lam) - k)

    lo, hi = 1e-15, float(np.max(maximum / k))
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if spend(mid).sum() > budget else (lo, mid)
    x = spend(hi)
    return float(np.sum(maximum * x / (x + k)))


def scenario_with_curves(curves: list[dict], budget: float) -> Scenario:
    """One channel, one format per curve, each with an explicit response curve."""
    formats = {f"f{i}": {} for i in range(len(curves))}
    channel = {"audience": 1e6, "in_market": 0.05, "cpm": 10.0, "ctr": 0.01, "cvr": 0.05, "formats": formats}
    return Scenario.model_validate(
        {
            "name": "closed-form",
            "budget": {"total": budget},
            "channels": {"web": channel},
            "response": {f"web.f{i}": c for i, c in enumerate(curves)},
        }
    )


def test_exponential_water_filling_small_case_by_hand():
    # Two identical curves share a budget equally: 2·saturation·(1 − exp(−B/(2s))).
    curve = {"curve": "exponential", "max": 500.0, "scale": 4000.0}
    result = Optimizer().optimize(scenario_with_curves([curve, curve], 6000.0))
    assert [c.spend for c in result.allocation] == pytest.approx([3000.0, 3000.0], rel=1e-3)
    exact = 2 * 500 * (1 - math.exp(-6000 / 8000))
    assert result.totals["conversions"] == pytest.approx(exact, rel=1e-3)


curve_params = st.tuples(st.floats(50.0, 5000.0), st.floats(500.0, 100_000.0))


@settings(max_examples=25, deadline=None)
@given(params=st.lists(curve_params, min_size=2, max_size=12), budget=st.floats(1000.0, 300_000.0))
def test_exponential_water_filling(params, budget):
    saturation = np.array([p[0] for p in params])
    s = np.array([p[1] for p in params])
    curves = [{"curve": "exponential", "max": float(a), "scale": float(b)} for a, b in params]
    result = Optimizer().optimize(scenario_with_curves(curves, budget))
    exact = exponential_optimum(saturation, s, budget)
    achieved = result.totals["conversions"]
    assert achieved <= exact * (1 + 1e-9)
    assert achieved >= exact * (1 - 1e-3)
    # The certified gap really bounds the distance to the optimum.
    assert (exact - achieved) / achieved <= result.solver.approximation_error + 1e-9
    assert result.solver.bound >= exact * (1 - 1e-9)


@settings(max_examples=25, deadline=None)
@given(params=st.lists(curve_params, min_size=2, max_size=12), budget=st.floats(1000.0, 300_000.0))
def test_hill_alpha_one_water_filling(params, budget):
    maximum = np.array([p[0] for p in params])
    k = np.array([p[1] for p in params]) / 10
    curves = [
        {"curve": "hill", "alpha": 1.0, "max": float(a), "half_saturation": float(b)}
        for a, b in zip(maximum, k, strict=True)
    ]
    result = Optimizer().optimize(scenario_with_curves(curves, budget))
    exact = hill_optimum(maximum, k, budget)
    achieved = result.totals["conversions"]
    assert exact * (1 - 1e-3) <= achieved <= exact * (1 + 1e-9)
    assert result.solver.bound >= exact * (1 - 1e-9)


def test_tighter_tolerance_reaches_one_in_ten_thousand():
    rng = np.random.default_rng(3)
    saturation = rng.uniform(100, 3000, 40)
    s = rng.uniform(1000, 80000, 40)
    curves = [{"curve": "exponential", "max": float(a), "scale": float(b)} for a, b in zip(saturation, s, strict=True)]
    scenario = scenario_with_curves(curves, 150_000.0)
    exact = exponential_optimum(saturation, s, 150_000.0)
    default = Optimizer().optimize(scenario)
    tight = Optimizer(tolerance=1e-4).optimize(scenario)
    assert default.solver.approximation_error <= 1e-3
    assert tight.solver.approximation_error <= 1e-4
    assert (exact - tight.totals["conversions"]) / exact <= 1e-4
    assert tight.totals["conversions"] >= default.totals["conversions"] - 1e-9 * exact


def test_two_channel_scenario_with_a_clicks_floor_matches_the_kkt_optimum(two_channels):
    """KPI rows included: the optimizer's plan against the exact optimum, within its certified tolerance."""
    from scenarios.curves import EXPONENTIAL
    from scenarios.market_build import build_market

    scenario = two_channels.model_copy(update={"kpis": two_channels.kpis.model_copy(update={"min_clicks": 30000.0})})
    market = build_market(scenario)
    assert np.all(market.curves.kind == EXPONENTIAL)
    clicks_per_currency_unit = market.impressions_per_currency_unit * market.ctr
    budget = scenario.budget.total
    oracle = budget_and_floor_optimum(
        market.curves.maximum, market.curves.scale, clicks_per_currency_unit, budget, 30000.0
    )
    exact, spend = oracle.value, oracle.spend
    # The oracle's plan is feasible: it spends the budget and meets the floor.
    assert spend.sum() == pytest.approx(budget, rel=1e-9)
    assert clicks_per_currency_unit @ spend >= 30000.0 * (1 - 1e-9)
    # The floor binds here: without it the optimum is larger, so the KPI row matters.
    assert exponential_optimum(market.curves.maximum, market.curves.scale, budget) > exact * (1 + 1e-4)
    result = Optimizer(tolerance=1e-4).optimize(scenario)
    assert result.totals["conversions"] == pytest.approx(exact, rel=1e-4)
    assert result.totals["conversions"] <= exact * (1 + 1e-9)
    assert result.totals["clicks"] >= 30000.0 * (1 - 1e-9)


def test_profit_objective_stops_where_the_margin_of_a_conversion_pays_the_euro():
    # Profit-optimal spend on an exponential curve: f'(x) = 1 / (margin · value), so x = s·ln(S·m·v / s).
    curve = {"curve": "exponential", "max": 800.0, "scale": 20000.0}
    business = Business(value_per_conversion=60.0, gross_margin=0.5)
    scenario = scenario_with_curves([curve], 1_000_000.0).model_copy(update={"business": business})
    result = Optimizer(tolerance=1e-5).optimize(scenario, objective="profit")
    expected = 20000.0 * math.log(800.0 * 0.5 * 60.0 / 20000.0)
    assert result.allocation[0].spend == pytest.approx(expected, rel=1e-3)


def test_min_spend_reaches_the_target_at_the_water_filling_cost():
    rng = np.random.default_rng(11)
    saturation = rng.uniform(200, 2000, 8)
    scale = rng.uniform(2000, 40000, 8)
    curves = [
        {"curve": "exponential", "max": float(a), "scale": float(b)} for a, b in zip(saturation, scale, strict=True)
    ]
    budget = 60_000.0
    target = 0.8 * exponential_optimum(saturation, scale, budget)
    scenario = scenario_with_curves(curves, budget)
    scenario = scenario.model_copy(update={"kpis": scenario.kpis.model_copy(update={"min_conversions": target})})
    result = Optimizer(tolerance=1e-4).optimize(scenario, objective="min_spend")
    # The least spend for a target is the budget whose water-filling optimum equals the target.
    lo, hi = 0.0, budget
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if exponential_optimum(saturation, scale, mid) < target else (lo, mid)
    assert result.totals["conversions"] >= target * (1 - 1e-9)
    assert result.totals["spend"] == pytest.approx(hi, rel=1e-3)
    assert result.objective_value == pytest.approx(result.totals["spend"])


def test_reach_objective_buys_the_cheapest_impressions():
    formats = {"cheap": {"cpm_factor": 0.5}, "dear": {"cpm_factor": 2.0}}
    channel = {"audience": 50000.0, "in_market": 0.05, "cpm": 10.0, "ctr": 0.01, "cvr": 0.05, "formats": formats}
    scenario = Scenario.model_validate({"name": "reach", "budget": {"total": 2000.0}, "channels": {"web": channel}})
    result = Optimizer(tolerance=1e-5).optimize(scenario, objective="reach")
    impressions = 1000 * 2000.0 / 5.0
    assert result.totals["reach"] == pytest.approx(50000 * (1 - math.exp(-impressions / 50000)), rel=1e-5)
    assert [c.spend for c in result.allocation] == pytest.approx([2000.0, 0.0], abs=1e-6)


def test_each_allocation_row_reports_the_reach_of_its_own_impressions(two_channels):
    result = Optimizer().optimize(two_channels)
    audience = {"instagram": 100000.0, "tiktok": 200000.0}
    for cell in result.allocation:
        a = audience[cell.channel]
        assert cell.reach == pytest.approx(a * (1 - math.exp(-cell.impressions / a)), rel=1e-9, abs=1e-9)
