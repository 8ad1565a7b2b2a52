"""The frequency cap: its exact linear rows, checked by hand, by re-solving with the cap moved and on random plans.

A channel's frequency is its paid impressions ``I`` over the people they reach,
``R(I) = A · (1 − exp(−I / A))``. The optimizer writes ``I / R(I) ≤ F`` as
``I ≤ A · g⁻¹(F)`` with ``g(u) = u / (1 − e^(−u))`` (Lambert W); here ``g⁻¹``
is found by bisection instead, and every figure recomputed from the plan's spend.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from optimizer import Optimizer
from scenarios import build_market
from scenarios.errors import InfeasibleError, ScenarioError
from scenarios.kpis import frequency_at, frequency_room
from scenarios.loader import resolve
from tests.conftest import BASE, merged
from tests.optimizer.resolve import certified_value, moved, problem_of

TIGHT = Optimizer(tolerance=1e-6)

#: One channel, one format: audience 50,000, CPM 10, the default curve (saturation 2,500, slope 0.05 per EUR).
ONE = {
    "name": "one-channel",
    "budget": {"total": 20000},
    "business": {"value_per_conversion": 40.0, "gross_margin": 0.5},
    "channels": {
        "facebook": {
            "audience": 50000,
            "in_market": 0.05,
            "cpm": 10.0,
            "ctr": 0.01,
            "cvr": 0.05,
            "formats": {"feed": {}},
        }
    },
}


def one(**overlay):
    return resolve(merged(ONE, overlay), "<test>")


def scenario(**overlay):
    return resolve(merged(BASE, overlay), "<test>")


def room_by_bisection(limit: float) -> float:
    """u with u / (1 − e^(−u)) = limit, by bisection."""
    return brentq(lambda u: u / -math.expm1(-u) - limit, 1e-12, 10.0 * limit + 10.0, xtol=1e-14, rtol=1e-14)


@pytest.mark.parametrize("limit", [1.0001, 1.1, 1.5, 2.0, 3.0, 7.0, 25.0, 400.0])
def test_the_room_a_frequency_cap_leaves_is_the_inverse_of_the_frequency(limit):
    assert frequency_room(limit) == pytest.approx(room_by_bisection(limit), rel=1e-9)
    assert frequency_at(frequency_room(limit)) == pytest.approx(limit, rel=1e-12)


def test_a_cap_at_one_leaves_no_impressions():
    assert frequency_room(1.0) == 0.0
    assert frequency_room(0.5) == 0.0
    assert frequency_at(0.0) == 1.0


def test_a_binding_cap_spends_exactly_what_a_hand_calculation_allows():
    # Conversions rise with spend, the budget allows far more: the cap alone stops spend.
    for limit in (2.0, 3.0, 4.5):
        result = TIGHT.optimize(one(kpis={"max_frequency": limit}))
        impressions = 50000 * room_by_bisection(limit)
        spend = impressions * 10.0 / 1000.0
        assert result.totals["spend"] == pytest.approx(spend, rel=1e-6)
        reach = 50000 * (1 - math.exp(-impressions / 50000))
        assert result.totals["reach"] == pytest.approx(reach, rel=1e-6)
        assert result.totals["frequency"] == pytest.approx(impressions / reach, rel=1e-6)
        assert result.totals["frequency"] == pytest.approx(limit, rel=1e-6)
        assert result.totals["conversions"] == pytest.approx(2500 * (1 - math.exp(-spend / 50000)), rel=1e-6)
        status = next(k for k in result.kpis if k.name == "max_frequency")
        assert (status.sense, status.target, status.met) == ("<=", limit, True)
        row = next(c for c in result.constraints if c.name == "kpi.max_frequency.facebook")
        assert row.binding
        assert row.unit == "impressions per person"


def test_the_caps_price_matches_re_solves_with_the_cap_moved():
    # Hand: conversions(F) = 2,500 · (1 − exp(−x(F) / 50,000)), x(F) = 500 · g⁻¹(F) EUR.
    limit, step = 3.0, 1e-3

    def by_hand(f: float) -> float:
        return 2500 * (1 - math.exp(-500 * room_by_bisection(f) / 50000))

    result = TIGHT.optimize(one(kpis={"max_frequency": limit}))
    row = next(c for c in result.constraints if c.name == "kpi.max_frequency.facebook")
    up = TIGHT.optimize(one(kpis={"max_frequency": limit + step})).totals["conversions"]
    down = TIGHT.optimize(one(kpis={"max_frequency": limit - step})).totals["conversions"]
    assert up == pytest.approx(by_hand(limit + step), rel=1e-6)
    assert row.shadow_price == pytest.approx((up - down) / (2 * step), rel=1e-3)
    assert row.shadow_price == pytest.approx((by_hand(limit + step) - by_hand(limit - step)) / (2 * step), rel=1e-3)
    assert row.explanation == (
        f"raising the facebook frequency cap by 0.1 impressions per person adds {row.shadow_price * 0.1:.4g} "
        "conversions at the margin"
    )


def test_each_channels_cap_is_priced_by_re_solving_the_problem_with_it_moved():
    s = scenario(kpis={"max_frequency": 8.0})
    result = TIGHT.optimize(s)
    problem = problem_of(s)
    base = certified_value(problem, 1e-7)
    binding = [c for c in result.constraints if c.name.startswith("kpi.max_frequency.") and c.binding]
    assert binding
    for c in binding:
        step = 1e-3 * c.limit
        up = certified_value(moved(problem, c.name, c.limit + step), 1e-7)
        down = certified_value(moved(problem, c.name, c.limit - step), 1e-7)
        slope = (up.value - down.value) / (2 * step)
        fuzz = (up.slack + down.slack + 2e-7 * abs(base.value)) / (2 * step)
        assert c.shadow_price == pytest.approx(slope, rel=0.02, abs=fuzz), c
        assert c.value == pytest.approx(c.limit, rel=1e-6)


def test_the_row_holds_exactly_when_the_channels_true_frequency_is_within_the_cap():
    s = scenario(kpis={"max_frequency": 4.0})
    problem = problem_of(s)
    market = build_market(s)
    rows = [r for r in problem.rows if r.name.startswith("kpi.max_frequency.")]
    assert [r.name for r in rows] == ["kpi.max_frequency.instagram", "kpi.max_frequency.tiktok"]
    rng = np.random.default_rng(7)
    for _ in range(200):
        spend = rng.uniform(0, 1, len(market.channel_of)) * rng.choice([500.0, 5000.0, 50000.0])
        outcomes = market.outcomes(spend)
        for row in rows:
            j = market.channels.index(row.name.rsplit(".", 1)[1])
            shown = float(spend[market.channel_of == j] @ (1000.0 / market.cpm[market.channel_of == j]))
            people = market.audience[j] * (1 - math.exp(-shown / market.audience[j]))
            lhs = row.lhs(spend, 0.0, outcomes.reach)
            if abs(shown / people - 4.0) > 1e-9:
                assert (lhs <= row.rhs) == (shown / people <= 4.0)
        per_channel = np.bincount(market.channel_of, weights=outcomes.impressions, minlength=2) / outcomes.reach
        assert outcomes.totals["frequency"] == pytest.approx(per_channel.max(), rel=1e-12)


def test_an_infeasible_cap_names_the_frequency_that_alone_allows_a_plan():
    s = scenario(kpis={"max_frequency": 1.05, "min_clicks": 3000.0})
    with pytest.raises(InfeasibleError) as caught:
        Optimizer().optimize(s)
    fixes = {r.name: r for r in caught.value.relaxations}
    problem = problem_of(s)
    found = [r for name, r in fixes.items() if name.startswith("kpi.max_frequency.") and r.relaxed_limit is not None]
    assert found
    for r in found:
        assert r.relaxed_limit > 1.05
        assert certified_value(moved(problem, r.name, r.relaxed_limit * 1.001)).value is not None
        assert certified_value(moved(problem, r.name, 1.05 + 0.9 * (r.relaxed_limit - 1.05))).value is None
    assert "(the instagram frequency cap): raise it from 1.05 to" in str(caught.value)


@pytest.mark.parametrize("cap", [0.5, 1, 1.0])
def test_a_cap_of_one_or_less_is_refused_by_the_schema(cap):
    # g(u) > 1 for every u > 0: a cap of 1 allows no impressions at all, so it is as unworkable as one below 1.
    with pytest.raises(ScenarioError) as caught:
        one(kpis={"max_frequency": cap})
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("kpis.max_frequency", f"{cap} is out of range: must be greater than 1")
    ]


def test_scenarios_without_the_cap_have_no_frequency_rows(two_channels):
    problem = problem_of(two_channels)
    assert not [r for r in problem.rows if "frequency" in r.name]
