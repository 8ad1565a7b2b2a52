"""Plan the budget: the optimal allocation (`optimize`) and the best plans over a range of budgets (`frontier`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from campaign.app.common import (
    InfeasiblePlanError,
    Progress,
    budgets,
    counter,
    load,
    load_overridden,
)
from campaign.app.defaults import FRONTIER_POINTS, TOLERANCE
from campaign.app.saved import plan_document, record_run
from campaign.files import check_output_dir, write_frontier, write_outputs
from campaign.plan_store import Run
from optimizer import DEFAULT_SOLVER, Frontier, FrontierResult, OptimizationResult, Optimizer
from scenarios import InfeasibleError, Scenario, scenario_caveats


@dataclass(frozen=True)
class Optimized:
    """The optimal plan of a scenario (with the budget and objective it was asked for) and the files written."""

    scenario: Scenario
    result: OptimizationResult
    written: list[Path] = field(default_factory=list)
    #: The run as the store keeps it, when asked to record it.
    run: Run | None = None


@dataclass(frozen=True)
class Traced:
    """The budget frontier of a scenario and the files written."""

    scenario: Scenario
    result: FrontierResult
    written: list[Path] = field(default_factory=list)


def optimize(
    scenario: str | Path,
    variant: str | None = None,
    budget: float | None = None,
    objective: str | None = None,
    tolerance: float = TOLERANCE,
    solver: str = DEFAULT_SOLVER,
    output: Path | None = None,
    store: Path | None = None,
    without_kpis: tuple[str, ...] = (),
) -> Optimized:
    """The allocation of the paid budget that maximises the objective, written into `output` if given, and
    recorded as a run in the plan store `store` if given (its plan can then be adopted: `saved.adopt_plan`).
    `without_kpis` names KPIs of the scenario to leave out (a `UsageError` names the valid ones otherwise);
    the result says which were left out.

    Raises `InfeasiblePlanError` (with the scenario's caveats) when no plan meets every constraint.
    """
    if output is not None:
        check_output_dir(output)
    loaded = load_overridden(scenario, variant, budget, objective, without_kpis)
    try:
        result = Optimizer(tolerance=tolerance, solver=solver).optimize(loaded, variant=variant)
    except InfeasibleError as error:
        raise InfeasiblePlanError(error, scenario_caveats(loaded)) from None
    if without_kpis:
        result = replace(result, without_kpis=tuple(dict.fromkeys(without_kpis)))
    document = result.to_dict()
    written = write_outputs(output, result, loaded, document) if output is not None else []
    run = None
    if store is not None:
        plan = plan_document(loaded.name, variant, result)
        run = record_run("optimize", scenario, loaded, variant, document, plan, store)
    return Optimized(loaded, result, written, run)


def frontier(
    scenario: str | Path,
    variant: str | None = None,
    start: float | None = None,
    stop: float | None = None,
    points: int = FRONTIER_POINTS,
    tolerance: float = TOLERANCE,
    solver: str = DEFAULT_SOLVER,
    output: Path | None = None,
    progress: Progress | None = None,
) -> Traced:
    """The best conversions, profit, reach and marginal CPA at `points` budgets from `start` to `stop`.

    The range defaults to a quarter of the scenario's budget up to twice it (`common.budget_range`; an end not
    above its start raises `BadRangeError`). `progress` hears `(done, total)` after each budget.
    """
    if output is not None:
        check_output_dir(output)
    loaded = load(scenario, variant)
    grid = budgets(loaded, start, stop, points)
    result = Frontier(tolerance, solver).compute(loaded, grid, variant, counter(len(grid), progress))
    written = write_frontier(output, result, loaded, result.to_dict()) if output is not None else []
    return Traced(loaded, result, written)
