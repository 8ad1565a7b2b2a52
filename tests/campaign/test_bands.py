"""The report's week-by-week KPI figures: each week's value by hand from made-up daily series."""

from __future__ import annotations

import math

import numpy as np
import pytest

from campaign.bands import Band, quarter_spread, to_date, week_ends
from optimizer import Optimizer
from scenarios.kpis import KPI_BY_NAME, KPIS
from scenarios.library import library_path
from scenarios.loader import load_scenario
from scenarios.market_build import build_market
from simulation import MonteCarlo, QuarterInputs, Replication

AUDIENCE = np.array([1000.0, 4000.0])
DAYS = 10  # a week and a short week of three days


def replication(scale: float, quarter: dict[str, float]) -> Replication:
    daily = {
        "spend": np.full(DAYS, 10.0 * scale),
        "conversions": np.arange(DAYS, dtype=float),
        "clicks": np.full(DAYS, 3.0),
        "revenue": np.full(DAYS, 25.0),
    }
    channel_daily = np.column_stack([np.full(DAYS, 300.0 * scale), np.full(DAYS, 100.0)])
    return Replication(quarter, {}, {}, daily, channel_daily=channel_daily)


REPS = [
    replication(1.0, {"frequency": 3.5, "reach": 2000.0, "cpa": 2.0, "clicks": 30.0}),
    replication(2.0, {"frequency": 7.5, "reach": 2100.0, "cpa": math.inf, "clicks": 30.0}),
]


def test_weeks_end_on_their_last_day_and_the_last_may_be_short():
    assert week_ends(10).tolist() == [6, 9]
    assert week_ends(14).tolist() == [6, 13]
    assert week_ends(15).tolist() == [6, 13, 14]


def test_each_figure_to_date_by_hand_and_the_quarters_own_figure_last():
    ends = np.array([6, 9])
    frequency = to_date(KPI_BY_NAME["max_frequency"], REPS, ends, AUDIENCE)
    for r, scale in enumerate((1.0, 2.0)):
        shown = np.array([7 * 300.0 * scale, 7 * 100.0])
        by_hand = max(i / (a * (1 - math.exp(-i / a))) for i, a in zip(shown, AUDIENCE, strict=True))
        assert frequency[r, 0] == pytest.approx(by_hand, rel=1e-12)
    assert frequency[:, 1].tolist() == [3.5, 7.5]
    reach = to_date(KPI_BY_NAME["min_reach"], REPS, ends, AUDIENCE)
    assert reach[0, 0] == pytest.approx(1000 * (1 - math.exp(-2.1)) + 4000 * (1 - math.exp(-700 / 4000)), rel=1e-12)
    assert reach[:, 1].tolist() == [2000.0, 2100.0]
    cpa = to_date(KPI_BY_NAME["max_cpa"], REPS, ends, AUDIENCE)
    assert cpa[0, 0] == pytest.approx(70.0 / sum(range(7)), rel=1e-12)
    assert cpa[1, 0] == pytest.approx(140.0 / sum(range(7)), rel=1e-12)
    assert cpa[0, 1] == 2.0
    assert math.isnan(cpa[1, 1])  # no conversions in the quarter: no CPA
    clicks = to_date(KPI_BY_NAME["min_clicks"], REPS, ends, AUDIENCE)
    assert clicks[:, 0].tolist() == [21.0, 21.0]


def test_the_quarters_spread_is_over_its_finite_figures():
    values = np.array([[0.0, 1.0], [0.0, math.nan], [0.0, 3.0]])
    band = Band("max_cpa", "cpa", "CPA", values, 16.0, "<=")
    assert quarter_spread(band) == pytest.approx(tuple(np.percentile([1.0, 3.0], [5, 50, 95])))


def test_every_kpi_of_the_catalogue_has_its_figure_week_by_week_and_the_days_add_up_to_the_quarter():
    scenario = load_scenario(library_path("cafe-chain-q1"))
    market = build_market(scenario)
    plan = Optimizer().optimize(scenario).plan
    reps = MonteCarlo(3, seed=4).replicate(QuarterInputs.build(scenario, plan, market))
    for r in reps:
        assert r.daily["engagement"].sum() == pytest.approx(r.kpis["engagement"], rel=1e-12)
        assert r.daily["bounces"].sum() / r.daily["clicks"].sum() == pytest.approx(r.kpis["bounce_rate"], rel=1e-12)
        assert r.channel_daily.sum(axis=0) == pytest.approx(r.channel_impressions, rel=1e-12)
    ends = week_ends(len(reps[0].daily["spend"]))
    for kpi in KPIS:
        values = to_date(kpi, reps, ends, market.audience)
        assert values.shape == (3, len(ends)), kpi.name
        assert values[:, -1].tolist() == [r.kpis[kpi.figure] for r in reps], kpi.name
        if kpi.form == "total":  # a running total never falls (the last week is the quarter's own, drawn, figure)
            assert (np.diff(values[:, :-1], axis=1) >= 0).all(), kpi.name
