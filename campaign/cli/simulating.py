"""The commands that simulate or compare: `simulate` and `whatif`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import click

from campaign.app.defaults import CONFIDENCE_DRAWS
from campaign.cli.base import (
    ProgressBar,
    cli,
    confidence_options,
    emit,
    failures,
    fixed_parameters_option,
    json_option,
    needs_confidence,
    output_option,
    plan_option,
    quiet_option,
    scheduler_option,
    variant_option,
    workers_option,
)
from campaign.options import RUNS, RUNS_OR_NONE, SEED, Sweep


@cli.command("simulate")
@click.argument("scenario")
@variant_option
@plan_option("Simulate this plan")
@click.option("--runs", type=RUNS, metavar="N", help="Replications (default: the scenario's simulation.runs).")
@click.option("--seed", type=SEED, metavar="S", help="Root seed (default: the scenario's seed).")
@click.option("--no-crisis", is_flag=True, help="Simulate without crises.")
@fixed_parameters_option
@workers_option
@scheduler_option
@quiet_option
@json_option
@output_option("replications.csv, daily.csv, simulation.json")
def simulate_command(
    scenario: str,
    variant: str | None,
    plan_file: Path | None,
    runs: int | None,
    seed: int | None,
    no_crisis: bool,
    fixed_parameters: bool,
    workers: int,
    scheduler: str | None,
    quiet: bool,
    as_json: bool,
    output: Path | None,
) -> None:
    """Simulate the quarter many times: KPI bands, the chance of meeting each target, what crises cost.

    SCENARIO is a YAML file or the name of a bundled scenario. Simulates the
    optimizer's plan for it, or the plan in FILE. The same seed gives the same
    numbers whatever the number of workers or where they run.

    Example: campaign simulate cafe-chain-q1 --runs 1000 --workers 2
    """
    from campaign import app
    from campaign.render.simulate import simulation

    with ProgressBar(quiet) as bar, failures(scenario, variant, as_json):
        done = app.simulate(
            scenario,
            variant,
            plan_file,
            runs,
            seed,
            not no_crisis,
            workers,
            scheduler,
            output,
            bar.progress,
            fixed_parameters,
        )
    emit(
        done.result.to_dict(),
        lambda: simulation(done.result, done.scenario, done.expected),
        done.written,
        as_json,
    )


@cli.command("whatif")
@click.argument("scenario")
@click.option(
    "--variants",
    metavar="NAME,...|all",
    help="Variants to compare with the base (default: all of them when no --sweep is given).",
)
@click.option(
    "--sweep",
    "sweeps",
    multiple=True,
    type=Sweep(),
    metavar="KEY=FROM:TO:STEP",
    help="Vary one numeric scenario key by dotted path, such as budget.total=10000:30000:2500 (repeatable).",
)
@click.option("--simulate", type=RUNS_OR_NONE, default=0, metavar="N", help="Also simulate each plan N times.")
@click.option("--seed", type=SEED, metavar="S", help="Root seed of the simulations (default: the scenario's).")
@fixed_parameters_option
@confidence_options(
    "Also plan each option to meet every KPI in this share of drawn quarters (as optimize --confidence)."
)
@workers_option
@scheduler_option
@quiet_option
@json_option
@output_option("whatif.csv, whatif.json")
def whatif_command(
    scenario: str,
    variants: str | None,
    sweeps: tuple[Any, ...],
    simulate: int,
    seed: int | None,
    fixed_parameters: bool,
    confidence: float | None,
    draws: int | None,
    workers: int,
    scheduler: str | None,
    quiet: bool,
    as_json: bool,
    output: Path | None,
) -> None:
    """Compare the base plan with variants and sweeps of the scenario, side by side.

    SCENARIO is a YAML file or the name of a bundled scenario. Each option is
    optimised (and with --simulate, simulated); the table shows spend,
    conversions, CPA, ROAS, reach, new followers, profit, the figure of each
    other KPI the scenario sets, which KPIs hold, and the differences from
    the base.

    Example: campaign whatif cafe-chain-q1 --variants all --sweep budget.total=12000:24000:3000
    """
    from campaign import app
    from campaign.render.whatif import whatif

    needs_confidence(confidence, draws=draws)
    names: list[str] | Literal["all"] | None = None
    if variants is not None:
        names = "all" if variants == "all" else [v.strip() for v in variants.split(",")]
    with ProgressBar(quiet, "comparing options") as bar, failures(scenario, as_json=as_json, exit_3=False):
        done = app.whatif(
            scenario, names, sweeps, simulate, seed, workers, scheduler, output, bar.progress, fixed_parameters,
            confidence, draws or CONFIDENCE_DRAWS,
        )  # fmt: skip
    emit(done.result.to_dict(), lambda: whatif(done.result), done.written, as_json)
