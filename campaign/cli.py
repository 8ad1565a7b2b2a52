"""The `campaign` command line: parse, load, call the core, render.

Exit codes: 0 success; 1 an error in the input or the run (one paragraph on
stderr, no traceback); 2 a usage error (click's own); 3 an infeasible
problem (with the explanation).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from campaign.options import (
    AMOUNT,
    RUNS,
    RUNS_OR_NONE,
    SEED,
    CampaignGroup,
    Currency,
    FiniteFloat,
    SchedulerAddress,
    Sweep,
    Workers,
)
from scenarios import OBJECTIVES, CampaignError, InfeasibleError

EXIT_INFEASIBLE = 3


def _fail(error: CampaignError, as_json: bool = False) -> NoReturn:
    """Exit 1 with the error on stderr (and, under --json, as a JSON document on stdout)."""
    if as_json:
        click.echo(json.dumps({"status": "error", "message": str(error)}, indent=2))
    raise click.ClickException(str(error))


solver_option = click.option(
    "--solver", type=click.Choice(["highs", "cbc"]), default="highs", show_default=True, help="LP solver."
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document on stdout and nothing else there."
)
variant_option = click.option("--variant", metavar="NAME", help="Merge this variant of the scenario over its base.")
quiet_option = click.option("--quiet", is_flag=True, help="No progress bar on stderr.")
workers_option = click.option(
    "--workers", type=Workers(), default=1, show_default=True, help="Local worker processes (at most the CPUs)."
)
scheduler_option = click.option(
    "--scheduler",
    type=SchedulerAddress(),
    metavar="ADDRESS",
    help="Run on the Dask scheduler at ADDRESS (tcp://host:8786).",
)


def output_option(files: str) -> Any:
    """The -o/--output DIR option of a command that writes `files` and the resolved scenario."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path),
        metavar="DIR",
        help=f"Write {files} and the resolved scenario.yaml into DIR.",
    )


