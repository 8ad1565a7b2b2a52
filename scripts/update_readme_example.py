"""Regenerate the README's worked example from the current `campaign optimize cafe-chain-q1` output.

Run after an intended change to the optimizer or its wording:
    .venv/bin/python scripts/update_readme_example.py
tests/test_readme.py fails until the README shows the current output.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from campaign.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- demo-output:start -->", "<!-- demo-output:end -->"


def main() -> None:
    result = CliRunner().invoke(cli, ["optimize", "cafe-chain-q1"])
    if result.exit_code != 0:
        raise SystemExit(f"campaign optimize failed:\n{result.output}")
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    block = f"{START}\n```text\n{result.output.rstrip()}\n```\n{END}"
    README.write_text(head + block + tail, encoding="utf-8")
    print(f"updated {README}")


if __name__ == "__main__":
    main()
