"""The simulator's frequency: each channel's simulated impressions over the people they reached, and its target."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from optimizer import Optimizer
from scenarios import build_market
from scenarios.loader import resolve
from simulation import MonteCarlo, QuarterInputs, run_quarter
from tests.conftest import BASE, merged

#: The chance that the statistical test of this module fails although the simulator is right.
FALSE_ALARM = 1e-4
WEEKS = {"periods": {"count": 4, "unit": "week"}}


def inputs(overlay):
    scenario = resolve(merged(merged(BASE, WEEKS), overlay), "<test>")
    market = build_market(scenario)
    result = Optimizer().optimize(scenario)
    return scenario, market, result, QuarterInputs.build(scenario, result.plan, market)


def test_the_frequency_is_the_highest_channels_impressions_per_person_reached():
    _, _, _, q = inputs({"kpis": {"max_frequency": 6.0}})
    for seed in range(5):
        rep = run_quarter(q, seed, crises=True)
        assert rep.channel_impressions.sum() == rep.kpis["impressions"]
        assert rep.channel_reach.sum() == rep.kpis["reach"]
        # Counted another way: whole impressions and whole people per channel, the highest ratio.
        ratios = [i / r for i, r in zip(rep.channel_impressions, rep.channel_reach, strict=True) if r > 0]
        assert rep.kpis["frequency"] == max(ratios)
        assert all(float(x).is_integer() for x in (*rep.channel_impressions, *rep.channel_reach))


def test_the_simulated_frequency_averages_the_plans_expected_frequency():
    # Without crises each channel's impressions are Poisson around the plan's, and its reach binomial on the
    # audience: the mean simulated frequency of the highest channel is the plan's I / (A · (1 − e^(−I/A))).
    scenario, market, result, q = inputs({"kpis": {"max_frequency": 3.0}})
    expected = result.totals["frequency"]
    assert expected == pytest.approx(3.0, rel=1e-6)
    runs = 40
    sim = MonteCarlo(runs, seed=5, crises=False).run(q, scenario.name)
    values = np.array([row["frequency"] for row in sim.replications])
    bound = float(stats.t.ppf(1.0 - FALSE_ALARM / 2, runs - 1))
    assert abs(values.mean() - expected) <= bound * values.std(ddof=1) / math.sqrt(runs)
    target = next(t for t in sim.targets if t["name"] == "max_frequency")
    assert (target["sense"], target["target"]) == ("<=", 3.0)
    assert target["probability_met"] == pytest.approx(float(np.mean(values <= 3.0 * (1 + 1e-9))))
    assert sim.kpis["frequency"]["mean"] == pytest.approx(values.mean())
    # The plan's own figure, recomputed from its spend by hand.
    spend = np.array([c.spend for c in result.allocation])
    shown = np.bincount(market.channel_of, weights=spend * 1000.0 / market.cpm, minlength=len(market.channels))
    people = market.audience * (1 - np.exp(-shown / market.audience))
    assert expected == pytest.approx(max(shown / people), rel=1e-9)
