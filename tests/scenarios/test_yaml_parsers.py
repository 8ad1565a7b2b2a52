"""The two YAML parsers (libyaml and PyYAML's Python one) read and refuse alike, and size limits
are stated by what a file holds, aliases only when aliases are the cause."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from campaign.cli import cli
from scenarios import yamlsafe
from scenarios.errors import ScenarioError
from scenarios.loader import load_scenario
from scenarios.yamlsafe import MAX_ALIAS_VALUES, MAX_FILE_BYTES, MAX_FILE_VALUES, parse_yaml, read_text

BROKEN = sorted((Path(__file__).parent / "broken").glob("wrong_*.yaml"))
needs_libyaml = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml here")


def hill_scenario(cells: int) -> dict[str, Any]:
    """A scenario of `cells` cells (10 formats a channel), each with a Hill curve of its own."""
    rng = np.random.default_rng(1)
    channels = {
        f"ch{j:04d}": {
            "audience": float(rng.uniform(5e4, 2e6)),
            "in_market": float(rng.uniform(0.005, 0.03)),
            "cpm": float(rng.uniform(3.0, 20.0)),
            "ctr": float(rng.uniform(0.004, 0.03)),
            "cvr": float(rng.uniform(0.01, 0.1)),
            "bounce_rate": float(rng.uniform(0.3, 0.8)),
            "negative_feedback_rate": float(rng.uniform(1e-4, 2e-3)),
            "formats": {f"f{k}": {"cpm_factor": float(rng.uniform(0.4, 2.0))} for k in range(10)},
        }
        for j in range(cells // 10)
    }
    response = {
        f"{channel}.f{k}": {
            "curve": "hill",
            "alpha": 1.0,
            "half_saturation": float(rng.uniform(500, 5000)),
            "max": float(rng.uniform(50, 500)),
        }
        for channel in channels
        for k in range(10)
    }
    return {
        "name": f"hill-{cells}",
        "business": {"value_per_conversion": 40.0},
        "budget": {"total": 50.0 * cells},
        "channels": channels,
        "response": response,
    }


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_yaml(text, "f.yaml")
    return [problem.message for problem in caught.value.problems]


def python_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read as on a PyYAML built without libyaml."""
    monkeypatch.setattr(yamlsafe, "_FastLoader", None)


@pytest.fixture(scope="module")
def hill_10000(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hill") / "hill-10000.yaml"
    path.write_text(yaml.dump(hill_scenario(10_000), Dumper=yaml.CSafeDumper if yaml.__with_libyaml__ else None))
    return path


@pytest.mark.parametrize("parsers", ["default", "python only"])
def test_a_scenario_of_10000_cells_without_aliases_is_read_and_valid(parsers, hill_10000, monkeypatch):
    # It was refused as "the file's YAML aliases (*name) expand to more than 100,000 values" with no alias in it.
    if parsers == "python only":
        python_only(monkeypatch)
    assert hill_10000.stat().st_size < MAX_FILE_BYTES
    result = CliRunner().invoke(cli, ["validate", str(hill_10000)])
    assert result.exit_code == 0, result.output
    assert "1000 channels, 10000 cells" in result.output


def test_a_10000_cell_scenario_holds_the_values_the_size_message_says(hill_10000):
    # "a scenario of 10,000 cells, each with a Hill curve, holds about 160,000": counted on the node tree
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(hill_10000.read_text(encoding="utf-8"))
    nodes, values = [loader.get_single_node()], 0
    while nodes:
        node = nodes.pop()
        values += 1
        if isinstance(node, yaml.MappingNode):
            nodes += [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            nodes += node.value
    assert round(values, -4) == 160_000
    assert 9 * values < MAX_FILE_VALUES


def test_aliases_may_add_to_a_file_larger_than_what_they_may_add():
    own = [f"k{i}: {i}" for i in range(MAX_ALIAS_VALUES)]  # 200,000 values of the file's own
    data = parse_yaml("\n".join([*own, "base: &b {x: 1, y: 2}", "copy: *b"]), "f.yaml")
    assert data["copy"] == {"x": 1, "y": 2}
    assert len(data) == MAX_ALIAS_VALUES + 2


def test_aliases_adding_more_than_the_limit_to_a_large_file_are_refused_as_aliases():
    own = [f"k{i}: {i}" for i in range(MAX_ALIAS_VALUES)]
    block = "big: &b [" + ", ".join(["1"] * 30_000) + "]"
    copies = [f"c{i}: *b" for i in range(4)]  # 4 × 30,001 values added: more than 100,000
    assert problems("\n".join([*own, block, *copies])) == [
        "the file's YAML aliases (*name) expand to more than 100,000 values; at most 100,000 are allowed"
    ]


def test_a_file_holding_too_many_values_is_refused_by_its_size_not_its_aliases():
    # the Python parser's count is checked at a smaller limit in test_a_file_may_hold_exactly_the_value_limit
    text = "a: [" + ", ".join(["1"] * MAX_FILE_VALUES) + "]\n"
    assert problems(text) == [
        (
            "the file holds more than 1,500,000 values (keys, numbers, texts, lists and mappings); "
            "scenario files hold at most 1,500,000 (a scenario of 10,000 cells, each with a Hill curve, holds "
            "about 160,000)"
        )
    ]


def test_a_file_above_the_byte_limit_is_refused_unread(tmp_path):
    path = tmp_path / "big.yaml"
    with path.open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(ScenarioError) as caught:
        read_text(path)
    assert [p.message for p in caught.value.problems] == ["is 16,000,001 bytes; scenario files are at most 16,000,000"]


@pytest.mark.parametrize("path", BROKEN, ids=lambda path: path.stem)
def test_each_broken_file_is_refused_alike_with_or_without_libyaml(path, monkeypatch):
    def refusal() -> str:
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path)
        return str(caught.value)

    with_default = refusal()
    python_only(monkeypatch)
    assert refusal() == with_default


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: [1, 2.5, x, 2026-01-05, null, true]\nc: {d: 'e', f: \"g\"}\n",
        "base: &b {x: 1, y: 2}\none: *b\ntwo:\n  <<: *b\n  y: 3\n",
        "ä: ü\ntext: |\n  two\n  lines\n",
    ],
)
def test_both_parsers_read_the_same_data(text, monkeypatch):
    with_default = parse_yaml(text, "f.yaml")
    python_only(monkeypatch)
    assert parse_yaml(text, "f.yaml") == with_default


