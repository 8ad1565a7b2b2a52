"""The commands on response curves: `curves import`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from campaign.cli.base import cli, failures, json_option, output_file_option
from campaign.options import FiniteFloat, IsoDate

FORMATS = ("robyn", "meridian", "pymc-marketing", "csv")


@cli.group("curves")
def curves_group() -> None:
    """Bring fitted response curves from marketing-mix models into a scenario.

    Example: campaign curves import curves.csv --scenario cafe-chain-q1 --response conversions
    """


def _pairs(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    """--map NAME=CHANNEL, repeated, as a mapping; anything else is a usage error."""
    mapping: dict[str, str] = {}
    for value in values:
        name, sep, channel = value.partition("=")
        if not sep or not name.strip() or not channel.strip():
            raise click.BadParameter(f"'{value}' is not NAME=CHANNEL, such as facebook_S=facebook", ctx, param)
        mapping[name.strip()] = channel.strip()
    return mapping


@curves_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--scenario", required=True, metavar="SCENARIO", help="The scenario whose cells get the curves.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="What FILE is (default: robyn for a file with a solID column, csv for channel, spend, response columns).",
)
@click.option(
    "--response",
    type=click.Choice(["conversions", "revenue"]),
    required=True,
    help="What the model's response is: conversions, or revenue (divided by business.value_per_conversion).",
)
@click.option("--solution", metavar="ID", help="Robyn: the solID to import (needed when the file has several).")
@click.option(
    "--data",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Robyn: the model's input data (date column first, one column of spend per channel).",
)
@click.option(
    "--aggregated",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Robyn: the coefficients (default: pareto_aggregated.csv beside FILE).",
)
@click.option("--window-start", type=IsoDate("2016-01-04"), metavar="DATE", help="Robyn: first day of the window.")
@click.option("--window-end", type=IsoDate("2018-12-31"), metavar="DATE", help="Robyn: last day of the window.")
@click.option(
    "--curve-weeks",
    type=FiniteFloat(0.0, 10_000.0, low_open=True),
    metavar="WEEKS",
    help="CSV: the weeks one curve's spend and response cover (default 1; Meridian: its analysis period).",
)
@click.option(
    "--map",
    "mapping",
    multiple=True,
    callback=_pairs,
    metavar="NAME=CHANNEL",
    help="Map the model's channel NAME onto the scenario's CHANNEL (repeatable).",
)
@click.option("--skip", multiple=True, metavar="NAME", help="Leave the model's channel NAME out (repeatable).")
@click.option(
    "--band",
    type=click.Choice(["response", "lower", "upper"]),
    default="response",
    show_default=True,
    help="CSV: import the central curve or an edge of its credible band.",
)
@output_file_option("the scenario with the imported curves (.yaml), whole or not at all,")
@json_option
def curves_import_command(
    file: Path,
    scenario: str,
    fmt: str | None,
    response: str,
    solution: str | None,
    data: Path | None,
    aggregated: Path | None,
    window_start,
    window_end,
    curve_weeks: float | None,
    mapping: dict[str, str],
    skip: tuple[str, ...],
    band: str,
    output: Path | None,
    as_json: bool,
) -> None:
    """Import fitted response curves of a marketing-mix model onto the scenario's cells.

    FILE is Robyn's pareto_hyperparameters.csv (with pareto_aggregated.csv
    beside it and --data, the model's input data), or a long CSV with the
    columns channel, spend, response, lower, upper (Meridian's response-curve
    table, PyMC-Marketing's sampled curves).

    \b
    Rules:
    - names: a model channel maps onto the scenario channel of the same name,
      in any case once a suffix _S, _I, _P, _spend or _cost is stripped
      (facebook_S -> facebook), or as --map says; --skip leaves one out;
      any other channel is refused.
    - units: the model's curve f gives one period's response to one period's
      spend (a week for weekly Robyn data; --curve-weeks for a CSV); over a
      horizon of n such periods the cell's curve is F(X) = n * f(X / n).
      Revenue is divided by business.value_per_conversion.
    - Robyn: k = (1 - theta) * inflexion, the inflexion (1 - gamma) * min +
      gamma * max of the adstocked spend over the window (default: all rows).
    - formats: a channel's curve F is split in shares w of its conversions per
      currency unit at equal spend (1000 * CTR * CVR / CPM): a format gets
      w * F(x / w), so spend split in those shares brings exactly F.

    Without -o a table of the curves is printed and nothing is written.

    Example: campaign curves import pareto_hyperparameters.csv --scenario
    cafe-chain-q1 --data dt_input.csv --solution 1_92_6 --response revenue
    --skip tv_S --skip ooh_S --skip print_S --skip search_S -o cafe-mmm.yaml
    """
    from campaign import app
    from campaign.render.curves import imported

    with failures(scenario, as_json=as_json, exit_3=False):
        result = app.import_curves(
            file,
            scenario,
            response,
            fmt,
            solution,
            data,
            aggregated,
            (window_start, window_end),
            curve_weeks,
            mapping,
            skip,
            band,
            output,
        )
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    click.echo(imported(result))
