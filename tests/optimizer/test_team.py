"""Whole creatives, organic posts and the team's hours (MILP) against enumeration and hand calculation."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from optimizer import Optimizer
from scenarios.errors import InfeasibleError
from scenarios.loader import resolve
from scenarios.market_build import build_market
from scenarios.schema import Scenario
from tests.conftest import BASE, merged

CURVES = [(400.0, 6000.0), (300.0, 3000.0)]  # (max, scale) of two exponential cells
CPM = 10.0


def creative_scenario(budget: float, per_creative: float, cost: float, hours: float = 0.0, team=None) -> Scenario:
    creatives = {"impressions_per_creative": per_creative, "cost": cost, "hours": hours}
    formats = {f"f{i}": {"creatives": creatives} for i in range(len(CURVES))}
    channel = {"audience": 1e6, "in_market": 0.05, "cpm": CPM, "ctr": 0.01, "cvr": 0.05, "formats": formats}
    data = {
        "name": "creatives",
        "budget": {"total": budget},
        "periods": {"count": 4},
        "channels": {"web": channel},
        "response": {f"web.f{i}": {"curve": "exponential", "max": m, "scale": s} for i, (m, s) in enumerate(CURVES)},
    }
    if team is not None:
        data["team"] = team
    return Scenario.model_validate(data)


def capped_water_filling(budget: float, caps: np.ndarray) -> float:
    """max Σ M(1 − exp(−x/s)) s.t. Σx ≤ budget, 0 ≤ x ≤ caps, by bisection on λ (no optimizer code)."""
    m, s = np.array(CURVES).T

    def spend(lam: float) -> np.ndarray:
        return np.clip(s * np.log(m / (s * lam)), 0.0, caps)

    if budget <= 0:
        return 0.0
    lo, hi = 1e-12, float(np.max(m / s))
    if spend(lo).sum() <= budget:
        hi = lo
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if spend(mid).sum() > budget else (lo, mid)
    return float(np.sum(m * -np.expm1(-spend(hi) / s)))


def enumerate_creatives(budget: float, per_creative: float, cost: float, allowed) -> float:
    """Best conversions over every count of creatives per cell: each creative buys `per_creative` impressions."""
    best = 0.0
    for counts in itertools.product(range(12), repeat=len(CURVES)):
        if not allowed(counts):
            continue
        caps = np.array(counts) * per_creative * CPM / 1000.0
        best = max(best, capped_water_filling(budget - cost * sum(counts), caps))
    return best


def test_whole_creatives_match_enumeration_of_the_counts():
    result = Optimizer(tolerance=1e-5).optimize(creative_scenario(9000.0, 250_000.0, 600.0))
    exact = enumerate_creatives(9000.0, 250_000.0, 600.0, lambda counts: True)
    assert result.totals["conversions"] == pytest.approx(exact, rel=1e-4)
    assert result.solver.name == "HiGHS MILP"
    # The plan pays for the creatives its impressions wear out, within the budget.
    needed = np.ceil(result.totals["impressions"] / 250_000.0 - 1e-9)
    assert result.totals["creatives"] >= needed
    assert result.totals["production"] == pytest.approx(600.0 * result.totals["creatives"])
    assert result.totals["spend"] + result.totals["production"] <= 9000.0 * (1 + 1e-6)


def test_creatives_take_team_hours_spread_over_the_weeks():
    team = {"hours_per_week": 3.0}
    result = Optimizer(tolerance=1e-5).optimize(creative_scenario(9000.0, 250_000.0, 0.0, hours=4.0, team=team))
    # 4 hours per creative over 4 weeks: one hour a week each, so at most 3 creatives.
    exact = enumerate_creatives(9000.0, 250_000.0, 0.0, lambda counts: sum(counts) <= 3)
    assert result.totals["conversions"] == pytest.approx(exact, rel=1e-4)
    assert result.totals["creatives"] == 3
    assert result.totals["team_hours_per_week"] == pytest.approx(3.0)


def organic_overlay(hours: float, **extra) -> dict:
    """Instagram reels and images posted organically; tiktok runs paid only; a one-person team."""
    posts = {
        "reel": {"organic_posts": {"min": 0, "max": 3, "hours_per_post": 2.0}, "engagement_factor": 2.0},
        "image": {"organic_posts": {"min": 1, "max": 4, "hours_per_post": 0.5}},
    }
    return merged(
        {
            "periods": {"count": 4},
            "team": {"hours_per_week": hours, "hours_per_active_channel": 3.0},
            "channels": {"instagram": {"formats": posts, "organic": {"posts_per_week": 0, "hours_per_post": 1.0}}},
        },
        extra,
    )


def test_post_engagement_by_hand():
    market = build_market(resolve(merged(BASE, organic_overlay(10.0)), "<test>"))
    # Followers roll forward with churn only (no fixed posts): 5000·(1 − 0.003)^w over 4 weeks.
    followers = sum(5000 * 0.997**w for w in range(4))
    reel = market.cell_keys.index("instagram.reel")
    per_post = followers * 0.1 * 0.01 * 2.0  # reach rate · engagement rate · the reel's engagement factor
    assert market.post_engagement[reel, :3] == pytest.approx(per_post * 0.8 ** np.arange(3))
    out = market.outcomes(np.zeros(len(market.channel_of)), np.array([2, 1, 0, 0]))
    image = followers * 0.1 * 0.01
    assert out.totals["engagement"] == pytest.approx(per_post * 1.8 + image)
    assert out.totals["new_followers"] == pytest.approx((per_post * 1.8 + image) * 0.05)
    assert out.totals["team_hours_per_week"] == pytest.approx(2 * 2.0 + 0.5)


def best_by_enumeration(overlay: dict) -> tuple[float, tuple]:
    """Enumerate the active channels and each format's posts; solve the rest (spend only) for each."""
    best, arg = -math.inf, None
    for channels in [("instagram",), ("tiktok",), ("instagram", "tiktok")]:
        for reels, images in itertools.product(range(4), range(1, 5)):
            hours = 3.0 * len(channels) + 2.0 * reels + 0.5 * images
            if hours > overlay["team"]["hours_per_week"] + 1e-9:
                continue
            fixed = {
                "reel": {"organic_posts": {"min": reels, "max": reels}},
                "image": {"organic_posts": {"min": images, "max": images}},
            }
            dark = {n: {"blackout": [1, 2, 3, 4]} for n in ("instagram", "tiktok") if n not in channels}
            case = merged(overlay, {"channels": merged({"instagram": {"formats": fixed}}, dark)})
            case["team"] = {"hours_per_week": 100.0}
            try:
                value = Optimizer(tolerance=1e-5).optimize(resolve(merged(BASE, case), "<test>"))
            except InfeasibleError:
                continue
            if value.totals["conversions"] > best:
                best, arg = value.totals["conversions"], (channels, reels, images)
    return best, arg


