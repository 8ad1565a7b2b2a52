"""Plans from calibrated scenarios, judged on the true curves that generated the history."""

import datetime as dt

import numpy as np
import pytest

from optimizer import Optimizer
from scenarios import load_scenario
from scenarios.calibrated import Provenance, calibrated_data
from scenarios.calibration import PRIOR, posteriors
from scenarios.loader import resolve
from scenarios.market_build import build_market
from scenarios.synthetic import draw_truth, synthetic_history, true_scenario


@pytest.mark.parametrize("name", ["cafe-chain-q1", "b2b-saas-leads"])
def test_the_calibrated_plan_comes_close_to_the_true_optimum_and_the_benchmark_plan_does_not(name):
    """Six truths drawn from the prior, 26 weeks of history each, KPIs left out (they would bind differently
    under each truth): the paid conversions each plan's spend brings on the true curves."""
    data = load_scenario(name).model_dump(mode="json", exclude_none=True)
    data["kpis"] = {}
    scenario = resolve(data, name)
    calibrated, benchmark = [], []
    for seed in range(6):
        truth = draw_truth(scenario, seed)
        past = synthetic_history(scenario, truth, 26, scenario.start - dt.timedelta(days=1), 100 + seed)
        fits = posteriors(scenario, past, seed=seed)
        provenance = Provenance("ledger.sqlite", past.weeks[0], past.weeks[-1] + dt.timedelta(days=6), 26)
        fitted = resolve(calibrated_data(scenario, fits, provenance, PRIOR), "calibrated")
        true = true_scenario(scenario, truth)
        curves = build_market(true).curves

        def paid(plan_of, curves=curves):
            return float(curves.value(Optimizer().optimize(plan_of).plan.spend).sum())

        best = paid(true)
        calibrated.append(paid(fitted) / best)
        benchmark.append(paid(scenario) / best)
    assert min(calibrated) >= 0.95
    assert np.mean(calibrated) >= 0.98
    assert np.mean(benchmark) <= 0.8
