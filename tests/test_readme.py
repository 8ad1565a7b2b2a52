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


NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def words_and_numbers(text: str) -> tuple[list[str], list[tuple[float, float]]]:
    """The text's words with every number replaced by `#`, and each number with its printed resolution."""
    numbers = []
    for match in NUMBER.finditer(text):
        printed = match.group().replace(",", "")
        decimals = len(printed.partition(".")[2])
        numbers.append((float(printed), 10.0**-decimals))
    return NUMBER.sub("#", text).split(), numbers


def test_worked_example_is_the_current_output():
    """Every word of the example exactly, every number within 1 % or one unit of its last printed digit.

    Numbers are compared with a tolerance because a shadow price at a degenerate vertex, or the last
    digit of a rounded figure, may differ between solver builds; run scripts/update_readme_example.py
    after an intended change.
    """
    block = between(README.read_text(encoding="utf-8"), "<!-- demo-output:start -->", "<!-- demo-output:end -->")
    shown = block.strip().removeprefix("```text").removesuffix("```").strip("\n")
    result = CliRunner().invoke(cli, ["optimize", "cafe-chain-q1"])
    assert result.exit_code == 0
    # Solve times vary from run to run.
    got_words, got_numbers = words_and_numbers(SECONDS.sub("_ s;", result.output))
    want_words, want_numbers = words_and_numbers(SECONDS.sub("_ s;", shown))
    assert got_words == want_words
    assert len(got_numbers) == len(want_numbers)
    for (got, unit), (want, _) in zip(got_numbers, want_numbers, strict=True):
        assert abs(got - want) <= max(0.01 * abs(want), 1.001 * unit), (got, want)


def test_quickstart_has_exactly_three_commands():
    quickstart = between(README.read_text(encoding="utf-8"), "## Quickstart", "## A worked example")
    commands = between(quickstart, "```sh\n", "```").strip().splitlines()
    assert [c.split("#")[0].strip() for c in commands] == ["make demo", "make test", "make serve"]


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
