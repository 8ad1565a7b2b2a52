"""Plans at a confidence (`optimizer.confidence`) against oracles that share no code with the confidence LP.

The confidence LP holds each KPI row h_s(x) ≤ 0 (a floor turned round: target − figure of draw s) by the
empirical CVaR of Rockafellar and Uryasev over the S draws,

    CVaR_α(h) = min_η  η + 1 / ((1 − α) S) · Σ_s max(0, h_s − η)  ≤ 0,

and maximises the mean objective over the draws. The oracles below compute that CVaR on the true curves by
enumerating η over the draws' own h_s (the minimum of a piecewise-linear convex function of η sits at a kink),
the figures in closed form from each drawn market's figures, and enumerate the plans of a two-cell market.
"""

from __future__ import annotations

import numpy as np
import pytest

from campaign.files import locate_scenario
from optimizer import (
    ConfidenceUnreachableError,
    Optimizer,
    build_problem,
    drawn_problems,
    evaluate,
    plan_with_confidence,
)
from optimizer.reachable import RESOLUTION
from scenarios import ParameterDraw, SolverError, build_market, draw_parameters, load_scenario, override
from scenarios.schema import Scenario

BUDGET = 10_000.0


def two_cells(kpis: dict, objective: str = "conversions", relative: float = 0.1) -> Scenario:
    """One channel, one period, two cells: `a` converts, `b` is three times as clicky at half the CPM."""
    return Scenario.model_validate(
        {
            "name": "two-cells",
            "objective": objective,
            "budget": {"total": BUDGET},
            "channels": {
                "web": {
                    "audience": 2_000_000.0,
                    "in_market": 0.05,
                    "cpm": 10.0,
                    "ctr": 0.01,
                    "cvr": 0.05,
                    "formats": {"a": {}, "b": {"ctr_factor": 3.0, "cpm_factor": 0.5}},
                }
            },
            "response": {
                "web.a": {"curve": "exponential", "max": 500.0, "scale": 4000.0},
                "web.b": {"curve": "exponential", "max": 200.0, "scale": 6000.0},
            },
            "kpis": kpis,
            "uncertainty": {"relative": relative},
        }
    )


def problems(scenario: Scenario, count: int, seed: int = 3, draws: list[ParameterDraw] | None = None, noise=None):
    market = build_market(scenario)
    base = build_problem(scenario, market)
    chosen = draws if draws is not None else draw_parameters(scenario, seed, count)
    return drawn_problems(base, lambda m: build_problem(scenario, m), market, chosen, noise or {})


def empirical_cvar(h: np.ndarray, confidence: float) -> np.ndarray:
    """CVaR_α of the last axis of `h` (draws), by trying every η = h_s."""
    count = h.shape[-1]
    eta = h[..., :, None]  # candidate η per draw
    excess = np.maximum(0.0, h[..., None, :] - eta).sum(axis=-1)
    return (eta[..., 0] + excess / ((1.0 - confidence) * count)).min(axis=-1)


def test_empirical_cvar_by_hand():
    # Ten draws 1..10 at 80 %: η = 9 gives 9 + (1) / 2 = 9.5, the mean of the worst two shares.
    assert empirical_cvar(np.arange(1.0, 11.0), 0.8) == pytest.approx(9.5)


def test_without_uncertainty_the_plan_is_the_expected_value_plan():
    """Draws that all equal the mean and no noise: the confidence LP is the scenario's own LP, so both certified
    intervals [value, bound] hold the same optimum and meet, and every KPI is met in every draw as by the EV plan."""
    scenario = load_scenario(locate_scenario("cafe-chain-q1"))
    market = build_market(scenario)
    cells, channels = len(market.cell_keys), len(market.channels)
    ones = ParameterDraw(*(np.ones(cells),) * 4, np.ones(channels), np.ones(channels))
    draws = problems(scenario, 3, draws=[ones] * 3)
    plan = plan_with_confidence(draws, {}, 0.9)
    ev = Optimizer().optimize(scenario)
    carried = market.carried_conversions
    ev_value = ev.objective_value - carried  # the confidence plan counts the paid slots' conversions
    assert plan.value <= ev.solver.bound - carried + 1e-9 * abs(ev.solver.bound)
    assert ev_value <= plan.bound + 1e-9 * abs(plan.bound)
    assert plan.gap <= 1e-3
    assert ev.solver.approximation_error <= 1e-3
    spend = np.array([c.spend for c in ev.allocation])
    ev_chances = evaluate(draws, spend, {}).kpis
    assert [k.probability_met for k in plan.evaluation.kpis] == [1.0] * len(ev.kpis)
    assert [k.probability_met for k in ev_chances] == [1.0 if k.met else 0.0 for k in ev.kpis] == [1.0] * len(ev.kpis)