@pytest.mark.parametrize(("hours", "engagement"), [(8.0, 60000.0), (10.5, 82000.0)])
def test_organic_posts_and_channels_share_the_hours_as_enumeration_says(hours, engagement):
    # A big instagram following: one reel a week engages ~4,800 over the four weeks. Reach needs both
    # channels (6 h); 8 hours leave no room for a reel, 10.5 do.
    overlay = organic_overlay(hours, kpis={"min_reach": 150000.0, "min_engagement": engagement})
    overlay = merged(overlay, {"channels": {"instagram": {"followers": 200000, "organic": {"reach_rate": 0.3}}}})
    result = Optimizer(tolerance=1e-5).optimize(resolve(merged(BASE, overlay), "<test>"))
    exact, _ = best_by_enumeration(overlay)
    assert result.totals["conversions"] == pytest.approx(exact, rel=1e-4)
    assert result.totals["engagement"] >= engagement * (1 - 1e-6)
    assert result.totals["team_hours_per_week"] <= hours + 1e-9


def test_spare_hours_go_to_posts_the_most_engaging_per_hour_first():
    # 8 hours: instagram alone runs paid (tiktok is not worth it here) and takes 3. Images engage
    # 1, 0.8, 0.64, 0.51 per half hour (per unit e per hour: 2, 1.6, 1.28, 1.02); reels 2, 1.6 per 2 hours
    # (1, 0.8 per hour). The minimum image takes 0.5 h, three more 1.5 h, one reel 2 h: 7 h, and the
    # hour left fits no reel.
    result = Optimizer().optimize(resolve(merged(BASE, organic_overlay(8.0)), "<test>"))
    assert {c.channel for c in result.allocation if c.spend > 0} == {"instagram"}
    assert result.totals["organic_posts_per_week"] == 5
    assert result.totals["team_hours_per_week"] == pytest.approx(7.0)
    market = build_market(resolve(merged(BASE, organic_overlay(8.0)), "<test>"))
    engagement, _ = market.organic_posts(np.array([1, 4, 0, 0]))
    assert result.totals["engagement"] - market.outcomes(result_spend(result, market)).totals[
        "engagement"
    ] == pytest.approx(engagement.sum() - market.organic_posts(market.posts_min)[0].sum())


