"""The `campaign` command line: parse the options, call one use case of `campaign.app`, render its result.

Exit codes: 0 success; 1 an error in the input or the run (one paragraph on
stderr, no traceback); 2 a usage error (click's own); 3 an infeasible
problem (with the explanation).
"""

from __future__ import annotations

from campaign.cli import actuals, calibrating, curves, finance, planning, saved, serving, simulating
from campaign.cli.base import EXIT_INFEASIBLE, cli

__all__ = ["EXIT_INFEASIBLE", "cli", "main"]
# The modules that register the commands, in the order `campaign --help` lists none of them by (click sorts).
COMMANDS = (planning, simulating, finance, actuals, calibrating, curves, saved, serving)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="campaign")
