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
MAX_DEPTH = 32
MAX_VALUES = 100_000


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


class _PlainLoader(yaml.SafeLoader):
    """A safe loader for plain data: text, numbers, true/false, null, lists and mappings.

    Compared with `yaml.SafeLoader` it refuses the `!!binary`, `!!set`,
    `!!omap` and `!!pairs` tags, keeps dates as text (the schema parses them,
    so a bad date is reported with its key path instead of crashing), and
    refuses a key given twice in one mapping (YAML would silently keep the last).
    """

    yaml_constructors = {  # noqa: RUF012 - PyYAML's class-level registry
        tag: constructor
        for tag, constructor in yaml.SafeLoader.yaml_constructors.items()
        if tag not in {f"tag:yaml.org,2002:{name}" for name in ("binary", "set", "omap", "pairs")}
    }

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[tuple[str, str], yaml.Mark] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = (key_node.tag, key_node.value)
            if key in seen:
                raise _DuplicateKey(key_node, seen[key])
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


_PlainLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


class _DuplicateKey(yaml.constructor.ConstructorError):
    def __init__(self, key_node: yaml.ScalarNode, first: yaml.Mark) -> None:
        super().__init__(None, None, f"duplicate key '{key_node.value}'", key_node.start_mark)
        self.key_node = key_node
        self.first = first


class _Rejected(Exception):
    """A YAML document refused before it is built into Python objects."""

    def __init__(self, node: yaml.Node | None, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def parse_yaml(text: str, source: str) -> dict[str, Any]:
    """Parse YAML text into a mapping, refusing tags, alias bombs, deep nesting and non-mappings."""
    if not text.strip():
        raise ScenarioError(source, [Problem("", f"the file is empty; expected {_TOP_LEVEL}")])
    root: yaml.Node | None = None
    try:
        _scan(text)
        loader = _PlainLoader(text)
        try:
            root = loader.get_single_node()
            if root is None:
                data = None
            else:
                _check_expansion(root)
                data = loader.construct_document(root)
        finally:
            loader.dispose()
    except _Rejected as exc:
        raise ScenarioError(source, [Problem(_node_path(root, exc.node), exc.message)]) from None
    except _DuplicateKey as exc:
        first = exc.first.line + 1
        message = (
            f"is given twice: at line {first} and again at line {exc.key_node.start_mark.line + 1}; "
            "YAML would silently keep only the last one, so remove one of them"
        )
        raise ScenarioError(source, [Problem(_node_path(root, exc.key_node), message)]) from None
    except yaml.constructor.ConstructorError as exc:
        raise ScenarioError(source, [_constructor_problem(exc, root)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(source, [Problem("", _syntax_message(exc))]) from None
    if data is None:
        raise ScenarioError(source, [Problem("", f"the file holds no data; expected {_TOP_LEVEL}")])
    if not isinstance(data, dict):
        raise ScenarioError(source, [Problem("", f"the top level is {_kind(data)}; expected {_TOP_LEVEL}")])
    return data


_TOP_LEVEL = "a YAML mapping of scenario keys such as name, budget and channels"


def _scan(text: str) -> None:
    """Count aliases and nesting on the event stream, before any node is built."""
    aliases = depth = 0
    for event in yaml.parse(text, Loader=_PlainLoader):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _Rejected(
                    None,
                    f"the file uses more than {MAX_ALIASES} YAML aliases (*name); "
                    f"at most {MAX_ALIASES} are allowed",
                )
        elif isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Rejected(
                    None,
                    f"{_at(event.start_mark)}lists and mappings nest more than {MAX_DEPTH} levels deep; "
                    "a scenario nests a few levels",
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_expansion(root: yaml.Node) -> None:
    """Refuse recursive aliases and aliases that expand to more than `MAX_VALUES` values."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise _Rejected(
                node,
                f"{_at(node.start_mark)}an alias (*name) refers to a value that contains it; "
                "recursive YAML structures are not allowed",
            )
        open_nodes.add(key)
        total = 1
        children = node.value if isinstance(node, yaml.SequenceNode) else []
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        for child in children:
            total += size(child)
            if total > MAX_VALUES:
                raise _Rejected(
                    None,
                    f"the file's YAML aliases (*name) expand to more than {MAX_VALUES:,} values; "
                    f"at most {MAX_VALUES:,} are allowed",
                )
        open_nodes.discard(key)
        sizes[key] = total
        return total

    size(root)


def _node_path(root: yaml.Node | None, target: yaml.Node | None) -> str:
    """The dotted key path of `target` inside `root` (the key itself for a key node), or ""."""
    if root is None or target is None:
        return ""
    seen: set[int] = set()

    def walk(node: yaml.Node, path: list[str]) -> list[str] | None:
        if node is target:
            return path
        if id(node) in seen:
            return None
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = [*path, str(key.value) if isinstance(key, yaml.ScalarNode) else "?"]
                if key is target:
                    return name
                found = walk(value, name)
                if found is not None:
                    return found
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                found = walk(item, [*path, str(index)])
                if found is not None:
                    return found
        return None

    return ".".join(walk(root, []) or [])


def _node_at(root: yaml.Node | None, mark: yaml.Mark | None) -> yaml.Node | None:
    """The node of `root` that starts at `mark`, if any."""
    if root is None or mark is None:
        return None
    stack, seen, found = [root], set(), None
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.start_mark.index == mark.index:
            found = node  # keep looking: a deeper node may start at the same place
        if isinstance(node, yaml.MappingNode):
            stack.extend(child for pair in node.value for child in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return found


def _constructor_problem(exc: yaml.constructor.ConstructorError, root: yaml.Node | None) -> Problem:
    path = _node_path(root, _node_at(root, exc.problem_mark))
    where = _at(exc.problem_mark)
    problem = str(exc.problem)
    prefix = "could not determine a constructor for the tag "
    if problem.startswith(prefix):
        tag = problem.removeprefix(prefix).strip("'").replace("tag:yaml.org,2002:", "!!")
        return Problem(
            path,
            f"{where}the YAML tag {tag} is not allowed: scenario files hold plain data "
            "(text, numbers, true/false, lists and mappings)",
        )
    if "unhashable key" in problem:
        return Problem(path, f"{where}a list or mapping cannot be a key; keys are names")
    return Problem(path, f"{where}cannot be read: {problem}")


def _syntax_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    message = f"{_at(mark)}the file is not valid YAML: {problem}"
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark is not None and context_mark != mark:
        message += f" ({context} started at line {context_mark.line + 1}, column {context_mark.column + 1})"
    return message


def _at(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"text ({_show(value)})"
    if isinstance(value, bool):
        return f"a boolean ({_show(value)})"
    if isinstance(value, int | float):
        return f"a number ({_show(value)})"
    return f"a {type(value).__name__}"


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
