"""Deliberately broken scenario files: each fails with exactly the expected messages.

`broken/wrong_*.yaml` each hold a small scenario with one kind of problem;
`broken/expected.yaml` maps each file name to its problem lines. The same
lines must come out of `load_scenario` and out of `campaign validate`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from campaign.cli import cli
from scenarios.errors import Problem, ScenarioError
from scenarios.library import library_path
from scenarios.loader import load_scenario

BROKEN = Path(__file__).parent / "broken"
FILES = sorted(BROKEN.glob("wrong_*.yaml"))
EXPECTED: dict[str, list[str]] = yaml.safe_load((BROKEN / "expected.yaml").read_text(encoding="utf-8"))

# Problems with the document as a whole: no key path to name.
DOCUMENT_LEVEL = {
    "wrong_alias_bomb.yaml",
    "wrong_alias_expansion.yaml",
    "wrong_empty_file.yaml",
    "wrong_not_yaml.yaml",
    "wrong_top_level_list.yaml",
}


def ids(path: Path) -> str:
    return path.stem


def error_lines(path: Path, problems: list[str]) -> list[str]:
    """The full text of the ScenarioError for `path`, line by line."""
    noun = "problem" if len(problems) == 1 else "problems"
    return [f"{path}: {len(problems)} {noun}", *(f"  - {line}" for line in problems)]


def stderr(result: Result) -> str:
    """What the command wrote on stderr (click < 8.2 mixes it into the output)."""
    try:
        return result.stderr
    except ValueError:
        return result.output


def load_error(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value


def raw(path: Path) -> yaml.Node:
    """The file's YAML node graph: nothing constructed, so no tag or alias is refused."""
    return yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def lookup(node: yaml.Node, parts: list[str]) -> tuple[bool, Any]:
    """Follow a dotted key path whose keys may themselves hold dots (`response.facebook.feed`).

    Returns whether the path exists and the text of the value there (None for a list or mapping).
    """
    if not parts:
        return True, node.value if isinstance(node, yaml.ScalarNode) else None
    if isinstance(node, yaml.SequenceNode) and parts[0].isdigit() and int(parts[0]) < len(node.value):
        return lookup(node.value[int(parts[0])], parts[1:])
    if isinstance(node, yaml.MappingNode):
        for size in range(len(parts), 0, -1):
            key = ".".join(parts[:size])
            for key_node, value_node in node.value:
                if key_node.value == key:
                    found, value = lookup(value_node, parts[size:])
                    if found:
                        return True, value
    return False, None


def test_there_are_enough_broken_files():
    assert len(FILES) >= 20


def test_every_broken_file_has_expected_lines_and_no_stale_entries():
    assert sorted(EXPECTED) == [path.name for path in FILES]
    for name, lines in EXPECTED.items():
        assert lines, name
        assert all(isinstance(line, str) and "\n" not in line for line in lines), name


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_load_scenario_reports_exactly_the_expected_problems(path):
    error = load_error(path)
    assert [str(problem) for problem in error.problems] == EXPECTED[path.name]
    assert str(error).splitlines() == error_lines(path, EXPECTED[path.name])
    assert error.source == str(path)


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_validate_command_prints_the_problems_and_exits_one(path):
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    text = stderr(result)
    assert text == "Error: " + "\n".join(error_lines(path, EXPECTED[path.name])) + "\n"
    assert text.startswith(f"Error: {path}: ")
    assert "Traceback" not in result.output
    assert "Traceback" not in text


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_every_message_names_the_key_path_where_there_is_one(path):
    problems = load_error(path).problems
    if path.name in DOCUMENT_LEVEL:
        assert all(problem.path == "" for problem in problems)
        return
    data = raw(path)
    for problem in problems:
        assert problem.path, f"{path.name}: {problem} names no key path"
        assert re.fullmatch(r"[A-Za-z0-9_.-]+", problem.path), problem.path
        assert str(problem).startswith(f"{problem.path}: ")
        if problem.message.startswith("is required"):
            continue  # a missing key is not in the file
        found, value = lookup(data, problem.path.split("."))
        assert found, f"{path.name}: {problem.path} is not a key path of the file"
        parts = problem.path.split(".")
        if problem.message.startswith("unknown key"):
            assert problem.message.startswith(f"unknown key '{parts[-1]}'")
        elif value:
            assert value in problem.message, f"{path.name}: {problem} does not show the value {value!r}"
        elif problem.message.startswith("unknown"):  # a name: the key itself is the bad value
            assert any(f"'{'.'.join(parts[i:])}'" in problem.message for i in range(len(parts))), str(problem)


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_every_message_says_what_would_be_valid(path):
    for problem in load_error(path).problems:
        assert re.search(r"expected|did you mean|valid keys here|must|allowed|remove one", problem.message), (
            f"{path.name}: {problem}"
        )


