"""Weekly plans: period sums, caps, ramps, flights, blackouts and seasonality respected."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import Optimizer
from scenarios.errors import InfeasibleError
from scenarios.loader import resolve
from scenarios.market_build import build_market
from tests.conftest import BASE, merged

WEEKS = {"periods": {"count": 6, "unit": "week"}}


def scenario(**overlay):
    return resolve(merged(merged(BASE, WEEKS), overlay), "<test>")


def spend_table(result) -> dict[str, np.ndarray]:
    """Spend per cell (rows) and week (columns)."""
    table: dict[str, np.ndarray] = {}
    for c in result.allocation:
        table.setdefault(f"{c.channel}.{c.format}", np.zeros(6))[c.period - 1] = c.spend
    return table


def test_one_row_per_cell_and_week_summing_to_the_totals():
    result = Optimizer().optimize(scenario())
    assert len(result.allocation) == 4 * 6
    assert sorted({c.period for c in result.allocation}) == [1, 2, 3, 4, 5, 6]
    assert sum(c.spend for c in result.allocation) == pytest.approx(result.totals["spend"])
    assert sum(c.conversions for c in result.allocation) == pytest.approx(result.totals["conversions"])


def test_even_weeks_without_seasonality_match_the_single_period_plan():
    weekly = Optimizer(tolerance=1e-5).optimize(scenario())
    single = Optimizer(tolerance=1e-5).optimize(resolve(BASE, "<test>"))
    assert weekly.totals["conversions"] == pytest.approx(single.totals["conversions"], rel=1e-4)
    for spends in spend_table(weekly).values():
        assert spends == pytest.approx(np.full(6, spends.mean()), rel=1e-6, abs=1e-6)


def test_a_cheaper_week_with_better_conversion_gets_more():
    result = Optimizer().optimize(scenario(seasonality={"cpm": [1, 1, 0.7, 1, 1.5, 1], "cvr": [1, 1, 1.3, 1, 1, 1]}))
    week = np.sum(list(spend_table(result).values()), axis=0)
    assert week[2] == max(week)
    assert week[4] == min(week)


def test_weekly_caps_and_floors_hold():
    result = Optimizer().optimize(
        scenario(
            budget={"total": 20000, "per_period": {"min": 2000, "max": 4000}}, seasonality={"cvr": [2, 1, 1, 1, 1, 1]}
        )
    )
    week = np.sum(list(spend_table(result).values()), axis=0)
    assert np.all(week <= 4000 * (1 + 1e-6))
    assert np.all(week >= 2000 * (1 - 1e-6))
    assert week[0] == pytest.approx(4000, rel=1e-6)
    binding = {c.name for c in result.constraints if c.binding}
    assert "budget.period.1.max" in binding


def test_ramp_limits_hold_week_to_week():
    result = Optimizer().optimize(
        scenario(
            rules={"ramp": {"max_increase": 300, "max_decrease": 200}}, seasonality={"cvr": [0.5, 0.5, 2, 2, 0.5, 0.5]}
        )
    )
    table = spend_table(result)
    for channel in ("instagram", "tiktok"):
        weekly = sum(v for k, v in table.items() if k.startswith(channel + "."))
        steps = np.diff(weekly)
        assert np.all(steps <= 300 * (1 + 1e-6) + 1e-6)
        assert np.all(steps >= -200 * (1 + 1e-6) - 1e-6)


def test_flights_and_blackouts_keep_channels_dark():
    result = Optimizer().optimize(
        scenario(
            channels={"tiktok": {"flight": {"start": 2, "end": 4}, "blackout": [3]}, "instagram": {"blackout": [6]}},
            rules={"channel_share": {"tiktok": {"min": 0.2}}},
        )
    )
    table = spend_table(result)
    tiktok = table["tiktok.video"] + table["tiktok.spark"]
    assert tiktok[[0, 2, 4, 5]] == pytest.approx(0.0, abs=1e-9)
    assert tiktok[[1, 3]].sum() > 0
    instagram = table["instagram.reel"] + table["instagram.image"]
    assert instagram[5] == pytest.approx(0.0, abs=1e-9)


def test_a_floor_that_needs_a_dark_week_is_infeasible_and_named():
    s = scenario(
        budget={"total": 20000, "per_period": {"min": 1000}},
        channels={"instagram": {"blackout": [2]}, "tiktok": {"blackout": [2]}},
    )
    with pytest.raises(InfeasibleError) as caught:
        Optimizer().optimize(s)
    assert "budget.per_period.min" in {r.name for r in caught.value.relaxations}


def test_weekly_cap_shadow_prices_match_a_finite_difference():
    # Moving the common weekly cap moves every binding week's row at once: the sum of their
    # shadow prices is the slope.
    overlay = {"budget": {"total": 20000, "per_period": {"max": 4000}}, "seasonality": {"cvr": [2, 1, 1, 1, 1, 1]}}
    tight = Optimizer(tolerance=1e-6)
    base = tight.optimize(scenario(**overlay))
    caps = [c for c in base.constraints if c.name.startswith("budget.period.") and c.name.endswith(".max")]
    assert next(c for c in caps if c.name == "budget.period.1.max").shadow_price > 0
    step = 50.0
    up = tight.optimize(scenario(**merged(overlay, {"budget": {"per_period": {"max": 4000 + step}}})))
    down = tight.optimize(scenario(**merged(overlay, {"budget": {"per_period": {"max": 4000 - step}}})))
    slope = (up.totals["conversions"] - down.totals["conversions"]) / (2 * step)
    assert sum(c.shadow_price for c in caps) == pytest.approx(slope, rel=0.02)


def test_a_per_period_cap_applies_with_a_single_period_too():
    result = Optimizer().optimize(resolve(merged(BASE, {"budget": {"total": 20000, "per_period": {"max": 5000}}}), "x"))
    assert result.totals["spend"] == pytest.approx(5000.0, rel=1e-6)
    assert next(c for c in result.constraints if c.name == "budget.period.1.max").binding


def test_an_infeasible_weekly_cap_is_one_fix_for_the_one_setting():
    overlay = {"budget": {"total": 20000, "per_period": {"max": 2000}}, "kpis": {"min_clicks": 20000}}
    with pytest.raises(InfeasibleError) as caught:
        Optimizer().optimize(scenario(**overlay))
    fixes = {r.name: r.relaxed_limit for r in caught.value.relaxations}
    assert not any(name.startswith("budget.period.") for name in fixes)
    cap = fixes["budget.per_period.max"]
    assert 2000 < cap < 20000
    Optimizer().optimize(scenario(**merged(overlay, {"budget": {"per_period": {"max": cap * 1.001}}})))
    with pytest.raises(InfeasibleError):
        Optimizer().optimize(scenario(**merged(overlay, {"budget": {"per_period": {"max": cap * 0.99}}})))
    assert "budget.per_period.max (the weekly spend cap): raise it from 2,000 to" in str(caught.value)


ADSTOCK_CURVES = {
    "response": {
        "instagram.reel": {"curve": "exponential", "max": 400.0, "scale": 6000.0},
        "instagram.image": {"curve": "exponential", "max": 300.0, "scale": 5000.0},
        "tiktok.video": {"curve": "exponential", "max": 500.0, "scale": 9000.0},
        "tiktok.spark": {"curve": "exponential", "max": 200.0, "scale": 3000.0},
    }
}


def adstock_optimum(maximum: np.ndarray, scale: np.ndarray, weight: np.ndarray, budget: float) -> float:
    """max Σ w·M(1 − exp(−x/s)) s.t. Σx ≤ budget by water-filling on λ (shares no code with the optimizer)."""

    def spend(lam: float) -> np.ndarray:
        return np.maximum(0.0, scale * np.log(weight * maximum / (scale * lam)))

    lo, hi = 1e-12, float(np.max(weight * maximum / scale))
    for _ in range(200):
        mid = (lo * hi) ** 0.5
        lo, hi = (mid, hi) if spend(mid).sum() > budget else (lo, mid)
    x = spend(hi)
    return float(np.sum(weight * maximum * -np.expm1(-x / scale)))


def test_adstock_by_hand_for_one_cell_over_two_weeks():
    # One cell, 2 weeks, θ = 0.5: week 1's response lands 1 − 0.5² = 75 % within the horizon,
    # week 2's 50 %. Each week's curve is f(2x)/2; 1000 spent in week 1 and nothing in week 2
    # brings 0.75 · 400 (1 − exp(−2000/6000)) / 2 conversions.
    data = merged(BASE, ADSTOCK_CURVES)
    data["channels"] = {"instagram": merged(data["channels"]["instagram"], {"adstock": {"theta": 0.5}})}
    data["channels"]["instagram"]["formats"] = {"reel": {}}
    data["response"] = {"instagram.reel": ADSTOCK_CURVES["response"]["instagram.reel"]}
    market = build_market(resolve(merged(data, {"periods": {"count": 2}}), "<test>"))
    out = market.outcomes(np.array([1000.0, 0.0]))
    assert out.conversions[0] == pytest.approx(0.75 * 400 * (1 - np.exp(-2000 / 6000)) / 2)
    out = market.outcomes(np.array([0.0, 1000.0]))
    assert out.conversions[1] == pytest.approx(0.5 * 400 * (1 - np.exp(-2000 / 6000)) / 2)


def test_adstock_optimum_is_water_filling_on_the_in_horizon_shares():
    theta = {"instagram": 0.6, "tiktok": 0.2}
    overlay = merged(ADSTOCK_CURVES, {"channels": {k: {"adstock": {"theta": v}} for k, v in theta.items()}})
    result = Optimizer(tolerance=1e-5).optimize(scenario(**overlay))
    weeks = 6
    maximum, scale, weight = [], [], []
    for cell, curve in ADSTOCK_CURVES["response"].items():
        th = theta[cell.split(".")[0]]
        for t in range(weeks):
            maximum.append(curve["max"] / weeks)
            scale.append(curve["scale"] / weeks)
            weight.append(1 - th ** (weeks - t))
    exact = adstock_optimum(np.array(maximum), np.array(scale), np.array(weight), 20000.0)
    assert result.totals["conversions"] == pytest.approx(exact, rel=2e-5)
    # Late weeks lose more of their response past the horizon, so spend falls week by week.
    weekly = np.sum(list(spend_table(result).values()), axis=0)
    assert np.all(np.diff(weekly) < 0)


def test_carry_in_adds_conversions_and_counts_against_the_cpa_cap():
    overlay = merged(ADSTOCK_CURVES, {"channels": {"instagram": {"adstock": {"theta": 0.5}}}})
    plain = Optimizer(tolerance=1e-5).optimize(scenario(**overlay))
    carry = merged(overlay, {"channels": {"instagram": {"formats": {"reel": {"carry_in": 3000}}}}})
    carried = Optimizer(tolerance=1e-5).optimize(scenario(**carry))
    # 3,000 spent the week before: the reel curve per week is f(6·x)/6; θ(1 − θ⁶) of it is still to come.
    expected = 0.5 * (1 - 0.5**6) * 400 * (1 - np.exp(-18000 / 6000)) / 6
    assert carried.totals["conversions"] - plain.totals["conversions"] == pytest.approx(expected, rel=1e-4)
    assert sum(c.conversions for c in carried.allocation) == pytest.approx(plain.totals["conversions"], rel=1e-4)
    # A CPA cap the plan alone just meets is looser with the carried conversions.
    cap = plain.totals["spend"] / plain.totals["conversions"]
    tight = Optimizer(tolerance=1e-5).optimize(scenario(**merged(carry, {"kpis": {"max_cpa": cap * 0.9}})))
    assert tight.totals["spend"] / tight.totals["conversions"] <= cap * 0.9 * (1 + 1e-6)
    assert tight.totals["spend"] > 0