def closed_form(draws, grid: np.ndarray) -> dict[str, np.ndarray]:
    """Conversions, clicks and reach of spend (`grid`: plans × 2 cells) in every draw (plans × draws), from each
    drawn market's curve parameters, CPM and CTR: F = M (1 − exp(−x / s)), clicks = x · 1000 / CPM · CTR,
    reach = A (1 − exp(−impressions / A))."""
    out: dict[str, list[np.ndarray]] = {"conversions": [], "clicks": [], "reach": []}
    for problem in draws.problems:
        market = problem.market
        curves = market.curves
        conv = (curves.maximum * -np.expm1(-grid / curves.scale)).sum(axis=1)
        impressions = grid * 1000.0 / market.cpm
        audience = float(market.audience[0])
        out["conversions"].append(conv)
        out["clicks"].append((impressions * market.ctr).sum(axis=1))
        out["reach"].append(audience * -np.expm1(-impressions.sum(axis=1) / audience))
    return {k: np.stack(v, axis=1) for k, v in out.items()}


CASES = {
    # Conversions maximised under a clicks floor with one quarter's noise on the clicks.
    "clicks floor": ({"min_clicks": 27_000.0}, "conversions", "clicks", "conversions"),
    # Reach maximised under a conversions floor: a KPI row on conversions in stretched draws (`included`).
    "conversions floor": ({"min_conversions": 320.0}, "reach", "conversions", "reach"),
}


@pytest.mark.parametrize("case", CASES)
def test_two_cells_against_every_split_of_the_budget(case):
    """Oracle: every split (t, B − t) of the budget on a grid of step B / N, its CVaR of target − figure over the
    20 draws on the true curves (`empirical_cvar`) and its mean objective, in closed form. The best split whose
    CVaR ≤ 0 is a plan of the confidence LP, so it is at most the plan's bound; the feasible splits form an
    interval (the CVaR of convex h is convex), which holds the plan's split, so the grid point next to it is
    within the objective's slope times B / N of the plan's value. The plan's own CVaR on the true curves is ≤ 0
    (up to the solver's feasibility tolerance, 1e-6 of the target)."""
    kpis, objective, figure, measure = CASES[case]
    confidence, count = 0.8, 20
    scenario = two_cells(kpis, objective)
    noise = {"min_clicks": np.linspace(-300.0, 300.0, count)} if "min_clicks" in kpis else {}
    draws = problems(scenario, count, noise=noise)
    assert draws.stretched.any()
    plan = plan_with_confidence(draws, noise, confidence)
    assert plan.spend.sum() == pytest.approx(BUDGET, rel=1e-9)  # the budget binds: the plans lie on the grid's line
    if figure == "conversions":
        assert plan.included > 0  # stretched draws written out as the conversions floor needed them
    target = next(iter(kpis.values()))
    shift = noise.get(next(iter(kpis)), np.zeros(count))
    steps = 20_000
    t = np.linspace(0.0, BUDGET, steps + 1)
    grid = np.stack([t, BUDGET - t], axis=1)
    figures = closed_form(draws, grid)
    cvar = empirical_cvar(target - (figures[figure] + shift), confidence)
    values = figures[measure].mean(axis=1)
    feasible = cvar <= 0.0
    assert feasible.any()
    assert not feasible.all()  # the floor binds somewhere
    best = float(values[feasible].max())
    slopes = np.abs(np.diff(values)).max() / (BUDGET / steps)  # the objective's steepest slope along the line
    assert best <= plan.bound + 1e-9 * abs(plan.bound)
    assert best >= plan.value - slopes * BUDGET / steps
    assert plan.value >= best - plan.gap * abs(plan.bound) - 1e-9 * abs(plan.bound)
    own = closed_form(draws, plan.spend[None, :])
    assert empirical_cvar(target - (own[figure] + shift), confidence)[0] <= 1e-6 * target
    assert plan.value == pytest.approx(float(own[measure].mean()), rel=1e-12)


