"""The highest confidence reachable (`optimizer.reachable`) against the confidence LP written out in full.

The search answers each level with a feasibility LP (slacks on the CVaR rows, every stretched draw over one
filling of the chords' segments). The oracle is the confidence LP itself as the plan is made on it: every draw
with a chain of its own, its own objective, infeasibility proven by the solver. At the level reported it has a
plan, at `RESOLUTION` above it none; the KPIs named unsafe are those whose rows alone it cannot hold on the
tangents with every draw written out; and the plan at the level reported meets every KPI in at least that
share of the draws on their true curves.
"""

from __future__ import annotations

import numpy as np
import pytest

from campaign.files import locate_scenario
from optimizer import ConfidenceUnreachableError, build_problem, drawn_problems, plan_with_confidence
from optimizer.confidence import _breakpoints
from optimizer.reachable import RESOLUTION
from optimizer.sample_lp import chains, reach_curves_of
from optimizer.sample_solve import cvar, solve_sample
from scenarios import build_market, draw_parameters, kpi_of, load_scenario, override


def b2b_draws(count: int, seed: int = 11):
    scenario = override(load_scenario(locate_scenario("b2b-saas-leads")), {"uncertainty": {"relative": 0.1}}, "u")
    market = build_market(scenario)
    base = build_problem(scenario, market)
    drawn = draw_parameters(scenario, seed, count)
    return drawn_problems(base, lambda m: build_problem(scenario, m), market, drawn, {})


def full_lp(draws, kind: str, level: float, only=None):
    """The confidence LP with every draw's own chain (the breakpoints of the first round), solved."""
    conv_bp, reach_bp = _breakpoints(draws, 16)
    curves = [p.market.curves for p in draws.problems]
    conv = chains(draws.base.market.curves, curves, conv_bp, kind)
    reach = chains(reach_curves_of(draws.base), [], reach_bp, kind) if reach_bp else None
    every = np.ones(len(draws.problems), dtype=bool)
    return solve_sample(draws, conv, reach, level, None, every, "highs", only)


def test_cvar_by_hand():
    # Ten values 1..10 at 80 %: the mean of the worst two, 9.5; at 85 % the worst 1.5: (10 + 0.5 · 9) / 1.5.
    assert cvar(np.arange(1.0, 11.0), 0.8) == pytest.approx(9.5)
    assert cvar(np.arange(1.0, 11.0), 0.85) == pytest.approx(14.5 / 1.5)
    assert cvar(np.arange(1.0, 11.0), 0.0) == pytest.approx(5.5)


def test_the_highest_confidence_is_the_full_lps_and_its_plan_holds_on_the_true_curves():
    draws = b2b_draws(12)
    with pytest.raises(ConfidenceUnreachableError) as caught:
        plan_with_confidence(draws, {}, 0.9)
    error = caught.value
    highest = error.highest
    assert 0.0 < highest < 0.9
    assert round(highest / RESOLUTION, 9) == round(highest / RESOLUTION)  # a multiple of the resolution
    assert full_lp(draws, "inner", highest) is not None
    assert full_lp(draws, "inner", highest + RESOLUTION) is None
    assert f"The highest confidence a plan reaches for all of them is {100 * highest:.1f} %." in str(error)
    plan = plan_with_confidence(draws, {}, highest)
    assert all(k.probability_met >= highest for k in plan.evaluation.kpis)


def test_the_kpis_named_unsafe_are_those_the_full_lp_cannot_hold_alone():
    draws = b2b_draws(20)
    with pytest.raises(ConfidenceUnreachableError) as caught:
        plan_with_confidence(draws, {}, 0.9)
    rows: dict[str, set[int]] = {}
    for k, row in enumerate(draws.base.rows):
        if row.name.startswith("kpi."):
            rows.setdefault(kpi_of(row.name).name, set()).add(k)
    alone = tuple(name for name, only in rows.items() if full_lp(draws, "outer", 0.9, only) is None)
    assert alone  # the case says something
    assert caught.value.kpis == alone
    assert f"{', '.join(alone)} cannot be held at that confidence by any plan, even alone" in str(caught.value)


def test_a_floor_beyond_every_plan_even_on_average():
    """A clicks floor above the most clicks the budget buys in the mean over the draws: no level is reached, and
    the full LP at confidence 0 (its CVaR the mean) has no plan either."""
    from tests.optimizer.test_confidence import problems, two_cells

    draws = problems(two_cells({"min_clicks": 120_000.0}), 10)  # at most 6 clicks a unit: 60,000
    with pytest.raises(ConfidenceUnreachableError) as caught:
        plan_with_confidence(draws, {}, 0.9)
    assert caught.value.highest == 0.0
    assert str(caught.value).endswith("Even on average over the draws no plan meets every KPI.")
    assert full_lp(draws, "inner", 0.0) is None
