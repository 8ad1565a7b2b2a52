"""Sweeps over one numeric scenario key: `KEY=FROM:TO:STEP`, checked against the scenario's schema."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from scenarios.errors import UsageError, did_you_mean, one_of
from scenarios.loader import override
from scenarios.schema import Scenario

#: The most points one sweep may have.
MAX_POINTS = 1000
EXAMPLE = "budget.total=10000:30000:2500"


@dataclass(frozen=True)
class SweepSpec:
    """A sweep as written, before its key is checked against a scenario: the key and its values, in order."""

    text: str
    key: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Sweep:
    """A dotted scenario key and the values it takes, in order."""

    key: str
    values: tuple[float, ...]

    def point(self, scenario: Scenario, value: float) -> Scenario:
        """`scenario` with the key set to `value`, validated again."""
        changes: dict[str, Any] = {}
        node = changes
        *parents, last = self.key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = int(value) if _integer(scenario, self.key) else value
        return override(scenario, changes, f"--sweep {self.key}={value:g}")

    def label(self, value: float) -> str:
        """The row name of one point: ``budget.total=12500``."""
        return f"{self.key}={value:.10g}"


def parse_spec(text: str) -> SweepSpec:
    """Read ``KEY=FROM:TO:STEP`` (inclusive of TO); a ValueError says what is wrong with it.

    FROM, TO and STEP are finite, STEP above 0, and the sweep has at most
    MAX_POINTS points that differ from each other at the 10 significant
    digits the table shows.
    """
    key, sep, spec = text.partition("=")
    parts = spec.split(":")
    if not sep or not key or len(parts) != 3:
        raise ValueError(f"'{text}': expected KEY=FROM:TO:STEP, such as {EXAMPLE}")
    try:
        start, stop, step = (float(p) for p in parts)
    except ValueError:
        raise ValueError(f"'{text}': FROM, TO and STEP must be numbers, such as {EXAMPLE}") from None
    if not all(math.isfinite(v) for v in (start, stop, step)):
        raise ValueError(f"'{text}': FROM, TO and STEP must be finite numbers")
    if step <= 0:
        raise ValueError(f"'{text}': STEP must be above 0, got {step:g}")
    if stop < start:
        raise ValueError(f"'{text}': TO ({stop:g}) must not be below FROM ({start:g})")
    ratio = (stop - start) / step  # infinite when TO - FROM overflows or STEP is vanishingly small
    if not math.isfinite(ratio) or ratio + 1 > MAX_POINTS:
        shown = f"{math.floor(ratio + 1e-9) + 1:,}" if math.isfinite(ratio) else f"more than {MAX_POINTS:,}"
        raise ValueError(f"'{text}': {shown} points; at most {MAX_POINTS:,} are allowed, use a larger STEP")
    count = math.floor(ratio + 1e-9) + 1
    values = tuple(float(f"{start + i * step:.10g}") for i in range(count))
    for before, after in itertools.pairwise(values):
        if after <= before:
            raise ValueError(
                f"'{text}': STEP {step:g} is too small for FROM and TO: two points would both be "
                f"{after:.10g} to 10 significant digits; use a larger STEP"
            )
    return SweepSpec(text, key, values)


def parse_sweep(text: str | SweepSpec, scenario: Scenario) -> Sweep:
    """A sweep of `scenario`: KEY names a number of it, and a whole-number key takes whole values only."""
    try:
        spec = text if isinstance(text, SweepSpec) else parse_spec(text)
    except ValueError as error:
        raise UsageError(f"--sweep {error}") from None
    _check_key(scenario, spec.key)
    if _integer(scenario, spec.key):
        fractional = [v for v in spec.values if v != int(v)]
        if fractional:
            raise UsageError(
                f"--sweep '{spec.text}': {spec.key} is a whole number, and the sweep reaches {fractional[0]:g}; "
                "give whole FROM and STEP, such as 2:4:1"
            )
    return Sweep(spec.key, spec.values)


def _check_key(scenario: Scenario, key: str) -> None:
    """Raise a UsageError unless `key` is a dotted path to a number in `scenario`."""
    node: Any = scenario
    walked: list[str] = []
    for part in key.split("."):
        if isinstance(node, BaseModel):
            valid = list(type(node).model_fields)
            if part not in valid:
                where = ".".join(walked) or "the scenario"
                raise UsageError(
                    f"--sweep: '{key}': {where} has no key '{part}'{did_you_mean(part, valid)}; "
                    f"valid keys there: {one_of(valid)}"
                )
            node = getattr(node, part)
        elif isinstance(node, dict):
            if part not in node:
                where = ".".join(walked)
                raise UsageError(
                    f"--sweep: '{key}': {where} has no entry '{part}'{did_you_mean(part, list(node))}; "
                    f"entries there: {one_of(node)}"
                )
            node = node[part]
        else:
            raise UsageError(f"--sweep: '{key}': {'.'.join(walked)} is a single value and has no key '{part}'")
        walked.append(part)
    if isinstance(node, bool) or not isinstance(node, int | float | type(None)):
        kind = "a set of keys" if isinstance(node, BaseModel | dict) else f"{type(node).__name__} {node!r}"
        raise UsageError(f"--sweep: '{key}' is not a number ({kind}); a sweep varies one numeric key")
    if node is None and not _numeric_field(scenario, key):
        raise UsageError(f"--sweep: '{key}' is not a numeric key; a sweep varies one numeric key")


def _field(scenario: Scenario, key: str):
    """The pydantic field info of the last part of `key` (None inside dicts of plain values)."""
    node: Any = scenario
    info = None
    for part in key.split("."):
        if isinstance(node, BaseModel):
            info = type(node).model_fields[part]
            node = getattr(node, part)
        else:
            node = node[part]
    return info


def _numeric_field(scenario: Scenario, key: str) -> bool:
    info = _field(scenario, key)
    text = str(info.annotation) if info is not None else ""
    return "float" in text or "int" in text


def _integer(scenario: Scenario, key: str) -> bool:
    info = _field(scenario, key)
    text = str(info.annotation) if info is not None else ""
    return "int" in text and "float" not in text
