"""Plan at a confidence (`optimize --confidence`): every KPI met in a chosen share of drawn quarters.

Each of `draws` quarters pairs one draw of the scenario's uncertain figures
(`scenarios.draw_parameters`) with one simulated quarter's own randomness:
what a KPI's figure in a quarter simulated with the figures at their means
(`--fixed-parameters`) differs from the optimizer's expected figure, for the
expected-value plan. The optimizer's confidence LP (`optimizer.confidence`)
then holds each KPI by a CVaR constraint over those quarters.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from campaign.app.common import InfeasiblePlanError, Progress, counter, load_overridden
from campaign.app.defaults import CONFIDENCE_DRAWS, TOLERANCE
from campaign.files import check_output_dir, write_confident
from optimizer import (
    DEFAULT_SOLVER,
    ConfidencePlan,
    Draws,
    Evaluation,
    OptimizationResult,
    Optimizer,
    build_problem,
    drawn_problems,
    evaluate,
    plan_with_confidence,
)
from scenarios import (
    InfeasibleError,
    ParameterDraw,
    Plan,
    Scenario,
    build_market,
    draw_parameters,
    scenario_caveats,
    uncertainty_source,
)
from simulation import MonteCarlo, QuarterInputs


@dataclass(frozen=True)
class Confident:
    """The plan at `confidence` and the expected-value plan, both judged over the same drawn quarters."""

    scenario: Scenario
    variant: str | None
    confidence: float
    draws: int
    quantile: float | None
    seed: int
    source: str | None
    expected_value: OptimizationResult
    baseline: Evaluation
    planned: ConfidencePlan
    plan: Plan
    sign: float
    written: list[Path] = field(default_factory=list)

    @property
    def price(self) -> float:
        """The expected objective given up against the expected-value plan, over the draws (objective units)."""
        return self.sign * (self.baseline.expected - self.planned.evaluation.expected)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (`optimize --confidence --json`)."""
        ev, planned = self.baseline, self.planned.evaluation
        before = {c.name: c for c in ev.kpis}
        market = build_market(self.scenario)
        allocation = [
            {"channel": market.channels[market.channel_of[i]], "format": market.formats[i],
             "period": int(market.period_of[i]) + 1, "spend": float(x)}
            for i, x in enumerate(self.planned.spend)
        ]  # fmt: skip
        return {
            "scenario": self.scenario.name,
            "variant": self.variant,
            "status": "optimal",
            "currency": self.scenario.currency,
            "objective": self.scenario.objective,
            "confidence": {
                "level": self.confidence,
                "draws": self.draws,
                "seed": self.seed,
                "source": self.source,
                "method": "cvar",
                "objective_quantile": self.quantile,
            },
            "expected": {
                "objective": planned.expected,
                "expected_value_plan": ev.expected,
                "price_of_confidence": self.price,
                "objective_tail": planned.tail(self.quantile) if self.quantile is not None else None,
            },
            "kpis": [
                {
                    "name": c.name,
                    "sense": c.sense,
                    "target": c.target,
                    "expected": c.expected,
                    "probability_met": c.probability_met,
                    "expected_value_plan": {
                        "expected": before[c.name].expected,
                        "probability_met": before[c.name].probability_met,
                    },
                }
                for c in planned.kpis
            ],
            "allocation": allocation,
            "solver": {
                "value": self.planned.value,
                "bound": self.planned.bound,
                "gap": self.planned.gap,
                "rounds": self.planned.rounds,
                "seconds": self.planned.seconds,
            },
            "warnings": list(scenario_caveats(self.scenario)),
        }


@dataclass(frozen=True)
class Quarters:
    """The drawn quarters plans at a confidence are made over: `draws` parameter draws from `seed` and, per KPI,
    each quarter's own randomness (`quarter_noise`) around the expected-value plan at `budget`."""

    draws: int
    seed: int
    source: str | None
    budget: float
    parameters: tuple[ParameterDraw, ...]
    noise: dict[str, np.ndarray]


@dataclass(frozen=True)
class AtConfidence:
    """The plan at a confidence of one scenario (its budget and objective as planned) over `quarters`."""

    scenario: Scenario
    quarters: Quarters
    drawn: Draws
    planned: ConfidencePlan
    sign: float


def expected_value_plan(
    loaded: Scenario, variant: str | None = None, tolerance: float = TOLERANCE, solver: str = DEFAULT_SOLVER
) -> OptimizationResult:
    """The scenario's optimal plan on expected figures; `InfeasiblePlanError` when there is none."""
    try:
        return Optimizer(tolerance=tolerance, solver=solver).optimize(loaded, variant=variant)
    except InfeasibleError as error:
        raise InfeasiblePlanError(error, scenario_caveats(loaded)) from None


