"""What-if comparisons: variants and sweeps side by side, their contract and their errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from campaign.cli import cli
from scenarios.library import library_path
from scenarios.loader import load_scenario
from scenarios.sweep import parse_sweep


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def whatif(runner, *args) -> dict:
    result = runner.invoke(cli, ["whatif", "cafe-chain-q1", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_rows_put_the_base_first_and_hold_the_contract(runner):
    document = whatif(runner, "--variants", "lean,tiktok-push")
    assert [r["name"] for r in document["rows"]] == ["base", "lean", "tiktok-push"]
    for row in document["rows"]:
        assert {"name", "spend", "conversions", "cpa", "roas", "reach", "new_followers", "profit", "kpis"} <= set(row)
        assert row["kpis"]["min_reach"] is True
    assert document["rows"][0]["delta"]["conversions"] == 0
    lean = document["rows"][1]
    assert lean["delta"]["spend"] == pytest.approx(14400 - 18000)


def test_a_budget_only_variant_equals_optimize_with_that_budget(runner):
    lean = whatif(runner, "--variants", "lean")["rows"][1]
    direct = json.loads(runner.invoke(cli, ["optimize", "cafe-chain-q1", "--budget", "14400", "--json"]).stdout)
    for key in ("spend", "conversions", "reach", "profit"):
        assert lean[key] == pytest.approx(direct["totals"][key], rel=1e-9)


def test_a_budget_sweep_point_equals_optimize_with_that_budget_and_workers_do_not_change_it(runner):
    serial = whatif(runner, "--sweep", "budget.total=15000:21000:3000")
    parallel = whatif(runner, "--sweep", "budget.total=15000:21000:3000", "--workers", "2")
    assert serial == parallel
    assert [r["name"] for r in serial["rows"]] == [
        "base",
        "budget.total=15000",
        "budget.total=18000",
        "budget.total=21000",
    ]
    direct = json.loads(runner.invoke(cli, ["optimize", "cafe-chain-q1", "--budget", "21000", "--json"]).stdout)
    assert serial["rows"][3]["conversions"] == pytest.approx(direct["totals"]["conversions"], rel=1e-9)
    assert serial["rows"][2]["conversions"] == pytest.approx(serial["rows"][0]["conversions"], rel=1e-9)


def test_a_channel_price_sweep_moves_spend_away_from_the_dearer_channel(runner):
    rows = whatif(runner, "--sweep", "channels.tiktok.cpm=6:12:6")["rows"]
    assert rows[1]["conversions"] > rows[2]["conversions"]


def test_simulated_options_carry_the_chance_of_each_target(runner):
    document = whatif(runner, "--variants", "lean", "--simulate", "20", "--seed", "3")
    assert document["simulated_runs"] == 20
    for row in document["rows"]:
        assert set(row["probabilities"]) == set(row["kpis"])
        assert all(0 <= p <= 1 for p in row["probabilities"].values())
        assert row["simulated"]["conversions"]["p5"] <= row["simulated"]["conversions"]["mean"]


def test_infeasible_options_are_rows_not_failures(runner):
    rows = whatif(runner, "--sweep", "budget.total=5000:5000:1")["rows"]
    assert rows[1]["status"] == "infeasible"
    assert rows[1]["message"].startswith("No plan meets every constraint")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--sweep", "budget.totl=1000:2000:500"],
            (
                "--sweep: 'budget.totl': budget has no key 'totl' (did you mean 'total'?); "
                "valid keys there: 'per_period', 'production' or 'total'"
            ),
        ),
        (
            ["--sweep", "channels.tiktk.cpm=5:8:1"],
            (
                "--sweep: 'channels.tiktk.cpm': channels has no entry 'tiktk' (did you mean 'tiktok'?); "
                "entries there: 'facebook', 'instagram', 'tiktok' or 'youtube'"
            ),
        ),
        (
            ["--sweep", "currency=1:2:1"],
            "--sweep: 'currency' is not a number (str 'EUR'); a sweep varies one numeric key",
        ),
        (["--sweep", "channels.tiktok.ctr=0.5:2:0.5"], "--sweep channels.tiktok.ctr=1.5"),
        (["--sweep", "rules.max_active_channels=2:4:0.5"], "is a whole number, and the sweep reaches 2.5"),
        (["--variants", "lena"], "unknown variant 'lena'"),
    ],
)
def test_bad_options_exit_1_with_the_reason(runner, tmp_path, args, message):
    out = tmp_path / "out"
    result = runner.invoke(cli, ["whatif", "cafe-chain-q1", *args, "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sweep", "budget.total=1000:2000:0"], "'budget.total=1000:2000:0': STEP must be above 0, got 0"),
        (["--sweep", "budget.total=1000:2000:-5"], "'budget.total=1000:2000:-5': STEP must be above 0, got -5"),
        (
            ["--sweep", "budget.total=1:5000:1"],
            "'budget.total=1:5000:1': 5,000 points; at most 1,000 are allowed, use a larger STEP",
        ),
        (["--sweep", "budget.total"], "'budget.total': expected KEY=FROM:TO:STEP"),
        (["--simulate", "-2"], "Invalid value for '--simulate': -2 is not in the range 0<=x<=100000"),
    ],
)
def test_bad_option_values_are_usage_errors(runner, tmp_path, args, message):
    out = tmp_path / "out"
    result = runner.invoke(cli, ["whatif", "cafe-chain-q1", *args, "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not out.exists()


def test_sweep_values_include_the_end_and_integers_stay_integers():
    scenario = load_scenario(library_path("cafe-chain-q1"))
    sweep = parse_sweep("rules.max_active_channels=1:3:1", scenario)
    assert sweep.values == (1.0, 2.0, 3.0)
    assert sweep.point(scenario, 2.0).rules.max_active_channels == 2
    assert parse_sweep("budget.total=10000:11000:300", scenario).values == (10000.0, 10300.0, 10600.0, 10900.0)
