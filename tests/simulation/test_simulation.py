"""The simulator against the optimizer's expectations, across workers and clusters, and under crises.

Statistical checks hold for any seed stream, not only for the seeds written here: each test fails
by bad luck (a correct simulator, an unlucky stream) with probability at most `FALSE_ALARM`
(Bonferroni over the test's checks). The effects the Welch tests look for are large: their t
statistics were 7.7 to 92 on three seed streams, against a threshold near 3.9, so a real effect
is missed with a chance below 1e-5.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from campaign.cli import cli
from optimizer import Optimizer
from scenarios.library import library_path
from scenarios.loader import load_scenario, resolve
from scenarios.market_build import build_market
from scenarios.plan import Plan
from simulation import MonteCarlo, QuarterInputs, run_quarter
from tests.conftest import BASE, merged

WEEKS = {"periods": {"count": 4, "unit": "week"}}

#: The chance that one statistical test of this module fails although the simulator is right.
FALSE_ALARM = 1e-4


def t_bound(runs: int, checks: int = 1, sided: int = 2) -> float:
    """Standard errors a mean of `runs` may stray by bad luck, for `checks` checks at `FALSE_ALARM` in all."""
    return float(stats.t.ppf(1.0 - FALSE_ALARM / (sided * checks), runs - 1))


def inputs_for(scenario, result=None) -> QuarterInputs:
    market = build_market(scenario)
    result = result or Optimizer().optimize(scenario)
    return QuarterInputs.build(scenario, result.plan, market)


def small(**overlay):
    return resolve(merged(merged(BASE, WEEKS), overlay), "<test>")


@pytest.mark.parametrize("name", ["cafe-chain-q1", "b2b-saas-leads", "fashion-holiday"])
def test_without_crises_the_means_are_the_optimizers_expectations(name):
    # Four t-tests of the mean, FALSE_ALARM for the four together.
    scenario = load_scenario(library_path(name))
    result = Optimizer().optimize(scenario)
    sim = MonteCarlo(60, seed=6, crises=False).run(inputs_for(scenario, result), name)
    kpis = ("spend", "impressions", "clicks", "conversions")
    for kpi in kpis:
        d = sim.kpis[kpi]
        standard_error = d["std"] / math.sqrt(sim.runs)
        expected = result.totals[kpi]
        assert abs(d["mean"] - expected) <= t_bound(sim.runs, len(kpis)) * standard_error + 1e-9 * expected, kpi


def test_a_hand_computed_quarter_of_paid_delivery():
    # No posting, no followers, one cell spending 700 a week for 4 weeks at CPM 7.5 (x 1.1 for reels):
    # 1000 · 2800 / 8.25 = 339,394 impressions expected, CTR 1.3 % of them clicks.
    scenario = small(
        channels={
            "instagram": {"organic": {"posts_per_week": 0}, "followers": 0},
            "tiktok": {"followers": 0},
        }
    )
    market = build_market(scenario)
    spend = np.zeros(len(market.channel_of))
    reel = market.cell_keys.index("instagram.reel")
    spend[reel * 4 : reel * 4 + 4] = 700.0
    q = QuarterInputs.build(scenario, Plan.of(market, spend), market)
    reps = [run_quarter(q, seed, crises=False).kpis for seed in range(40)]
    impressions = np.array([r["impressions"] for r in reps])
    assert all(r["spend"] == pytest.approx(2800.0) for r in reps)
    # Each run's impressions and clicks are Poisson-like counts: their standard deviations are about
    # sqrt(339,394) and sqrt(4,412), so the means of 40 runs stray by about 0.03 % and 0.24 %.
    bound = t_bound(len(reps), checks=2)
    assert impressions.mean() == pytest.approx(1000 * 2800 / 8.25, abs=bound * impressions.std(ddof=1) / math.sqrt(40))
    clicks = np.array([r["clicks"] for r in reps])
    expected_clicks = 1000 * 2800 / 8.25 * 0.013
    assert clicks.mean() == pytest.approx(expected_clicks, abs=bound * clicks.std(ddof=1) / math.sqrt(40))


def test_the_same_seed_gives_the_same_numbers_with_one_or_two_workers_and_on_a_dask_cluster():
    distributed = pytest.importorskip("distributed")
    scenario = load_scenario(library_path("cafe-chain-q1"))
    q = inputs_for(scenario)
    one = MonteCarlo(60, seed=11, workers=1).run(q, "cafe").to_dict()
    two = MonteCarlo(60, seed=11, workers=2).run(q, "cafe").to_dict()
    cluster = distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        dask = MonteCarlo(60, seed=11, scheduler=client).run(q, "cafe").to_dict()
    assert one == two == dask
    other = MonteCarlo(60, seed=12, workers=1).run(q, "cafe").to_dict()
    assert other["kpis"] != one["kpis"]


def crisis_scenario(**playbook):
    """A firestorm at 10:00 on the Monday of week 2 of the small scenario: slow replies unless the playbook helps."""
    return small(
        team={"hours_per_week": 20, "moderators": 1, "minutes_per_reply": 20},
        simulation={
            "crisis": {
                "rate_per_quarter": 0,
                "onset_weeks": [2],
                "initial_mentions": 60,
                "branching_ignored": 0.9,
                "branching_answered": 0.2,
                "playbook": playbook,
            }
        },
    )


def welch(a: np.ndarray, b: np.ndarray) -> float:
    """Welch's t statistic of mean(a) − mean(b)."""
    return float((a.mean() - b.mean()) / math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))


