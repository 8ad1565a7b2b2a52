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


def test_dispersion_by_hand():
    """Counts 10 and 20 around a mean of 15: Pearson χ² = (25 + 25) / 15 over 1 degree of freedom; never below 1."""
    from scenarios.calibration import dispersion

    assert dispersion(np.array([10.0, 20.0]), np.array([15.0, 15.0])) == pytest.approx(50 / 15)
    assert dispersion(np.array([15.0, 15.0]), np.array([15.0, 15.0])) == 1.0
    assert dispersion(np.array([15.0]), np.array([15.0])) == 1.0


def test_weeks_that_vary_more_than_counting_noise_widen_the_intervals_until_held_out_weeks_fall_inside():
    """CPM and CTR wobble by 15 % from week to week (log-normal): Poisson intervals alone held none of 12 held-out
    weeks' impressions; tempered by the dispersion they hold most of them, and the CPM interval holds the truth."""
    from scenarios import WeeklyHistory, held_out, overall_score

    scenario = load_scenario("cafe-chain-q1")
    cells = tuple(f"{c}.{f}" for c, ch in scenario.channels.items() for f in ch.formats)
    n, weeks = len(cells), 16
    rng = np.random.default_rng(5)
    figures = {k: np.zeros((n, weeks)) for k in ("spend", "impressions", "clicks", "conversions")}
    observed = np.zeros((n, weeks), bool)
    for c in range(3):
        figures["spend"][c] = rng.uniform(200, 600, weeks)
        cpm = 9 * np.exp(rng.normal(0, 0.15, weeks))
        ctr = 0.012 * np.exp(rng.normal(0, 0.15, weeks))
        figures["impressions"][c] = rng.poisson(figures["spend"][c] * 1000 / cpm)
        figures["clicks"][c] = rng.binomial(figures["impressions"][c].astype(int), ctr)
        figures["conversions"][c] = rng.binomial(figures["clicks"][c].astype(int), 0.06)
        observed[c] = True
    mondays = tuple(dt.date(2026, 9, 7) + dt.timedelta(days=7 * w) for w in range(weeks))
    past = WeeklyHistory(cells, mondays, **figures, observed=observed)
    fits = posteriors(scenario, past.window(0, 12))
    assert all(f.dispersion["impressions"] > 100 for f in fits)
    score = overall_score([p[0] for p in held_out(fits, past.window(12, 16), 1).values()])
    assert score.impressions_coverage >= 0.75
    typical = 9 * np.exp(-(0.15**2) / 2)  # 1000 over the mean impressions per currency unit of the wobble
    assert all(f.cpm.low * 0.9 <= typical <= f.cpm.high * 1.1 for f in fits)
