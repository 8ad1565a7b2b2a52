"""Read scenario files: safe YAML, variants merged over the base, every problem at once.

`load_scenario` is the one entry point the shell uses. Pure helpers
(`parse_yaml`, `merge`, `validate_mapping`) take and return plain data so the
tests can feed them strings.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scenarios.checks import check_scenario
from scenarios.errors import Problem, ScenarioError, UsageError, did_you_mean, one_of, printable
from scenarios.library import library_path
from scenarios.messages import pydantic_problems
from scenarios.schema import Scenario
from scenarios.uncertainty_schema import written_path
from scenarios.yamlsafe import parse_yaml, read_text

#: The rule of `Identifier` in the schema, for names the schema has not yet seen (variant keys).
IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

__all__ = ["load_scenario", "merge", "override", "parse_yaml", "read_text", "resolve", "validate_mapping"]


def merge(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge `overlay` over `base`: mappings merge key by key, anything else replaces."""
    merged = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def validate_mapping(data: Mapping[str, Any], prefix: str = "") -> tuple[Scenario | None, list[Problem]]:
    """Validate a mapping against the schema; return the scenario or every problem found."""
    try:
        scenario = Scenario.model_validate(dict(data))
    except ValidationError as exc:
        found = [Problem(written_path(data, p.path), p.message) for p in pydantic_problems(exc.errors())]
        return None, [_join_problem(prefix, p) for p in found]
    problems = [_join_problem(prefix, p) for p in check_scenario(scenario)]
    return (scenario if not problems else None), problems


def _join_problem(prefix: str, problem: Problem) -> Problem:
    return Problem(_join(prefix, problem.path), problem.message) if prefix else problem


def load_scenario(path: str | os.PathLike[str], variant: str | None = None) -> Scenario:
    """Load, merge and validate a scenario file, or a bundled scenario by name.

    >>> scenario = load_scenario("cafe-chain-q1")
    >>> scenario.currency, scenario.budget.total
    ('EUR', 18000.0)

    Parameters
    ----------
    path : path-like
        The YAML file, or the name of a bundled scenario ("cafe-chain-q1") when no file of that name exists.
    variant : str, optional
        Name of a variant under `variants:` to merge over the base.

    Raises
    ------
    ScenarioError
        The file cannot be read or has problems (all of them listed), or no file and no bundled scenario has
        that name.
    UsageError
        `variant` is not defined in the file.
    """
    source = str(path)
    if not Path(path).exists() and not source.endswith((".yaml", ".yml")) and Path(source).name == source:
        path = library_path(source)  # a bare name that is no file: a bundled scenario, or the error naming them
    data = parse_yaml(read_text(path), source)
    return resolve(data, source, variant)


def resolve(data: Mapping[str, Any], source: str, variant: str | None = None) -> Scenario:
    """Validate the base and every variant of `data`; return the requested one."""
    base, problems = validate_mapping(data)
    raw = data.get("variants")
    variants: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    resolved: dict[str, Scenario] = {}
    for name, overlay in variants.items():
        if not isinstance(overlay, Mapping) or not isinstance(name, str) or not IDENTIFIER.fullmatch(name):
            continue  # the base validation already reported it
        if "variants" in overlay:
            problems.append(
                Problem(
                    f"variants.{name}.variants",
                    "a variant cannot have variants of its own; "
                    "define every variant directly under the top-level variants",
                )
            )
            continue
        merged = merge({k: v for k, v in data.items() if k != "variants"}, overlay)
        scenario, found = validate_mapping(merged, prefix=f"variants.{name}")
        # When the base is broken too, report only what the variant itself sets:
        # the rest would repeat the base's problems once per variant.
        own = _paths(overlay)
        problems.extend(p for p in found if base is not None or p.path.removeprefix(f"variants.{name}.") in own)
        if scenario is not None:
            resolved[name] = scenario
    if problems:
        raise ScenarioError(source, _unique(problems))
    assert base is not None
    if variant is None:
        return base
    if variant not in resolved:
        raise UsageError(
            f"{source}: unknown variant '{printable(variant)}'{did_you_mean(variant, variants)}; "
            f"the file defines {one_of(variants) if variants else 'no variants'}"
        )
    return resolved[variant]


def _paths(overlay: Mapping[str, Any], prefix: str = "") -> set[str]:
    """Every dotted key path an overlay sets (its leaves and their parents)."""
    paths: set[str] = set()
    for key, value in overlay.items():
        path = _join(prefix, str(key))
        paths.add(path)
        if isinstance(value, Mapping):
            paths |= _paths(value, path)
    return paths


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: dict[tuple[str, str], Problem] = {}
    for problem in problems:
        seen.setdefault((problem.path, problem.message), problem)
    return list(seen.values())


def _join(prefix: str, path: str) -> str:
    return f"{prefix}.{path}" if prefix and path else prefix or path


def override(scenario: Scenario, changes: Mapping[str, Any], source: str = "command-line options") -> Scenario:
    """The scenario with `changes` deep-merged over it and validated again.

    Raises
    ------
    ScenarioError
        The changed scenario is not valid (for example the profit objective
        without a value per conversion); `source` names where the changes came from.
    """
    if not changes:
        return scenario
    data = merge(scenario.model_dump(mode="json", exclude={"variants"}), changes)
    changed, problems = validate_mapping(data)
    if changed is None:
        raise ScenarioError(source, problems)
    return changed
