"""The market model against hand calculations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scenarios.curves import Curves
from scenarios.market_build import build_market
from scenarios.organic import organic_outlook


def test_cells_follow_file_order(two_channels):
    market = build_market(two_channels)
    assert market.cells == ["instagram.reel", "instagram.image", "tiktok.video", "tiktok.spark"]
    assert market.channels == ("instagram", "tiktok")


def test_impressions_clicks_and_rates_by_hand(two_channels):
    market = build_market(two_channels)
    # instagram.reel: CPM 7.5 × 1.1 = 8.25 → 825 EUR buy 100,000 impressions; CTR 0.01 × 1.3 = 0.013.
    out = market.outcomes(np.array([825.0, 0.0, 0.0, 0.0]))
    assert out.impressions[0] == pytest.approx(100_000)
    assert out.clicks[0] == pytest.approx(1_300)
    assert out.bounces[0] == pytest.approx(1_300 * 0.6)
    assert out.engagement[0] == pytest.approx(100_000 * 0.01)
    assert out.negative_feedback[0] == pytest.approx(100_000 * 0.0004)
    assert out.totals["bounce_rate"] == pytest.approx(0.6)


def test_default_curve_slope_and_saturation(two_channels):
    market = build_market(two_channels)
    # instagram.reel: S = 100,000 × 0.4 × 0.04 = 1,600 people; slope = 1000 × 0.013 × 0.03 / 8.25.
    saturation = 1600.0
    slope = 1000 * 0.013 * 0.03 / 8.25
    scale = saturation / slope
    assert market.curves.maximum[0] == pytest.approx(saturation)
    assert market.curves.scale[0] == pytest.approx(scale)
    x = np.array([scale, 0.0, 0.0, 0.0])
    assert market.curves.value(x)[0] == pytest.approx(saturation * (1 - math.exp(-1)))
    tiny = np.array([1e-3, 0.0, 0.0, 0.0])
    assert market.curves.value(tiny)[0] / 1e-3 == pytest.approx(slope, rel=1e-6)
    assert market.curves.derivative(np.zeros(4))[0] == pytest.approx(slope)


def test_hill_and_points_overrides(make_scenario):
    scenario = make_scenario(
        response={
            "instagram.reel": {"curve": "hill", "alpha": 1.0, "half_saturation": 4000, "max": 600},
            "instagram.image": {"curve": "points", "spend": [1000, 3000], "conversions": [40, 90]},
            "tiktok.video": {"curve": "exponential", "max": 500, "scale": 10000},
        }
    )
    curves = build_market(scenario).curves
    x = np.array([4000.0, 2000.0, 10000.0, 0.0])
    values = curves.value(x)
    assert values[0] == pytest.approx(300.0)  # half of max at half-saturation
    assert values[1] == pytest.approx(65.0)  # halfway between (1000, 40) and (3000, 90)
    assert values[2] == pytest.approx(500 * (1 - math.exp(-1)))
    assert curves.value(np.array([0.0, 500.0, 0.0, 0.0]))[1] == pytest.approx(20.0)  # (0, 0) is implied
    assert curves.value(np.array([0.0, 9000.0, 0.0, 0.0]))[1] == pytest.approx(90.0)  # flat past the table


def test_hill_derivative_and_curvature_match_finite_differences():
    curves = Curves(np.array([1, 1]), np.array([600.0, 80.0]), np.array([4000.0, 900.0]), np.array([1.0, 0.6]))
    x = np.array([2500.0, 700.0])
    h = 1e-3
    numeric = (curves.value(x + h) - curves.value(x - h)) / (2 * h)
    assert curves.derivative(x) == pytest.approx(numeric, rel=1e-6)
    second = (curves.derivative(x + h) - curves.derivative(x - h)) / (2 * h)
    assert curves.curvature(x) == pytest.approx(np.abs(second), rel=1e-5)


def test_best_response_solves_the_first_order_condition():
    curves = Curves(np.array([0, 1]), np.array([1600.0, 600.0]), np.array([50000.0, 4000.0]), np.array([1.0, 1.0]))
    price = np.array([0.01, 0.02])
    x = curves.best_response(np.ones(2), price, np.zeros(2), np.full(2, 1e9))
    # exponential: x = s·ln(S / (s·p)); Hill alpha 1: x = sqrt(M·k / p) − k
    assert x[0] == pytest.approx(50000 * math.log(1600 / (50000 * 0.01)))
    assert x[1] == pytest.approx(math.sqrt(600 * 4000 / 0.02) - 4000, rel=1e-9)


def test_reach_is_poisson_exposure_per_channel(two_channels):
    market = build_market(two_channels)
    spend = np.array([825.0, 750.0, 0.0, 0.0])  # 100,000 + 100,000 instagram impressions
    reach = market.reach(spend)
    assert reach[0] == pytest.approx(100_000 * (1 - math.exp(-2)))
    assert reach[1] == 0.0


def test_organic_outlook_one_week_by_hand(make_scenario):
    scenario = make_scenario(periods={"count": 1, "unit": "week"})
    outlook = organic_outlook(scenario)
    # 5,000 followers × 0.1 × (1 + 0.8 + 0.64) for 3 posts with decay 0.8
    reach = 5000 * 0.1 * (1 + 0.8 + 0.64)
    assert outlook.reach[0] == pytest.approx(reach)
    assert outlook.engagement[0] == pytest.approx(reach * 0.01)
    assert outlook.new_followers[0] == pytest.approx(reach * 0.01 * 0.05)
    assert outlook.churned[0] == pytest.approx(5000 * 0.003)
    assert outlook.final_followers[0] == pytest.approx(5000 + reach * 0.01 * 0.05 - 15)
    assert outlook.reach[1] == 0.0  # tiktok posts nothing


def test_value_and_profit_by_hand(make_scenario):
    scenario = make_scenario(
        periods={"count": 13, "unit": "week"},
        business={"value_per_conversion": 30.0, "gross_margin": 0.6, "monthly_costs": {"team": 3000, "tools": 100}},
    )
    market = build_market(scenario)
    spend = np.repeat(np.array([1000.0, 2000.0, 0.0, 500.0]) / 13, 13)  # one value per cell and week
    t = market.outcomes(spend).totals
    conversions = float(market.curves.value(spend).sum())
    months = 13 * 12 / 52
    assert t["revenue"] == pytest.approx(conversions * 30)
    assert t["profit"] == pytest.approx(conversions * 30 * 0.6 - 3500 - 3100 * months)
    assert t["cpa"] == pytest.approx(3500 / conversions)
    assert t["roas"] == pytest.approx(conversions * 30 / 3500)


def test_new_followers_are_paid_and_organic_engagement_times_follow_rate(two_channels):
    market = build_market(two_channels)
    spend = np.array([825.0, 0.0, 600.0, 0.0])  # 100,000 instagram and 100,000 tiktok impressions
    t = market.outcomes(spend).totals
    organic = organic_outlook(two_channels)
    # instagram: 100,000 × 0.01 engagement × 0.05 follow rate; tiktok has no follow rate.
    assert t["new_followers"] == pytest.approx(100_000 * 0.01 * 0.05 + organic.new_followers.sum())
    assert t["engagement"] == pytest.approx(100_000 * 0.01 + 100_000 * 0.02 + organic.engagement.sum())
