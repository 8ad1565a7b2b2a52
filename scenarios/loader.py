"""Read scenario files: safe YAML, variants merged over the base, every problem at once.

`load_scenario` is the one entry point the shell uses. Pure helpers
(`parse_yaml`, `merge`, `validate_mapping`) take and return plain data so the
tests can feed them strings.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import math
import os
from collections.abc import Mapping
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from scenarios.checks import check_scenario
from scenarios.errors import Problem, ScenarioError, UsageError, did_you_mean, one_of
from scenarios.schema import CURVES, Scenario

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
        raise ScenarioError(source, [Problem("", "is a directory, not a file; expected a YAML scenario file")])
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
    `!!omap` and `!!pairs` tags and keeps dates as text: the schema parses
    them, so a bad date is reported with its key path instead of crashing.
    """

    yaml_constructors = {  # noqa: RUF012 - PyYAML's class-level registry
        tag: constructor
        for tag, constructor in yaml.SafeLoader.yaml_constructors.items()
        if tag not in {f"tag:yaml.org,2002:{name}" for name in ("binary", "set", "omap", "pairs")}
    }


_PlainLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


class _RejectedError(Exception):
    """A YAML document refused before it is built into Python objects."""

    def __init__(self, node: yaml.Node | None, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def parse_yaml(text: str, source: str) -> dict[str, Any]:
    """Parse YAML text into a mapping.

    Refuses (with a `ScenarioError`) what is not plain data or could hang or
    crash the loader: tags, more than `MAX_ALIASES` aliases, aliases expanding
    to more than `MAX_VALUES` values, recursive aliases, nesting deeper than
    `MAX_DEPTH`, keys given twice, several documents and a non-mapping top level.
    """
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
                duplicates = _duplicate_keys(root)
                if duplicates:
                    raise ScenarioError(source, duplicates)
                data = loader.construct_document(root)
        finally:
            loader.dispose()
    except _RejectedError as exc:
        raise ScenarioError(source, [Problem(_node_path(root, exc.node), exc.message)]) from None
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
                raise _RejectedError(
                    None,
                    f"the file uses more than {MAX_ALIASES} YAML aliases (*name); "
                    f"at most {MAX_ALIASES} are allowed",
                )
        elif isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _RejectedError(
                    None,
                    f"{_at(event.start_mark)}lists and mappings nest more than {MAX_DEPTH} levels deep; "
                    "a scenario nests a few levels",
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_expansion(root: yaml.Node) -> None:
    """Refuse recursive aliases, and aliases that expand to too many values or nest too deep.

    Sizes and heights are memoised per node, so the walk is linear in the
    file, and it stops at `MAX_DEPTH` levels, so it cannot exhaust the stack.
    """
    measured: dict[int, tuple[int, int]] = {}  # node id: (values, height) once expanded
    open_nodes: set[int] = set()

    def measure(node: yaml.Node, depth: int) -> tuple[int, int]:
        key = id(node)
        if key in open_nodes:
            raise _RejectedError(
                node,
                f"{_at(node.start_mark)}an alias (*name) refers to a value that contains it; "
                "recursive YAML structures are not allowed",
            )
        if key not in measured:
            open_nodes.add(key)
            children = node.value if isinstance(node, yaml.SequenceNode) else []
            if isinstance(node, yaml.MappingNode):
                children = [child for pair in node.value for child in pair]
            total, height = 1, 1
            for child in children:
                values, levels = measure(child, depth + 1)
                total, height = total + values, max(height, levels + 1)
                if total > MAX_VALUES:
                    raise _RejectedError(
                        None,
                        f"the file's YAML aliases (*name) expand to more than {MAX_VALUES:,} values; "
                        f"at most {MAX_VALUES:,} are allowed",
                    )
            open_nodes.discard(key)
            measured[key] = (total, height)
        if depth + measured[key][1] > MAX_DEPTH + 1:
            raise _RejectedError(
                node,
                f"{_at(node.start_mark)}the YAML aliases (*name) make lists and mappings nest more than "
                f"{MAX_DEPTH} levels deep; a scenario nests a few levels",
            )
        return measured[key]

    measure(root, 0)


def _duplicate_keys(root: yaml.Node) -> list[Problem]:
    """A problem for every key given twice in one mapping, in file order."""
    found: list[tuple[int, Problem]] = []
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: dict[tuple[str, str], yaml.Mark] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = (key_node.tag, key_node.value)
                if key in keys:
                    found.append((key_node.start_mark.index, _duplicate_problem(root, key_node, keys[key])))
                keys.setdefault(key, key_node.start_mark)
            stack.extend(child for pair in reversed(node.value) for child in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return [problem for _, problem in sorted(found, key=lambda item: item[0])]


def _duplicate_problem(root: yaml.Node | None, key_node: yaml.ScalarNode, first: yaml.Mark) -> Problem:
    message = (
        f"is given twice: at line {first.line + 1} and again at line {key_node.start_mark.line + 1}; "
        "YAML would silently keep only the last one, so remove one of them"
    )
    return Problem(_node_path(root, key_node), message)


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
                name = [*path, str(key.value)] if isinstance(key, yaml.ScalarNode) else path
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
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if problem == "but found another document":
        return f"{_at(mark)}a second YAML document starts here; expected a single document (no second '---')"
    message = f"{_at(mark)}the file is not valid YAML: {problem}"
    if context and context_mark is not None and context_mark != mark:
        message += f" ({context} started at line {context_mark.line + 1}, column {context_mark.column + 1})"
    if "<block" in problem:
        message += "; check the indentation"
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
        return None, [_join_problem(prefix, p) for p in _problems(exc.errors())]
    problems = [_join_problem(prefix, p) for p in check_scenario(scenario)]
    return (scenario if not problems else None), problems


def _join_problem(prefix: str, problem: Problem) -> Problem:
    return Problem(_join(prefix, problem.path), problem.message) if prefix else problem


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
            problems.append(
                Problem(f"variants.{name}.variants", "a variant cannot have variants of its own; "
                        "define every variant directly under the top-level variants")
            )
            continue
        merged = merge({k: v for k, v in data.items() if k != "variants"}, overlay)
        scenario, found = validate_mapping(merged, prefix=f"variants.{name}")
        # When the base is broken too, report only what the variant itself sets:
        # the rest would repeat the base's problems once per variant.
        own = _paths(overlay)
        problems.extend(
            p for p in found if base is not None or p.path.removeprefix(f"variants.{name}.") in own
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


def _problems(errors: list[Any]) -> list[Problem]:
    """Turn pydantic errors into problems; a missing key explained by a misspelt sibling is dropped."""
    located = [(error, _locate(error["loc"])) for error in errors]
    unknown: dict[tuple[str, ...], list[str]] = {}
    for error, (path, _, _) in located:
        if error["type"] == "extra_forbidden":
            unknown.setdefault(tuple(path[:-1]), []).append(path[-1])
    problems = []
    for error, (path, annotation, metadata) in located:
        if error["type"] == "missing" and difflib.get_close_matches(
            path[-1], unknown.get(tuple(path[:-1]), []), n=1, cutoff=0.6
        ):
            continue  # the unknown sibling's "did you mean" says it
        problems.append(_problem(error, path, annotation, metadata))
    return problems


def _problem(error: Any, path: list[str], annotation: Any, metadata: list[Any]) -> Problem:
    """Turn one pydantic error into a `Problem` naming the bad value and what would be valid."""
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx", {})
    shown = _show(value)
    expected = _expected(annotation, metadata, path)
    if kind == "extra_forbidden":
        valid = _keys(_locate(error["loc"][:-1])[1])
        hint = did_you_mean(path[-1], valid)
        listing = f"; valid keys here: {', '.join(valid)}" if valid and not hint else ""
        message = f"unknown key '{path[-1]}'{hint}{listing}"
    elif kind == "missing":
        message = f"is required but missing; expected {expected}"
    elif kind == "union_tag_invalid":
        tag = ctx.get("tag", value)
        path = [*path, "curve"]
        message = f"unknown curve {_show(tag)}{did_you_mean(str(tag), CURVES)}; expected {one_of(CURVES)}"
    elif kind == "union_tag_not_found":
        path = [*path, "curve"]
        message = f"is required but missing; expected {one_of(CURVES)}"
    elif kind == "literal_error":
        options = [str(option) for option in get_args(annotation)]
        hint = did_you_mean(value, options) if isinstance(value, str) else ""
        message = f"{shown} is not valid{hint}; expected {expected}"
    elif path and path[-1] == "[key]":
        path = path[:-1]
        message = (
            f"the name {shown} is not text (YAML reads unquoted digits as numbers and "
            "yes/no/on/off/true/false as booleans); put the name in quotes"
        )
    elif kind == "finite_number":
        message = f"{shown} is not a finite number; expected {expected}"
    elif kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        message = f"{shown} is out of range: {_range_text(annotation, metadata, path)}"
    elif kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
    elif kind in {"too_short", "string_too_short"}:
        noun = _ITEMS.get(path[-1] if path else "", "value")
        count = ctx.get("actual_length", len(value) if hasattr(value, "__len__") else 0)
        has = "is empty" if not count else f"has only {count} {noun}{'s' if count != 1 else ''}"
        wanted = ctx.get("min_length", 1)
        message = f"{has}; expected at least {wanted} {noun}{'s' if wanted != 1 else ''}"
        if noun == "format":
            message += ", such as feed: {}"
    elif kind == "string_pattern_mismatch":
        message = f"{shown} is not valid; expected {expected}"
    elif (noun := _type_noun(kind)) is not None:
        message = f"{shown} is not {noun}; expected {expected}"
        if kind == "string_type" and isinstance(value, int | float):
            message += " (put it in quotes)"
    else:
        message = f"{shown} is not valid: {error['msg']}"
    return Problem(".".join(path), message)


_ITEMS = {"channels": "channel", "formats": "format", "spend": "point", "conversions": "point", "name": "character"}

_TYPE_NOUNS = {
    "float": "a number",
    "int": "a whole number",
    "bool": "true or false",
    "string": "text",
    "dict": "a mapping",
    "model": "a mapping",
    "list": "a list",
    "date": "a valid date",
}


def _type_noun(kind: str) -> str | None:
    """What a pydantic type error says the value is not (`float_parsing`: "a number")."""
    if kind == "model_attributes_type":
        return "a mapping"
    head = kind.split("_", 1)[0]
    if head in _TYPE_NOUNS and (kind.endswith(("_type", "_parsing")) or kind == "int_from_float"):
        return _TYPE_NOUNS[head]
    return None


def _locate(loc: tuple[Any, ...] | list[Any]) -> tuple[list[str], Any, list[Any]]:
    """Walk a pydantic error location from `Scenario`.

    Returns the dotted-path parts (without the union tags pydantic inserts,
    such as ``hill`` in ``response.x.hill.alpha``), the annotation reached and
    the constraints (``Gt``, ``Le``, ...) on it; annotation ``None`` when the
    location leaves the schema.
    """
    parts = [str(part) for part in loc]
    node: Any = Scenario
    metadata: list[Any] = []
    path: list[str] = []
    for index, part in enumerate(parts):
        node, more = _strip(node)
        metadata = metadata + more
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(part)
            if field is None:
                return path + parts[index:], None, []
            node, metadata = field.annotation, list(field.metadata)
        elif get_origin(node) is dict:
            node, metadata = get_args(node)[0 if part == "[key]" else 1], []
        elif get_origin(node) is list:
            node, metadata = get_args(node)[0], []
        elif (member := _union_member(node, part)) is not None:
            node, metadata = member, []
            continue  # pydantic's tag of the union member, not a key of the file
        else:
            return path + parts[index:], None, []
        path.append(part)
    node, more = _strip(node)
    return path, node, metadata + more


def _strip(annotation: Any) -> tuple[Any, list[Any]]:
    """Remove `Annotated` and `Optional` wrappers; return the type and the constraints found."""
    metadata: list[Any] = []
    while True:
        if get_origin(annotation) is Annotated:
            annotation, *extra = get_args(annotation)
            for item in extra:
                metadata.extend(item.metadata if isinstance(item, FieldInfo) else [item])
            continue
        if get_origin(annotation) in (Union, UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation, metadata


def _union_member(annotation: Any, tag: str) -> Any:
    """The member of a tagged union of models whose `Literal` field holds `tag`."""
    if get_origin(annotation) not in (Union, UnionType):
        return None
    for member in get_args(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            for field in member.model_fields.values():
                if get_origin(field.annotation) is Literal and tag in get_args(field.annotation):
                    return member
    return None


def _keys(annotation: Any) -> list[str]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _bounds(metadata: list[Any]) -> dict[str, float]:
    return {
        name: getattr(item, name)
        for item in metadata
        for name in ("gt", "ge", "lt", "le")
        if getattr(item, name, None) is not None
    }


_MAPPINGS = {
    "channels": "a mapping of channel names to their settings",
    "formats": "a mapping of format names to their settings",
    "response": "a mapping of channel.format cells to response curves",
    "channel_share": "a mapping of channel names to share bounds (min, max)",
    "format_share": "a mapping of format names to share bounds (min, max)",
    "sources": "a mapping of parameter names to text",
    "variants": "a mapping of variant names to the scenario keys each one changes",
}


def _expected(annotation: Any, metadata: list[Any], path: list[str]) -> str:
    """What a valid value at `path` looks like, in words."""
    if len(path) == 2 and path[0] == "variants":
        return "a mapping of the scenario keys this variant changes"
    if annotation is bool:
        return "true or false"
    if annotation in (int, float):
        return _number_text(annotation, _bounds(metadata))
    if annotation is str:
        for item in metadata:
            if getattr(item, "pattern", None) == r"^[A-Z]{3}$":
                return "a three-letter ISO 4217 currency code in capitals, such as EUR or USD"
            if getattr(item, "pattern", None):
                return "a name of letters, digits, '-', '_' or '.', starting with a letter or digit"
        return "text"
    if annotation is dt.date:
        return "a date written YYYY-MM-DD, such as 2027-01-04"
    if get_origin(annotation) is Literal:
        return one_of(str(option) for option in get_args(annotation))
    if (keys := _keys(annotation)):
        return f"a mapping with keys {', '.join(keys)}"
    if get_origin(annotation) is dict:
        return _MAPPINGS.get(path[-1] if path else "", "a mapping")
    if get_origin(annotation) is list:
        return "a list of numbers"
    if get_origin(annotation) in (Union, UnionType):
        return f"a mapping with a 'curve' key: {one_of(CURVES)}"
    return "a valid value"


def _number_text(kind: type, bounds: dict[str, float]) -> str:
    noun = "a whole number" if kind is int else "a number"
    if kind is float and bounds == {"ge": 0, "le": 1}:
        return "a fraction between 0 and 1"
    if "ge" in bounds and "le" in bounds:
        return f"{noun} from {bounds['ge']:g} to {bounds['le']:g}"
    if set(bounds) == {"ge"}:
        return f"{noun} of {bounds['ge']:g} or more"
    words = {"gt": "greater than", "ge": "at least", "lt": "less than", "le": "at most"}
    parts = [f"{words[name]} {bound:g}" for name, bound in bounds.items()]
    return f"{noun} {' and '.join(parts)}" if parts else noun


def _range_text(annotation: Any, metadata: list[Any], path: list[str]) -> str:
    """The full range rule of a number (every bound, not only the one broken)."""
    bounds = _bounds(metadata)
    if annotation is float and bounds == {"ge": 0, "le": 1}:
        kind = "a share" if {"channel_share", "format_share"} & set(path) else "a rate"
        return f"{kind} must be between 0 and 1"
    if "ge" in bounds and "le" in bounds:
        return f"must be between {bounds['ge']:g} and {bounds['le']:g}"
    words = {"gt": "greater than", "ge": "at least", "lt": "less than", "le": "at most"}
    return "must be " + " and ".join(f"{words[name]} {bound:g}" for name, bound in bounds.items())


def _show(value: Any) -> str:
    """A value as the user wrote it in YAML."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isnan(value):
        return ".nan"
    if isinstance(value, float) and math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
