"""The commands for finance and the reader: `pnl` and `report`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from campaign.app.defaults import CONFIDENCE_DRAWS, REPORT_RUNS
from campaign.cli.base import (
    ProgressBar,
    cli,
    confidence_options,
    failures,
    fixed_parameters_option,
    json_option,
    needs_confidence,
    plan_option,
    quiet_option,
    scheduler_option,
    variant_option,
    workers_option,
)
from campaign.options import RUNS, RUNS_OR_NONE, SEED


@cli.command("pnl")
@click.argument("scenario")
@variant_option
@plan_option("The P&L of this plan")
@click.option(
    "--simulate",
    type=RUNS_OR_NONE,
    default=0,
    metavar="N",
    help="P10 / P50 / P90 of the contribution lines from N runs.",
)
@click.option("--seed", type=SEED, metavar="S", help="Root seed of the simulation (default: the scenario's).")
@fixed_parameters_option
@workers_option
@scheduler_option
@click.option("--compare-team", is_flag=True, help="Weigh the staffing options of business.team_options.")
@click.option(
    "--xlsx",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Also write an Excel workbook with live formulas (P&L, plan, assumptions).",
)
@json_option
def pnl_command(
    scenario: str,
    variant: str | None,
    plan_file: Path | None,
    simulate: int,
    seed: int | None,
    fixed_parameters: bool,
    workers: int,
    scheduler: str | None,
    compare_team: bool,
    xlsx: Path | None,
    as_json: bool,
) -> None:
    """The plan's P&L by calendar month, in the layout finance reads.

    Gross revenue, returns, net revenue, cost of goods, CM1, fulfilment and
    payment fees, CM2, media per channel, CM3, production, agency, team,
    tools and the marketing contribution; then ROAS, ROI, CAC, CAC payback
    and the break-even media budget. States the definitions it uses.

    Example: campaign pnl cafe-chain-q1 --simulate 200 --xlsx q1.xlsx
    """
    from campaign import app
    from campaign.render.profit_and_loss import pnl

    with failures(scenario, variant, as_json):
        done = app.pnl(
            scenario, variant, plan_file, simulate, seed, workers, scheduler, compare_team, xlsx, fixed_parameters
        )
    if as_json:
        click.echo(json.dumps(done.to_dict(), indent=2))
        return
    click.echo(pnl(done.statement, done.team_options, done.runs, done.parameters))
    if done.workbook is not None:
        click.echo(f"\nWrote {done.workbook}")


@cli.command("report")
@click.argument("scenario")
@variant_option
@click.option(
    "--simulate",
    type=RUNS,
    default=REPORT_RUNS,
    show_default=True,
    metavar="N",
    help="Simulated quarters for the bands.",
)
@click.option("--seed", type=SEED, metavar="S", help="Root seed of the simulation (default: the scenario's).")
@fixed_parameters_option
@confidence_options(
    "Add the plan that meets every KPI in at least this share of drawn quarters, beside the expected-value plan.",
    draws_seed="; seed: --seed",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    metavar="FILE",
    help="The HTML file to write (report.html).",
)
@quiet_option
def report_command(
    scenario: str,
    variant: str | None,
    simulate: int,
    seed: int | None,
    fixed_parameters: bool,
    confidence: float | None,
    draws: int | None,
    output: Path,
    quiet: bool,
) -> None:
    """Write one self-contained HTML report: plan, curves, frontier, simulated bands, a crisis, the P&L.

    The file needs no network to view: charts are inline SVG. With --confidence
    LEVEL it adds the plan at that confidence beside the expected-value plan:
    the spend of each, and each KPI's share of drawn quarters met under each.

    Example: campaign report cafe-chain-q1 --simulate 200 -o report.html
    """
    from campaign import app

    needs_confidence(confidence, draws=draws)
    with ProgressBar(quiet) as bar, failures(scenario, variant):
        written = app.report(
            scenario, output, variant, simulate, seed, bar.progress, fixed_parameters, confidence,
            draws or CONFIDENCE_DRAWS,
        )  # fmt: skip
    click.echo(f"Wrote {written}")
