"""The command `calibrate`: a scenario's figures from the ledger's history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from campaign.app.calibrating import HOLDOUT_WEEKS
from campaign.cli.base import cli, emit, failures, json_option, ledger_option, output_file_option
from campaign.options import IsoDate


@cli.command("calibrate")
@click.argument("scenario", metavar="SCENARIO")
@ledger_option
@click.option("--from", "first", type=IsoDate(), metavar="DATE", help="First day of history to read.")
@click.option(
    "--to", "last", type=IsoDate(), metavar="DATE", help="Last day of history to read (before the scenario's start)."
)
@click.option(
    "--holdout-weeks",
    type=click.IntRange(0, 52),
    default=HOLDOUT_WEEKS,
    show_default=True,
    help="Last weeks held out to check predictions against (0: no check).",
)
@output_file_option("the calibrated scenario (YAML)")
@json_option
def calibrate_command(
    scenario: str,
    ledger: Path | None,
    first: dt.date | None,
    last: dt.date | None,
    holdout_weeks: int,
    output: Path | None,
    as_json: bool,
) -> None:
    """Fit each cell's CPM, CTR, CVR and saturation to the ledger's history.

    The history is the ledger's rows of SCENARIO dated before its start
    (imported with a Day or Week breakdown), summed per week; a week counts
    only when a cell's rows cover all 7 days (partial weeks are left out and
    named in a warning). The scenario's
    own figures are the prior; cells of a channel share what they learn.
    Cells with fewer than two weeks keep the scenario's figures. The last
    --holdout-weeks are predicted from the weeks before them, by the
    calibrated and by the scenario's figures, side by side.

    Example: campaign calibrate cafe-chain-q1 -o cafe-calibrated.yaml
    """
    from campaign import app
    from campaign.render.calibrate import calibration

    with failures(scenario, as_json=as_json, exit_3=False):
        result = app.calibrate(scenario, ledger, first, last, holdout_weeks, output)
    emit(result.to_dict(), lambda: calibration(result), [result.written] if result.written else [], as_json)