def larger(a: np.ndarray, b: np.ndarray, checks: int) -> bool:
    """Whether mean(a) > mean(b) by a one-sided Welch test, `checks` of them at `FALSE_ALARM` in all.

    The degrees of freedom are the smaller sample's less one, which is conservative.
    """
    return welch(a, b) > t_bound(min(len(a), len(b)), checks, sided=1)


def crisis_runs(scenario, runs=120, seed=5):
    q = inputs_for(scenario)
    return MonteCarlo(runs, seed=seed).replicate(q)


def test_more_moderators_shorten_crises_and_lose_fewer_followers():
    slow = crisis_runs(crisis_scenario())
    fast = crisis_runs(crisis_scenario(extra_moderators=3, reaction_hours=0.5))
    hours = [np.array([r.crisis["hours"] for r in runs]) for runs in (slow, fast)]
    lost = [np.array([r.crisis["followers_lost"] for r in runs]) for runs in (slow, fast)]
    mentions = [np.array([r.crisis["mentions"] for r in runs]) for runs in (slow, fast)]
    assert larger(*hours, checks=3)
    assert larger(*lost, checks=3)
    assert larger(*mentions, checks=3)


def test_pausing_ads_in_a_crisis_trades_conversions_for_fewer_negative_impressions():
    running = crisis_runs(crisis_scenario())
    paused = crisis_runs(crisis_scenario(pause_ads=True))
    shown = [np.array([r.crisis["ad_impressions"] for r in runs]) for runs in (running, paused)]
    conversions = [np.array([r.kpis["conversions"] for r in runs]) for runs in (running, paused)]
    negative = [np.array([r.kpis["negative_feedback"] for r in runs]) for runs in (running, paused)]
    assert shown[1].max() == 0
    assert shown[0].mean() > 0
    assert larger(*conversions, checks=2)
    assert larger(*negative, checks=2)
    assert all(r.kpis["spend"] < 20000 for r in paused)


def test_no_kpi_goes_negative_and_spend_never_exceeds_the_plan():
    scenario = crisis_scenario(pause_ads=True)
    result = Optimizer().optimize(scenario)
    for rep in MonteCarlo(40, seed=9).replicate(inputs_for(scenario, result)):
        for name, value in rep.kpis.items():
            if name != "profit":  # a loss is a real outcome; counts and rates are not below zero
                assert value >= 0, name
        for name, value in rep.crisis.items():
            assert not value < 0, name
        assert rep.kpis["spend"] <= result.totals["spend"] * (1 + 1e-9)
        assert all((series >= 0).all() for series in rep.daily.values())


def test_an_explosive_cascade_is_capped_with_a_warning():
    scenario = small(simulation={"crisis": {"branching_ignored": 1.4, "branching_answered": 0.3}})
    q = inputs_for(scenario)
    assert q.branching_ignored == 0.95
    result = MonteCarlo(5, seed=1).run(q, "x")
    assert result.warnings == (
        "simulation.crisis.branching_ignored is 1.4: at 1 or above a cascade never dies out; capped at 0.95",
    )
    assert result.to_dict()["warnings"] == list(result.warnings)


def sales_scenario(leads_per_day: float):
    """Round-the-clock sales: a lead arrives mid-hour and waits for the end of that hour at the least."""
    return small(
        team={"hours_per_week": 168, "working_hours": {"start": 0, "end": 24, "weekends": True}},
        simulation={"sales": {"close_rate": 0.2, "leads_per_day": leads_per_day, "half_life_hours": 2.0}},
    )


def test_leads_worked_at_once_close_at_the_rate_their_half_hour_wait_leaves():
    runs = MonteCarlo(40, seed=2, crises=False).replicate(inputs_for(sales_scenario(1e6)))
    deals = np.array([r.kpis["deals"] for r in runs])
    leads = np.array([r.kpis["conversions"] for r in runs])
    expected = 0.2 * 0.5 ** (0.5 / 2.0) * leads  # every lead waits exactly half an hour
    bound = t_bound(len(runs))
    assert abs((deals - expected).mean()) <= bound * (deals - expected).std(ddof=1) / math.sqrt(len(runs))
    assert all(r.kpis["lead_response_hours"] == pytest.approx(0.5) for r in runs)
    revenue = np.array([r.kpis["revenue"] for r in runs])
    assert revenue == pytest.approx(deals * 30.0 / 0.2)


