"""The plan's monthly P&L for finance (`pnl`): the statement, its bands, the team options, the workbook."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign.app.common import load, plan_for
from campaign.app.drawing import replicate_quarters
from campaign.files import check_output_file
from campaign.pnl import break_even_budget, plan_statement, require_business, team_options, with_bands
from campaign.workbook import write_workbook
from scenarios import Plan, Scenario, Statement, UsageError, build_market
from simulation import MonteCarlo, QuarterInputs


@dataclass(frozen=True)
class ProfitAndLoss:
    """The plan's monthly statement (with bands when simulated), the team options weighed, the workbook written."""

    scenario: Scenario
    statement: Statement
    team_options: list[dict[str, Any]] | None
    runs: int
    workbook: Path | None
    #: Whether the bands drew the uncertain figures (`simulate --json`'s `parameters`); None when not simulated
    #: or every figure is certain.
    parameters: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The `pnl --json` document."""
        document = self.statement.to_dict()
        if self.team_options is not None:
            document["team_options"] = self.team_options
        if self.parameters is not None:
            document["parameters"] = self.parameters
        return document


def pnl(
    scenario: str | Path,
    variant: str | None = None,
    plan: Plan | Path | None = None,
    simulate: int = 0,
    seed: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    compare_team: bool = False,
    xlsx: Path | None = None,
    fixed_parameters: bool = False,
    store: Path | None = None,
) -> ProfitAndLoss:
    """The P&L by calendar month of `plan` (a Plan, a plan file, or ``@current``/``@N``: an adopted plan in the
    store, `store` or the one beside the scenario), or the optimizer's, with its break-even budget.

    `simulate` > 0 adds P10/P50/P90 of the contribution lines; `compare_team` re-optimises each of the
    scenario's team options; `xlsx` also writes the workbook (all of it or nothing). A scenario with uncertain
    figures draws them for each pair of simulated quarters, unless `fixed_parameters`.
    """
    if xlsx is not None:
        check_output_file(xlsx, ".xlsx")
    loaded = load(scenario, variant)
    require_business(loaded)
    market = build_market(loaded)
    chosen = plan_for(loaded, variant, market, plan, scenario, store).plan
    sheet = plan_statement(loaded, chosen, variant, market)
    sheet.kpis["break_even_budget"], sheet.kpis["break_even_at_kpi_edge"] = break_even_budget(loaded)
    parameters = None
    if simulate:
        inputs = QuarterInputs.build(loaded, chosen, market)
        engine = MonteCarlo(simulate, loaded.seed if seed is None else seed, workers, scheduler)
        reps, parameters = replicate_quarters(loaded, inputs, market, engine, fixed_parameters)
        sheet = with_bands(sheet, loaded, chosen, market, inputs, reps)
    options = team_options(loaded) if compare_team else None
    if compare_team and not options:
        raise UsageError(f"scenario '{loaded.name}' has no business.team_options to compare")
    if xlsx is not None:
        write_workbook(xlsx, sheet, loaded, chosen, market)  # a temporary file renamed into place, or a UsageError
    return ProfitAndLoss(loaded, sheet, options, simulate, xlsx, parameters)
