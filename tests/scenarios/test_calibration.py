"""Calibration's posteriors: against brute-force integration, and their coverage on histories drawn from the prior."""

import datetime as dt

import numpy as np
import pytest
from scipy import stats

from scenarios import load_scenario
from scenarios.calibration import LEVEL, posteriors
from scenarios.posterior import log_grid, log_prior, pooled
from scenarios.synthetic import draw_truth, synthetic_history


def test_pooled_posterior_equals_brute_force_integration_over_every_unknown():
    """Two cells of a channel: the rate of cell 0 from a 3-D grid over m, e0 and e1 (no conjugacy used)."""
    a, spread = 1 / 0.3**2, 0.5
    rate0, y, x = np.array([0.08, 0.05]), np.array([7.0, 30.0]), np.array([60.0, 400.0])
    mixtures, _ = pooled(a, rate0, y, x[:, None], np.zeros((2, 1)), np.ones((2, 1)), np.zeros((2, 1)), spread)
    log_m = np.linspace(-6 * spread, 6 * spread, 601)
    e = np.linspace(1e-4, 4.0, 1200)
    prior_m = stats.norm.logpdf(log_m, 0, spread)
    prior_e = stats.gamma.logpdf(e, a, scale=1 / a)

    def loglik(c, m, e):
        return stats.poisson.logpmf(y[c], rate0[c] * m * e * x[c])

    m = np.exp(log_m)[:, None]
    other = np.log(np.trapezoid(np.exp(prior_e[None, :] + loglik(1, m, e[None, :])), e, axis=1))
    joint = prior_m[:, None] + other[:, None] + prior_e[None, :] + loglik(0, m, e[None, :])
    weight = np.exp(joint - joint.max())
    rate = rate0[0] * m * e[None, :]
    mean = (weight * rate).sum() / weight.sum()
    summary = mixtures[0].summary(LEVEL)
    assert summary.mean == pytest.approx(mean, rel=2e-3)
    order = np.argsort(rate, axis=None)
    cdf = np.cumsum(weight.ravel()[order]) / weight.sum()
    low, high = np.interp([0.05, 0.95], cdf, rate.ravel()[order])
    assert summary.low == pytest.approx(low, rel=5e-3)
    assert summary.high == pytest.approx(high, rel=5e-3)


def test_grid_prior_is_the_log_normal():
    points = log_grid(0.5, 81)
    weights = np.exp(log_prior(points, 0.5))
    assert np.sum(weights * points**2) == pytest.approx(0.25, rel=1e-3)


def test_intervals_hold_the_truth_about_nine_times_in_ten():
    """Truths drawn from the prior, 8 to 26 weeks of history: the 90 % intervals cover them at the nominal rate.

    20 histories × 13 cells = 260 intervals per figure; the bounds are the binomial(260, 0.9)
    mean ± 3.29 standard deviations (a false alarm rate of 1 in 1,000 per figure were they independent).
    """
    scenario = load_scenario("cafe-chain-q1")
    hits = {"cpm": 0, "ctr": 0, "cvr": 0, "rho": 0}
    total = 0
    for seed in range(20):
        truth = draw_truth(scenario, seed)
        weeks = 8 + (seed * 7) % 19
        fits = posteriors(
            scenario, synthetic_history(scenario, truth, weeks, dt.date(2027, 1, 3), 1000 + seed), seed=seed
        )
        for fit in fits:
            i = truth.cells.index(fit.cell)
            total += 1
            for name in hits:
                band, true = getattr(fit, name), getattr(truth, name)[i]
                hits[name] += band.low <= true <= band.high
    sd = np.sqrt(total * 0.9 * 0.1)
    for name, count in hits.items():
        assert abs(count - 0.9 * total) <= 3.29 * sd, (name, count / total)