def _activate_locale(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Format every human output of this command in the locale named by --locale, else the environment's."""
    from scenarios import activate_locale

    try:
        activate_locale(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


@click.group(cls=CampaignGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="campaign-planner", prog_name="campaign")
@click.option(
    "--locale",
    metavar="NAME",
    callback=_activate_locale,
    expose_value=False,
    help="Numbers and money in this locale (en, en_US, de_DE, ...): separators, the currency's symbol and digits. "
    "Default: LC_ALL, LC_MESSAGES or LANG, else English. JSON keeps plain numbers.",
)
def cli() -> None:
    """Plan paid social-media budgets across channels and content formats.

    Start with the bundled scenarios:

    \b
      campaign scenarios
      campaign optimize cafe-chain-q1
      campaign --locale de_DE optimize cafe-chain-q1
    """


@cli.command("scenarios")
@json_option
def scenarios_command(as_json: bool) -> None:
    """List the bundled scenarios with a one-line description.

    Any of these names can stand where a command takes a SCENARIO file.

    Example: campaign scenarios
    """
    from scenarios import DEFAULT_SCENARIO, bundled_scenarios

    found = bundled_scenarios()
    if as_json:
        items = [
            {"name": n, "description": d, "path": str(p), "default": n == DEFAULT_SCENARIO}
            for n, (p, d) in found.items()
        ]
        click.echo(json.dumps({"scenarios": items}, indent=2))
        return
    width = max(len(n) for n in found)
    for name, (_, description) in found.items():
        mark = " (default)" if name == DEFAULT_SCENARIO else ""
        click.echo(f"{name.ljust(width)}  {description}{mark}")


@cli.command("validate")
@click.argument("scenario")
@json_option
def validate_command(scenario: str, as_json: bool) -> None:
    """Check a scenario file and all its variants; list every problem.

    SCENARIO is a YAML file or the name of a bundled scenario.

    Example: campaign validate my-scenario.yaml
    """
    from campaign.files import locate_scenario
    from scenarios import cell_keys, load_scenario, scenario_caveats

    try:
        path = locate_scenario(scenario)
        loaded = load_scenario(path)
        # Caveats of the base, then of each variant that adds its own.
        warnings = scenario_caveats(loaded)
        for name in sorted(loaded.variants):
            own = [w for w in scenario_caveats(load_scenario(path, name)) if w not in warnings]
            warnings += [f"variant {name}: {w}" for w in own]
    except CampaignError as error:
        _fail(error, as_json)
    variants = sorted(loaded.variants)
    cells = cell_keys(loaded)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "scenario": loaded.name,
                    "path": str(path),
                    "valid": True,
                    "channels": list(loaded.channels),
                    "cells": cells,
                    "variants": variants,
                    "warnings": warnings,
                },
                indent=2,
            )
        )
        return
    listing = ", ".join(variants) if variants else "none"
    click.echo(
        f"{path}: valid scenario '{loaded.name}': {len(loaded.channels)} channels, "
        f"{len(cells)} cells, variants: {listing}"
    )
    for warning in warnings:
        click.echo(f"warning: {warning}")


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
    "--tolerance",
    type=FiniteFloat(1e-7, 0.5),
    default=1e-3,
    show_default=True,
    help="Largest accepted proven gap to the true optimum, as a fraction (1e-4 = 0.01 %).",
)
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
    from campaign import render
    from campaign.files import check_output_dir, locate_scenario, write_outputs
    from optimizer import Optimizer
    from scenarios import load_scenario, override, scenario_caveats

    try:
        if output is not None:
            check_output_dir(output)
        loaded = load_scenario(locate_scenario(scenario), variant)
        # Overrides become part of the scenario, so the resolved scenario.yaml re-runs the same plan.
        changes: dict[str, Any] = {"budget": {"total": budget}} if budget is not None else {}
        if objective is not None:
            changes["objective"] = objective
        loaded = override(loaded, changes, "--budget/--objective")
        result = Optimizer(tolerance=tolerance, solver=solver).optimize(loaded, variant=variant)
    except InfeasibleError as error:
        _infeasible(error, scenario, variant, as_json, scenario_caveats(loaded))
    except CampaignError as error:
        _fail(error, as_json)
    _emit(
        result.to_dict(),
        lambda: render.optimization(result, loaded),
        output,
        as_json,
        lambda folder, document: write_outputs(folder, result, loaded, document),
    )


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
    "--points", type=click.IntRange(2, 1000), default=20, show_default=True, help="Number of evenly spaced budgets."
)
@click.option(
    "--tolerance",
    type=FiniteFloat(1e-7, 0.5),
    default=1e-3,
    show_default=True,
    help="Largest accepted proven gap to the true optimum at every point.",
)
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
    from campaign import render
    from campaign.files import check_output_dir, locate_scenario, write_frontier
    from optimizer import Frontier, budget_grid
    from scenarios import load_scenario

    try:
        if output is not None:
            check_output_dir(output)
        loaded = load_scenario(locate_scenario(scenario), variant)
        budget = loaded.budget.total
        low = start if start is not None else budget / 4
        high = stop if stop is not None else budget * 2
        if high <= low:  # a usage error (exit 2) even when one end is the scenario's default
            ends = (
                "--to" if stop is not None else "twice the budget",
                "--from" if start is not None else "a quarter of it",
            )
            raise click.BadParameter(
                f"the range's end {high:,.2f} ({ends[0]}) is not above its start {low:,.2f} ({ends[1]}); "
                "a frontier runs from a smaller budget to a larger one",
                param_hint="'--to'" if stop is not None else "'--from'",
            )
        budgets = budget_grid(low, high, points)
        with ProgressBar(len(budgets), quiet) as bar:
            result = Frontier(tolerance, solver).compute(loaded, budgets, variant, bar.update if bar else None)
    except CampaignError as error:
        _fail(error, as_json)
    _emit(
        result.to_dict(),
        lambda: render.frontier(result),
        output,
        as_json,
        lambda folder, document: write_frontier(folder, result, loaded, document),
    )


