"""Fitted MMM curves mapped onto a scenario's cells: channel names matched, units converted, channels split by format.

Three rules, each stated where the command prints its result:

- **Names.** An MMM channel maps onto the scenario's channel of the same name, else onto the one whose name it
  matches in any case once a Robyn-style suffix (`_S`, `_I`, `_P`, `_spend`, `_spends`, `_cost`) is stripped
  (`facebook_S` → `facebook`), else as `--map NAME=CHANNEL` says; `--skip NAME` leaves a channel out. Any other
  channel is refused with the closest name of the scenario.
- **Units.** The model's curve `f` takes the spend of one of its periods (`period_weeks` weeks: a week for weekly
  Robyn data, the whole analysis period for Meridian) and gives that period's response; spread evenly over the
  horizon's `H` weeks, `n = H / period_weeks` such periods make the horizon curve `F(X) = n · f(X / n)`. A response
  in revenue is divided by `business.value_per_conversion`.
- **Formats.** A channel's curve `F` is split over its formats in shares `w` of the channel's conversions per
  currency unit at equal spend (each format's `1000 · CTR · CVR / CPM`, its factors applied): a format gets
  `w · F(x / w)`. Spend split in those shares then brings exactly `F` of the channel's spend, and with a concave
  `F` no split brings more (Jensen's inequality on the perspective of `F`).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

import yaml

from campaign.mmm_files import HillFit, MmmCurves, PointsFit
from scenarios import Scenario, UsageError, did_you_mean, printable

#: Suffixes Robyn's variable names carry (spend, impressions, clicks), stripped to match a channel name.
SUFFIX = re.compile(r"_(s|i|p|spend|spends|cost)$", re.IGNORECASE)
RESPONSES = ("conversions", "revenue")


@dataclass(frozen=True)
class CellCurve:
    """One cell's share of its channel's curve and the `response` entry written for it."""

    cell: str
    share: float
    curve: dict[str, Any]


@dataclass(frozen=True)
class ChannelImport:
    """One MMM channel: the scenario channel it maps onto, its fitted curve, and its cells' curves."""

    mmm_channel: str
    channel: str
    fit: HillFit | PointsFit
    cells: tuple[CellCurve, ...]


def stripped(name: str) -> str:
    """An MMM channel name without its Robyn suffix, in lower case: `facebook_S` → `facebook`."""
    return SUFFIX.sub("", name.strip()).lower()


def match_channels(
    curves: MmmCurves, scenario: Scenario, mapping: dict[str, str], skip: tuple[str, ...]
) -> dict[str, str]:
    """Each MMM channel's scenario channel, in the file's order; every name the file has that maps nowhere, every
    `--map` or `--skip` name the file lacks, and two MMM channels on one scenario channel are refused."""
    names = list(curves.names)
    channels = list(scenario.channels)
    for name in [*mapping, *skip]:
        if name not in names:
            raise UsageError(
                f"{curves.file}: has no channel '{printable(name)}'{did_you_mean(name, names)} to map or skip; "
                f"its channels are {', '.join(names)}"
            )
    for wanted in mapping.values():
        if wanted not in scenario.channels:
            raise UsageError(
                f"--map: '{printable(wanted)}' is not a channel of scenario '{scenario.name}'"
                f"{did_you_mean(wanted, channels)}; its channels are {', '.join(channels)}"
            )
    lower = {c.lower(): c for c in channels}
    matched: dict[str, str] = {}
    unknown: list[str] = []
    for name in names:
        if name in skip:
            continue
        target: str | None = mapping.get(name) or (name if name in scenario.channels else lower.get(stripped(name)))
        if target is None:
            unknown.append(f"'{name}'{did_you_mean(stripped(name), channels)}")
        else:
            matched[name] = target
    if unknown:
        raise UsageError(
            f"{curves.file}: {len(unknown)} of its channels are not channels of scenario '{scenario.name}': "
            f"{', '.join(unknown)}; the scenario's channels are {', '.join(channels)}. Map a name onto a channel "
            "with --map NAME=CHANNEL or leave it out with --skip NAME; nothing was written"
        )
    seen: dict[str, str] = {}
    for name, target in matched.items():
        if target in seen:
            raise UsageError(
                f"{curves.file}: channels '{seen[target]}' and '{name}' both map onto '{target}'; "
                "keep one (--skip NAME) or map the other elsewhere (--map NAME=CHANNEL)"
            )
        seen[target] = name
    if not matched:
        raise UsageError(f"{curves.file}: every channel is skipped; nothing to import")
    return matched


