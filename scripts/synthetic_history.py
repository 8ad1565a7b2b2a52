"""Write a scenario's synthetic past as platform exports, with the true figures behind them.

    python scripts/synthetic_history.py cafe-chain-q1 --weeks 26 --seed 1 --out history/

draws each cell's true CPM, CTR, CVR and saturation stretch from calibration's
prior (`scenarios.synthetic.draw_truth`, seed SEED), simulates WEEKS weeks of
figures ending the Sunday before the scenario's start, or before --before
(`scenarios.synthetic.synthetic_history`, seed SEED + 1), writes them as the exports of
the platforms the scenario's `actuals.mapping` names
(`campaign.synthetic_exports.write_exports`), and the truth as `truth.json`.
Import the exports with `campaign actuals import`; they are history rows.
Exit codes as the command line's: 1 for bad input, 2 for a bad option.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from pathlib import Path

import click

from campaign.app.common import load
from campaign.cli.base import failures
from campaign.exports import read_export
from campaign.options import IsoDate
from campaign.synthetic_exports import unmapped_cells, write_exports
from scenarios import UsageError, counted
from scenarios.synthetic import draw_truth, synthetic_history


def sunday_before(day: dt.date) -> dt.date:
    """The last Sunday strictly before `day`."""
    return day - dt.timedelta(days=day.weekday() + 1)


@click.command()
@click.argument("scenario")
@click.option("--weeks", type=click.IntRange(1, 520), default=26, show_default=True, help="Weeks of history.")
@click.option("--seed", type=click.IntRange(0), default=1, show_default=True, help="Seed of the truth (weeks: +1).")
@click.option(
    "--before",
    type=IsoDate("2027-01-04"),
    metavar="DATE",
    help="The history ends the Sunday before this day (default: the scenario's start).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    metavar="DIR",
    help="The folder to write the exports and truth.json into (created if missing; its parent must exist).",
)
def main(scenario: str, weeks: int, seed: int, before: dt.date | None, out: Path) -> None:
    """Write WEEKS weeks of synthetic history of SCENARIO as platform exports, and the truth as truth.json."""
    with failures(scenario):
        loaded = load(scenario)
        start = loaded.start
        end = before if before is not None else start
        if end is None:
            raise click.UsageError(
                f"scenario '{loaded.name}' has no start date: give the day the history ends before with --before DATE"
            )
        if before is not None and start is not None and before > start:
            raise click.BadParameter(
                f"{before} is after the scenario's start ({start}); history ends before the start",
                param_hint="--before",
            )
        last = sunday_before(end)
        if not out.parent.is_dir():
            raise UsageError(f"{out}: the folder {out.parent} does not exist; create it first, or pass another --out")
        truth = draw_truth(loaded, seed)
        past = synthetic_history(loaded, truth, weeks, last, seed + 1)
        out.mkdir(exist_ok=True)
        paths = write_exports(past, loaded, out)
        document = {
            "scenario": loaded.name,
            "seed": seed,
            "weeks": weeks,
            "first": str(past.weeks[0]),
            "last": str(last),
            "cells": truth.to_dict(),
        }
        (out / "truth.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    click.echo(f"{counted(weeks, 'week')} of synthetic history of '{loaded.name}', {past.weeks[0]} to {last}:")
    for path in paths:
        export = read_export(path)
        click.echo(f"  {path}: {export.platform} export, {counted(len(export.rows), 'row')}")
    click.echo(f"  {out / 'truth.json'}: the true figures of {counted(len(truth.cells), 'cell')}")
    left = unmapped_cells(past, loaded)
    if left:
        click.echo(f"  not written, no actuals.mapping rule names them: {', '.join(left)}")
    files = " ".join(shlex.quote(str(p)) for p in paths)
    click.echo(f"Import them with: campaign actuals import {files} --scenario {shlex.quote(scenario)}")


if __name__ == "__main__":
    main()
