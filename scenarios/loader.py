"""Read scenario files: safe YAML, variants merged over the base, every problem at once.

`load_scenario` is the one entry point the shell uses. Pure helpers
(`parse_yaml`, `merge`, `validate_mapping`) take and return plain data so the
tests can feed them strings.
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from scenarios.checks import check_scenario
from scenarios.errors import Problem, ScenarioError, UsageError, did_you_mean, one_of
from scenarios.schema import Scenario

MAX_FILE_BYTES = 2_000_000
MAX_ALIASES = 100


def read_text(path: str | os.PathLike[str]) -> str:
    """Return a scenario file's text, or raise `ScenarioError` saying why it cannot be read."""
    file = Path(path)
    source = str(path)
    if not file.exists():
        raise ScenarioError(source, [Problem("", "no such file")])
    if file.is_dir():
        raise ScenarioError(source, [Problem("", "is a directory, expected a YAML scenario file")])
    size = file.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError(
            source, [Problem("", f"is {size:,} bytes; scenario files are at most {MAX_FILE_BYTES:,}")]
        )
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(source, [Problem("", f"is not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise ScenarioError(source, [Problem("", f"cannot be read: {exc.strerror}")]) from None


def parse_yaml(text: str, source: str) -> dict[str, Any]:
    """Parse YAML text into a mapping, refusing tags, alias bombs and non-mappings."""
    if not text.strip():
        raise ScenarioError(source, [Problem("", "is empty; expected a YAML mapping of scenario keys")])
    try:
        aliases = sum(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text))
        if aliases > MAX_ALIASES:
            raise ScenarioError(
                source,
                [Problem("", f"uses {aliases} YAML aliases; at most {MAX_ALIASES} are allowed")],
            )
        data = yaml.safe_load(text)
    except yaml.constructor.ConstructorError as exc:
        where = _mark(exc.problem_mark)
        tag = str(exc.problem).removeprefix("could not determine a constructor for the tag ")
        raise ScenarioError(
            source,
            [Problem("", f"{where}YAML tag {tag} is not allowed: scenario files hold plain data")],
        ) from None
    except yaml.YAMLError as exc:
        where = _mark(getattr(exc, "problem_mark", None))
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(source, [Problem("", f"{where}is not valid YAML: {problem}")]) from None
    if data is None:
        raise ScenarioError(source, [Problem("", "is empty; expected a YAML mapping of scenario keys")])
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        raise ScenarioError(
            source, [Problem("", f"top level is {kind}; expected a mapping of scenario keys")]
        )
    return data


def _mark(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""


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
        return None, [_problem(error, prefix) for error in exc.errors()]
    problems = check_scenario(scenario)
    if prefix:
        problems = [Problem(_join(prefix, p.path), p.message) for p in problems]
    return (scenario if not problems else None), problems


def load_scenario(path: str | os.PathLike[str], variant: str | None = None) -> Scenario:
    """Load, merge and validate a scenario file.

    Parameters
    ----------
    path : path-like
        The YAML file.
    variant : str, optional
        Name of a variant under `variants:` to merge over the base.

    Raises
    ------
    ScenarioError
        The file cannot be read or has problems (all of them listed).
    UsageError
        `variant` is not defined in the file.
    """
    source = str(path)
    data = parse_yaml(read_text(path), source)
    return resolve(data, source, variant)


def resolve(data: Mapping[str, Any], source: str, variant: str | None = None) -> Scenario:
    """Validate the base and every variant of `data`; return the requested one."""
    base, problems = validate_mapping(data)
    variants = data.get("variants") if isinstance(data.get("variants"), Mapping) else {}
    resolved: dict[str, Scenario] = {}
    for name, overlay in variants.items():
        if not isinstance(overlay, Mapping):
            continue  # the base validation already reported it
        if "variants" in overlay:
            problems.append(Problem(f"variants.{name}.variants", "variants cannot be nested"))
            continue
        merged = merge({k: v for k, v in data.items() if k != "variants"}, overlay)
        scenario, found = validate_mapping(merged, prefix=f"variants.{name}")
        # When the base is broken too, report only what the variant itself sets:
        # the rest would repeat the base's problems once per variant.
        own = _paths(overlay)
        problems.extend(
            p for p in found if base is not None or p.path.split(".", 2)[-1] in own
        )
        if scenario is not None:
            resolved[name] = scenario
    if problems:
        raise ScenarioError(source, _unique(problems))
    assert base is not None
    if variant is None:
        return base
    if variant not in resolved:
        raise UsageError(
            f"{source}: unknown variant '{variant}'{did_you_mean(variant, variants)}; "
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


def _problem(error: Any, prefix: str) -> Problem:
    """Turn one pydantic error into a `Problem` with a readable message."""
    loc = [str(part) for part in error["loc"]]
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        field = loc[-1]
        valid = _fields_at(loc[:-1])
        hint = did_you_mean(field, valid)
        listing = f"; valid keys here: {', '.join(valid)}" if valid and not hint else ""
        message = f"unknown key '{field}'{hint}{listing}"
    elif kind == "missing":
        message = "is required but missing"
    elif kind == "union_tag_invalid":
        message = f"unknown curve {_show(error.get('ctx', {}).get('tag', value))}; valid curves: exponential, hill, points"
        loc = [*loc, "curve"]
    elif kind == "union_tag_not_found":
        message = "needs a 'curve' key: one of exponential, hill, points"
    elif kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        message = f"{_show(value)} is not valid; expected {expected}"
        if isinstance(value, str):
            options = [o.strip().strip("'") for o in expected.replace(" or ", ",").split(",")]
            message += did_you_mean(value, options)
    elif kind in {"finite_number"}:
        message = f"{_show(value)} is not a finite number"
    elif kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        message = f"{_show(value)} is out of range: {_range_text(loc, error)}"
    elif kind.endswith("_type") or kind.endswith("_parsing"):
        message = f"{_show(value)} is not valid: {error['msg'][0].lower()}{error['msg'][1:]}"
    elif kind == "value_error":
        message = str(error.get("ctx", {}).get("error", error["msg"]))
    elif kind == "too_short":
        message = f"{_show(value)} is too short: {error['msg'][0].lower()}{error['msg'][1:]}"
    elif kind == "string_pattern_mismatch":
        message = f"{_show(value)} is not valid: {_pattern_text(loc)}"
    else:
        message = f"{_show(value)}: {error['msg']}"
    return Problem(_join(prefix, ".".join(loc)), message)


def _range_text(loc: list[str], error: Any) -> str:
    ctx = error.get("ctx", {})
    words = {"gt": "greater than", "ge": "at least", "lt": "less than", "le": "at most"}
    parts = [f"{words[k]} {v:g}" if isinstance(v, float) else f"{words[k]} {v}" for k, v in ctx.items() if k in words]
    if ctx.get("ge") == 0 and ctx.get("le") == 1:
        return "a rate must be between 0 and 1"
    return "must be " + " and ".join(parts)


def _pattern_text(loc: list[str]) -> str:
    if loc[-1] == "currency":
        return "must be a three-letter ISO 4217 code in capitals, such as EUR or USD"
    if loc[-1] == "name":
        return "must be letters, digits, '-', '_' or '.', starting with a letter or digit"
    return "does not match the expected form"


def _show(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fields_at(loc: list[str]) -> list[str]:
    """The valid keys of the model found by walking `loc` from `Scenario`."""
    model: Any = Scenario
    for part in loc:
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(part)
            if field is None:
                return []
            model = field.annotation
        elif get_origin(model) is dict:
            model = get_args(model)[1]
        else:
            return []
        model = _unwrap(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip Optional / Annotated so a model or dict type remains."""
    while True:
        origin = get_origin(annotation)
        if origin is None:
            return annotation
        if origin is dict:
            return annotation
        args = [a for a in get_args(annotation) if a is not type(None)]
        if not args:
            return annotation
        annotation = args[0]
