"""Shadow prices, reduced costs and infeasibility explanations, checked by re-solving."""

from __future__ import annotations

import pytest

from optimizer import Optimizer
from scenarios.errors import InfeasibleError
from scenarios.loader import resolve
from tests.conftest import BASE, merged

TIGHT = Optimizer(tolerance=1e-6)


def scenario(**overlay):
    return resolve(merged(BASE, overlay), "<test>")


def constraint(result, name):
    return next(c for c in result.constraints if c.name == name)


def test_budget_shadow_price_matches_a_finite_difference(two_channels):
    base = TIGHT.optimize(two_channels)
    step = 50.0
    up = TIGHT.optimize(two_channels, budget=two_channels.budget.total + step)
    down = TIGHT.optimize(two_channels, budget=two_channels.budget.total - step)
    slope = (up.totals["conversions"] - down.totals["conversions"]) / (2 * step)
    price = constraint(base, "budget.total").shadow_price
    assert constraint(base, "budget.total").binding
    assert price == pytest.approx(slope, rel=0.01)
    assert "marginal CPA" in constraint(base, "budget.total").explanation


@pytest.mark.parametrize(
    ("overlay", "name", "step"),
    [
        ({"kpis": {"min_clicks": 30000.0}}, "kpi.min_clicks", 200.0),
        ({"kpis": {"min_reach": 160000.0}}, "kpi.min_reach", 500.0),
        ({"kpis": {"max_cpa": 25.0}}, "kpi.max_cpa", 0.05),
        (
            {
                "channels": {"instagram": {"bounce_rate": 0.7}, "tiktok": {"bounce_rate": 0.5}},
                "kpis": {"max_bounce_rate": 0.65},
            },
            "kpi.max_bounce_rate",
            0.002,
        ),
        ({"rules": {"channel_share": {"tiktok": {"min": 0.4}}}}, "channel.tiktok.share.min", 0.01),
        ({"channels": {"instagram": {"spend": {"max": 12000.0}}}}, "channel.instagram.max", 100.0),
        (
            {"channels": {"instagram": {"formats": {"reel": {"spend": {"max": 5000.0}}}}}},
            "cell.instagram.reel.max",
            100.0,
        ),
        ({"channels": {"tiktok": {"formats": {"video": {"spend": {"min": 3000.0}}}}}}, "cell.tiktok.video.min", 100.0),
    ],
)
def test_constraint_shadow_prices_match_finite_differences(overlay, name, step):
    s = scenario(**overlay)
    base = TIGHT.optimize(s)
    row = constraint(base, name)
    assert row.binding, row

    def moved(delta: float) -> float:
        limit = row.limit + delta
        if name.startswith("kpi."):
            changed = scenario(**merged(overlay, {"kpis": {name.removeprefix("kpi."): limit}}))
        elif name == "channel.tiktok.share.min":
            changed = scenario(**merged(overlay, {"rules": {"channel_share": {"tiktok": {"min": limit}}}}))
        elif name.startswith("cell."):
            _, channel, fmt, bound = name.split(".")
            changed = scenario(
                **merged(overlay, {"channels": {channel: {"formats": {fmt: {"spend": {bound: limit}}}}}})
            )
        else:
            changed = scenario(**merged(overlay, {"channels": {"instagram": {"spend": {"max": limit}}}}))
        return TIGHT.optimize(changed).totals["conversions"]

    slope = (moved(step) - moved(-step)) / (2 * step)
    assert row.shadow_price == pytest.approx(slope, rel=0.03, abs=1e-6)


def test_empty_cell_reason_matches_a_forced_move():
    s = scenario()
    base = TIGHT.optimize(s)
    empty = {z.cell: z for z in base.zero_spend}
    assert "tiktok.video" in empty
    forced = scenario(channels={"tiktok": {"formats": {"video": {"spend": {"min": 100.0}}}}})
    loss = base.totals["conversions"] - TIGHT.optimize(forced).totals["conversions"]
    assert empty["tiktok.video"].loss_per_100 == pytest.approx(loss, rel=0.05)
    assert empty["tiktok.video"].explanation.startswith("tiktok.video gets nothing: each €100 moved there")


def test_infeasible_problem_names_the_conflict_and_the_smallest_fixes():
    s = scenario(kpis={"min_clicks": 40000.0})
    with pytest.raises(InfeasibleError) as caught:
        Optimizer().optimize(s)
    fixes = {r.name: r for r in caught.value.relaxations}
    assert set(fixes) >= {"budget.total", "kpi.min_clicks"}
    budget = fixes["budget.total"].relaxed_limit
    clicks = fixes["kpi.min_clicks"].relaxed_limit
    assert 20000 < budget < 30000
    assert 30000 < clicks < 40000
    # Each fix alone makes the plan possible, and a little less would not.
    Optimizer().optimize(s, budget=budget * 1.001)
    with pytest.raises(InfeasibleError):
        Optimizer().optimize(s, budget=budget * 0.99)
    Optimizer().optimize(scenario(kpis={"min_clicks": clicks * 0.999}))
    with pytest.raises(InfeasibleError):
        Optimizer().optimize(scenario(kpis={"min_clicks": clicks * 1.01}))
    message = str(caught.value)
    assert "budget.total (the total budget): raise it from 20,000 to" in message
    assert "kpi.min_clicks (the clicks floor): lower it from 40,000 to" in message


