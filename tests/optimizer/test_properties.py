"""Invariants of optimal plans, on random scenarios (Hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from optimizer import Optimizer
from scenarios.errors import InfeasibleError
from scenarios.loader import resolve
from tests.conftest import BASE, merged

budgets = st.floats(2000.0, 200_000.0)
caps = st.one_of(st.none(), st.floats(500.0, 50_000.0))
shares = st.floats(0.05, 0.95)
common = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def scenario(**overlay):
    return resolve(merged(BASE, overlay), "<test>")


def solve(s, **kwargs):
    try:
        return Optimizer().optimize(s, **kwargs)
    except InfeasibleError:
        return None


@common
@given(budget=budgets, reel_cap=caps, tiktok_cap=caps, tiktok_share=shares)
def test_plan_respects_budget_bounds_and_shares(budget, reel_cap, tiktok_cap, tiktok_share):
    overlay = {"budget": {"total": budget}, "rules": {"channel_share": {"tiktok": {"max": tiktok_share}}}}
    if reel_cap is not None:
        overlay["channels"] = {"instagram": {"formats": {"reel": {"spend": {"max": reel_cap}}}}}
    if tiktok_cap is not None:
        overlay.setdefault("channels", {})["tiktok"] = {"spend": {"max": tiktok_cap}}
    result = solve(scenario(**overlay))
    assert result is not None
    spend = {f"{c.channel}.{c.format}": c.spend for c in result.allocation}
    total = sum(spend.values())
    assert total <= budget * (1 + 1e-9)
    assert all(v >= -1e-9 for v in spend.values())
    if reel_cap is not None:
        assert spend["instagram.reel"] <= reel_cap * (1 + 1e-9)
    tiktok = spend["tiktok.video"] + spend["tiktok.spark"]
    if tiktok_cap is not None:
        assert tiktok <= tiktok_cap * (1 + 1e-9) + 1e-6
    assert tiktok <= tiktok_share * total * (1 + 1e-7) + 1e-6


@common
@given(budget=budgets, extra=st.floats(0.0, 50_000.0))
def test_more_budget_never_lowers_the_optimum(budget, extra):
    s = scenario(kpis={"min_clicks": 500.0})
    low = solve(s, budget=budget)
    high = solve(s, budget=budget + extra)
    assume(low is not None)
    assert high is not None
    # Each is within its certified gap of its optimum, and the optima are ordered.
    tolerance = low.solver.approximation_error + high.solver.approximation_error
    assert high.totals["conversions"] >= low.totals["conversions"] * (1 - tolerance) - 1e-9


@common
@given(budget=budgets, clicks=st.floats(100.0, 20_000.0), share=shares)
def test_an_added_constraint_never_raises_the_optimum(budget, clicks, share):
    free = solve(scenario(budget={"total": budget}))
    bound = solve(
        scenario(
            budget={"total": budget}, kpis={"min_clicks": clicks}, rules={"format_share": {"reel": {"min": share}}}
        )
    )
    assert free is not None
    if bound is None:
        return
    tolerance = free.solver.approximation_error + bound.solver.approximation_error
    assert bound.totals["conversions"] <= free.totals["conversions"] * (1 + tolerance) + 1e-9
    assert bound.totals["clicks"] >= clicks * (1 - 1e-7)


@pytest.mark.parametrize("objective", ["conversions", "profit", "reach", "min_spend"])
def test_every_objective_meets_every_kpi(objective):
    s = scenario(
        kpis={
            "min_conversions": 300.0,
            "min_reach": 60_000.0,
            "max_cpa": 40.0,
            "min_clicks": 3000.0,
            "max_bounce_rate": 0.66,
            "max_negative_feedback": 5000.0,
            "min_roas": 0.8,
            "min_new_followers": 200.0,
            "min_engagement": 1000.0,
        }
    )
    result = Optimizer().optimize(s, objective=objective)
    assert all(k.met for k in result.kpis), [k for k in result.kpis if not k.met]
    assert result.totals["spend"] <= s.budget.total * (1 + 1e-9)
