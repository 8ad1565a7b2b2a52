"""S-shaped response curves: a proven global optimum from the MILP, checked by brute force and dynamic programming."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import Optimizer
from scenarios.schema import Scenario


def scenario(curves: list[dict], budget: float, kpis: dict | None = None) -> Scenario:
    """One channel with one format per curve; CTR 1 % at CPM 10 gives 1 click per currency unit."""
    formats = {f"f{i}": {} for i in range(len(curves))}
    channel = {"audience": 1e6, "in_market": 0.05, "cpm": 10.0, "ctr": 0.01, "cvr": 0.05, "formats": formats}
    data = {
        "name": "s-curves",
        "budget": {"total": budget},
        "channels": {"web": channel},
        "response": {f"web.f{i}": c for i, c in enumerate(curves)},
        "kpis": kpis or {},
    }
    return Scenario.model_validate(data)


def hill(x: np.ndarray, alpha: float, half: float, top: float) -> np.ndarray:
    ratio = (np.maximum(x, 0.0) / half) ** alpha
    return top * ratio / (1.0 + ratio)


CURVES = [
    {"curve": "hill", "alpha": 2.5, "half_saturation": 3000.0, "max": 500.0},
    {"curve": "hill", "alpha": 1.8, "half_saturation": 1500.0, "max": 200.0},
    {"curve": "hill", "alpha": 3.0, "half_saturation": 6000.0, "max": 900.0},
]


def brute_force_two(budget: float) -> float:
    """Best split of `budget` between the first two curves, on a fine grid (spending all of it or less)."""
    a, b = CURVES[0], CURVES[1]
    x = np.linspace(0.0, budget, 40001)
    first = hill(x, a["alpha"], a["half_saturation"], a["max"])
    second = hill(budget - x, b["alpha"], b["half_saturation"], b["max"])
    # With less than the whole budget spent, one of the two would be better off with more: the
    # curves only rise, so the best plan spends everything (or nothing on one of them).
    return float(np.max(first + second))


@pytest.mark.parametrize("budget", [800.0, 2500.0, 4000.0, 9000.0])
def test_two_s_curves_match_brute_force(budget):
    result = Optimizer().optimize(scenario(CURVES[:2], budget))
    exact = brute_force_two(budget)
    achieved = result.totals["conversions"]
    assert achieved >= exact * (1 - 1e-3)
    assert achieved <= exact * (1 + 1e-6) + 1e-9
    assert result.solver.bound >= exact * (1 - 1e-6)
    assert result.solver.name == "HiGHS MILP"


def test_s_curve_with_a_clicks_floor_matches_a_grid_search():
    # Three curves, budget 9,000, at least 7,000 clicks (1 click per unit): a 2-D grid over the first two.
    budget, floor = 9000.0, 7000.0
    result = Optimizer().optimize(scenario(CURVES, budget, {"min_clicks": floor}))
    grid = np.linspace(0.0, budget, 601)
    x1, x2 = np.meshgrid(grid, grid, indexing="ij")
    x3 = budget - x1 - x2
    ok = x3 >= 0
    values = sum(hill(x, c["alpha"], c["half_saturation"], c["max"]) for x, c in zip((x1, x2, x3), CURVES, strict=True))
    best = float(np.max(np.where(ok, values, -np.inf)))
    assert result.totals["clicks"] >= floor * (1 - 1e-9)
    assert result.totals["conversions"] >= best * (1 - 1e-3)
    assert result.solver.bound >= best * (1 - 1e-6)


def test_s_shaped_point_table_by_brute_force():
    table = {"curve": "points", "spend": [0, 1000, 2000, 4000], "conversions": [0, 10, 80, 120]}
    concave = {"curve": "exponential", "max": 300.0, "scale": 8000.0}
    result = Optimizer().optimize(scenario([table, concave], 3000.0))
    x = np.linspace(0.0, 3000.0, 30001)
    values = np.interp(x, table["spend"], table["conversions"]) + 300.0 * -np.expm1(-(3000.0 - x) / 8000.0)
    assert result.totals["conversions"] == pytest.approx(float(values.max()), rel=1e-3)
    assert result.allocation[0].spend == pytest.approx(2000.0, rel=1e-3)  # the table's kink is the place to stop


def grid_optimum(values: np.ndarray) -> float:
    """Best Σ f_c(x_c) with every x_c on a grid and Σx_c ≤ the grid's end, by dynamic programming.

    `values[c, g]` is curve c at grid point g (grid points equally spaced from 0). A grid plan is a
    feasible plan, so the result is a lower bound on the true optimum.
    """
    points = values.shape[1]
    best = values[0].copy()
    take = np.arange(points)
    for row in values[1:]:
        # best'[b] = max over g ≤ b of best[b − g] + row[g]
        rest = take[:, None] - take[None, :]
        table = np.where(rest >= 0, best[np.clip(rest, 0, None)] + row[None, :], -np.inf)
        best = table.max(axis=1)
    return float(np.maximum.accumulate(best)[-1])


def test_many_s_curves_reach_a_dynamic_programme_on_a_fine_grid():
    rng = np.random.default_rng(5)
    n, budget = 20, 60000.0
    params = [
        (float(rng.uniform(1.5, 3.0)), float(rng.uniform(1000, 8000)), float(rng.uniform(100, 1000))) for _ in range(n)
    ]
    curves = [{"curve": "hill", "alpha": a, "half_saturation": k, "max": m} for a, k, m in params]
    result = Optimizer().optimize(scenario(curves, budget))
    grid = np.linspace(0.0, budget, 1201)  # 50 per step
    lower = grid_optimum(np.array([hill(grid, a, k, m) for a, k, m in params]))
    # The grid's plan is feasible, so the optimum is at least `lower`: the certified bound must cover it,
    # and the plan must come within its certified gap of it.
    assert result.solver.bound >= lower * (1 - 1e-9)
    assert result.totals["conversions"] >= lower * (1 - result.solver.approximation_error) - 1e-9
    assert result.solver.approximation_error <= 1e-3
    assert result.totals["spend"] <= budget * (1 + 1e-9)


def test_budget_shadow_price_of_an_s_curve_plan_matches_a_finite_difference():
    s = scenario(CURVES, 12000.0)
    tight = Optimizer(tolerance=1e-5)
    base = tight.optimize(s)
    price = next(c for c in base.constraints if c.name == "budget.total").shadow_price
    step = 20.0
    up = tight.optimize(s, budget=12000.0 + step).totals["conversions"]
    down = tight.optimize(s, budget=12000.0 - step).totals["conversions"]
    assert price == pytest.approx((up - down) / (2 * step), rel=0.02)


def test_a_point_table_cut_by_the_budget_keeps_a_valid_bound():
    table = {"curve": "points", "spend": [1000, 3000, 5000, 20000], "conversions": [17.4, 42.1, 146.0, 2116.1]}
    hill_curve = {"curve": "hill", "alpha": 3.04, "half_saturation": 2507.0, "max": 301.0}
    result = Optimizer(tolerance=1e-4).optimize(scenario([hill_curve, table], 8362.0))
    assert result.solver.bound >= result.totals["conversions"] * (1 - 1e-9)
    assert result.solver.approximation_error <= 1e-4


def test_an_s_curve_in_a_channel_with_a_dark_week_solves():
    data = {
        "name": "dark-week",
        "periods": {"count": 3, "unit": "week"},
        "budget": {"total": 6000.0},
        "channels": {
            "web": {
                "audience": 1e5,
                "in_market": 0.05,
                "cpm": 10.0,
                "ctr": 0.01,
                "cvr": 0.05,
                "blackout": [2],
                "formats": {"a": {}},
            }
        },
        "response": {"web.a": {"curve": "hill", "alpha": 3.0, "half_saturation": 9000.0, "max": 1500.0}},
    }
    result = Optimizer().optimize(Scenario.model_validate(data))
    assert [c.spend for c in result.allocation if c.period == 2] == [0.0]
    assert result.totals["spend"] == pytest.approx(6000.0)


def test_frontier_over_s_curves_marks_the_best_grid_budget():
    from optimizer.frontier import Frontier

    s = scenario(CURVES[:2], 20000.0).model_copy(
        update={"business": Scenario.model_fields["business"].annotation(value_per_conversion=40.0)}
    )
    result = Frontier().compute(s, np.linspace(1000.0, 20000.0, 8))
    best = max(result.points, key=lambda p: p.profit)
    assert result.profit_max_budget == best.budget
    assert all(p.approximation_error <= 1e-3 for p in result.points)
