"""The scenario's `uncertainty` section: 90 % intervals on figures, a default relative uncertainty, and their checks.

A channel or format figure may be written as an interval, `cvr: {mean: 0.03,
low: 0.02, high: 0.045}`: the mean stays the figure every engine reads, and
`lift_intervals` moves the interval into `uncertainty.intervals`, keyed by the
figure's key path, before the schema validates the file (so `ch.cvr` is a
number everywhere). `uncertainty.stretch` holds intervals on a cell's curve
stretch ρ (the curve's spend axis stretched, ρ · r · F(x / ρ), as `campaign
calibrate` defines it; the curve as written is ρ = 1). `uncertainty.relative`
is the coefficient of variation of every channel figure and cell stretch
without an interval; 0 (the default) leaves them certain.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from scenarios.closed import Closed
from scenarios.errors import Problem, did_you_mean

if TYPE_CHECKING:
    from scenarios.schema import Scenario

Range = Literal["rate", "positive"]
#: Channel figures that may carry an interval, and the range their values live in.
CHANNEL_FIGURES: dict[str, Range] = {
    "cpm": "positive",
    "ctr": "rate",
    "cvr": "rate",
    "negative_feedback_rate": "rate",
}
ORGANIC_FIGURES: dict[str, Range] = {"follow_rate": "rate"}
FORMAT_FIGURES: dict[str, Range] = {"cpm_factor": "positive", "ctr_factor": "positive", "cvr_factor": "positive"}
INTERVAL_KEYS = frozenset({"mean", "low", "high"})
Finite = Annotated[float, Field(allow_inf_nan=False)]


class Interval(Closed):
    """A figure's mean and its 90 % interval: 5 % of the figure's distribution lies below `low`, 5 % above `high`."""

    mean: Finite
    low: Finite
    high: Finite


class StretchInterval(Interval):
    """A 90 % interval on a cell's curve stretch ρ; its mean is the curve as written, ρ = 1."""

    mean: Finite = 1.0


class Uncertainty(Closed):
    """What is not known about the scenario's figures.

    `relative`: the coefficient of variation of each channel figure (CPM, CTR,
    CVR, negative-feedback rate, follow rate) and each cell's curve stretch
    that has no interval of its own (0: certain). `intervals`: 90 % intervals
    keyed by the figure's key path (`channels.NAME.cvr`); `stretch`: 90 %
    intervals on each cell's curve stretch, keyed `CHANNEL.FORMAT`.
    """

    relative: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    intervals: dict[str, Interval] = {}
    stretch: dict[str, StretchInterval] = {}

    @property
    def any(self) -> bool:
        """Whether any figure is written uncertain: a relative uncertainty above 0 or an interval of some width
        (one with low = high is its mean, a certain figure). `scenarios.uncertainty.source` says what is drawn."""
        widths = [i.high - i.low for i in (*self.intervals.values(), *self.stretch.values())]
        return self.relative > 0 or any(width > 0 for width in widths)


def lift_intervals(data: Any) -> Any:
    """The raw scenario with every `{mean, low, high}` figure replaced by its mean and the interval moved under
    `uncertainty.intervals` (keyed by the figure's path); anything else is left for the schema to judge."""
    if not isinstance(data, Mapping) or not isinstance(data.get("channels"), Mapping):
        return data
    out = dict(data)
    section = out.get("uncertainty", {})
    if section is None:
        section = {}
    if not isinstance(section, Mapping) or not isinstance(section.get("intervals", {}), Mapping):
        return data
    channels, lifted = _lift_channels(out["channels"])
    if not lifted:
        return data
    out["channels"] = channels
    out["uncertainty"] = {**section, "intervals": {**section.get("intervals", {}), **lifted}}
    return out


def written_path(data: Any, path: str) -> str:
    """The key path of the file that `path`, a key path of the validated scenario, comes from: an interval
    written in place (`channels.NAME.cvr.high`) rather than under `uncertainty.intervals`, where the schema
    judged it."""
    head = "uncertainty.intervals."
    if not path.startswith(head) or not isinstance(data, Mapping) or not isinstance(data.get("channels"), Mapping):
        return path
    _, lifted = _lift_channels(data["channels"])
    rest = path.removeprefix(head)
    for figure in lifted:
        if rest == figure or rest.startswith(f"{figure}."):
            return rest
    return path


