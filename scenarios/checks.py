"""Cross-section checks a field-by-field schema cannot express.

Each check returns `Problem` records rather than raising, so a file's
problems are all reported together.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from scenarios import patterns
from scenarios.errors import Problem, did_you_mean, one_of
from scenarios.schema import Channel, PointsCurve, Scenario
from scenarios.uncertainty_schema import uncertainty_problems

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def check_scenario(scenario: Scenario) -> list[Problem]:
    """Return every cross-reference problem of a schema-valid scenario."""
    problems: list[Problem] = []
    problems += _check_names(scenario)
    problems += _check_response(scenario)
    problems += _check_rules(scenario)
    problems += _check_objective(scenario)
    problems += _check_sources(scenario)
    problems += _check_periods(scenario)
    problems += _check_mapping(scenario)
    problems += _check_calibration(scenario)
    problems += uncertainty_problems(scenario)
    return problems


def _check_mapping(scenario: Scenario) -> list[Problem]:
    """Mapping rules name cells of this scenario and valid regular expressions."""
    problems = []
    cells = cell_keys(scenario)
    for i, rule in enumerate(scenario.actuals.mapping):
        path = f"actuals.mapping[{i}]"
        if rule.channel not in scenario.channels:
            problems.append(
                Problem(
                    f"{path}.channel",
                    f"unknown channel '{rule.channel}'{did_you_mean(rule.channel, scenario.channels)}; "
                    f"expected a channel of this scenario: {one_of(scenario.channels)}",
                )
            )
        elif f"{rule.channel}.{rule.format}" not in cells:
            formats = scenario.channels[rule.channel].formats
            problems.append(
                Problem(
                    f"{path}.format",
                    f"'{rule.format}' is not a format of {rule.channel}{did_you_mean(rule.format, formats)}; "
                    f"expected {one_of(formats)}",
                )
            )
        if rule.campaign is not None:
            error = patterns.compile_error(rule.campaign)
            slow = None if error is not None else patterns.too_slow(rule.campaign)
            if error is not None:
                problems.append(Problem(f"{path}.campaign", f"'{rule.campaign}' is not a regular expression: {error}"))
            elif slow is not None:
                problems.append(
                    Problem(
                        f"{path}.campaign",
                        f"the pattern '{rule.campaign}' takes longer than {patterns.MATCH_SECONDS:g} s on a name of "
                        f"{len(slow)} characters ({slow[0]!r} repeated): nested or overlapping repetition such as "
                        "(a+)+ or (a|aa)+ backtracks without end; write it without the repeated group",
                    )
                )
    return problems


def cell_keys(scenario: Scenario) -> list[str]:
    """All `channel.format` cell keys of a scenario, in file order."""
    return [f"{c}.{f}" for c, channel in scenario.channels.items() for f in channel.formats]


def _check_names(scenario: Scenario) -> list[Problem]:
    problems = []
    rule = "names use lower-case letters, digits, '-' and '_' (no dots or spaces)"
    for name, channel in scenario.channels.items():
        if not NAME.match(name):
            problems.append(Problem(f"channels.{name}", f"'{name}' is not a valid channel name: {rule}"))
        for fmt in channel.formats:
            if not NAME.match(fmt):
                problems.append(
                    Problem(f"channels.{name}.formats.{fmt}", f"'{fmt}' is not a valid format name: {rule}")
                )
    return problems


def _check_calibration(scenario: Scenario) -> list[Problem]:
    if scenario.calibration is None:
        return []
    cells = cell_keys(scenario)
    known = set(cells)
    return [
        Problem(
            f"calibration.cells.{key}",
            f"unknown cell '{key}'{did_you_mean(key, cells)}; expected a channel.format cell of this scenario: "
            f"{one_of(cells)}",
        )
        for key in scenario.calibration.cells
        if key not in known
    ]


def _check_response(scenario: Scenario) -> list[Problem]:
    problems = []
    cells = cell_keys(scenario)
    known = set(cells)  # a response curve for each of 10,000 cells: a set, not the list, is looked up
    for key, curve in scenario.response.items():
        path = f"response.{key}"
        if key not in known:
            problems.append(
                Problem(
                    path,
                    f"unknown cell '{key}'{did_you_mean(key, cells)}; "
                    f"expected a channel.format cell of this scenario: {one_of(cells)}",
                )
            )
            continue
        if isinstance(curve, PointsCurve):
            problems += _check_points(path, curve)
    return problems


def _check_points(path: str, curve: PointsCurve) -> list[Problem]:
    spend, conv = curve.spend, curve.conversions
    if len(spend) != len(conv):
        return [
            Problem(
                path,
                f"'spend' has {len(spend)} points but 'conversions' has {len(conv)}; "
                "expected one conversions value per spend value",
            )
        ]
    for i in range(1, len(spend)):
        if spend[i] <= spend[i - 1]:
            return [
                Problem(
                    f"{path}.spend",
                    f"{_numbers(spend)} is not valid: {spend[i]:g} follows {spend[i - 1]:g}; "
                    "expected spend values that increase strictly",
                )
            ]
        if conv[i] < conv[i - 1]:
            return [
                Problem(
                    f"{path}.conversions",
                    f"{_numbers(conv)} is not valid: {conv[i]:g} at spend {spend[i]:g} follows "
                    f"{conv[i - 1]:g} at spend {spend[i - 1]:g}; "
                    "expected conversions that never decrease as spend grows",
                )
            ]
    if spend[0] == 0 and conv[0] != 0:
        return [
            Problem(
                f"{path}.conversions",
                f"{conv[0]:g} at spend 0 is not valid; expected 0 (the curve is the paid response only)",
            )
        ]
    return []


def _numbers(values: list[float]) -> str:
    return "[" + ", ".join(f"{value:g}" for value in values) + "]"


def _check_rules(scenario: Scenario) -> list[Problem]:
    problems = []
    channels = list(scenario.channels)
    formats = sorted({f for channel in scenario.channels.values() for f in channel.formats})
    for name in scenario.rules.channel_share:
        if name not in channels:
            problems.append(
                Problem(
                    f"rules.channel_share.{name}",
                    f"unknown channel '{name}'{did_you_mean(name, channels)}; "
                    f"expected a channel of this scenario: {one_of(channels)}",
                )
            )
    for name in scenario.rules.format_share:
        if name not in formats:
            problems.append(
                Problem(
                    f"rules.format_share.{name}",
                    f"unknown format '{name}'{did_you_mean(name, formats)}; "
                    f"expected a format of this scenario: {one_of(formats)}",
                )
            )
    return problems


def _check_objective(scenario: Scenario) -> list[Problem]:
    problems = []
    value = scenario.business.value_per_conversion
    if scenario.objective == "min_spend" and scenario.kpis.min_conversions is None:
        problems.append(
            Problem(
                "kpis.min_conversions",
                "is required when the objective is min_spend; "
                "expected the number of conversions to reach at the least spend",
            )
        )
    if scenario.objective == "profit" and value <= 0:
        problems.append(
            Problem(
                "business.value_per_conversion",
                f"{value:g} is not valid when the objective is profit; "
                "expected a number greater than 0 (what one conversion is worth)",
            )
        )
    if scenario.kpis.min_roas is not None and value <= 0:
        problems.append(
            Problem(
                "business.value_per_conversion",
                f"{value:g} is not valid when kpis.min_roas is set; expected a number greater than 0 "
                "(ROAS is revenue per unit of spend, revenue being conversions times this value)",
            )
        )
    return problems


def _check_sources(scenario: Scenario) -> list[Problem]:
    problems = []
    fields = list(Channel.model_fields)
    for name, channel in scenario.channels.items():
        for key in channel.sources:
            if key not in fields:
                hint = did_you_mean(key, fields)
                listing = "" if hint else f"; expected a key of the channel: {one_of(fields)}"
                problems.append(
                    Problem(f"channels.{name}.sources.{key}", f"'{key}' names no key of the channel{hint}{listing}")
                )
    for key in scenario.sources:
        if not _resolves(scenario, key.split(".")):
            problems.append(
                Problem(
                    f"sources.{key}",
                    f"'{key}' names no key of this scenario; "
                    "expected a dotted key path such as business.value_per_conversion",
                )
            )
    return problems


def _resolves(node: object, parts: list[str]) -> bool:
    for part in parts:
        if isinstance(node, BaseModel) and part in type(node).model_fields:
            node = getattr(node, part)
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


def _check_periods(scenario: Scenario) -> list[Problem]:
    """Per-period lists and period numbers must fit the horizon."""
    problems = []
    count = scenario.periods.count
    for key in ("cpm", "cvr"):
        values = getattr(scenario.seasonality, key)
        if values is not None and len(values) != count:
            problems.append(
                Problem(
                    f"seasonality.{key}",
                    f"has {len(values)} values; expected one per period: {count} (periods.count)",
                )
            )
    for name, channel in scenario.channels.items():
        for key, value in (("start", channel.flight.start), ("end", channel.flight.end)):
            if value is not None and value > count:
                problems.append(
                    Problem(f"channels.{name}.flight.{key}", f"{value} is after the last period; expected 1 to {count}")
                )
        late = [p for p in channel.blackout if p > count]
        if late:
            problems.append(
                Problem(
                    f"channels.{name}.blackout",
                    f"{', '.join(map(str, late))} after the last period; expected periods 1 to {count}",
                )
            )
    low = scenario.budget.per_period.min
    if low * count > scenario.budget.total:
        problems.append(
            Problem(
                "budget.per_period.min",
                f"{low:g} over {count} periods is {low * count:g}, more than budget.total ({scenario.budget.total:g})",
            )
        )
    return problems