def test_a_slower_sales_team_closes_fewer_deals():
    fast = MonteCarlo(40, seed=2, crises=False).replicate(inputs_for(sales_scenario(1e6)))
    slow = MonteCarlo(40, seed=2, crises=False).replicate(inputs_for(sales_scenario(15.0)))
    deals = [np.array([r.kpis["deals"] for r in runs]) for runs in (fast, slow)]
    assert larger(*deals, checks=1)
    assert min(r.kpis["lead_response_hours"] for r in slow) > 0.5


def test_creatives_enough_for_the_plan_keep_the_clicks_the_optimizer_expects():
    # One creative per 5,000 impressions: dozens wear out each day and are all replaced at once.
    scenario = small(channels={"instagram": {"formats": {"reel": {"creatives": {"impressions_per_creative": 5000}}}}})
    result = Optimizer().optimize(scenario)
    assert result.content[0].creatives > 20
    sim = MonteCarlo(40, seed=1, crises=False).run(inputs_for(scenario, result), "x")
    clicks = sim.kpis["clicks"]
    assert abs(clicks["mean"] - result.totals["clicks"]) <= t_bound(40) * clicks["std"] / math.sqrt(40)


def test_a_slow_sales_team_still_works_its_daily_capacity():
    # 3 leads a working day over 20 working days is 60 leads, far fewer than arrive.
    runs = MonteCarlo(10, seed=2, crises=False).replicate(
        inputs_for(small(simulation={"sales": {"close_rate": 0.2, "leads_per_day": 3.0, "half_life_hours": 48.0}}))
    )
    for run in runs:
        worked = run.kpis["conversions"] - run.kpis["leads_waiting"]
        assert 57 <= worked <= 60


def test_a_crisis_that_starts_in_the_morning_pauses_the_ads_the_same_day():
    scenario = crisis_scenario(pause_ads=True)
    runs = MonteCarlo(20, seed=4).replicate(inputs_for(scenario))
    for run in runs:
        assert run.crisis["ad_impressions"] == 0
        assert run.crisis["conversions_lost"] > 0
        # Week 2's Monday until 10:00 is spent; the rest waits until the crisis is over.
        assert run.daily["spend"][7] == pytest.approx(run.daily["spend"][0] * 10 / 24, rel=1e-9)


def test_a_crisis_without_effects_answered_at_once_costs_no_followers():
    scenario = small(
        team={"hours_per_week": 168, "moderators": 5, "working_hours": {"start": 0, "end": 24, "weekends": True}},
        simulation={
            "crisis": {
                "rate_per_quarter": 0,
                "onset_weeks": [2],
                "initial_mentions": 1,
                "reputation_hit": 0,
                "churn_factor": 1,
            }
        },
    )
    for run in MonteCarlo(10, seed=1).replicate(inputs_for(scenario)):
        assert run.crisis["crises"] == 1
        assert run.crisis["followers_lost"] == 0


def test_a_total_loss_of_reputation_is_simulated_without_error():
    scenario = small(simulation={"crisis": {"onset_weeks": [1], "reputation_hit": 1.0}})
    run = run_quarter(inputs_for(scenario), 1)
    assert run.crisis["crises"] >= 1
    assert run.kpis["clicks"] >= 0


@pytest.mark.parametrize(("name", "seed"), [("cafe-chain-q1", 1), ("fashion-holiday", 2)])
def test_a_spend_the_same_in_every_quarter_has_no_spread(name, seed):
    # Without a pause every quarter spends the plan, crisis or not (days with a crisis deliver hour by hour):
    # the summary shows that total with a standard deviation of exactly 0, and every day's spend is the same.
    scenario = load_scenario(library_path(name))
    planned = Optimizer().optimize(scenario).totals["spend"]
    out = CliRunner().invoke(cli, ["simulate", name, "--runs", "12", "--seed", str(seed), "--json", "--quiet"])
    assert out.exit_code == 0, out.output
    document = json.loads(out.stdout)
    assert document["crisis"]["probability"] > 0  # some quarters deliver hour by hour
    spend = document["kpis"]["spend"]
    assert spend["std"] == 0.0
    assert spend["p5"] == spend["p50"] == spend["p95"] == spend["mean"]
    assert spend["mean"] == pytest.approx(planned, rel=1e-9)
    runs = MonteCarlo(12, seed=seed).replicate(inputs_for(scenario))
    assert any(r.crisis["crises"] > 0 for r in runs)
    assert all(np.array_equal(r.daily["spend"], runs[0].daily["spend"]) for r in runs)
