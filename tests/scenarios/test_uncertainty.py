"""Uncertain figures: the interval form in the schema, the fitted distributions, and the parameter draws.

Statistical checks fail by bad luck (right code, unlucky stream) with probability at most `FALSE_ALARM`
each (Bonferroni over the checks within a test).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from scenarios import (
    Interval,
    build_market,
    draw_parameters,
    drawn_market,
    fit_interval,
    fit_relative,
    uncertainty_source,
)
from scenarios.errors import ScenarioError
from scenarios.library import library_path
from scenarios.loader import load_scenario, resolve
from tests.conftest import BASE, merged

FALSE_ALARM = 1e-6
DRAWS = 4000


def scenario(overlay):
    return resolve(merged(BASE, overlay), "<test>")


def test_an_interval_keeps_its_mean_as_the_figure_and_moves_under_uncertainty():
    s = scenario({"channels": {"instagram": {"cvr": {"mean": 0.03, "low": 0.02, "high": 0.045}}}})
    assert s.channels["instagram"].cvr == 0.03
    assert s.uncertainty.intervals["channels.instagram.cvr"] == Interval(mean=0.03, low=0.02, high=0.045)
    assert uncertainty_source(s) == "intervals"
    plain = scenario({})
    # The market every engine reads is the plain scenario's.
    assert np.array_equal(build_market(s).cvr, build_market(plain).cvr)
    assert uncertainty_source(plain) is None
    assert not plain.uncertainty.any


def test_intervals_on_follow_rate_format_factors_and_stretch_are_read():
    s = scenario(
        {
            "channels": {
                "instagram": {
                    "organic": {"follow_rate": {"mean": 0.05, "low": 0.03, "high": 0.08}},
                    "formats": {"reel": {"cpm_factor": {"mean": 1.1, "low": 0.9, "high": 1.4}}},
                }
            },
            "uncertainty": {"stretch": {"tiktok.video": {"low": 0.5, "high": 2.0}}},
        }
    )
    assert s.channels["instagram"].organic.follow_rate == 0.05
    assert s.channels["instagram"].formats["reel"].cpm_factor == 1.1
    assert set(s.uncertainty.intervals) == {
        "channels.instagram.organic.follow_rate",
        "channels.instagram.formats.reel.cpm_factor",
    }
    assert s.uncertainty.stretch["tiktok.video"].mean == 1.0


def test_a_dumped_scenario_reads_back_the_same():
    s = scenario({"channels": {"instagram": {"cpm": {"mean": 7.5, "low": 6, "high": 10}}}})
    again = resolve(s.model_dump(mode="json"), "<dump>")
    assert again == s


def tiktok(key, mean, low, high):
    return {"channels": {"tiktok": {key: {"mean": mean, "low": low, "high": high}}}}


BAD_BOUNCE = {"channels.tiktok.bounce_rate": {"mean": 0.7, "low": 0.6, "high": 0.8}}


@pytest.mark.parametrize(
    ("overlay", "path", "words"),
    [
        (tiktok("cvr", 0.02, 0.03, 0.01), "channels.tiktok.cvr", "low (0.03) must not exceed high (0.01)"),
        (tiktok("ctr", 0.02, 0.005, 0.01), "channels.tiktok.ctr", "the mean (0.02) must lie within [low, high]"),
        (tiktok("cvr", 0.02, 0.0, 0.05), "channels.tiktok.cvr", "the interval [0, 0.05] of a rate must lie inside"),
        (tiktok("cpm", 6, 0, 9), "channels.tiktok.cpm", "the interval [0, 9] must lie above 0"),
        (tiktok("ctr", 0.02, 0.01, 1.2), "channels.tiktok.ctr", "the interval [0.01, 1.2] of a rate must lie inside"),
        (
            tiktok("negative_feedback_rate", 0.001, -0.001, 0.002),
            "channels.tiktok.negative_feedback_rate",
            "the interval [-0.001, 0.002] of a rate must lie inside (0, 1)",
        ),
        (
            {"uncertainty": {"stretch": {"tiktok.video": {"low": 0, "high": 2}}}},
            "uncertainty.stretch.tiktok.video",
            "the interval [0, 2] must lie above 0",
        ),
        (
            {"uncertainty": {"stretch": {"tiktok.video": {"mean": 1.2, "low": 0.5, "high": 2}}}},
            "uncertainty.stretch.tiktok.video.mean",
            "the mean (1.2) must be 1",
        ),
        (
            {"uncertainty": {"intervals": BAD_BOUNCE}},
            "uncertainty.intervals.channels.tiktok.bounce_rate",
            "names no figure that may carry an interval",
        ),
        ({"uncertainty": {"relative": 1.5}}, "uncertainty.relative", "1.5"),
    ],
)
def test_bad_intervals_are_refused_with_the_key_path_the_value_and_what_is_valid(overlay, path, words):
    with pytest.raises(ScenarioError) as caught:
        scenario(overlay)
    [problem] = caught.value.problems
    assert problem.path == path
    assert words in problem.message


def beta_interval(a: float, b: float) -> Interval:
    dist = stats.beta(a, b)
    return Interval(mean=dist.mean(), low=dist.ppf(0.05), high=dist.ppf(0.95))


@pytest.mark.parametrize(("a", "b"), [(3, 50), (20, 600), (2.5, 4), (40, 30)])
def test_a_rate_interval_of_a_beta_gives_that_beta_back_its_mean_and_quantiles(a, b):
    fitted = fit_interval(beta_interval(a, b), "rate")
    assert fitted.kind == "beta"
    assert fitted.first == pytest.approx(a, rel=1e-5)
    assert fitted.second == pytest.approx(b, rel=1e-5)
    dist = stats.beta(fitted.first, fitted.second)
    assert dist.mean() == pytest.approx(beta_interval(a, b).mean, rel=1e-12)
    assert fitted.quantiles() == pytest.approx(tuple(stats.beta(a, b).ppf([0.05, 0.95])), rel=1e-6)


@pytest.mark.parametrize(("mu", "sigma"), [(math.log(9), 0.15), (0.0, 0.7), (math.log(0.6), 0.3)])
def test_a_positive_interval_of_a_log_normal_gives_it_back(mu, sigma):
    dist = stats.lognorm(sigma, scale=math.exp(mu))
    fitted = fit_interval(Interval(mean=dist.mean(), low=dist.ppf(0.05), high=dist.ppf(0.95)), "positive")
    assert (fitted.first, fitted.second) == pytest.approx((mu, sigma), abs=1e-7)
    assert fitted.quantiles() == pytest.approx(tuple(dist.ppf([0.05, 0.95])), rel=1e-6)


def test_any_interval_keeps_its_mean_exactly_and_its_ends_as_close_as_the_family_allows():
    fitted = fit_interval(Interval(mean=0.03, low=0.02, high=0.045), "rate")
    assert stats.beta(fitted.first, fitted.second).mean() == pytest.approx(0.03, rel=1e-12)
    low, high = fitted.quantiles()
    # The least-squares fit in logit terms: any other concentration misses the ends by more.
    miss = lambda q: float(np.sum((stats.logistic.ppf(q) - stats.logistic.ppf([0.02, 0.045])) ** 2))  # noqa: E731
    for k in (fitted.first + fitted.second) * np.array([0.9, 0.99, 1.01, 1.1]):
        other = stats.beta(0.03 * k, 0.97 * k).ppf([0.05, 0.95])
        assert miss(np.array([low, high])) < miss(other)
    assert (round(low, 4), round(high, 4)) == (0.0193, 0.0426)  # as the README says
    assert low == pytest.approx(0.02, rel=0.05)
    assert high == pytest.approx(0.045, rel=0.06)


@pytest.mark.parametrize(("mean", "kind"), [(0.03, "rate"), (0.4, "rate"), (9.0, "positive")])
def test_a_relative_uncertainty_is_a_coefficient_of_variation(mean, kind):
    fitted = fit_relative(mean, 0.25, kind)
    if kind == "rate":
        dist = stats.beta(fitted.first, fitted.second)
    else:
        dist = stats.lognorm(fitted.second, scale=math.exp(fitted.first))
    assert dist.mean() == pytest.approx(mean, rel=1e-12)
    assert dist.std() / mean == pytest.approx(0.25, rel=1e-9)
    assert fit_relative(mean, 0.0, kind).kind == "fixed"


def test_draws_reproduce_the_stated_intervals():
    interval = {"mean": 0.03, "low": 0.02, "high": 0.045}
    s = scenario(
        {
            "channels": {"instagram": {"cvr": interval, "cpm": {"mean": 7.5, "low": 6.0, "high": 10.0}}},
            "uncertainty": {"stretch": {"tiktok.video": {"low": 0.6, "high": 1.5}}},
        }
    )
    draws = draw_parameters(s, 11, DRAWS)
    checks = 3 * 3
    z = stats.norm.ppf(1 - FALSE_ALARM / (2 * checks))
    for values, fitted in (
        (np.array([d.cvr[0] for d in draws]) * 0.03, fit_interval(Interval(**interval), "rate")),
        (np.array([d.cpm[1] for d in draws]) * 7.5, fit_interval(Interval(mean=7.5, low=6.0, high=10.0), "positive")),
        (np.array([d.stretch[2] for d in draws]), fit_interval(Interval(mean=1.0, low=0.6, high=1.5), "positive")),
    ):
        low, high = fitted.quantiles()
        for share in (np.mean(values < low), np.mean(values > high)):  # each 5 %: binomial error
            assert abs(share - 0.05) < z * math.sqrt(0.05 * 0.95 / DRAWS)
        assert abs(values.mean() - fitted.mean) < z * values.std(ddof=1) / math.sqrt(DRAWS)
    # The channel's figures are shared by its cells; the other channel's are certain.
    assert all(d.cvr[0] == d.cvr[1] and d.cvr[2] == d.cvr[3] == 1.0 for d in draws)


def test_a_draw_does_not_depend_on_how_many_are_made():
    s = scenario({"uncertainty": {"relative": 0.2}})
    many, few = draw_parameters(s, 3, 50), draw_parameters(s, 3, 7)
    for a, b in zip(few, many[:7], strict=True):
        assert all(np.array_equal(getattr(a, k), getattr(b, k)) for k in ("cpm", "ctr", "cvr", "stretch"))
    assert not np.array_equal(draw_parameters(s, 4, 1)[0].cvr, many[0].cvr)


def test_a_draw_scales_the_market_as_calibrate_stretches_a_curve():
    s = scenario({"uncertainty": {"relative": 0.3}})
    market = build_market(s)
    draw = draw_parameters(s, 5, 1)[0]
    drawn = drawn_market(market, draw)
    cell = market.cell_of
    assert np.allclose(drawn.cpm, market.cpm * draw.cpm[cell])
    assert np.allclose(drawn.ctr, market.ctr * draw.ctr[cell])
    rho, r = draw.stretch[cell], draw.ctr[cell] * draw.cvr[cell] / draw.cpm[cell]
    for x in (1.0, 500.0, 4000.0, 30000.0):
        spend = np.full(len(cell), x)
        assert np.allclose(drawn.curves.value(spend), rho * r * market.curves.value(spend / rho), rtol=1e-12)


def test_a_calibrated_scenario_takes_the_joint_draws_as_they_are():
    base = load_scenario(library_path("cafe-chain-q1"))
    cells = [f"{c}.{f}" for c, ch in base.channels.items() for f in ch.formats]
    ch, fmt = base.channels["facebook"], base.channels["facebook"].formats["reel"]
    cpm, ctr, cvr = ch.cpm * fmt.cpm_factor, ch.ctr * fmt.ctr_factor, ch.cvr * fmt.cvr_factor
    band = {"mean": 1.0, "low": 0.5, "high": 2.0}
    draws = {"cpm": [cpm * 0.9, cpm * 1.1], "ctr": [ctr * 1.2, ctr * 0.8], "cvr": [cvr, cvr * 1.5]}
    draws["stretch"] = [0.8, 1.6]
    data = base.model_dump(mode="json")
    data["calibration"] = {
        "ledger": "x.sqlite", "first": "2026-07-06", "last": "2027-01-03", "weeks": 26,
        "channel_spread": 0.5, "cell_spread": 0.3, "saturation_spread": 0.7,
        "cells": {"facebook.reel": {
            "weeks": 26, "spend": 1000.0, "cpm": {"mean": cpm, "low": cpm, "high": cpm},
            "ctr": {"mean": ctr, "low": ctr, "high": ctr}, "cvr": {"mean": cvr, "low": cvr, "high": cvr},
            "saturation": band, "stretch": {"mean": 0.8, "low": 0.5, "high": 2.0}, "draws": draws,
        }},
    }  # fmt: skip
    s = resolve(data, "<calibrated>")
    assert uncertainty_source(s) == "calibration"
    c = cells.index("facebook.reel")
    seen = set()
    for d in draw_parameters(s, 1, 40):
        pair = (round(d.cpm[c], 9), round(d.ctr[c], 9), round(d.cvr[c], 9), round(d.stretch[c], 9))
        assert pair in {(0.9, 1.2, 1.0, 1.0), (1.1, 0.8, 1.5, 2.0)}  # the i-th entries together
        seen.add(pair)
        others = [i for i in range(len(cells)) if i != c]
        assert np.all(d.cpm[others] == 1.0)
        assert np.all(d.stretch[others] == 1.0)
    assert len(seen) == 2


def test_zero_width_intervals_leave_their_figures_certain():
    point = {"mean": 0.03, "low": 0.03, "high": 0.03}
    s = scenario(
        {
            "channels": {
                "instagram": {"cvr": point, "cpm": {"mean": 7.5, "low": 7.5, "high": 7.5}},
                "tiktok": {"formats": {"video": {"cpm_factor": {"mean": 1.2, "low": 1.2, "high": 1.2}}}},
            },
            "uncertainty": {"stretch": {"tiktok.video": {"low": 1.0, "high": 1.0}}},
        }
    )
    assert len(s.uncertainty.intervals) == 3
    assert fit_interval(Interval(**point), "rate").kind == "fixed"
    # Every draw of such a scenario is its figures: nothing is uncertain, so nothing is drawn.
    assert uncertainty_source(s) is None
    assert not s.uncertainty.any
    assert all(
        np.all(getattr(d, key) == 1.0)
        for d in draw_parameters(s, 2, 5)
        for key in ("cpm", "ctr", "cvr", "stretch", "follow_rate", "negative_rate")
    )
    # One interval with a width, or a relative uncertainty, makes the scenario uncertain again.
    wide = {"mean": 0.03, "low": 0.02, "high": 0.045}
    assert uncertainty_source(scenario({"channels": {"instagram": {"cvr": point}, "tiktok": {"cvr": wide}}})) == (
        "intervals"
    )
    relative = scenario({"channels": {"instagram": {"cvr": point}}, "uncertainty": {"relative": 0.1}})
    assert uncertainty_source(relative) == "intervals"
    assert relative.uncertainty.any


def test_the_written_out_normal_quantile_is_scipys():
    from scipy import special

    from scenarios.uncertainty import Z95

    assert float(special.ndtri(0.95)) == Z95


def test_the_command_line_starts_without_scipy():
    # SciPy takes a fifth of a second to load: every command would pay it before doing anything.
    import subprocess
    import sys

    code = "import sys, campaign.cli; print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
