"""On/off business rules (MILP) against brute-force enumeration of the on/off patterns."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from optimizer import Optimizer
from scenarios.errors import InfeasibleError
from scenarios.loader import resolve
from scenarios.schema import Scenario
from tests.conftest import BASE, merged


def scenario(**overlay):
    return resolve(merged(BASE, overlay), "<test>")


def best_with_channels(overlay: dict, channels: tuple[str, ...]) -> float:
    """The optimum when only `channels` may run (the others blacked out in the single period)."""
    dark = {name: {"blackout": [1]} for name in BASE["channels"] if name not in channels}
    return Optimizer(tolerance=1e-5).optimize(scenario(**merged(overlay, {"channels": dark}))).totals["conversions"]


def best_single_channel(overlay: dict) -> float:
    """The best optimum over plans that run one channel only (channels that cannot meet the KPIs skipped)."""
    options = []
    for name in BASE["channels"]:
        try:
            options.append(best_with_channels(overlay, (name,)))
        except InfeasibleError:
            continue
    return max(options)


@pytest.mark.parametrize("kpis", [{}, {"min_reach": 150000.0}])
def test_max_active_channels_matches_enumeration(kpis):
    overlay = {"kpis": kpis, "rules": {"max_active_channels": 1}}
    result = Optimizer(tolerance=1e-5).optimize(scenario(**overlay))
    assert result.totals["conversions"] == pytest.approx(best_single_channel(overlay), rel=1e-4)
    active = {c.channel for c in result.allocation if c.spend > 1e-6}
    assert len(active) == 1
    assert result.solver.name == "HiGHS MILP"


def test_team_hours_allow_as_many_channels_as_they_cover():
    overlay = {"kpis": {"min_reach": 150000.0}, "team": {"hours_per_week": 10, "hours_per_active_channel": 6}}
    result = Optimizer(tolerance=1e-5).optimize(scenario(**overlay))
    assert result.totals["conversions"] == pytest.approx(best_single_channel(overlay), rel=1e-4)
    hours = next(c for c in result.constraints if c.name == "team.hours")
    # 6 of 10 hours: 4 to spare, so the row does not bind, but they are too few for a second channel.
    assert not hours.binding
    assert hours.value == pytest.approx(6.0)
    # One more channel's hours let both channels run: the priced step is that gain.
    both = Optimizer(tolerance=1e-5).optimize(scenario(kpis={"min_reach": 150000.0})).totals["conversions"]
    assert hours.shadow_price * 6 == pytest.approx(both - result.totals["conversions"], rel=1e-3)
    assert hours.explanation.startswith(
        "the team's 10 hours a week leave 4 spare: 6 more hours a week (what one more active channel takes)"
    )


def curves_scenario(params: list[tuple[float, float]], budget: float, floor: float) -> Scenario:
    formats = {f"f{i}": {} for i in range(len(params))}
    channel = {"audience": 1e6, "in_market": 0.05, "cpm": 10.0, "ctr": 0.01, "cvr": 0.05, "formats": formats}
    response = {f"web.f{i}": {"curve": "exponential", "max": m, "scale": s} for i, (m, s) in enumerate(params)}
    return Scenario.model_validate(
        {
            "name": "on-off",
            "budget": {"total": budget},
            "channels": {"web": channel},
            "response": response,
            "rules": {"min_spend_if_active": floor},
        }
    )


def water_fill_with_floors(params: list[tuple[float, float]], budget: float, floor: float) -> float:
    """max Σ S(1 − exp(−x/s)) over the cells that are on (each at least `floor`), Σ x ≤ budget."""
    big_s = np.array([p[0] for p in params])
    scale = np.array([p[1] for p in params])
    if floor * len(params) > budget:
        return -math.inf

    def spend(lam: float) -> np.ndarray:
        return np.maximum(floor, scale * np.log(np.maximum(big_s / (scale * lam), 1e-300)))

    lo, hi = 1e-12, float(np.max(big_s / scale))
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if spend(mid).sum() > budget else (lo, mid)
    x = spend(hi)
    return float(np.sum(big_s * -np.expm1(-x / scale)))


def test_minimum_spend_if_active_matches_enumeration():
    params = [(400.0, 3000.0), (90.0, 800.0), (600.0, 9000.0), (60.0, 500.0)]
    budget, floor = 9000.0, 2500.0
    result = Optimizer(tolerance=1e-5).optimize(curves_scenario(params, budget, floor))
    best = -math.inf
    for pattern in itertools.product([0, 1], repeat=len(params)):
        on = [p for p, flag in zip(params, pattern, strict=True) if flag]
        if on:
            best = max(best, water_fill_with_floors(on, budget, floor))
    assert result.totals["conversions"] == pytest.approx(best, rel=1e-4)
    for cell in result.allocation:
        assert cell.spend < 1e-6 or cell.spend >= floor * (1 - 1e-9)


def test_no_active_channel_allowed_with_a_target_is_infeasible_and_named():
    s = scenario(objective="min_spend", kpis={"min_conversions": 100.0}, rules={"max_active_channels": 0})
    with pytest.raises(InfeasibleError) as caught:
        Optimizer().optimize(s)
    fixes = {r.name: r.relaxed_limit for r in caught.value.relaxations}
    assert "rules.max_active_channels" in fixes
    assert fixes["rules.max_active_channels"] == pytest.approx(1.0, abs=1e-6)


COSTS = {("tiktok", "video"): 800.0, ("tiktok", "spark"): 800.0, ("instagram", "reel"): 1200.0}


def with_costs(extra: dict | None = None) -> dict:
    channels: dict = {}
    for (channel, fmt), cost in COSTS.items():
        channels.setdefault(channel, {"formats": {}})["formats"][fmt] = {"production_cost": cost}
    return merged({"channels": channels}, extra or {})


def test_production_costs_match_enumeration_of_the_cells_used():
    result = Optimizer(tolerance=1e-5).optimize(scenario(**with_costs()))
    best = -math.inf
    for pattern in itertools.product([0, 1], repeat=len(COSTS)):
        off = {}
        for (channel, fmt), on in zip(COSTS, pattern, strict=True):
            if not on:  # a cell that is not used gets (next to) nothing
                off = merged(off, {"channels": {channel: {"formats": {fmt: {"spend": {"max": 1e-9}}}}}})
        paid = sum(cost for cost, on in zip(COSTS.values(), pattern, strict=True) if on)
        plan = Optimizer(tolerance=1e-5).optimize(scenario(**merged(off, {"budget": {"total": 20000.0 - paid}})))
        best = max(best, plan.totals["conversions"])
    assert result.totals["conversions"] == pytest.approx(best, rel=1e-4)
    used = {(c.channel, c.format) for c in result.allocation if c.spend > 1e-6}
    assert result.totals["production"] == pytest.approx(sum(COSTS[k] for k in used if k in COSTS))
    assert result.totals["spend"] + result.totals["production"] == pytest.approx(20000.0, rel=1e-6)


def test_a_separate_production_budget_caps_the_creatives_not_the_media():
    result = Optimizer().optimize(scenario(**with_costs({"budget": {"production": 1500.0}})))
    assert result.totals["spend"] == pytest.approx(20000.0, rel=1e-6)
    assert result.totals["production"] <= 1500.0
