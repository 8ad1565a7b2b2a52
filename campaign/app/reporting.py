"""The self-contained HTML report (`report`): plan, curves, frontier, simulated bands, a crisis, the P&L."""

from __future__ import annotations

from pathlib import Path

from campaign.app.common import Progress, budgets, counter, load, optimal
from campaign.app.defaults import CONFIDENCE_DRAWS, REPORT_RUNS
from campaign.app.drawing import replicate_quarters
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
    fixed_parameters: bool = False,
    confidence: float | None = None,
    draws: int = CONFIDENCE_DRAWS,
) -> Path:
    """Write one self-contained HTML report to `output`: plan, curves, frontier, simulated bands, a crisis, the P&L.

    `progress` hears `(done, total)` simulated quarters; a scenario with uncertain figures draws them for each
    pair of quarters, unless `fixed_parameters`. With `confidence`, a section shows the plan that meets every
    KPI in that share of `draws` drawn quarters (`optimize_with_confidence`, same `seed`) beside the
    expected-value plan; its errors are `optimize_with_confidence`'s. Returns `output`.
    """
    try:
        check_output_file(output, ".html")
        section = None
        total = simulate
        if confidence is not None:
            from campaign.app.confidence import optimize_with_confidence
            from campaign.report_confidence import confidence_section

            total += draws
            quarters = _within(0, total, progress)
            done = optimize_with_confidence(scenario, confidence, variant, draws=draws, seed=seed, progress=quarters)
            section = confidence_section(done)
        loaded = load(scenario, variant)
        market = build_market(loaded)
        result = optimal(loaded, variant)
        frontier = Frontier().compute(loaded, budgets(loaded), variant)
        plan = result.plan
        inputs = QuarterInputs.build(loaded, plan, market)
        engine = MonteCarlo(simulate, loaded.seed if seed is None else seed)
        step = counter(simulate, _within(total - simulate, total, progress))
        reps, parameters = replicate_quarters(loaded, inputs, market, engine, fixed_parameters, step)
        targets = summarise(inputs, reps, loaded.name, variant, engine.seed, True).targets
        sheet = statement(loaded, daily_plan(loaded, market, plan.spend, plan.production(market)), variant)
        page = build(loaded, variant, result, market, frontier, sheet, reps, targets, parameters, section)
        write_atomic(output, page, "the report")
    except OSError as error:
        raise UsageError(f"{output}: cannot write the report: {error.strerror}") from None
    return output


def _within(before: int, total: int, progress: Progress | None) -> Progress | None:
    """`progress` for one part of `total` units that starts after `before` (the drawn quarters come first)."""
    if progress is None:
        return None
    hear = progress

    def report(done: int, _: int) -> None:
        hear(before + done, total)

    return report
