"""The commands on actuals: `actuals import`, `actuals show` and `reallocate`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from campaign.app.defaults import MAX_CHANGE
from campaign.cli.base import cli, failures, json_option, ledger_option, variant_option
from campaign.options import Currency, FiniteFloat, IsoDate


@cli.group("actuals")
def actuals_group() -> None:
    """Import ad-platform exports into the actuals ledger, and show what it holds.

    Example: campaign actuals import meta.csv --scenario cafe-chain-q1
    """


scenario_option = click.option(
    "--scenario", "scenario", required=True, metavar="SCENARIO", help="The scenario the actuals belong to."
)


@actuals_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@scenario_option
@ledger_option
@click.option("--currency", type=Currency(), metavar="CODE", help="The currency of exports that name none (TikTok).")
@click.option(
    "--from", "first", type=IsoDate(), metavar="DATE", help="First day covered by exports without dates (with --to)."
)
@click.option(
    "--to", "last", type=IsoDate(), metavar="DATE", help="Last day covered by exports without dates (with --from)."
)
@click.option("--replace", is_flag=True, help="Replace rows already imported whose figures the platform restated.")
@json_option
def actuals_import_command(
    files: tuple[Path, ...],
    scenario: str,
    ledger: Path | None,
    currency: str | None,
    first: dt.date | None,
    last: dt.date | None,
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
    from campaign import app
    from campaign.render.actuals import imports

    dates = _date_range(first, last)
    with failures(scenario, as_json=as_json, exit_3=False):
        reports = app.import_actuals(files, scenario, ledger, currency, dates, replace)
    if as_json:
        documents = [r.to_dict() for r in reports]
        click.echo(json.dumps(documents[0] if len(documents) == 1 else {"imports": documents}, indent=2))
        return
    click.echo(imports(reports))


def _date_range(first: dt.date | None, last: dt.date | None) -> tuple[dt.date, dt.date] | None:
    """--from and --to (both or neither), or None."""
    if first is None and last is None:
        return None
    if first is None or last is None:
        raise click.UsageError("--from and --to go together: give the first and the last day the exports cover")
    if last < first:
        raise click.BadParameter(f"{last} is before --from {first}", param_hint="--to")
    return first, last


@actuals_group.command("show")
@scenario_option
@ledger_option
@json_option
def actuals_show_command(scenario: str, ledger: Path | None, as_json: bool) -> None:
    """Show the imports in the ledger and the actuals per cell.

    Example: campaign actuals show --scenario cafe-chain-q1
    """
    from campaign import app
    from campaign.render.actuals import ledger as ledger_text

    with failures(scenario, as_json=as_json, exit_3=False):
        summary = app.show_actuals(scenario, ledger)
    if as_json:
        click.echo(json.dumps(summary.to_dict(), indent=2))
        return
    click.echo(ledger_text(summary.to_dict(), summary.currency, summary.start))


@cli.command("reallocate")
@click.argument("scenario")
@click.option(
    "--as-of",
    "as_of",
    required=True,
    type=IsoDate("2027-02-01"),
    metavar="DATE",
    help="The first day not yet spent (YYYY-MM-DD).",
)
@variant_option
@click.option("--ledger", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH", help="The actuals ledger.")
@click.option(
    "--max-change",
    type=FiniteFloat(0.0, 10.0),
    default=MAX_CHANGE,
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
    as_of: dt.date,
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
    from campaign import app
    from campaign.render.reallocate import reallocation

    with failures(scenario, variant, as_json):
        done = app.reallocate(scenario, as_of, variant, ledger, max_change, exclude)
    if as_json:
        click.echo(json.dumps(done.result.to_dict(), indent=2))
        return
    click.echo(reallocation(done.result, done.scenario))
