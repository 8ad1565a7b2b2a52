"""The defaults the README's scenario-key table documents are the schema's defaults.

Each row's key path is walked through the pydantic models (`NAME`, `FORMAT`
and `CHANNEL` step into a mapping's values); its default column must say
`required` for a required field, or match the field's default: a number,
`""`, `{}`, a word, `none` (no value: None, an empty collection, a section
whose settings are all unset). A number in brackets after a sub-key in the
meaning (`` `moderators` (1) ``, `` `patience_hours` (24: ...) ``), or `none`
or `required` there, is that sub-key's default. The few defaults the README gives in words are listed
here with what they mean, so a change on either side fails this test.
"""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from scenarios import schema

README = Path(__file__).resolve().parents[1] / "README.md"
PLACEHOLDERS = {"NAME", "FORMAT", "CHANNEL"}


class Fields(dict):
    """A section's default described by some of its settings."""


INLINE = "inline"  # the meaning column lists each sub-key's default

# Defaults given in words: the README's phrase, and the schema default it stands for.
IN_WORDS: dict[tuple[str, str], Any] = {
    ("periods", "1 week"): schema.Periods(count=1, unit="week"),
    ("seasonality", "all 1"): schema.Seasonality(cpm=None, cvr=None),
    ("channels.NAME.organic", "no posting"): Fields(posts_per_week=0),
    ("channels.NAME.flight", "all"): schema.Flight(start=1, end=None),
    ("channels.NAME.formats.FORMAT", "at least one format"): "required",
    ("response.CHANNEL.FORMAT", "the default curve"): {},
    ("team", "none (one moderator, office hours)"): None,
    (
        "actuals.conversion_columns",
        ("empty: the platform's `Results` (Meta) or `Conversions` column, filtered by `conversion_results`"),
    ): [],
    (
        "actuals.conversion_results",
        ("count the only result type there is (an export of several result types is refused)"),
    ): [],
    ("actuals.prior_strength", "as listed"): INLINE,
    ("simulation.community", "as listed"): INLINE,
    ("simulation.crisis", "no scheduled crisis"): Fields(onset_weeks=[]),
    ("simulation.sales", "conversions are sales"): None,
    ("simulation.crisis.playbook", "nothing"): Fields(pause_ads=False, extra_moderators=0),
}


def rows() -> list[tuple[str, str, str]]:
    """(key, meaning, default) of each row of the scenario-key table."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Scenario files") : text.index("A minimal file:")]
    out = []
    for line in section.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) != 3 or cells[0] in {"key", ""} or set(cells[0]) <= {"-"}:
            continue
        out.append((cells[0], cells[1], cells[2]))
    return out


def unwrap(annotation: Any) -> Any:
    """The model or mapping inside Optional[...] / Annotated[...]."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def resolve(path: str) -> tuple[type[BaseModel], str]:
    """The model holding the last key of `path`, and that key (`NAME` steps into a mapping's values)."""
    model: Any = schema.Scenario
    parts = path.split(".")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part in PLACEHOLDERS:
            continue
        if last:
            return model, part
        annotation = unwrap(model.model_fields[part].annotation)
        if typing.get_origin(annotation) is dict:
            annotation = unwrap(typing.get_args(annotation)[1])
            if parts[i + 1] not in PLACEHOLDERS:
                raise AssertionError(f"{path}: a mapping must be followed by NAME, FORMAT or CHANNEL")
        if all(p in PLACEHOLDERS for p in parts[i + 1 :]):
            return model, part  # `variants.NAME`, `response.CHANNEL.FORMAT`: an entry of the mapping
        model = annotation
    raise AssertionError(path)


def nothing(value: Any) -> bool:
    """No value: None, an empty collection, or a section whose every setting is unset or zero."""
    if value is None or value == {} or value == []:
        return True
    if isinstance(value, BaseModel):
        return all(nothing(getattr(value, f)) or getattr(value, f) in (0, 0.0, False) for f in type(value).model_fields)
    return False


def default_of(model: type[BaseModel], key: str) -> Any:
    field = model.model_fields[key]
    if field.default_factory is not None:
        return field.default_factory()
    return "required" if field.default is PydanticUndefined else field.default


