"""Safe YAML reading: plain data only, bounded in size, nesting and alias expansion.

Scenario files come from users and e-mail attachments: tags that would build
Python objects, alias bombs, absurd nesting and duplicate keys are refused
with a `ScenarioError` that names the place, before anything is validated.

Files are read with libyaml (PyYAML's C parser) where it is installed, and
with PyYAML's own Python parser otherwise; a file the C parser refuses is read
again by the Python one, so every refusal is worded the same either way.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from scenarios.errors import Problem, ScenarioError
from scenarios.messages import show_value

MAX_FILE_BYTES = 16_000_000
MAX_FILE_VALUES = 1_500_000
MAX_ALIASES = 100
MAX_ALIAS_VALUES = 100_000
MAX_DEPTH = 32


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
        raise ScenarioError(source, [Problem("", f"is {size:,} bytes; scenario files are at most {MAX_FILE_BYTES:,}")])
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(source, [Problem("", f"is not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise ScenarioError(source, [Problem("", f"cannot be read: {exc.strerror}")]) from None


def _plain(base: type[yaml.SafeLoader] | type[yaml.CSafeLoader]) -> type[Any]:
    """A safe loader for plain data on `base`: text, numbers, true/false, null, lists and mappings.

    Compared with `yaml.SafeLoader` it refuses the `!!binary`, `!!set`,
    `!!omap` and `!!pairs` tags and keeps dates as text: the schema parses
    them, so a bad date is reported with its key path instead of crashing.
    """
    refused = {f"tag:yaml.org,2002:{name}" for name in ("binary", "set", "omap", "pairs")}
    constructors = {tag: make for tag, make in yaml.SafeLoader.yaml_constructors.items() if tag not in refused}
    constructors["tag:yaml.org,2002:timestamp"] = lambda loader, node: loader.construct_scalar(node)
    return type(f"Plain{base.__name__}", (base,), {"yaml_constructors": constructors})


_PlainLoader = _plain(yaml.SafeLoader)
"""The reference loader, in Python: it words every refusal."""
_FastLoader = _plain(yaml.CSafeLoader) if yaml.__with_libyaml__ else None
"""The same loader on libyaml, or None where PyYAML was built without it."""
LOADERS = tuple(loader for loader in (_FastLoader, _PlainLoader) if loader is not None)


class _NotYamlError(ScenarioError):
    """Text the parser refuses as YAML: libyaml words it otherwise than PyYAML, so it is read again.

    Every other refusal comes from the checks below, on the same marks (line,
    column) with either parser, so it is worded alike and not read again.
    """


class _RejectedError(Exception):
    """A YAML document refused before it is built into Python objects."""

    def __init__(self, node: yaml.Node | None, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def parse_yaml(text: str, source: str) -> dict[str, Any]:
    """Parse YAML text into a mapping.

    Refuses (with a `ScenarioError`) what is not plain data or could hang or
    crash the loader: tags, more than `MAX_ALIASES` aliases, aliases adding
    more than `MAX_ALIAS_VALUES` values to the file's own, recursive aliases,
    nesting deeper than `MAX_DEPTH`, more than `MAX_FILE_VALUES` values, keys
    given twice, several documents and a non-mapping top level.
    """
    if not text.strip():
        raise ScenarioError(source, [Problem("", f"the file is empty; expected {_TOP_LEVEL}")])
    with _collector_paused():
        try:
            data = _parse(text, source, _FastLoader or _PlainLoader)
        except _NotYamlError:
            if _FastLoader is None:
                raise
            data = _parse(text, source, _PlainLoader)
    if data is None:
        raise ScenarioError(source, [Problem("", f"the file holds no data; expected {_TOP_LEVEL}")])
    if not isinstance(data, dict):
        raise ScenarioError(source, [Problem("", f"the top level is {_kind(data)}; expected {_TOP_LEVEL}")])
    return data


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: every node it would walk again and again is live.

    Reading 10,000 cells takes half the time without it; memory stays bounded by the file limits.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse(text: str, source: str, plain: type[Any]) -> Any:
    """The document of `text` read with the loader class `plain`, checked before it is built."""
    root: yaml.Node | None = None
    try:
        values, aliases = _scan(text, plain)
        loader = plain(text)
        try:
            root = loader.get_single_node()
            if root is None:
                return None
            if aliases:
                _check_expansion(root, values)
            duplicates = _duplicate_keys(root)
            if duplicates:
                raise ScenarioError(source, duplicates)
            return loader.construct_document(root)
        finally:
            loader.dispose()
    except _RejectedError as exc:
        raise ScenarioError(source, [Problem(_node_path(root, exc.node), exc.message)]) from None
    except yaml.constructor.ConstructorError as exc:
        raise ScenarioError(source, [_constructor_problem(exc, root)]) from None
    except yaml.YAMLError as exc:
        raise _NotYamlError(source, [Problem("", _syntax_message(exc))]) from None


_TOP_LEVEL = "a YAML mapping of scenario keys such as name, budget and channels"


def _scan(text: str, plain: type[Any]) -> tuple[int, int]:
    """The numbers of values (scalars, lists and mappings) and of aliases in `text`.

    Counts aliases, values and nesting on the event stream, before any node is built.
    """
    aliases = depth = values = 0
    for event in yaml.parse(text, Loader=plain):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _RejectedError(
                    None,
                    f"the file uses more than {MAX_ALIASES} YAML aliases (*name); at most {MAX_ALIASES} are allowed",
                )
        elif isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent):
            values += 1
            if values > MAX_FILE_VALUES:
                raise _RejectedError(
                    None,
                    f"the file holds more than {MAX_FILE_VALUES:,} values (keys, numbers, texts, lists and "
                    f"mappings); scenario files hold at most {MAX_FILE_VALUES:,} (a scenario of 10,000 cells, "
                    "each with a Hill curve, holds about 160,000)",
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _RejectedError(
                        None,
                        f"{_at(event.start_mark)}lists and mappings nest more than {MAX_DEPTH} levels deep; "
                        "a scenario nests a few levels",
                    )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return values, aliases


def _check_expansion(root: yaml.Node, own: int) -> None:
    """Refuse recursive aliases, and aliases that nest too deep or add more than `MAX_ALIAS_VALUES`
    to the file's `own` values.

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
                if total > own + MAX_ALIAS_VALUES:
                    raise _RejectedError(
                        None,
                        f"the file's YAML aliases (*name) expand to more than {MAX_ALIAS_VALUES:,} values; "
                        f"at most {MAX_ALIAS_VALUES:,} are allowed",
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
        return f"text ({show_value(value)})"
    if isinstance(value, bool):
        return f"a boolean ({show_value(value)})"
    if isinstance(value, int | float):
        return f"a number ({show_value(value)})"
    return f"a {type(value).__name__}"