def test_infeasible_ratio_kpi_is_bisected_on_its_limit():
    s = scenario(kpis={"max_cpa": 10.0, "min_clicks": 1000.0})
    with pytest.raises(InfeasibleError) as caught:
        Optimizer().optimize(s)
    fixes = {r.name: r for r in caught.value.relaxations}
    cpa = fixes["kpi.max_cpa"].relaxed_limit
    assert cpa is not None
    assert cpa > 10.0
    Optimizer().optimize(scenario(kpis={"max_cpa": cpa * 1.001, "min_clicks": 1000.0}))
    with pytest.raises(InfeasibleError):
        Optimizer().optimize(scenario(kpis={"max_cpa": cpa * 0.98, "min_clicks": 1000.0}))


def test_cell_minimums_that_exceed_the_budget_are_named():
    s = scenario(
        channels={"tiktok": {"formats": {"video": {"spend": {"min": 15000.0}}, "spark": {"spend": {"min": 10000.0}}}}}
    )
    with pytest.raises(InfeasibleError) as caught:
        Optimizer().optimize(s)
    names = {r.name for r in caught.value.relaxations}
    assert {"budget.total", "cell.tiktok.video.min", "cell.tiktok.spark.min"} <= names


def test_a_reach_floor_near_saturation_is_reached_not_declared_infeasible():
    # The chords under-estimate reach near saturation; the tangents prove feasibility, refinement finds the plan.
    most = Optimizer(tolerance=1e-6).optimize(scenario(), objective="reach").totals["reach"]
    floor = most - 100.0
    result = Optimizer().optimize(scenario(kpis={"min_reach": floor}))
    assert result.totals["reach"] >= floor * (1 - 1e-9)
    assert all(k.met for k in result.kpis)


def test_a_cpa_cap_below_every_cells_best_is_infeasible_not_a_plan_of_nothing():
    # At zero spend the CPA row holds trivially; spending anything breaks it.
    with pytest.raises(InfeasibleError) as caught:
        Optimizer().optimize(scenario(kpis={"max_cpa": 15.0}))
    assert str(caught.value).startswith("No plan that spends anything meets every constraint")
    fixes = {r.name: r.relaxed_limit for r in caught.value.relaxations}
    assert "plan.spend.min" not in fixes
    assert fixes["kpi.max_cpa"] > 15.0
    Optimizer().optimize(scenario(kpis={"max_cpa": fixes["kpi.max_cpa"] * 1.01}))


def test_a_cell_minimum_above_its_channel_cap_is_infeasible():
    s = scenario(channels={"tiktok": {"spend": {"max": 3000.0}, "formats": {"video": {"spend": {"min": 5000.0}}}}})
    with pytest.raises(InfeasibleError) as caught:
        Optimizer().optimize(s)
    names = {r.name for r in caught.value.relaxations}
    assert {"channel.tiktok.max", "cell.tiktok.video.min"} <= names


def test_a_budget_many_times_larger_is_found_when_a_floor_needs_it():
    s = scenario(kpis={"min_clicks": 300_000.0})
    with pytest.raises(InfeasibleError) as caught:
        Optimizer().optimize(s)
    budget = {r.name: r.relaxed_limit for r in caught.value.relaxations}["budget.total"]
    assert budget is not None
    assert budget > 5 * 20_000
    Optimizer().optimize(s, budget=budget * 1.001)
    with pytest.raises(InfeasibleError):
        Optimizer().optimize(s, budget=budget * 0.99)


def test_profit_plan_of_nothing_is_reported_with_ratio_kpis_not_applicable():
    s = scenario(business={"value_per_conversion": 5.0}, kpis={"max_cpa": 40.0, "min_roas": 0.5})
    result = Optimizer().optimize(s, objective="profit")
    assert result.totals["spend"] == 0.0
    assert all(k.met for k in result.kpis)
    assert {k.name: k.value for k in result.kpis} == {"max_cpa": None, "min_roas": None}


def test_min_spend_gap_is_measured_against_the_lower_bound():
    s = scenario(kpis={"min_conversions": 600.0})
    coarse = Optimizer(tolerance=0.5, segments=2).optimize(s, objective="min_spend")
    exact = Optimizer(tolerance=1e-7).optimize(s, objective="min_spend").totals["spend"]
    true_gap = (coarse.totals["spend"] - exact) / exact
    assert coarse.solver.approximation_error >= true_gap - 1e-6