def as_number(text: str) -> float | None:
    text = text.strip()
    return float(text.replace(",", "")) if re.fullmatch(r"\d{1,3}(,\d{3})*(\.\d+)?|\d+(\.\d+)?", text) else None


WORDS = {"none": None, "required": "required"}


def inline_defaults(meaning: str) -> list[tuple[list[str], Any]]:
    """Sub-keys with a default in the brackets after them: `a`, `b` (text, 0.3), `a` (24: text), `a` (text; none)."""
    found = []
    for match in re.finditer(r"((?:`\w+`(?:, | / ))*`\w+`) \(", meaning):
        keys = re.findall(r"`(\w+)`", match.group(1))
        depth, end = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(meaning[end], 0)
            end += 1
        inside = meaning[match.end() : end - 1]
        pieces = [p.strip() for p in re.split(r"[;,](?!\d{3})", inside)]
        numbers: list[Any] = [as_number(p) for p in pieces if as_number(p) is not None]
        numbers += [WORDS[w.group(1)] for p in pieces if (w := re.match(r"(none|required)\b", p))]
        numbers += [float(m.group(1)) for p in pieces if (m := re.match(r"(\d+(?:\.\d+)?):", p))]
        pair = [re.search(r"(\d+(?:\.\d+)?) / (\d+(?:\.\d+)?)(?:,|$)", p) for p in pieces]
        pairs = [m for m in pair if m]
        if len(keys) == 2 and " / " in match.group(1) and pairs:
            found += [([keys[0]], float(pairs[0].group(1))), ([keys[1]], float(pairs[0].group(2)))]
        elif len(numbers) == 1:
            found.append((keys, numbers[0]))
    return found


def check_column(key: str, default: str) -> None:
    model, last = resolve(key)
    actual = default_of(model, last)
    if (key, default) in IN_WORDS:
        meant = IN_WORDS[(key, default)]
        if isinstance(meant, Fields):
            for name, value in meant.items():
                assert getattr(actual, name) == value, (key, name)
        elif meant != INLINE:
            assert actual == meant, (key, actual, meant)
        return
    number = as_number(default)
    if default == "required":
        assert actual == "required", f"{key}: the README says required, the schema defaults to {actual!r}"
    elif number is not None:
        if isinstance(actual, BaseModel):
            return  # a section: its sub-keys are checked from the meaning column
        assert actual == number, f"{key}: the README says {default}, the schema {actual!r}"
    elif default == "none":
        assert nothing(actual), f"{key}: the README says none, the schema defaults to {actual!r}"
    elif re.fullmatch(r"`[^`]*`", default):
        literal = default.strip("`")
        assert actual == {'""': "", "{}": {}}.get(literal, literal), f"{key}: README {default}, schema {actual!r}"
    else:
        raise AssertionError(f"{key}: the default {default!r} is in words; add what it means to IN_WORDS")


def test_the_table_covers_sections_and_fields():
    keys = [key.strip("`") for key, _, _ in rows()]
    assert len(keys) > 50
    assert "team" in keys
    assert "business.gross_margin" in keys


@pytest.mark.parametrize(("key", "meaning", "default"), rows(), ids=[r[0] for r in rows()])
def test_documented_default_is_the_schema_default(key, meaning, default):
    paths = re.findall(r"`([^`]+)`", key)
    for path in paths:
        check_column(path, default)
    model, last = resolve(paths[0])
    section = unwrap(model.model_fields[last].annotation)
    if typing.get_origin(section) is dict:
        section = unwrap(typing.get_args(section)[1])
    if not (isinstance(section, type) and issubclass(section, BaseModel)):
        return
    number = as_number(default)
    listed = inline_defaults(meaning)
    if number is not None:
        listed += [([sub], number) for sub in re.findall(r"`(\w+)`", meaning)]
    for keys, value in listed:
        for sub in keys:
            assert sub in section.model_fields, f"{key}: `{sub}` is no key of {section.__name__}"
            assert default_of(section, sub) == value, f"{key}.{sub}: the README says {value}"
