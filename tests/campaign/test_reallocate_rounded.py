"""Actuals exactly as planned, rounded as exports round them, keep the plan (through the command line)."""

from __future__ import annotations

import csv
import datetime as dt
import json

from click.testing import CliRunner

from campaign.cli import cli

START = dt.date(2027, 1, 4)


def rounded_export(plan_csv, out, weeks: int) -> None:
    """The plan's first `weeks` weeks as a generic export: whole impressions and clicks, spend in cents."""
    with open(plan_csv, newline="") as source, open(out, "w", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(
            ["channel", "format", "start", "end", "spend", "impressions", "clicks", "conversions", "currency"]
        )
        for row in csv.DictReader(source):
            period = int(row["period"])
            if period > weeks or float(row["spend"]) <= 0:
                continue
            first = START + dt.timedelta(days=7 * (period - 1))
            writer.writerow(
                [
                    row["channel"],
                    row["format"],
                    first.isoformat(),
                    (first + dt.timedelta(days=6)).isoformat(),
                    f"{float(row['spend']):.2f}",
                    round(float(row["impressions"])),
                    round(float(row["clicks"])),
                    f"{float(row['conversions']):.2f}",
                    "EUR",
                ]
            )


def test_a_rounded_export_of_the_plan_changes_nothing(tmp_path):
    runner = CliRunner()
    done = runner.invoke(cli, ["optimize", "cafe-chain-q1", "-o", str(tmp_path / "plan")])
    assert done.exit_code == 0, done.output
    export = tmp_path / "actuals.csv"
    rounded_export(tmp_path / "plan" / "allocation.csv", export, 4)
    ledger = tmp_path / "l.sqlite"
    imported = runner.invoke(
        cli, ["actuals", "import", str(export), "--scenario", "cafe-chain-q1", "--ledger", str(ledger)]
    )
    assert imported.exit_code == 0, imported.output
    out = runner.invoke(
        cli, ["reallocate", "cafe-chain-q1", "--as-of", "2027-02-01", "--ledger", str(ledger), "--json"]
    )
    assert out.exit_code == 0, out.output
    document = json.loads(out.stdout)
    assert document["changes"] == []
    # Every remaining week of every cell within a cent of the current plan.
    with open(tmp_path / "plan" / "allocation.csv", newline="") as f:
        planned = {(r["channel"], r["format"], int(r["period"])): float(r["spend"]) for r in csv.DictReader(f)}
    for row in document["allocation"]:
        assert abs(row["spend"] - planned[(row["channel"], row["format"], row["period"])]) < 0.01
