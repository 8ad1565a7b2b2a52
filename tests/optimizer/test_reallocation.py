"""Re-optimising part of a plan (optimizer/reallocation.py), checked against hand calculations and exact cases."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import Optimizer
from optimizer.reallocation import reoptimise, with_actuals, with_plan
from scenarios.loader import resolve
from scenarios.market_build import build_market
from tests.conftest import BASE, merged


def scenario(**overlay):
    return resolve(merged(BASE, overlay), "<test>")


def test_units_spent_bring_their_actual_conversions_not_the_models():
    s = scenario(periods={"count": 4, "unit": "week"})
    market = build_market(s)
    spend = np.linspace(100.0, 900.0, len(market.channel_of))
    past = market.period_of < 2
    spent = with_actuals(market, past, 123.0)
    modelled = market.curves.value(spend)
    outcomes = spent.outcomes(spend)
    assert np.all(spent.curves.value(spend)[past] == 0.0)
    np.testing.assert_allclose(spent.curves.value(spend)[~past], modelled[~past], rtol=1e-12)
    # The total counts the future slots on the model's curves and the past at the 123 conversions given.
    assert outcomes.totals["conversions"] == pytest.approx(modelled[~past].sum() + 123.0, rel=1e-12)


def test_the_results_plan_is_its_allocation():
    s = scenario(periods={"count": 3, "unit": "month"})
    result = Optimizer().optimize(s)
    np.testing.assert_array_equal(result.plan.spend, [a.spend for a in result.allocation])


def test_a_plan_as_good_as_the_best_does_not_move():
    # The optimizer's own plan, inside the bounds, is within its tolerance of the best plan there: it stays.
    s = scenario(kpis={"min_clicks": 25000.0})
    market = build_market(s)
    plan = Optimizer().optimize(s).plan.spend
    moved = reoptimise(s, market, plan, 0.8 * plan, 1.2 * plan)
    assert moved.result is not None
    assert not moved.relaxed
    np.testing.assert_array_equal(moved.spend, plan)


def test_targets_out_of_reach_within_the_bounds_are_dropped():
    # With every slot held at half the plan the clicks floor cannot be met: the objective alone is planned for.
    s = scenario(kpis={"min_clicks": 25000.0})
    market = build_market(s)
    plan = Optimizer().optimize(s).plan.spend
    moved = reoptimise(s, market, 0.5 * plan, 0.5 * plan, 0.5 * plan)
    assert moved.relaxed
    np.testing.assert_allclose(moved.spend, 0.5 * plan, rtol=1e-9)


def test_a_rewritten_result_shows_the_cut_units_figures():
    s = scenario()
    market = build_market(s)
    result = Optimizer().optimize(s)
    spend = 0.5 * result.plan.spend
    cut = np.zeros(len(spend), dtype=bool)
    cut[0] = True
    rest = {key: np.full(len(spend), 7.0) for key in ("spend", "conversions", "impressions", "clicks")}
    rewritten = with_plan(result, market, spend, cut, rest)
    outcomes = market.outcomes(spend)
    assert rewritten.allocation[0].spend == 7.0
    assert rewritten.allocation[0].clicks == 7.0
    assert rewritten.allocation[1].spend == spend[1]
    assert rewritten.allocation[1].conversions == pytest.approx(outcomes.conversions[1], rel=1e-12)
    assert rewritten.totals["conversions"] == pytest.approx(outcomes.totals["conversions"], rel=1e-12)
    # The plan is what the rows show.
    assert rewritten.plan == result.plan.with_spend([a.spend for a in rewritten.allocation])
