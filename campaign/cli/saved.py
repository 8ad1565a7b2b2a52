"""The `plans` command: a scenario's adopted plans in the store (adopted in the web app, read with --plan @N)."""

from __future__ import annotations

import json

import click

from campaign.cli.base import cli, failures, json_option


@cli.command("plans")
@click.argument("scenario")
@json_option
def plans_command(scenario: str, as_json: bool) -> None:
    """List the scenario's adopted plans, version 1 first; the last is current.

    The store (campaign-store.sqlite) is beside the scenario file, in this
    folder for a bundled scenario: the web app's workspace. Any command that
    takes --plan reads a version as @N, the current one as @current.

    Example: campaign plans cafe-chain-q1
    """
    from campaign import app
    from scenarios import amount, number

    with failures(scenario):
        saved = app.saved_plans(scenario)
    if as_json:
        click.echo(json.dumps(saved.to_dict(), indent=2))
        return
    if not saved.versions:
        click.echo(f"{saved.scenario}: no adopted plan yet in {saved.store}")
        return
    click.echo(f"{saved.scenario}: {len(saved.versions)} adopted plans in {saved.store}")
    for held in saved.versions:
        summary = held.summary()
        totals = summary["totals"]
        variant = f", variant {summary['variant']}" if summary["variant"] else ""
        current = " (current)" if held is saved.versions[-1] else ""
        figures = ""
        currency = held.run.document.get("currency")
        if "spend" in totals and "conversions" in totals and currency:
            figures = f": spend {amount(totals['spend'], currency)}, conversions {number(totals['conversions'])}"
        click.echo(
            f"  @{held.version}{current} adopted {summary['adopted_at']} from {summary['kind']} run "
            f"{summary['run']}{variant}{figures}"
        )