@cli.command("simulate")
@click.argument("scenario")
@variant_option
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Simulate this plan (result.json or allocation.csv from optimize -o) instead of the optimizer's.",
)
@click.option("--runs", type=RUNS, metavar="N", help="Replications (default: the scenario's simulation.runs).")
@click.option("--seed", type=SEED, metavar="S", help="Root seed (default: the scenario's seed).")
@click.option("--no-crisis", is_flag=True, help="Simulate without crises.")
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
    from campaign import render
    from campaign.files import check_output_dir, locate_scenario, write_simulation
    from campaign.plans import read_plan
    from optimizer import Optimizer
    from scenarios import build_market, load_scenario
    from simulation import MonteCarlo, QuarterInputs, plan_from_result

    try:
        if output is not None:
            check_output_dir(output)
        loaded = load_scenario(locate_scenario(scenario), variant)
        market = build_market(loaded)
        expected = None
        if plan_file is not None:
            document = read_plan(plan_file, loaded, variant, market)
        else:
            optimized = Optimizer().optimize(loaded, variant=variant)
            document, expected = optimized.to_dict(), optimized.totals
        inputs = QuarterInputs.build(loaded, plan_from_result(document, market), market)
        engine = MonteCarlo(
            runs or loaded.simulation.runs,
            loaded.seed if seed is None else seed,
            workers,
            scheduler,
            crises=not no_crisis,
        )
        with ProgressBar(engine.runs, quiet) as bar:
            result = engine.run(inputs, loaded.name, variant, bar.update if bar else None)
    except InfeasibleError as error:
        _infeasible(error, scenario, variant, as_json)
    except CampaignError as error:
        _fail(error, as_json)
    _emit(
        result.to_dict(),
        lambda: render.simulation(result, loaded, expected),
        output,
        as_json,
        lambda folder, document: write_simulation(folder, result, loaded, document),
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
    workers: int,
    scheduler: str | None,
    quiet: bool,
    as_json: bool,
    output: Path | None,
) -> None:
    """Compare the base plan with variants and sweeps of the scenario, side by side.

    SCENARIO is a YAML file or the name of a bundled scenario. Each option is
    optimised (and with --simulate, simulated); the table shows spend,
    conversions, CPA, ROAS, reach, new followers, profit, which KPIs hold,
    and the differences from the base.

    Example: campaign whatif cafe-chain-q1 --variants all --sweep budget.total=12000:24000:3000
    """
    from campaign import render
    from campaign.files import check_output_dir, locate_scenario, write_whatif
    from campaign.whatif import Point, compare
    from scenarios import load_scenario, parse_sweep

    try:
        if output is not None:
            check_output_dir(output)
        path = locate_scenario(scenario)
        base = load_scenario(path)
        points = [Point("base", base)]
        names = sorted(base.variants) if variants in (None, "all") else [v.strip() for v in variants.split(",")]
        if variants is None and sweeps:
            names = []
        points += [Point(name, load_scenario(path, name)) for name in names if name]
        for text in sweeps:
            sweep = parse_sweep(text, base)
            points += [Point(sweep.label(value), sweep.point(base, value)) for value in sweep.values]
        with ProgressBar(len(points), quiet) as bar:
            result = compare(
                points,
                simulate,
                base.seed if seed is None else seed,
                workers=workers,
                scheduler=scheduler,
                progress=bar.update if bar else None,
            )
    except CampaignError as error:
        _fail(error, as_json)
    _emit(
        result.to_dict(),
        lambda: render.whatif(result),
        output,
        as_json,
        lambda folder, document: write_whatif(folder, result, base, document),
    )


