"""Readable messages for schema errors: key path, bad value, what is valid, near misses."""

from __future__ import annotations

import datetime as dt
import difflib
import math
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from scenarios.errors import Problem, did_you_mean, one_of, printable
from scenarios.schema import CURVES, Scenario


def pydantic_problems(errors: list[Any]) -> list[Problem]:
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
    shown = show_value(value)
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
        message = f"unknown curve {show_value(tag)}{did_you_mean(str(tag), CURVES)}; expected {one_of(CURVES)}"
    elif kind == "union_tag_not_found":
        path = [*path, "curve"]
        message = f"is required but missing; expected {one_of(CURVES)}"
    elif kind == "literal_error":
        options = [str(option) for option in get_args(annotation)]
        hint = did_you_mean(value, options) if isinstance(value, str) else ""
        message = f"{shown} is not valid{hint}; expected {expected}"
    elif path and path[-1] == "[key]" and kind in {"string_pattern_mismatch", "string_too_short"}:
        path = path[:-2]
        message = identifier_problem(value, "variant" if path == ["variants"] else "key")
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
    elif (type_noun := _type_noun(kind)) is not None:
        message = f"{shown} is not {type_noun}; expected {expected}"
        if kind == "string_type" and isinstance(value, int | float):
            message += " (put it in quotes)"
    else:
        message = f"{shown} is not valid: {error['msg']}"
    return Problem(".".join(printable(part) for part in path), message)


def identifier_problem(name: str, noun: str) -> str:
    """Why `name` is not an identifier: the first character that breaks the rule, and the rule."""
    rule = f"a {noun} name uses letters (a-z, A-Z), digits, '-', '_' and '.', and starts with a letter or digit"
    if not name:
        return f"a {noun} name is empty; {rule}"
    bad = next((i for i, ch in enumerate(name) if not (ch.isascii() and (ch.isalnum() or (i > 0 and ch in "-_.")))), 0)
    where = "starts with" if bad == 0 else "holds"
    return f"{show_value(name)} is not a valid {noun} name: it {where} {name[bad]!r}; {rule}"


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
    if keys := _keys(annotation):
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


def show_value(value: Any) -> str:
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
