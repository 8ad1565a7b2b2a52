"""The `serve` command: the web app and HTTP API on uvicorn, on 127.0.0.1 unless a token guards it."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import click

from campaign.cli.base import cli, failures

#: Host names that always mean this machine.
LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """Whether `host` is a loopback address (127.0.0.0/8, ::1) or ``localhost``."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@cli.command("serve")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on; any but loopback needs --token."
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--workspace",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=".",
    show_default=True,
    metavar="DIR",
    help="The folder of scenario files and ledgers the app reads and writes.",
)
@click.option(
    "--token",
    envvar="CAMPAIGN_TOKEN",
    metavar="TOKEN",
    help="Every request must send 'Authorization: Bearer TOKEN' (default: the environment's CAMPAIGN_TOKEN).",
)
def serve_command(host: str, port: int, workspace: Path, token: str | None) -> None:
    """Serve the web app and the HTTP API (/api, documented at /docs) on the scenarios of a workspace.

    The API answers the same JSON documents as the commands' --json. It
    listens on 127.0.0.1 alone unless given a token: any other host without
    --token (or CAMPAIGN_TOKEN) is refused before anything starts.

    Example: campaign serve --workspace plans --port 8000
    """
    if not is_loopback(host) and not token:
        raise click.UsageError(
            f"--host {host} would let other machines reach the app, which needs a token then: pass --token TOKEN "
            "(or set CAMPAIGN_TOKEN) and send 'Authorization: Bearer TOKEN' with every request, or keep the default "
            "--host 127.0.0.1"
        )
    import uvicorn

    from campaign.web import create_app

    with failures():
        web = create_app(workspace, token or None)
    click.echo(f"Serving {web.state.workspace.folder} on http://{host}:{port} (Ctrl-C stops)", err=True)
    uvicorn.run(web, host=host, port=port, log_level="warning")