@cli.command("pnl")
@click.argument("scenario")
@variant_option
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="The P&L of this plan (result.json or allocation.csv from optimize -o) instead of the optimizer's.",
)
@click.option(
    "--simulate",
    type=RUNS_OR_NONE,
    default=0,
    metavar="N",
    help="P10 / P50 / P90 of the contribution lines from N runs.",
)
@click.option("--seed", type=SEED, metavar="S", help="Root seed of the simulation (default: the scenario's).")
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
    from campaign import render
    from campaign.files import check_output_file, locate_scenario
    from campaign.plans import read_plan
    from campaign.pnl import break_even_budget, plan_statement, require_business, team_options, with_bands
    from optimizer import Optimizer
    from scenarios import UsageError, build_market, load_scenario

    try:
        if xlsx is not None:
            check_output_file(xlsx, ".xlsx")
        loaded = load_scenario(locate_scenario(scenario), variant)
        require_business(loaded)
        market = build_market(loaded)
        if plan_file is not None:
            document = read_plan(plan_file, loaded, variant, market)
        else:
            document = Optimizer().optimize(loaded, variant=variant).to_dict()
        sheet = plan_statement(loaded, document, variant, market)
        sheet.kpis["break_even_budget"], sheet.kpis["break_even_at_kpi_edge"] = break_even_budget(loaded)
        if simulate:
            sheet = with_bands(
                sheet, loaded, document, market, simulate, loaded.seed if seed is None else seed, workers, scheduler
            )
        options = team_options(loaded) if compare_team else None
        if compare_team and not options:
            raise UsageError(f"scenario '{loaded.name}' has no business.team_options to compare")
        if xlsx is not None:
            from campaign.workbook import write_workbook

            existed = xlsx.exists()
            try:
                write_workbook(xlsx, sheet, loaded, document)  # a temporary file renamed into place
            except OSError as error:
                state = "the file already there is as it was" if existed else "no file was created"
                raise UsageError(
                    f"{xlsx}: cannot write the workbook: {error.strerror or error}; nothing was written and {state}. "
                    "Free some space, check the folder's permissions or choose another file"
                ) from None
    except InfeasibleError as error:
        _infeasible(error, scenario, variant, as_json)
    except CampaignError as error:
        _fail(error, as_json)
    result = sheet.to_dict()
    if options is not None:
        result["team_options"] = options
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(render.pnl(sheet, options, simulate))
    if xlsx is not None:
        click.echo(f"\nWrote {xlsx}")


@cli.group("actuals")
def actuals_group() -> None:
    """Import ad-platform exports into the actuals ledger, and show what it holds.

    Example: campaign actuals import meta.csv --scenario cafe-chain-q1
    """


def _ledger_path(ledger: Path | None, scenario: str, name: str) -> Path:
    """The ledger: --ledger, else a file beside the scenario file (in this folder for a bundled scenario)."""
    if ledger is not None:
        return ledger
    path = Path(scenario)
    folder = path.parent if path.exists() else Path.cwd()
    return folder / f"{name}.ledger.sqlite"


