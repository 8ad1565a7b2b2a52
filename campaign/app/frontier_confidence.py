"""The frontier at a confidence (`frontier --confidence`): at each budget, the conversions of the plan that meets
every KPI in a share of drawn quarters beside the expected-value point, and the least budget of each.

The quarters are drawn once (`confidence.draw_quarters`), their own randomness simulated for the expected-value
plan at the scenario's own budget, and every budget is planned over those same quarters. Each least budget is
found by bisection to `resolution`: a plan exists at the budget reported and none at the budget `resolution` below.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign.app.common import Progress
from campaign.app.confidence import AtConfidence, Quarters, draw_quarters, expected_value_plan, plan_at
from campaign.app.defaults import CONFIDENCE_DRAWS, FRONTIER_POINTS, TOLERANCE
from campaign.app.planning import frontier
from campaign.files import check_output_dir, write_frontier
from optimizer import DEFAULT_SOLVER, FrontierResult, Optimizer
from scenarios import InfeasibleError, Scenario, finite, override

#: The bisection's resolution, a share of the scenario's own budget (at least one currency unit).
RESOLUTION = 0.005


@dataclass(frozen=True)
class LeastBudget:
    """The least budget found with a plan (`budget`) and a budget at most a resolution below it with none
    (`below`); both None where the grid holds no feasible budget, `below` None when even the resolution has one."""

    budget: float | None
    below: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"budget": self.budget, "infeasible_below": self.below}


@dataclass(frozen=True)
class FrontierAtConfidence:
    """The frontier's points with, per budget, the plan at `confidence` over `quarters` (None where none reaches
    it), and the least budget of the expected-value problem and of the plan at the confidence."""

    result: FrontierResult
    confidence: float
    quarters: Quarters
    at_confidence: tuple[AtConfidence | None, ...]
    expected_value: LeastBudget
    at_level: LeastBudget
    resolution: float

    def to_dict(self) -> dict[str, Any]:
        """`frontier --confidence --json`: the frontier's document with the confidence's fields added."""
        doc = self.result.to_dict()
        q = self.quarters
        doc["confidence"] = {
            "level": self.confidence,
            "draws": q.draws,
            "seed": q.seed,
            "source": q.source,
            "noise_budget": q.budget,
        }
        for point, at in zip(doc["points"], self.at_confidence, strict=True):
            point["at_confidence"] = finite(
                {
                    "feasible": at is not None,
                    "conversions": at.planned.evaluation.expected if at is not None else None,
                    "gap": at.planned.gap if at is not None else None,
                }
            )
        doc["least_budget"] = {
            "resolution": self.resolution,
            "expected_value": self.expected_value.to_dict(),
            "at_confidence": self.at_level.to_dict(),
        }
        return doc


def frontier_at_confidence(
    loaded: Scenario,
    result: FrontierResult,
    confidence: float,
    draws: int,
    seed: int | None = None,
    variant: str | None = None,
    tolerance: float = TOLERANCE,
    solver: str = DEFAULT_SOLVER,
    progress: Progress | None = None,
) -> FrontierAtConfidence:
    """Plan every budget of `result` at `confidence` over quarters drawn for the expected-value plan at the
    scenario's budget, and bisect for the least budget of each problem."""
    loaded = override(loaded, {"objective": "conversions"}, "--confidence")
    quarters = draw_quarters(loaded, expected_value_plan(loaded, variant, tolerance, solver), draws, seed)
    resolution = max(1.0, RESOLUTION * float(loaded.budget.total))

    def at(budget: float, gap: float = tolerance) -> AtConfidence | None:
        try:
            return plan_at(at_budget(loaded, budget), quarters, confidence, None, gap, solver, explain=False)
        except InfeasibleError:
            return None

    planned = []
    for p in result.points:
        planned.append(at(p.budget))
        if progress:
            progress(len(planned), len(result.points))
    grid = [p.budget for p in result.points]

    def expected(budget: float) -> bool:
        try:
            Optimizer(tolerance, solver).optimize(loaded, "conversions", budget, variant)
        except InfeasibleError:
            return False
        return True

    # Feasibility alone is asked of the bisection's plans: any gap will do.
    ev = least_budget(grid, [p.status == "optimal" for p in result.points], expected, resolution)
    level = least_budget(grid, [a is not None for a in planned], lambda b: at(b, 1.0) is not None, resolution)
    return FrontierAtConfidence(result, confidence, quarters, tuple(planned), ev, level, resolution)


def at_budget(loaded: Scenario, budget: float) -> Scenario:
    """The scenario with `budget` as its total budget."""
    return override(loaded, {"budget": {"total": budget}}, "--from/--to")


def least_budget(
    grid: list[float], feasible: list[bool], check: Callable[[float], bool], resolution: float
) -> LeastBudget:
    """The least budget with a plan: bisected between the grid's first feasible budget and the one before it
    (or `resolution` when the first budget of the grid is feasible), to `resolution`."""
    first = next((i for i, ok in enumerate(feasible) if ok), None)
    if first is None:
        return LeastBudget(None, None)
    high = grid[first]
    if first > 0:
        low = grid[first - 1]
    elif check(resolution):
        return LeastBudget(resolution, None)
    else:
        low = resolution
    steps = max(0, math.ceil(math.log2((high - low) / resolution)))
    for _ in range(steps):
        middle = 0.5 * (low + high)
        if check(middle):
            high = middle
        else:
            low = middle
    return LeastBudget(high, low)


@dataclass(frozen=True)
class TracedAtConfidence:
    """The frontier at a confidence of a scenario and the files written."""

    scenario: Scenario
    result: FrontierAtConfidence
    written: list[Path] = field(default_factory=list)


def frontier_with_confidence(
    scenario: str | Path,
    confidence: float,
    variant: str | None = None,
    start: float | None = None,
    stop: float | None = None,
    points: int = FRONTIER_POINTS,
    draws: int = CONFIDENCE_DRAWS,
    seed: int | None = None,
    tolerance: float = TOLERANCE,
    solver: str = DEFAULT_SOLVER,
    output: Path | None = None,
    progress: Progress | None = None,
) -> TracedAtConfidence:
    """`planning.frontier` with, at each budget, the plan at `confidence` and the least budget of each problem;
    with `output`, frontier.json holds the document with the confidence's fields."""
    if output is not None:
        check_output_dir(output)
    traced = frontier(scenario, variant, start, stop, points, tolerance, solver)
    done = frontier_at_confidence(
        traced.scenario, traced.result, confidence, draws, seed, variant, tolerance, solver, progress
    )
    written = write_frontier(output, done.result, traced.scenario, done.to_dict()) if output is not None else []
    return TracedAtConfidence(traced.scenario, done, written)
