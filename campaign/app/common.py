"""What the use cases share: the scenario, the plan to use, the budget range, the ledger, progress and outcomes.

Each is written once here: the plan is the one in a file or else the
optimizer's; a frontier runs from a quarter of the scenario's budget to
twice it unless told otherwise; the ledger sits beside the scenario file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from campaign.app.defaults import FRONTIER_POINTS
from campaign.files import locate_scenario
from campaign.ledger import Ledger, LedgerRow
from campaign.plans import read_plan
from optimizer import OptimizationResult, Optimizer, budget_grid
from scenarios import (
    InfeasibleError,
    Market,
    Plan,
    Scenario,
    UsageError,
    load_scenario,
    override,
    scenario_caveats,
)

#: A progress report: `(done, total)` units of work (budgets, options or simulated quarters).
Progress = Callable[[int, int], None]
#: The sums a ledger holds per cell.
LEDGER_SUMS = ("spend", "impressions", "clicks", "conversions")


def counter(total: int, progress: Progress | None) -> Callable[[int], None] | None:
    """A step callback (called with the units just done) reporting `(done, total)` to `progress`, if given."""
    if progress is None:
        return None
    done = 0

    def step(units: int) -> None:
        nonlocal done
        done += units
        progress(done, total)

    return step


def load(scenario: str | Path, variant: str | None = None) -> Scenario:
    """The scenario in a file, or the bundled one of that name, with `variant` merged over its base."""
    return load_scenario(locate_scenario(str(scenario)), variant)


def load_overridden(
    scenario: str | Path,
    variant: str | None = None,
    budget: float | None = None,
    objective: str | None = None,
    without_kpis: tuple[str, ...] = (),
) -> Scenario:
    """`load`, with `budget` (budget.total) and `objective` given on the command line made part of the scenario,
    and the KPIs `without_kpis` names left out of it, so the resolved scenario.yaml re-runs the same plan."""
    changes: dict[str, Any] = {"budget": {"total": budget}} if budget is not None else {}
    if objective is not None:
        changes["objective"] = objective
    loaded = load(scenario, variant)
    source = "--budget/--objective"
    if without_kpis:
        changes["kpis"] = dict.fromkeys(kpis_left_out(loaded, without_kpis))
        source += "/--without-kpi"
    return override(loaded, changes, source)


def kpis_left_out(scenario: Scenario, names: tuple[str, ...]) -> tuple[str, ...]:
    """`names`, each a KPI the scenario sets (in the catalogue's order, once each); else a `UsageError`."""
    kpis = [kpi.name for kpi, _ in scenario.kpis.limits()]
    unknown = [name for name in names if name not in kpis]
    if unknown:
        valid = ", ".join(kpis) if kpis else "none: it sets no KPI"
        raise UsageError(
            f"--without-kpi {unknown[0]!r}: scenario '{scenario.name}' sets no such KPI; the KPIs it sets are {valid}"
        )
    return tuple(name for name in kpis if name in names)


class InfeasiblePlanError(InfeasibleError):
    """No plan meets every constraint of the scenario: the optimizer's explanation and the scenario's caveats."""

    def __init__(self, error: InfeasibleError, warnings: list[str]) -> None:
        super().__init__(str(error), error.relaxations)
        self.warnings = warnings


def infeasible_document(
    error: InfeasibleError, scenario: str, variant: str | None, warnings: list[str] | None = None
) -> dict[str, Any]:
    """The infeasible outcome as one JSON document: the explanation, the relaxations that would fix it, the caveats."""
    relaxations: list[dict[str, Any]] = [r.to_dict() for r in error.relaxations]  # type: ignore[attr-defined]
    return {
        "scenario": scenario,
        "variant": variant,
        "status": "infeasible",
        "message": str(error),
        "relaxations": relaxations,
        **getattr(error, "details", {}),
        "warnings": warnings or [],
    }


def optimal(scenario: Scenario, variant: str | None) -> OptimizationResult:
    """The optimizer's plan of `scenario`; raises `InfeasiblePlanError` with the scenario's caveats when none exists."""
    try:
        return Optimizer().optimize(scenario, variant=variant)
    except InfeasibleError as error:
        raise InfeasiblePlanError(error, scenario_caveats(scenario)) from None


@dataclass(frozen=True)
class ChosenPlan:
    """The plan to simulate or account for, and what the optimizer expects of it."""

    plan: Plan
    #: The optimizer's totals when the plan is the optimizer's; None for a plan read from a file.
    expected: dict[str, float] | None


def plan_for(
    scenario: Scenario,
    variant: str | None,
    market: Market,
    plan: Plan | Path | None,
    source: str | Path | None = None,
    store: Path | None = None,
) -> ChosenPlan:
    """`plan`, or the plan in the file `plan` names, checked against the scenario; else the optimizer's plan.

    A `plan` of ``@current`` or ``@N`` is the scenario's adopted plan of that version in the store
    (`campaign.app.saved`; `source` is the scenario as given, which says where the store is unless `store`).
    """
    if isinstance(plan, Plan):
        if plan.cells != tuple(market.cell_keys):
            raise UsageError(
                f"the plan is for the cells {', '.join(plan.cells)}, not those of scenario '{scenario.name}' "
                f"({', '.join(market.cell_keys)}); plan that scenario"
            )
        if plan.periods != market.periods:
            raise UsageError(
                f"the plan covers {plan.periods} periods, not the {market.periods} of scenario '{scenario.name}'; "
                "plan that scenario"
            )
        plan.check("plan", scenario, market)
        return ChosenPlan(plan, None)
    if plan is not None and str(plan).startswith("@"):
        from campaign.app.saved import read_saved

        return ChosenPlan(read_saved(plan, source or scenario.name, scenario, variant, market, store), None)
    if plan is not None:
        return ChosenPlan(read_plan(plan, scenario, variant, market), None)
    optimized = optimal(scenario, variant)
    return ChosenPlan(optimized.plan, optimized.totals)


class BadRangeError(UsageError):
    """A budget range whose end is not above its start; `option` names the option to blame."""

    def __init__(self, message: str, option: str) -> None:
        super().__init__(message)
        self.option = option


def budget_range(scenario: Scenario, start: float | None = None, stop: float | None = None) -> tuple[float, float]:
    """The budgets of a frontier: `start` to `stop`, by default a quarter of the scenario's budget to twice it."""
    budget = scenario.budget.total
    low = start if start is not None else budget / 4
    high = stop if stop is not None else budget * 2
    if high <= low:
        ends = (
            "--to" if stop is not None else "twice the budget",
            "--from" if start is not None else "a quarter of it",
        )
        raise BadRangeError(
            f"the range's end {high:,.2f} ({ends[0]}) is not above its start {low:,.2f} ({ends[1]}); "
            "a frontier runs from a smaller budget to a larger one",
            "--to" if stop is not None else "--from",
        )
    return low, high


def budgets(scenario: Scenario, start: float | None = None, stop: float | None = None, points: int = FRONTIER_POINTS):
    """`points` evenly spaced budgets of the range `budget_range` gives."""
    low, high = budget_range(scenario, start, stop)
    grid: np.ndarray = budget_grid(low, high, points)
    return grid


def ledger_path(ledger: Path | None, scenario: str | Path, name: str) -> Path:
    """The ledger: `ledger`, else a file beside the scenario file (in this folder for a bundled scenario)."""
    if ledger is not None:
        return ledger
    path = Path(scenario)
    folder = path.parent if path.exists() else Path.cwd()
    return folder / f"{name}.ledger.sqlite"


class NoLedgerError(UsageError):
    """No ledger yet where the scenario's ledger would be: nothing imported."""


def existing_ledger(ledger: Path | None, scenario: str | Path, name: str) -> Path:
    """The ledger's path (`ledger_path`), refused (`NoLedgerError`) when there is no ledger there yet."""
    path = ledger_path(ledger, scenario, name)
    if not path.exists():
        raise NoLedgerError(f"{path}: no ledger yet; import exports with 'campaign actuals import'")
    return path


def ledger_rows(path: Path, scenario: Scenario) -> list[LedgerRow]:
    """The ledger's rows of the scenario's quarter, in its currency: rows dated before its start are history."""
    with Ledger(path) as book:
        return this_quarter(book.rows(scenario.name, scenario.currency), scenario)


def history_rows(path: Path, scenario: Scenario) -> list[LedgerRow]:
    """The ledger's rows of the scenario that end before its start (none without a start date), in its currency."""
    with Ledger(path) as book:
        rows = book.rows(scenario.name, scenario.currency)
    return [r for r in rows if scenario.start is not None and r.end < scenario.start]


def this_quarter(rows: list[LedgerRow], scenario: Scenario) -> list[LedgerRow]:
    """The rows that are not history: all of them without a start date, else those ending on or after it."""
    return [r for r in rows if scenario.start is None or r.end >= scenario.start]


def cell_sums(rows: list[LedgerRow]) -> dict[str, dict[str, float]]:
    """Spend, impressions, clicks and conversions per cell (``channel.format``), in the order cells first appear."""
    cells: dict[str, dict[str, float]] = {}
    for row in rows:
        cell = cells.setdefault(f"{row.channel}.{row.format}", dict.fromkeys(LEDGER_SUMS, 0.0))
        for key in cell:
            cell[key] += getattr(row, key)
    return cells
