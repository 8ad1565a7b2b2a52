"""The application shell: command line, files and human-readable output."""

from campaign.cli import cli, main

__all__ = ["cli", "main"]