def format_shares(scenario: Scenario, channel: str) -> dict[str, float]:
    """Each format's share of the channel's conversions per currency unit at equal spend (`1000 · CTR · CVR / CPM`
    with the format's factors, CTR and CVR at most 1, as the market model takes them)."""
    ch = scenario.channels[channel]
    slopes = {
        name: 1000.0 * min(1.0, ch.ctr * f.ctr_factor) * min(1.0, ch.cvr * f.cvr_factor) / (ch.cpm * f.cpm_factor)
        for name, f in ch.formats.items()
    }
    dead = [name for name, slope in slopes.items() if slope <= 0]
    if dead:
        raise UsageError(
            f"scenario '{scenario.name}': format {channel}.{dead[0]} converts nothing at any spend (its CTR or CVR "
            "is 0), so the channel's curve cannot be split by conversions per currency unit; give it a CTR and CVR "
            "above 0 or remove the format"
        )
    total = sum(slopes.values())
    return {name: slope / total for name, slope in slopes.items()}


def value_divisor(scenario: Scenario, response: str) -> float:
    """What one unit of the model's response is worth in conversions: 1, or 1 / `value_per_conversion` for revenue."""
    if response not in RESPONSES:
        raise UsageError(f"--response {response}: expected one of {', '.join(RESPONSES)}")
    if response == "conversions":
        return 1.0
    value = scenario.business.value_per_conversion
    if value <= 0:
        raise UsageError(
            f"scenario '{scenario.name}': --response revenue needs business.value_per_conversion to turn revenue "
            "into conversions, and it is 0; set it in the scenario, or import a model of conversions"
        )
    return value


def horizon_curve(fit: HillFit | PointsFit, periods: float, divisor: float, band: str) -> dict[str, Any]:
    """The channel's curve over the horizon, `F(X) = n · f(X / n) / divisor` for `n = periods`."""
    if isinstance(fit, HillFit):
        return {
            "curve": "hill",
            "alpha": fit.alpha,
            "half_saturation": periods * fit.half_saturation,
            "max": periods * fit.coef / divisor,
        }
    return {
        "curve": "points",
        "spend": [periods * s for s in fit.spend],
        "conversions": [periods * r / divisor for r in fit.band(band)],
    }


def cell_curve(channel_curve: dict[str, Any], share: float) -> dict[str, Any]:
    """A format's part `w · F(x / w)` of its channel's curve `F`, for its share `w`."""
    if channel_curve["curve"] == "hill":
        return {
            **channel_curve,
            "half_saturation": share * channel_curve["half_saturation"],
            "max": share * channel_curve["max"],
        }
    return {
        "curve": "points",
        "spend": [share * s for s in channel_curve["spend"]],
        "conversions": [share * c for c in channel_curve["conversions"]],
    }


def import_channels(
    curves: MmmCurves, scenario: Scenario, matched: dict[str, str], divisor: float, band: str
) -> tuple[ChannelImport, ...]:
    """Every matched channel's curve over the scenario's horizon, split over its formats, each with its source."""
    periods = scenario.periods.weeks / curves.period_weeks
    imports = []
    for name, channel in matched.items():
        fit = curves.channels[name]
        whole = horizon_curve(fit, periods, divisor, band)
        cells = []
        for fmt, share in format_shares(scenario, channel).items():
            curve = cell_curve(whole, share) | {"source": source_note(curves, name, share, channel)}
            cells.append(CellCurve(f"{channel}.{fmt}", share, curve))
        imports.append(ChannelImport(name, channel, fit, tuple(cells)))
    return tuple(imports)


def source_note(curves: MmmCurves, name: str, share: float, channel: str) -> str:
    """Where a cell's curve comes from: the file, its format, the solution, the channel and the cell's share."""
    solution = f", solution {curves.solution}" if curves.solution is not None else ""
    return (
        f"{curves.format} {curves.file.name}{solution}, channel {name}; "
        f"{share:.6g} of {channel}'s curve (campaign curves import)"
    )


def scenario_yaml(raw: dict[str, Any], imports: tuple[ChannelImport, ...], curves: MmmCurves) -> str:
    """The scenario file's data with each imported cell's `response` curve replaced, as YAML with a header."""
    data = copy.deepcopy(raw)
    response = dict(data.get("response") or {})
    for channel in imports:
        for cell in channel.cells:
            response[cell.cell] = cell.curve
    data["response"] = response
    if "variants" in data:  # variants stay last, as a reader expects them
        data["variants"] = data.pop("variants")
    solution = f", solution {curves.solution}" if curves.solution is not None else ""
    header = f"# Response curves of {', '.join(c.channel for c in imports)} imported from {curves.format} "
    header += f"{curves.file.name}{solution} by campaign curves import."
    return printable(header) + "\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