@actuals_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--scenario", "scenario", required=True, metavar="SCENARIO", help="The scenario the actuals belong to.")
@click.option("--ledger", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH", help="The ledger file.")
@click.option("--currency", type=Currency(), metavar="CODE", help="The currency of exports that name none (TikTok).")
@click.option("--from", "first", metavar="DATE", help="First day covered by exports without dates (with --to).")
@click.option("--to", "last", metavar="DATE", help="Last day covered by exports without dates (with --from).")
@click.option("--replace", is_flag=True, help="Replace rows already imported whose figures the platform restated.")
@json_option
def actuals_import_command(
    files: tuple[Path, ...],
    scenario: str,
    ledger: Path | None,
    currency: str | None,
    first: str | None,
    last: str | None,
    replace: bool,
    as_json: bool,
) -> None:
    """Import exports of Meta Ads Manager, Google Ads, LinkedIn, TikTok or a plain CSV into the ledger.

    All the files are one transaction: if any fails a check, nothing is
    imported (and a new ledger file is not created). Rows map onto the
    scenario's cells through its actuals.mapping rules; rows no rule claims
    are listed with the reason. The same file, or the same campaign,
    placement and dates, is never counted twice; an export the platform
    restated (same rows, other figures) replaces the stored figures only with
    --replace. Exports without dates (Google Ads "All time") need --from and --to.

    Example: campaign actuals import meta.csv google.csv --scenario cafe-chain-q1
    """
    from campaign import render
    from campaign.actuals import import_files
    from campaign.files import locate_scenario
    from scenarios import load_scenario

    dates = _date_range(first, last)
    try:
        loaded = load_scenario(locate_scenario(scenario))
        reports = import_files(
            list(files), loaded, _ledger_path(ledger, scenario, loaded.name), currency, dates, replace
        )
    except CampaignError as error:
        _fail(error, as_json)
    if as_json:
        documents = [r.to_dict() for r in reports]
        click.echo(json.dumps(documents[0] if len(documents) == 1 else {"imports": documents}, indent=2))
        return
    click.echo(render.imports(reports))


def _date_range(first: str | None, last: str | None) -> Any:
    """--from and --to as dates (both or neither), or None."""
    import datetime as dt

    if first is None and last is None:
        return None
    if first is None or last is None:
        raise click.UsageError("--from and --to go together: give the first and the last day the exports cover")
    days = []
    for option, value in (("--from", first), ("--to", last)):
        try:
            days.append(dt.date.fromisoformat(value))
        except ValueError:
            raise click.BadParameter(f"'{value}' is not a date; expected YYYY-MM-DD", param_hint=option) from None
    if days[1] < days[0]:
        raise click.BadParameter(f"{last} is before --from {first}", param_hint="--to")
    return days[0], days[1]


@actuals_group.command("show")
@click.option("--scenario", "scenario", required=True, metavar="SCENARIO", help="The scenario the actuals belong to.")
@click.option("--ledger", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH", help="The ledger file.")
@json_option
def actuals_show_command(scenario: str, ledger: Path | None, as_json: bool) -> None:
    """Show the imports in the ledger and the actuals per cell.

    Example: campaign actuals show --scenario cafe-chain-q1
    """
    from campaign import render
    from campaign.files import locate_scenario
    from campaign.ledger import Ledger
    from scenarios import UsageError, load_scenario

    try:
        loaded = load_scenario(locate_scenario(scenario))
        path = _ledger_path(ledger, scenario, loaded.name)
        if not path.exists():
            raise UsageError(f"{path}: no ledger yet; import exports with 'campaign actuals import'")
        with Ledger(path) as book:
            imports, rows = book.imports(), book.rows(loaded.name, loaded.currency)
    except CampaignError as error:
        _fail(error, as_json)
    cells: dict[str, dict[str, float]] = {}
    for row in rows:
        cell = cells.setdefault(
            f"{row.channel}.{row.format}", dict.fromkeys(("spend", "impressions", "clicks", "conversions"), 0.0)
        )
        for key in cell:
            cell[key] += getattr(row, key)
    document = {"ledger": str(path), "imports": imports, "cells": cells}
    if as_json:
        click.echo(json.dumps(document, indent=2))
        return
    click.echo(render.ledger(document, loaded.currency))


@cli.command("reallocate")
@click.argument("scenario")
@click.option("--as-of", "as_of", required=True, metavar="DATE", help="The first day not yet spent (YYYY-MM-DD).")
@variant_option
@click.option("--ledger", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH", help="The actuals ledger.")
@click.option(
    "--max-change",
    type=FiniteFloat(0.0, 10.0),
    default=0.2,
    show_default=True,
    help="Largest move of a cell's spend in a period, as a share of the current plan.",
)
@click.option(
    "--exclude-campaign",
    "exclude",
    multiple=True,
    metavar="REGEX",
    help="Leave out ledger rows whose campaign name matches (Python regex, case-insensitive; repeatable).",
)
@json_option
def reallocate_command(
    scenario: str,
    as_of: str,
    variant: str | None,
    ledger: Path | None,
    max_change: float,
    exclude: tuple[str, ...],
    as_json: bool,
) -> None:
    """Re-optimise the rest of the quarter from the actuals so far.

    Spend to date is what the ledger says; each cell's CPM, CTR and
    conversion rate are learned from its actuals (the scenario's rates as the
    prior); the remaining periods are re-optimised under the original KPIs
    and rules, each cell's spend moving at most --max-change from the current
    plan, and staying where it is when moving would not pay.

    --as-of is the first day not yet spent: a ledger row that ends before
    it counts whole, a row that spans it pro rata to its days before it, a
    row that starts on or after it not at all.

    Example: campaign reallocate cafe-chain-q1 --as-of 2027-02-01
    """
    import datetime as dt
    import re

    from campaign import render
    from campaign.files import locate_scenario
    from campaign.ledger import Ledger
    from campaign.reallocate import reallocate
    from scenarios import UsageError, load_scenario

    try:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            raise click.BadParameter(
                f"'{as_of}' is not a date; expected YYYY-MM-DD, such as 2027-02-01", param_hint="'--as-of'"
            ) from None
        patterns = []
        for text in exclude:
            try:
                patterns.append(re.compile(text, re.IGNORECASE))
            except re.error as error:
                raise UsageError(
                    f"--exclude-campaign {text!r} is not a regular expression ({error}); "
                    "escape special characters, such as 'Display \\(test\\)'"
                ) from None
        loaded = load_scenario(locate_scenario(scenario), variant)
        path = _ledger_path(ledger, scenario, loaded.name)
        if not path.exists():
            raise UsageError(f"{path}: no ledger yet; import exports with 'campaign actuals import'")
        with Ledger(path) as book:
            rows = book.rows(loaded.name, loaded.currency)
        result = reallocate(loaded, rows, day, max_change, variant, patterns)
    except InfeasibleError as error:
        _infeasible(error, scenario, variant, as_json)
    except CampaignError as error:
        _fail(error, as_json)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    click.echo(render.reallocation(result, loaded))


@cli.command("report")
@click.argument("scenario")
@variant_option
@click.option(
    "--simulate", type=RUNS, default=200, show_default=True, metavar="N", help="Simulated quarters for the bands."
)
@click.option("--seed", type=SEED, metavar="S", help="Root seed of the simulation (default: the scenario's).")
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
    scenario: str, variant: str | None, simulate: int, seed: int | None, output: Path, quiet: bool
) -> None:
    """Write one self-contained HTML report: plan, curves, frontier, simulated bands, a crisis, the P&L.

    The file needs no network to view: charts are inline SVG.

    Example: campaign report cafe-chain-q1 --simulate 200 -o report.html
    """
    from campaign.files import check_output_file, locate_scenario, write_atomic
    from campaign.report import build
    from optimizer import Frontier, Optimizer, budget_grid
    from scenarios import build_market, daily_plan, load_scenario, statement
    from simulation import MonteCarlo, QuarterInputs, plan_from_result, summarise

    try:
        check_output_file(output, ".html")
        loaded = load_scenario(locate_scenario(scenario), variant)
        market = build_market(loaded)
        result = Optimizer().optimize(loaded, variant=variant)
        budget = loaded.budget.total
        frontier = Frontier().compute(loaded, budget_grid(budget / 4, budget * 2, 20), variant)
        plan = plan_from_result(result.to_dict(), market)
        inputs = QuarterInputs.build(loaded, plan, market)
        engine = MonteCarlo(simulate, loaded.seed if seed is None else seed)
        with ProgressBar(simulate, quiet) as bar:
            reps = engine.replicate(inputs, bar.update if bar else None)
        targets = summarise(inputs, reps, loaded.name, variant, engine.seed, True).targets
        sheet = statement(loaded, daily_plan(loaded, market, plan.spend, plan.production(market)), variant)
        document = build(loaded, variant, result, market, frontier, sheet, reps, targets)
        write_atomic(output, document)
    except InfeasibleError as error:
        _infeasible(error, scenario, variant, False)
    except CampaignError as error:
        _fail(error)
    except OSError as error:
        raise click.ClickException(f"{output}: cannot write the report: {error.strerror}") from None
    click.echo(f"Wrote {output}")


class ProgressBar:
    """A progress bar on stderr, only when stderr is a terminal and not --quiet."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.total, self.show = total, not quiet and sys.stderr.isatty()
        self.bar: Any = None

    def __enter__(self) -> Any:
        if self.show:
            self.bar = click.progressbar(length=self.total, label="simulating", file=sys.stderr)
            return self.bar.__enter__()
        return None

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _emit(
    document: dict[str, Any],
    text: Callable[[], str],
    output: Path | None,
    as_json: bool,
    write: Callable[[Path, dict[str, Any]], list[Path]],
) -> None:
    """Write the output files (if asked), then print the JSON document or the human report."""
    written: list[Path] = []
    if output is not None:
        try:
            written = write(output, document)  # all the files or none
        except CampaignError as error:
            _fail(error, as_json)
    if as_json:
        click.echo(json.dumps(document, indent=2))
        return
    click.echo(text())
    if written:
        click.echo("\nWrote " + ", ".join(str(p) for p in written))


def _infeasible(
    error: InfeasibleError, scenario: str, variant: str | None, as_json: bool, warnings: list[str] | None = None
) -> NoReturn:
    if as_json:
        relaxations: list[dict[str, Any]] = [r.to_dict() for r in error.relaxations]  # type: ignore[attr-defined]
        click.echo(
            json.dumps(
                {
                    "scenario": scenario,
                    "variant": variant,
                    "status": "infeasible",
                    "message": str(error),
                    "relaxations": relaxations,
                    "warnings": warnings or [],
                },
                indent=2,
            )
        )
    for warning in warnings or []:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"Error: {error}", err=True)
    sys.exit(EXIT_INFEASIBLE)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="campaign")