def draw_quarters(
    loaded: Scenario,
    expected_value: OptimizationResult,
    draws: int = CONFIDENCE_DRAWS,
    seed: int | None = None,
    progress: Progress | None = None,
) -> Quarters:
    """`draws` quarters of `loaded` (seed: the scenario's by default), their own randomness simulated for its
    expected-value plan `expected_value`."""
    seed = loaded.seed if seed is None else seed
    noise = quarter_noise(loaded, expected_value, draws, seed, progress)
    parameters = tuple(draw_parameters(loaded, seed, draws))
    return Quarters(draws, seed, uncertainty_source(loaded), float(loaded.budget.total), parameters, noise)


def plan_at(
    loaded: Scenario,
    quarters: Quarters,
    confidence: float,
    quantile: float | None = None,
    tolerance: float = TOLERANCE,
    solver: str = DEFAULT_SOLVER,
    explain: bool = True,
) -> AtConfidence:
    """The plan of `loaded` (its budget and objective) that holds every KPI in a share `confidence` of `quarters`.

    Raises the optimizer's `ConfidenceUnreachableError` when no plan reaches `confidence` (without `explain`, with
    no search for the highest confidence reachable).
    """
    market = build_market(loaded)
    base = build_problem(loaded, market)
    drawn = drawn_problems(base, lambda m: build_problem(loaded, m), market, list(quarters.parameters), quarters.noise)
    planned = plan_with_confidence(
        drawn, quarters.noise, confidence, quantile, tolerance, solver=solver, explain=explain
    )
    return AtConfidence(loaded, quarters, drawn, planned, base.objective.sign)


def optimize_with_confidence(
    scenario: str | Path,
    confidence: float,
    variant: str | None = None,
    budget: float | None = None,
    objective: str | None = None,
    draws: int = CONFIDENCE_DRAWS,
    quantile: float | None = None,
    seed: int | None = None,
    tolerance: float = TOLERANCE,
    solver: str = DEFAULT_SOLVER,
    output: Path | None = None,
    progress: Progress | None = None,
    quarters: Quarters | None = None,
) -> Confident:
    """The plan that maximises the expected objective (or its lower `quantile` tail) over `draws` drawn quarters
    with every KPI met in at least a share `confidence` of them, beside the expected-value plan.

    The quarters are drawn for the expected-value plan at this budget, unless `quarters` are given (their `draws`
    and `seed` then stand for those arguments). Raises `InfeasiblePlanError` when the expected-value problem has
    no plan, and the optimizer's `ConfidenceUnreachableError` (exit 3) when no plan reaches `confidence`. With
    `output`, writes allocation.csv, result.json (either is a plan file for `--plan`) and scenario.yaml there.
    """
    if output is not None:
        check_output_dir(output)
    loaded = load_overridden(scenario, variant, budget, objective)
    expected_value = expected_value_plan(loaded, variant, tolerance, solver)
    if quarters is None:
        quarters = draw_quarters(loaded, expected_value, draws, seed, progress)
    at = plan_at(loaded, quarters, confidence, quantile, tolerance, solver)
    planned = at.planned
    baseline = evaluate(at.drawn, expected_value.plan.spend, quarters.noise, expected_value.plan.posts)
    plan = Plan.of(at.drawn.base.market, planned.spend)
    done = Confident(
        loaded, variant, confidence, quarters.draws, quantile, quarters.seed, quarters.source, expected_value,
        baseline, planned, plan, at.sign,
    )  # fmt: skip
    if output is None:
        return done
    return replace(done, written=write_confident(output, done.to_dict(), loaded, variant))


def quarter_noise(
    scenario: Scenario, planned: OptimizationResult, quarters: int, seed: int, progress: Progress | None = None
) -> dict[str, np.ndarray]:
    """Per KPI, what each of `quarters` quarters simulated with fixed figures adds to the plan's expected figure
    (the KPI's unit; channel frequency caps have none)."""
    market = build_market(scenario)
    engine = MonteCarlo(quarters, seed, 1)
    replications = engine.replicate(QuarterInputs.build(scenario, planned.plan, market), counter(quarters, progress))
    expected = {k.name: k.value for k in planned.kpis if k.value is not None}
    noise = {}
    for kpi, _ in scenario.kpis.limits():
        if kpi.form == "channel_cap" or kpi.name not in expected:
            continue
        figures = np.array([r.kpis[kpi.figure] for r in replications], dtype=float)
        noise[kpi.name] = np.nan_to_num(figures - expected[kpi.name], nan=0.0)
    return noise