def result_spend(result, market) -> np.ndarray:
    """The plan's spend as the market's slot vector."""
    spend = np.zeros(len(market.channel_of))
    for c in result.allocation:
        cell = market.cell_keys.index(f"{c.channel}.{c.format}")
        spend[(market.cell_of == cell) & (market.period_of == c.period - 1)] = c.spend
    return spend


def test_a_binding_hours_limit_is_priced_per_hour_in_words():
    # 5.5 hours: instagram takes 3, four images 2 and a reel (1 h here) does not fit. The engagement
    # floor then costs conversions (paid spend moves to engaging cells); one more hour buys the reel.
    overlay = organic_overlay(5.5, kpis={"min_engagement": 60000.0})
    overlay = merged(overlay, {"channels": {"instagram": {"followers": 200000, "organic": {"reach_rate": 0.3}}}})
    overlay["channels"]["instagram"]["formats"]["reel"]["organic_posts"]["hours_per_post"] = 1.0
    result = Optimizer(tolerance=1e-5).optimize(resolve(merged(BASE, overlay), "<test>"))
    hours = next(c for c in result.constraints if c.name == "team.hours")
    assert hours.binding
    assert hours.explanation.startswith(
        "the team's 5.5 hours a week are used up: 3 more hours a week (what one more active channel takes) would add"
    )
    overlay["team"]["hours_per_week"] = 6.5
    more = Optimizer(tolerance=1e-5).optimize(resolve(merged(BASE, overlay), "<test>"))
    assert more.totals["conversions"] > result.totals["conversions"]


def test_without_explanations_the_plan_is_the_same_and_on_off_limits_are_left_out():
    # Pricing an on/off limit takes a re-solve with one more step; a caller that wants only the
    # plan (the break-even search, the frontier) skips it and gets no dual standing in for it.
    overlay = organic_overlay(5.5, kpis={"min_engagement": 60000.0})
    overlay = merged(overlay, {"channels": {"instagram": {"followers": 200000, "organic": {"reach_rate": 0.3}}}})
    overlay["channels"]["instagram"]["formats"]["reel"]["organic_posts"]["hours_per_post"] = 1.0
    scenario = resolve(merged(BASE, overlay), "<test>")
    explained = Optimizer(tolerance=1e-5).optimize(scenario)
    plain = Optimizer(tolerance=1e-5, explain=False).optimize(scenario)
    assert plain.totals == explained.totals
    assert [c.spend for c in plain.allocation] == [c.spend for c in explained.allocation]
    assert "team.hours" in {c.name for c in explained.constraints}
    assert {c.name for c in plain.constraints} == {c.name for c in explained.constraints} - {"team.hours"}
    assert all(p == e for p in plain.constraints for e in explained.constraints if p.name == e.name)
