"""The self-contained HTML report (`report`): plan, curves, frontier, simulated bands, a crisis, the P&L."""

from __future__ import annotations

from pathlib import Path

from campaign.app.common import Progress, budgets, counter, load, optimal
from campaign.app.defaults import REPORT_RUNS
from campaign.files import check_output_file, write_atomic
from campaign.report import build
from optimizer import Frontier
from scenarios import UsageError, build_market, daily_plan, statement
from simulation import MonteCarlo, QuarterInputs, summarise


def report(
    scenario: str | Path,
    output: Path,
    variant: str | None = None,
    simulate: int = REPORT_RUNS,
    seed: int | None = None,
    progress: Progress | None = None,
) -> Path:
    """Write one self-contained HTML report to `output`: plan, curves, frontier, simulated bands, a crisis, the P&L.

    `progress` hears `(done, total)` simulated quarters. Returns `output`.
    """
    try:
        check_output_file(output, ".html")
        loaded = load(scenario, variant)
        market = build_market(loaded)
        result = optimal(loaded, variant)
        frontier = Frontier().compute(loaded, budgets(loaded), variant)
        plan = result.plan
        inputs = QuarterInputs.build(loaded, plan, market)
        engine = MonteCarlo(simulate, loaded.seed if seed is None else seed)
        reps = engine.replicate(inputs, counter(simulate, progress))
        targets = summarise(inputs, reps, loaded.name, variant, engine.seed, True).targets
        sheet = statement(loaded, daily_plan(loaded, market, plan.spend, plan.production(market)), variant)
        write_atomic(output, build(loaded, variant, result, market, frontier, sheet, reps, targets))
    except OSError as error:
        raise UsageError(f"{output}: cannot write the report: {error.strerror}") from None
    return output
