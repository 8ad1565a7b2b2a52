"""Simulating with drawn parameters: plain scenarios unchanged, the switch, workers, and the spread's split.

`data/cafe-chain-q1-runs30-seed5.json` is `campaign simulate cafe-chain-q1 --runs 30 --seed 5 --json` as the
version before uncertain figures existed printed it (commit 48305c6): a scenario without uncertainty must
still give it key for key and value for value, but for the roundings the exact sum of the spend removed
(`tests.conftest.SPEND_ROUNDING`). Statistical checks fail by bad luck with probability at most `FALSE_ALARM` each
(Bonferroni over a test's checks).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from scipy import stats

from campaign import app
from campaign.cli import cli
from campaign.render.simulate import simulation
from scenarios import fit_interval
from scenarios.uncertainty_schema import Interval
from simulation import split_spread
from tests.conftest import SPEND_ROUNDING, assert_as_before

FALSE_ALARM = 1e-6
MAIN = Path(__file__).parent / "data" / "cafe-chain-q1-runs30-seed5.json"
CVR = {"mean": 0.04, "low": 0.02, "high": 0.07}


def tiny(tmp_path: Path, cvr: object = 0.04, name: str = "tiny") -> Path:
    """One cell, four weeks, no posting: only the figures drawn and the quarter's counts vary."""
    text = f"""
name: {name}
budget: {{total: 4000}}
periods: {{count: 4}}
channels:
  instagram:
    audience: 400000
    in_market: 0.05
    cpm: 8.0
    ctr: 0.012
    cvr: {json.dumps(cvr)}
    formats: {{reel: {{}}}}
"""
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def simulate_json(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["simulate", *args, "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_scenario_without_uncertainty_gives_the_same_json_as_before():
    expected = json.loads(MAIN.read_text(encoding="utf-8"))
    now = simulate_json("cafe-chain-q1", "--runs", "30", "--seed", "5")
    assert_as_before(now, expected, SPEND_ROUNDING)
    assert simulate_json("cafe-chain-q1", "--runs", "30", "--seed", "5", "--fixed-parameters") == now


def test_fixed_parameters_simulate_the_means_and_say_so(tmp_path):
    plain = simulate_json(str(tiny(tmp_path)), "--runs", "20", "--seed", "2", "--no-crisis")
    fixed = simulate_json(
        str(tiny(tmp_path, CVR, name="tiny")), "--runs", "20", "--seed", "2", "--no-crisis", "--fixed-parameters"
    )
    assert fixed.pop("parameters") == {"drawn": False, "source": "intervals"}
    assert fixed == plain
    done = app.simulate(tiny(tmp_path, CVR), runs=20, seed=2, crises=False, fixed_parameters=True)
    assert "Parameters fixed at the figures' means (--fixed-parameters)" in simulation(done.result, done.scenario)


def test_drawn_parameters_are_reported_and_do_not_depend_on_the_workers(tmp_path):
    path = tiny(tmp_path, CVR)
    one = app.simulate(path, runs=30, seed=4, crises=False, workers=1).result.to_dict()
    two = app.simulate(path, runs=30, seed=4, crises=False, workers=2).result.to_dict()
    assert one == two
    assert one["parameters"] == {"drawn": True, "source": "intervals"}
    assert set(one["kpis"]["conversions"]["spread"]) == {"parameters", "quarter"}
    assert all("spread" in d for d in one["kpis"].values())
    rows = app.simulate(path, runs=5, seed=4, crises=False).result.replications
    assert [row["parameter_draw"] for row in rows] == [1, 1, 2, 2, 3]
    again = simulate_json(str(path), "--runs", "30", "--seed", "4", "--no-crisis", "--workers", "2")
    assert again == json.loads(json.dumps(one))


def test_the_sentence_gives_the_json_s_figures(tmp_path):
    done = app.simulate(tiny(tmp_path, CVR), runs=40, seed=1, crises=False)
    d = done.result.kpis["conversions"]
    text = simulation(done.result, done.scenario)
    assert (
        "Parameters drawn from the scenario's uncertainty section, one draw for each pair of quarters: by the law "
        "of total variance, what is not known about the figures makes up a standard deviation of "
        f"{d['spread']['parameters']:,.1f} conversions and the quarter's own randomness one of "
        f"{d['spread']['quarter']:,.1f} (estimated from the pairs)."
    ) in text


def test_the_split_estimator_on_draws_with_a_known_split():
    # Y = θ_k + ε with θ ~ N(0, 3²) per pair, ε ~ N(0, 1): the parts are 3 and 1. With pairs of normals the
    # estimator's pieces have exact distributions: n·W ~ χ²_n and (n − 1)·s²(pair means) / 9.5 ~ χ²_(n − 1).
    rng = np.random.default_rng(8)
    n = 400
    theta = np.repeat(rng.normal(0.0, 3.0, n), 2)
    y = theta + rng.normal(0.0, 1.0, 2 * n)
    split = split_spread(y)
    tail = FALSE_ALARM / 4
    within = split["quarter"] ** 2 * n
    assert stats.chi2.ppf(tail, n) < within < stats.chi2.ppf(1 - tail, n)
    means = (split["parameters"] ** 2 + split["quarter"] ** 2 / 2) * (n - 1) / 9.5
    assert stats.chi2.ppf(tail, n - 1) < means < stats.chi2.ppf(1 - tail, n - 1)
    # An odd last value and non-finite pairs are left out; fewer than two pairs give no split.
    assert split_spread(np.append(y, 1e9)) == split
    assert math.isnan(split_spread(np.array([1.0, 2.0, 3.0]))["parameters"])


def test_the_split_of_conversions_when_the_cvr_scales_them_by_a_known_distribution(tmp_path):
    # Only the CVR is uncertain, and a drawn CVR multiplier m scales every expected conversion: E[Y | m] = m · C,
    # so the parameters' part is C · sd(m), sd(m) from the fitted Beta. The quarter's part, with a variance
    # proportional to the expected conversions (binomial counts), averages to the fixed-parameter variance.
    fitted = fit_interval(Interval(**CVR), "rate")
    sd_m = stats.beta(fitted.first, fitted.second).std() / CVR["mean"]
    runs = 800
    drawn = app.simulate(tiny(tmp_path, CVR), runs=runs, seed=3, crises=False).result.kpis["conversions"]
    fixed = app.simulate(tiny(tmp_path), runs=runs, seed=30, crises=False).result.kpis["conversions"]
    pairs = runs // 2
    expected_between = (fixed["mean"] * sd_m) ** 2
    within = drawn["spread"]["quarter"] ** 2
    # The pair means' sample variance s² estimates B + W / 2 with variance σ⁴ (2 / (n − 1) + κ / n), κ the pair
    # means' excess kurtosis, at most the Beta's (the quarter's near-normal counts dilute it); s² is close to
    # normal at n = 400 pairs, so it strays by more than z such deviations with probability about FALSE_ALARM / 2.
    s2 = drawn["spread"]["parameters"] ** 2 + within / 2
    sigma2 = expected_between + within / 2
    kurtosis = float(stats.beta(fitted.first, fitted.second).stats(moments="k"))
    z = stats.norm.ppf(1 - FALSE_ALARM / 4)
    assert abs(s2 / sigma2 - 1) < z * math.sqrt(2 / (pairs - 1) + max(kurtosis, 0.0) / pairs)
    # The quarter's part against the fixed run's variance: an F test on n pairs against runs − 1 quarters.
    f = within / fixed["std"] ** 2
    tail = FALSE_ALARM / 4
    assert stats.f.ppf(tail, pairs, runs - 1) < f < stats.f.ppf(1 - tail, pairs, runs - 1)
    assert drawn["spread"]["parameters"] > 5 * drawn["spread"]["quarter"]


def test_the_switch_is_listed_in_help():
    assert "--fixed-parameters" in CliRunner().invoke(cli, ["simulate", "--help"]).output


def test_the_text_table_splits_each_kpis_spread_only_when_parameters_are_drawn(tmp_path):
    from campaign.render.tables import kpi_number

    path = tiny(tmp_path, CVR)
    done = app.simulate(path, runs=30, seed=4, crises=False)
    text = simulation(done.result, done.scenario)
    header = next(line for line in text.splitlines() if line.startswith("kpi "))
    assert header.rstrip().endswith("sd from parameters   sd from the quarter")
    rows = {line.split("  ")[0]: line for line in text.splitlines()}
    conversions = np.array([r["conversions"] for r in done.result.replications])
    # Recomputed from the replications, pair by pair, as the one-way analysis of variance has it.
    pairs = conversions.reshape(-1, 2)
    within = np.mean((pairs[:, 0] - pairs[:, 1]) ** 2) / 2
    between = max(np.var(pairs.mean(axis=1), ddof=1) - within / 2, 0.0)
    row = rows["conversions"].split()
    assert row[-2:] == [
        kpi_number("conversions", math.sqrt(between), "EUR"),
        kpi_number("conversions", math.sqrt(within), "EUR"),
    ]
    fixed = app.simulate(path, runs=30, seed=4, crises=False, fixed_parameters=True)
    assert "sd from" not in simulation(fixed.result, fixed.scenario)


def test_zero_width_intervals_simulate_as_a_scenario_without_uncertainty(tmp_path):
    plain = simulate_json(str(tiny(tmp_path)), "--runs", "20", "--seed", "2", "--no-crisis")
    point = {"mean": 0.04, "low": 0.04, "high": 0.04}
    same = simulate_json(str(tiny(tmp_path, point, name="tiny")), "--runs", "20", "--seed", "2", "--no-crisis")
    assert "parameters" not in same
    assert not any("spread" in d for d in same["kpis"].values())
    assert same == plain
    done = app.simulate(tiny(tmp_path, point), runs=20, seed=2, crises=False)
    assert "Parameters" not in simulation(done.result, done.scenario)
