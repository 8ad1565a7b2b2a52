"""The budget frontier: monotone, concave, consistent with single solves, and its marked budgets."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import Optimizer
from optimizer.frontier import Frontier, budget_grid
from scenarios.errors import SolverError
from scenarios.loader import resolve
from tests.conftest import BASE, merged


def scenario(**overlay):
    return resolve(merged(BASE, overlay), "<test>")


@pytest.fixture(scope="module")
def traced():
    s = scenario(kpis={"min_clicks": 2000.0}, business={"value_per_conversion": 60.0})
    return s, Frontier(tolerance=1e-4).compute(s, budget_grid(2000.0, 60000.0, 30))


def test_conversions_never_fall_and_the_frontier_is_concave(traced):
    _, result = traced
    conversions = np.array([p.conversions for p in result.points])
    tolerance = 2e-4 * conversions.max()
    assert np.all(np.diff(conversions) >= -tolerance)
    assert np.all(np.diff(conversions, 2) <= tolerance)


def test_each_point_is_the_single_plan_at_that_budget(traced):
    s, result = traced
    for point in result.points[::7]:
        single = Optimizer(tolerance=1e-4).optimize(s, "conversions", point.budget)
        assert point.conversions == pytest.approx(single.totals["conversions"], rel=2e-4)


def test_marginal_cpa_matches_the_slope_of_the_frontier(traced):
    s, result = traced
    point = result.points[10]
    step = 100.0
    up = Optimizer(tolerance=1e-6).optimize(s, "conversions", point.budget + step).totals["conversions"]
    down = Optimizer(tolerance=1e-6).optimize(s, "conversions", point.budget - step).totals["conversions"]
    assert point.marginal_cpa == pytest.approx(2 * step / (up - down), rel=0.01)


def test_the_profit_maximising_budget_beats_every_grid_point(traced):
    s, result = traced
    assert not result.profit_max_at_edge
    best_grid = max(p.profit for p in result.points)
    assert result.profit_max >= best_grid - 1e-3 * abs(best_grid)
    # There, the marginal CPA equals the gross margin one conversion earns.
    at = Frontier(tolerance=1e-5).compute(s, np.array([result.profit_max_budget * 0.999, result.profit_max_budget]))
    margin_value = 60.0 * 0.6
    assert at.points[-1].marginal_cpa == pytest.approx(margin_value, rel=0.02)
    # Up to 60,000 the marginal CPA stays below the 60 of revenue a conversion brings: no budget is marked.
    assert all(p.marginal_cpa < 60.0 for p in result.points)
    assert result.marginal_cpa_above_value_budget is None


def test_budgets_too_small_for_the_kpis_are_infeasible_points():
    s = scenario(kpis={"min_clicks": 20000.0})
    result = Frontier().compute(s, budget_grid(2000.0, 30000.0, 8))
    statuses = [p.status for p in result.points]
    assert statuses[0] == "infeasible"
    assert statuses[-1] == "optimal"
    first = next(p for p in result.points if p.status == "optimal")
    assert first.budget > 20000.0 / 1.58  # the most clicks a euro buys here is 1.576


@pytest.mark.parametrize(
    ("start", "stop", "count", "message"),
    [
        (0.0, 100.0, 5, "the budget range must start above 0, got 0"),
        (500.0, 100.0, 5, "the budget range must end above its start: 100 <= 500"),
        (100.0, 500.0, 1, "a frontier has 2 to 1000 points, got 1"),
        (100.0, 500.0, 1001, "a frontier has 2 to 1000 points, got 1001"),
    ],
)
def test_bad_ranges_are_refused(start, stop, count, message):
    with pytest.raises(SolverError) as caught:
        budget_grid(start, stop, count)
    assert str(caught.value) == message