def test_bundled_scenario_holds_each_kpi_in_sample_where_the_expected_value_plan_does_not():
    """cafe-chain-q1 with 10 % uncertainty, 40 draws at 90 %: the CVaR ≤ 0 of each KPI row implies it holds in at
    least 90 % of the draws (CVaR bounds the quantile); the EV plan, checked on the same draws, falls short."""
    scenario = override(load_scenario(locate_scenario("cafe-chain-q1")), {"uncertainty": {"relative": 0.1}}, "u")
    draws = problems(scenario, 40, seed=7)
    plan = plan_with_confidence(draws, {}, 0.9)
    assert plan.gap <= 1e-3
    assert all(k.probability_met >= 0.9 for k in plan.evaluation.kpis)
    ev = Optimizer().optimize(scenario)
    ev_chances = evaluate(draws, np.array([c.spend for c in ev.allocation]), {}).kpis
    short = [k.name for k in ev_chances if k.probability_met < 0.9]
    assert short  # the expected-value plan holds some KPI in fewer draws than asked


def test_unreachable_confidence_names_the_highest_reachable():
    """A clicks floor near the most clicks the budget buys, asked at 99 %: no plan holds it; a plan exists at the
    highest confidence the error names (searched on chords, whose plans hold on the true curves). Clicks are
    linear in spend, so chords and tangents are the figure itself and the bisection is exact: none exists at
    `RESOLUTION` above the bisection's last feasible level, so none at `highest` + 2 · `RESOLUTION` (the CVaR
    grows with the confidence)."""
    scenario = two_cells({"min_clicks": 55_000.0})
    draws = problems(scenario, 20)
    with pytest.raises(ConfidenceUnreachableError) as caught:
        plan_with_confidence(draws, {}, 0.99)
    error = caught.value
    assert 0.0 < error.highest < 0.99
    assert error.kpis == ("min_clicks",)
    assert "min_clicks cannot be held at that confidence by any plan" in str(error)
    plan = plan_with_confidence(draws, {}, error.highest)
    assert all(k.probability_met >= error.highest for k in plan.evaluation.kpis)
    with pytest.raises(ConfidenceUnreachableError):
        plan_with_confidence(draws, {}, error.highest + 2 * RESOLUTION)


def test_quantile_objective_trades_mean_for_tail():
    """Each plan is within its gap of the best for its own objective: the quantile plan's lower-tail mean is at
    least the expected plan's (less the quantile plan's gap), its mean at most the expected plan's (plus that
    plan's gap). With q · S whole, `Evaluation.tail` is the LP's lower-tail CVaR. Every draw stretches a curve, so
    the quantile LP starts from q · S written-out draws (with fewer its tail term would be unbounded)."""
    scenario = two_cells({"min_clicks": 5_000.0})
    draws = problems(scenario, 20)
    q = 0.2
    mean_plan = plan_with_confidence(draws, {}, 0.8)
    tail_plan = plan_with_confidence(draws, {}, 0.8, quantile=q)
    assert tail_plan.value == pytest.approx(tail_plan.evaluation.tail(q), rel=1e-12)
    assert tail_plan.evaluation.tail(q) >= mean_plan.evaluation.tail(q) - tail_plan.gap * abs(tail_plan.bound)
    assert tail_plan.evaluation.expected <= mean_plan.evaluation.expected + mean_plan.gap * abs(mean_plan.bound)
    assert not np.allclose(tail_plan.spend, mean_plan.spend, rtol=1e-3)  # the two objectives pick different plans


@pytest.mark.parametrize(
    ("confidence", "quantile", "message"),
    [
        (0.0, None, "the confidence must lie strictly between 0 and 1, got 0.0"),
        (1.0, None, "the confidence must lie strictly between 0 and 1, got 1.0"),
        (1.5, None, "the confidence must lie strictly between 0 and 1, got 1.5"),
        (0.9, 0.0, "the objective quantile must lie in (0, 1], got 0.0"),
    ],
)
def test_bad_confidence_or_quantile(confidence, quantile, message):
    draws = problems(two_cells({"min_clicks": 25_000.0}), 4)
    with pytest.raises(SolverError) as caught:
        plan_with_confidence(draws, {}, confidence, quantile=quantile)
    assert str(caught.value) == message