def _lift_channels(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The channels with each figure written `{mean, ...}` replaced by its mean, and those figures by path."""
    lifted: dict[str, Any] = {}
    channels = copy.deepcopy(dict(raw))
    for name, channel in channels.items():
        if not isinstance(channel, dict):
            continue
        _lift(channel, CHANNEL_FIGURES, f"channels.{name}", lifted)
        if isinstance(channel.get("organic"), dict):
            _lift(channel["organic"], ORGANIC_FIGURES, f"channels.{name}.organic", lifted)
        if isinstance(channel.get("formats"), dict):
            for fmt, spec in channel["formats"].items():
                if isinstance(spec, dict):
                    _lift(spec, FORMAT_FIGURES, f"channels.{name}.formats.{fmt}", lifted)
    return channels, lifted


def _lift(mapping: dict[str, Any], figures: Mapping[str, Range], prefix: str, lifted: dict[str, Any]) -> None:
    for key in figures:
        value = mapping.get(key)
        if isinstance(value, Mapping) and "mean" in value:
            lifted[f"{prefix}.{key}"] = dict(value)
            mapping[key] = value["mean"]


def interval_range(scenario: Scenario, path: str) -> Range | None:
    """The range of the figure at `path` (`rate` or `positive`), or None when `path` names no figure that may
    carry an interval."""
    parts = path.split(".")
    if len(parts) < 3 or parts[0] != "channels" or parts[1] not in scenario.channels:
        return None
    channel = scenario.channels[parts[1]]
    if len(parts) == 3:
        return CHANNEL_FIGURES.get(parts[2])
    if len(parts) == 4 and parts[2] == "organic":
        return ORGANIC_FIGURES.get(parts[3])
    if len(parts) == 5 and parts[2] == "formats" and parts[3] in channel.formats:
        return FORMAT_FIGURES.get(parts[4])
    return None


def uncertainty_problems(scenario: Scenario) -> list[Problem]:
    """Every interval that names no figure, is ordered wrongly, or leaves its figure's range."""
    problems = []
    for path, interval in scenario.uncertainty.intervals.items():
        kind = interval_range(scenario, path)
        if kind is None:
            hint = did_you_mean(path, _figure_paths(scenario))
            problems.append(
                Problem(
                    f"uncertainty.intervals.{path}",
                    f"'{path}' names no figure that may carry an interval{hint}; expected channels.NAME.cpm, .ctr, "
                    ".cvr, .negative_feedback_rate, .organic.follow_rate or .formats.FORMAT.cpm_factor, "
                    ".ctr_factor, .cvr_factor",
                )
            )
            continue
        problems += _interval_problems(path, interval, kind)
    cells = [f"{c}.{f}" for c, ch in scenario.channels.items() for f in ch.formats]
    for cell, interval in scenario.uncertainty.stretch.items():
        if cell not in cells:
            problems.append(
                Problem(
                    f"uncertainty.stretch.{cell}",
                    f"'{cell}' is not a cell of this scenario{did_you_mean(cell, cells)}; expected CHANNEL.FORMAT",
                )
            )
            continue
        if interval.mean != 1.0:
            problems.append(
                Problem(
                    f"uncertainty.stretch.{cell}.mean",
                    f"the mean ({interval.mean:g}) must be 1: the curve as written is the stretch's mean "
                    "(write the curve itself stretched to move it)",
                )
            )
            continue
        problems += _interval_problems(f"uncertainty.stretch.{cell}", interval, "positive")
    return problems


def _interval_problems(path: str, interval: Interval, kind: Range) -> list[Problem]:
    low, mean, high = interval.low, interval.mean, interval.high
    shown = f"{{mean: {mean:g}, low: {low:g}, high: {high:g}}}"
    if low > high:
        return [
            Problem(
                path, f"low ({low:g}) must not exceed high ({high:g}): {shown} is a 90 % interval, low ≤ mean ≤ high"
            )
        ]
    if not low <= mean <= high:
        return [Problem(path, f"the mean ({mean:g}) must lie within [low, high] = [{low:g}, {high:g}]")]
    if kind == "rate" and low < high and not (low > 0.0 and high < 1.0):
        return [
            Problem(
                path,
                f"the interval [{low:g}, {high:g}] of a rate must lie inside (0, 1): 5 % of the rate's "
                "distribution lies below low and 5 % above high (low = high = the mean for a certain figure)",
            )
        ]
    if kind == "rate" and not 0.0 <= low <= high <= 1.0:
        return [Problem(path, f"the interval [{low:g}, {high:g}] of a rate must lie within [0, 1]")]
    if kind == "positive" and low <= 0.0:
        return [
            Problem(path, f"the interval [{low:g}, {high:g}] must lie above 0 (a CPM, a factor or a stretch is > 0)")
        ]
    return []


def _figure_paths(scenario: Scenario) -> list[str]:
    paths = []
    for name, channel in scenario.channels.items():
        paths += [f"channels.{name}.{key}" for key in CHANNEL_FIGURES]
        paths += [f"channels.{name}.organic.{key}" for key in ORGANIC_FIGURES]
        paths += [f"channels.{name}.formats.{fmt}.{key}" for fmt in channel.formats for key in FORMAT_FIGURES]
    return paths