@needs_libyaml
def test_a_valid_file_is_read_by_libyaml_alone(monkeypatch):
    def never(*args: object, **kwargs: object) -> object:
        raise AssertionError("the Python parser read a valid file")

    monkeypatch.setattr(yamlsafe._PlainLoader, "construct_document", never)
    monkeypatch.setattr(yamlsafe._PlainLoader, "get_single_node", never)
    assert parse_yaml("a: [1, 2]\n", "f.yaml") == {"a": [1, 2]}


@needs_libyaml
def test_a_file_libyaml_refuses_is_worded_by_the_python_parser():
    # libyaml says "mapping values are not allowed in this context"; the Python parser's words are kept
    assert problems("a: b: c\n") == [
        "line 1, column 5: the file is not valid YAML: mapping values are not allowed here"
    ]


def outcome(text: str) -> Any:
    """The mapping `parse_yaml` reads from `text`, or the problems it refuses it with."""
    try:
        return parse_yaml(text, "f.yaml")
    except ScenarioError as error:
        return error.problems


def copies(items: int, aliases: int) -> str:
    """A list of `items` numbers and a list of `aliases` aliases of it."""
    return "base: &b [" + ", ".join(["1"] * items) + "]\ncopies: [" + ", ".join(["*b"] * aliases) + "]\n"


REFUSED = {
    "python tag": 'name: !!python/object/apply:os.system ["hi"]\n',
    "tag after non-ASCII text": "ä: 'ü'\nb: [1, ü, !oops 3]\n",
    "binary": "a: !!binary aGVsbG8=\n",
    "keys given twice": "a: 1\nb:\n  c: 1\n  ü: 2\n  ü: 3\na: 3\n",
    "list as a key": "a:\n  ? [x, y]\n  : 1\n",
    "deep flow nesting": "a: " + "[" * 5000 + "]" * 5000 + "\n",
    "deep block nesting": "é:\n  " + "- " * 40 + "x\n",
    "recursive alias": "x:\n  y: &y\n    z: *y\n",
    "aliases nest too deep": "a0: &a0 " + "[" * 20 + "1" + "]" * 20 + "\na1: &a1 " + "[" * 20 + "*a0" + "]" * 20 + "\n",
    "too many aliases": "a: &a 1\nb: [" + ", ".join(["*a"] * 101) + "]\n",
    "aliases add 100,100 values": copies(1_000, 100),
    "unclosed flow mapping": "a: {b: 1\nc: 2\n",
    "unclosed quote": "a: 'open\n",
    "tab": "a: 1\n\tb: 2\n",
    "indentation": "a:\n  b: 1\n c: 2\n",
    "second document": "a: 1\n---\nb: 2\n",
    "undefined alias": "a: *nowhere\n",
    "control character": "a: \x00\n",
    "top-level list": "- a\n- b\n",
    "no data": "# nothing\n",
}


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
def test_both_parsers_refuse_alike(text, monkeypatch):
    by_default = outcome(text)
    assert isinstance(by_default, tuple)
    assert by_default
    python_only(monkeypatch)
    assert outcome(text) == by_default


@needs_libyaml
@pytest.mark.parametrize(
    "name",
    [
        "tag after non-ASCII text",
        "keys given twice",
        "deep block nesting",
        "recursive alias",
        "aliases add 100,100 values",
    ],
)
def test_a_file_the_checks_refuse_is_not_read_again(name, monkeypatch):
    # libyaml's marks are PyYAML's (line and column in characters), so these refusals are worded alike at once
    python_only(monkeypatch)
    by_python = outcome(REFUSED[name])
    monkeypatch.undo()

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the Python parser read the file again")

    monkeypatch.setattr(yamlsafe._PlainLoader, "__init__", never)
    assert outcome(REFUSED[name]) == by_python


@pytest.mark.parametrize("parsers", ["default", "python only"])
def test_aliases_may_add_exactly_the_limit(parsers, monkeypatch):
    if parsers == "python only":
        python_only(monkeypatch)
    assert MAX_ALIAS_VALUES == 100 * 1_000  # 100 aliases of a list of 999 numbers: 100 × 1,000 values added
    assert parse_yaml(copies(999, 100), "f.yaml")["copies"] == [[1] * 999] * 100
    assert problems(copies(1_000, 100)) == [
        "the file's YAML aliases (*name) expand to more than 100,000 values; at most 100,000 are allowed"
    ]


@pytest.mark.parametrize("parsers", ["default", "python only"])
def test_a_file_may_hold_exactly_the_value_limit(parsers, monkeypatch):
    if parsers == "python only":
        python_only(monkeypatch)
    monkeypatch.setattr(yamlsafe, "MAX_FILE_VALUES", 1_000)
    at_limit = "a: [" + ", ".join(["0"] * 997) + "]\n"  # the mapping, its key, the list and 997 numbers
    assert parse_yaml(at_limit, "f.yaml") == {"a": [0] * 997}
    assert problems(at_limit.replace("[", "[0, ", 1))[0].startswith("the file holds more than 1,000 values")
