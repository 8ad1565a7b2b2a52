"""The frontier where spend stops below the budget: what it says is re-checked by solving again."""

from __future__ import annotations

import numpy as np
import pytest

from campaign.render.frontier import frontier as frontier_text
from optimizer import Optimizer
from optimizer.frontier import Frontier, budget_grid
from scenarios.loader import resolve
from tests.conftest import BASE, merged


def scenario(**overlay):
    return resolve(merged(BASE, overlay), "<test>")


def capped(cap: float = 800.0, **extra):
    """12 weeks with a weekly cap of `cap`: spend can never pass 12 x cap."""
    overlay = {
        "name": "capped",
        "periods": {"count": 12, "unit": "week"},
        "budget": {"total": 12000.0, "per_period": {"max": cap}},
        "business": {"value_per_conversion": 60.0, "conversion": "trial sign-up"},
    }
    return scenario(**merged(overlay, extra))


@pytest.fixture(scope="module")
def traced():
    s = capped()
    return s, Frontier(tolerance=1e-4).compute(s, budget_grid(3000.0, 16000.0, 14))


def test_where_caps_stop_spend_the_frontier_names_them_and_marks_no_false_crossing(traced):
    _s, result = traced
    text = frontier_text(result)
    # Spend stops at 12 x 800 because the weekly caps bind; the marginal CPA there is far below 60.
    assert "past 9,600" not in text
    assert "profit peaks at a budget of 9,600" not in text
    assert result.marginal_cpa_above_value_budget is None
    assert result.profit_max_reason == "spend_stops"
    assert result.profit_max_budget == pytest.approx(9600.0, rel=1e-6)
    stop = result.spend_stops
    assert stop.spend == pytest.approx(9600.0, rel=1e-6)
    assert sorted(c["name"] for c in stop.constraints) == sorted(f"budget.period.{t}.max" for t in range(1, 13))
    assert "what stops it: budget.period.N.max (12)" in text
    assert "the marginal CPA stays below the revenue of a trial sign-up wherever the budget is spent" in text
    for p in result.points:
        assert p.spends_budget == (p.budget <= 9600.0 * (1 + 1e-6)), p
    document = result.to_dict()
    assert document["spend_stops"]["constraints"][0]["unit"] == "EUR"


def test_what_more_room_would_bring_matches_a_re_solve(traced):
    s, result = traced
    stop = result.spend_stops
    budget = stop.budget
    base = Optimizer(tolerance=1e-4).optimize(s, budget=budget)
    roomier = Optimizer(tolerance=1e-4).optimize(capped(800.0 * (1 + stop.room)), budget=budget)
    # Each plan is proven within its gap of the gross margin (profit's certified scale).
    room = sum(r.solver.approximation_error * r.totals["gross_margin"] for r in (base, roomier))
    room += stop.gap * (base.totals["gross_margin"] + roomier.totals["gross_margin"])
    assert stop.profit_gain == pytest.approx(roomier.totals["profit"] - base.totals["profit"], abs=room)
    assert stop.spend_gain == pytest.approx(96.0, rel=1e-6)
    assert stop.profit_gain > 0  # a marginal CPA of about 26 EUR against 36 EUR of margin per sign-up
    text = frontier_text(result)
    assert f"profit would rise by {round(stop.profit_gain):,} EUR (+96 EUR of spend" in text


def test_the_value_crossing_is_where_the_marginal_cpa_passes_the_revenue():
    s = scenario(kpis={"min_clicks": 2000.0}, business={"value_per_conversion": 30.0})
    result = Frontier(tolerance=1e-5).compute(s, budget_grid(2000.0, 60000.0, 12))
    budget = result.marginal_cpa_above_value_budget
    assert budget is not None
    assert not result.value_budget_at_edge
    assert result.spend_stops is None
    assert result.profit_max_reason != "spend_stops"

    def slope(at: float) -> float:
        step = 0.002 * at
        up = Optimizer(tolerance=1e-6).optimize(s, "conversions", at + step)
        down = Optimizer(tolerance=1e-6).optimize(s, "conversions", at - step)
        return (up.totals["conversions"] - down.totals["conversions"]) / (2 * step)

    # Below the mark a conversion costs less than its 30 of revenue at the margin, above it more.
    assert 1 / slope(budget * 0.97) < 30.0 < 1 / slope(budget * 1.03)


def test_a_range_where_the_marginal_cpa_never_passes_the_revenue_says_so():
    s = scenario(business={"value_per_conversion": 600.0})
    result = Frontier().compute(s, budget_grid(2000.0, 20000.0, 5))
    assert result.marginal_cpa_above_value_budget is None
    assert all(p.marginal_cpa < 600.0 for p in result.points)
    assert "the marginal CPA stays below the revenue of a conversion up to the end of the range" in frontier_text(
        result
    )
    assert np.isfinite(result.points[-1].marginal_cpa)


def test_a_cpa_cap_that_stops_spend_is_named_and_its_room_priced_by_a_re_solve():
    s = scenario(kpis={"max_cpa": 24.0})
    result = Frontier(tolerance=1e-4).compute(s, budget_grid(4000.0, 40000.0, 6))
    stop = result.spend_stops
    assert [c["name"] for c in stop.constraints] == ["kpi.max_cpa"]
    assert stop.spend < stop.budget
    base = Optimizer(tolerance=1e-4).optimize(s, budget=stop.budget)
    looser = Optimizer(tolerance=1e-4).optimize(scenario(kpis={"max_cpa": 24.0 * 1.01}), budget=stop.budget)
    assert base.totals["spend"] == pytest.approx(stop.spend, rel=1e-4)
    room = sum(r.solver.approximation_error * r.totals["gross_margin"] for r in (base, looser))
    room += stop.gap * (base.totals["gross_margin"] + looser.totals["gross_margin"])
    assert stop.profit_gain == pytest.approx(looser.totals["profit"] - base.totals["profit"], abs=room)
    assert stop.conversions_gain == pytest.approx(
        looser.totals["conversions"] - base.totals["conversions"], abs=room / 18.0
    )
    text = frontier_text(result)
    assert "what stops it: kpi.max_cpa" in text
    assert f"with it 1 % looser, profit would fall by {round(-stop.profit_gain):,} EUR" in text