def test_several_problems_are_all_listed_at_once():
    error = load_error(BROKEN / "wrong_several_problems.yaml")
    assert [problem.path for problem in error.problems] == ["currency", "budget.total", "channels.facebook.ctr"]
    assert str(error).splitlines()[0].endswith(": 3 problems")


def test_a_misspelt_required_key_is_reported_once():
    # `cmp` for `cpm`: the unknown key with its "did you mean"; no second line about the missing `cpm`.
    assert load_error(BROKEN / "wrong_nested_key.yaml").problems == (
        Problem("channels.facebook.cmp", "unknown key 'cmp' (did you mean 'cpm'?)"),
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("wrong_alias_bomb.yaml", "more than 100 YAML aliases"),
        ("wrong_alias_expansion.yaml", "expand to more than 100,000 values"),
        ("wrong_alias_recursive.yaml", "refers to a value that contains it"),
    ],
)
def test_alias_bombs_are_refused_before_anything_is_built(name, message, monkeypatch):
    # The work is bounded by the file's size, not by what its aliases expand to: the refusal comes
    # from counting events and shared nodes, and no Python object is ever constructed.
    from scenarios import yamlsafe

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an alias bomb reached construction")

    for loader in yamlsafe.LOADERS:  # the libyaml one and the Python one
        monkeypatch.setattr(loader, "construct_document", never)
    assert message in str(load_error(BROKEN / name))


def test_a_python_tag_is_never_executed(monkeypatch):
    import os

    def refuse(command: str) -> int:
        raise AssertionError(f"os.system({command!r}) was called")

    monkeypatch.setattr(os, "system", refuse)
    load_error(BROKEN / "wrong_python_tag.yaml")


def test_a_missing_file(tmp_path):
    path = tmp_path / "nowhere.yaml"
    error = load_error(path)
    assert error.problems == (Problem("", "no such file"),)
    assert str(error) == f"{path}: 1 problem\n  - no such file"
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert stderr(result).startswith(f"Error: {path}: no such file")
    assert "Traceback" not in result.output


def test_a_directory_instead_of_a_file(tmp_path):
    message = "is a directory, not a file; expected a YAML scenario file"
    error = load_error(tmp_path)
    assert error.problems == (Problem("", message),)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert stderr(result) == f"Error: {tmp_path}: 1 problem\n  - {message}\n"
    assert "Traceback" not in result.output


def test_a_bare_name_loads_the_bundled_scenario_and_an_unknown_one_names_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no file called cafe-chain-q1 here
    assert load_scenario("cafe-chain-q1") == load_scenario(library_path("cafe-chain-q1"))
    error = load_error("cafe-chain")
    assert str(error) == (
        "cafe-chain: 1 problem\n  - no bundled scenario of that name (did you mean 'cafe-chain-q1'?); "
        "bundled scenarios: b2b-saas-leads, cafe-chain-q1, fashion-holiday"
    )


def test_a_file_of_a_bundled_name_wins_over_the_bundled_scenario(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("cafe-chain-q1").write_text(library_path("b2b-saas-leads").read_text(encoding="utf-8"), encoding="utf-8")
    assert load_scenario("cafe-chain-q1").name == load_scenario(library_path("b2b-saas-leads")).name
