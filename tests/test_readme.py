"""The README stays true: its worked example is the current output, its reference covers the schema."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from pydantic import BaseModel

from campaign.cli import cli
from scenarios import schema

README = Path(__file__).resolve().parents[1] / "README.md"
SECONDS = re.compile(r"\d+\.\d+ s;")


def between(text: str, start: str, end: str) -> str:
    """The text after the first `start` and before the next `end`."""
    first = text.index(start) + len(start)
    return text[first : text.index(end, first)]


def test_worked_example_is_the_current_output():
    block = between(README.read_text(encoding="utf-8"), "<!-- demo-output:start -->", "<!-- demo-output:end -->")
    shown = block.strip().removeprefix("```text").removesuffix("```").strip("\n")
    result = CliRunner().invoke(cli, ["optimize", "cafe-chain-q1"])
    assert result.exit_code == 0
    # Solve times vary from run to run; everything else must match exactly.
    assert SECONDS.sub("_ s;", result.output.rstrip("\n")) == SECONDS.sub("_ s;", shown)


def test_quickstart_has_exactly_two_commands():
    quickstart = between(README.read_text(encoding="utf-8"), "## Quickstart", "## A worked example")
    commands = between(quickstart, "```sh\n", "```").strip().splitlines()
    assert [c.split("#")[0].strip() for c in commands] == ["make demo", "make test"]


def test_scenario_reference_names_every_schema_key():
    reference = between(README.read_text(encoding="utf-8"), "## Scenario files", "## Performance")
    words = {word for span in re.findall(r"`([^`]+)`", reference) for word in re.findall(r"[a-z_]+", span)}
    models = [m for m in vars(schema).values() if isinstance(m, type) and issubclass(m, BaseModel)]
    missing = sorted(
        f"{model.__name__}.{field}"
        for model in models
        if model is not schema.Closed
        for field in model.model_fields
        if field not in words
    )
    assert not missing, f"README scenario reference misses {missing}"
