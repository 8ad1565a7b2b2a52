"""What every refusal of the command line must look like, checked the same way by every fault test."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner, Result

from campaign.cli import cli


def invoke(*args: str, as_json: bool = False) -> Result:
    """Run the command line in-process, with --json at the end when `as_json`."""
    return CliRunner().invoke(cli, [*args, *(["--json"] if as_json else [])])


def assert_refused(result: Result, message: str, as_json: bool = False, code: int = 1) -> None:
    """Exit `code`, one paragraph on stderr holding `message`, no traceback; under --json the error document.

    The JSON document carries the same message as stderr; without --json nothing goes to stdout.
    """
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.output
    stderr = result.stderr
    assert stderr.startswith("Error: ")
    assert stderr.endswith("\n")
    assert "\n\n" not in stderr.strip(), "more than one paragraph"
    assert message in stderr, stderr
    if as_json:
        assert json.loads(result.stdout) == {"status": "error", "message": stderr.removeprefix("Error: ").strip()}
    else:
        assert result.stdout == ""


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under `folder` (hidden ones too) with a digest of its bytes ("not a file" for the others)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "not a file"
        for p in sorted(folder.rglob("*"))
    }
