"""The planning commands: `scenarios`, `validate`, `optimize` and `frontier`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from campaign.app.defaults import CONFIDENCE_DRAWS, FRONTIER_POINTS
from campaign.cli.base import (
    ProgressBar,
    cli,
    confidence_options,
    emit,
    failures,
    json_option,
    needs_confidence,
    output_option,
    quiet_option,
    solver_option,
    tolerance_option,
    variant_option,
)
from campaign.options import AMOUNT, QUANTILE
from scenarios import OBJECTIVES


@cli.command("scenarios")
@json_option
def scenarios_command(as_json: bool) -> None:
    """List the bundled scenarios with a one-line description.

    Any of these names can stand where a command takes a SCENARIO file.

    Example: campaign scenarios
    """
    from campaign import app
    from campaign.render.catalogue import catalogue

    found = app.scenarios()
    if as_json:
        click.echo(json.dumps({"scenarios": [s.to_dict() for s in found]}, indent=2))
        return
    click.echo(catalogue(found))


@cli.command("validate")
@click.argument("scenario")
@json_option
def validate_command(scenario: str, as_json: bool) -> None:
    """Check a scenario file and all its variants; list every problem.

    SCENARIO is a YAML file or the name of a bundled scenario.

    Example: campaign validate my-scenario.yaml
    """
    from campaign import app
    from campaign.render.catalogue import validation

    with failures(scenario, as_json=as_json, exit_3=False):
        checked = app.validate(scenario)
    if as_json:
        click.echo(json.dumps(checked.to_dict(), indent=2))
        return
    click.echo(validation(checked))


@cli.command("optimize")
@click.argument("scenario")
@variant_option
@click.option(
    "--budget",
    type=AMOUNT,
    metavar="AMOUNT",
    help="Total paid budget over the horizon, in the scenario's currency (overrides budget.total).",
)
@click.option(
    "--objective", type=click.Choice(OBJECTIVES), help="What to optimise (overrides the scenario's objective)."
)
@click.option(
    "--without-kpi",
    "without_kpis",
    multiple=True,
    metavar="NAME",
    help="Leave out this KPI of the scenario (max_cpa, min_reach, ...); repeatable. Not with --confidence.",
)
@confidence_options(
    "Meet every KPI in at least this share of drawn quarters (0.9: nine in ten), not just on average.", seed=True
)
@click.option(
    "--objective-quantile",
    "quantile",
    type=QUANTILE,
    metavar="Q",
    help="With --confidence: maximise the mean of the worst Q share of quarters (0.1) instead of the mean of all.",
)
@tolerance_option()
@solver_option
@json_option
@output_option("allocation.csv, result.json")
def optimize_command(
    scenario: str,
    variant: str | None,
    budget: float | None,
    objective: str | None,
    without_kpis: tuple[str, ...],
    confidence: float | None,
    draws: int | None,
    quantile: float | None,
    seed: int | None,
    tolerance: float,
    solver: str,
    as_json: bool,
    output: Path | None,
) -> None:
    """Find the allocation of the paid budget that maximises the objective.

    SCENARIO is a YAML file or the name of a bundled scenario. The plan meets
    every budget rule and KPI of the scenario; the output explains what binds
    and why empty cells stay empty. Exit code 3 means no plan meets every
    constraint: the message names the conflict and the smallest fix.

    With --confidence LEVEL the plan meets every KPI in at least that share
    of drawn quarters (the scenario's uncertain figures drawn, each quarter
    with its own randomness), beside the expected-value plan and the
    conversions that certainty costs. Exit code 3 then also means no plan
    reaches that confidence: the message names the highest one that can.

    --without-kpi NAME (repeatable) plans without that KPI of the scenario.

    Example: campaign optimize cafe-chain-q1 --variant lean --json
    """
    from campaign import app
    from campaign.render.optimize import optimization

    needs_confidence(confidence, draws=draws, objective_quantile=quantile, seed=seed)
    if confidence is not None:
        from campaign.render.confidence import confident

        if without_kpis:
            raise click.UsageError("--without-kpi plans at the expected figures only: leave out --confidence")
        with failures(scenario, variant, as_json):
            at_level = app.optimize_with_confidence(
                scenario, confidence, variant, budget, objective, draws or CONFIDENCE_DRAWS, quantile, seed,
                tolerance, solver, output,
            )  # fmt: skip
        emit(at_level.to_dict(), lambda: confident(at_level), at_level.written, as_json)
        return
    with failures(scenario, variant, as_json):
        done = app.optimize(scenario, variant, budget, objective, tolerance, solver, output, without_kpis=without_kpis)
    emit(done.result.to_dict(), lambda: optimization(done.result, done.scenario), done.written, as_json)


@cli.command("frontier")
@click.argument("scenario")
@variant_option
@click.option(
    "--from",
    "start",
    type=AMOUNT,
    metavar="AMOUNT",
    help="Smallest budget (default: a quarter of the scenario's budget).",
)
@click.option(
    "--to",
    "stop",
    type=AMOUNT,
    metavar="AMOUNT",
    help="Largest budget (default: twice the scenario's budget).",
)
@click.option(
    "--points",
    type=click.IntRange(2, 1000),
    default=FRONTIER_POINTS,
    show_default=True,
    help="Number of evenly spaced budgets.",
)
@confidence_options(
    "Also plan each budget to meet every KPI in this share of drawn quarters, and find the least budget.", seed=True
)
@tolerance_option(" at every point")
@solver_option
@quiet_option
@json_option
@output_option("frontier.csv, frontier.json")
def frontier_command(
    scenario: str,
    variant: str | None,
    start: float | None,
    stop: float | None,
    points: int,
    confidence: float | None,
    draws: int | None,
    seed: int | None,
    tolerance: float,
    solver: str,
    quiet: bool,
    as_json: bool,
    output: Path | None,
) -> None:
    """Trace the best conversions, profit, reach and marginal CPA over a range of budgets.

    Every point is the conversions-optimal plan under all the scenario's rules
    and KPIs (budgets too small to meet them are marked infeasible). Marks
    the profit-maximising budget (where the marginal CPA reaches the gross
    margin a conversion earns) and the budget beyond which the marginal CPA
    exceeds the revenue of a conversion.

    With --confidence LEVEL each budget is also planned to meet every KPI
    in that share of drawn quarters, and the least budget that can is
    set beside the least one whose expected figures meet them.

    Example: campaign frontier cafe-chain-q1 --from 5000 --to 40000 --points 50
    """
    from campaign import app
    from campaign.render.frontier import frontier

    needs_confidence(confidence, draws=draws, seed=seed)
    if confidence is not None:
        from campaign.render.frontier_confidence import frontier_confident

        with ProgressBar(quiet, "planning each budget") as bar, failures(scenario, variant, as_json):
            at_level = app.frontier_with_confidence(
                scenario, confidence, variant, start, stop, points, draws or CONFIDENCE_DRAWS, seed, tolerance,
                solver, output, bar.progress,
            )  # fmt: skip
        emit(at_level.result.to_dict(), lambda: frontier_confident(at_level.result), at_level.written, as_json)
        return

    with ProgressBar(quiet, "optimising each budget") as bar, failures(scenario, variant, as_json, exit_3=False):
        done = app.frontier(scenario, variant, start, stop, points, tolerance, solver, output, bar.progress)
    emit(done.result.to_dict(), lambda: frontier(done.result), done.written, as_json)
