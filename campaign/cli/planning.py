"""The planning commands: `scenarios`, `validate`, `optimize` and `frontier`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from campaign.app.defaults import FRONTIER_POINTS
from campaign.cli.base import (
    ProgressBar,
    cli,
    emit,
    failures,
    json_option,
    output_option,
    quiet_option,
    solver_option,
    tolerance_option,
    variant_option,
)
from campaign.options import AMOUNT
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
@tolerance_option()
@solver_option
@json_option
@output_option("allocation.csv, result.json")
def optimize_command(
    scenario: str,
    variant: str | None,
    budget: float | None,
    objective: str | None,
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

    Example: campaign optimize cafe-chain-q1 --variant lean --json
    """
    from campaign import app
    from campaign.render.optimize import optimization

    with failures(scenario, variant, as_json):
        done = app.optimize(scenario, variant, budget, objective, tolerance, solver, output)
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

    Example: campaign frontier cafe-chain-q1 --from 5000 --to 40000 --points 50
    """
    from campaign import app
    from campaign.render.frontier import frontier

    with ProgressBar(quiet, "optimising each budget") as bar, failures(scenario, variant, as_json, exit_3=False):
        done = app.frontier(scenario, variant, start, stop, points, tolerance, solver, output, bar.progress)
    emit(done.result.to_dict(), lambda: frontier(done.result), done.written, as_json)
