"""A plan's checks against its scenario: its rows' cells, periods and figures, its spend and its content.

Every check raises a UsageError that names the source (the plan file), the
row, the figure and the limit. Rows are mappings of JSON or CSV values, so
a number may come as a string; a figure is shown as written. The limits
allow RELATIVE and ABSOLUTE slack for the rounding of allocation.csv (6
decimals) and of the solver. A plan that passes cannot make the simulator
or the P&L run for ever or run out of memory.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from scenarios.errors import UsageError, did_you_mean
from scenarios.market import Market
from scenarios.schema import Scenario

#: Slack on the limits for the rounding of allocation.csv (6 decimals) and of the solver.
RELATIVE, ABSOLUTE = 1e-6, 0.01


def allocation_spend(source: str, rows: Sequence[Any], market: Market, name: str) -> np.ndarray:
    """The spend per slot (the market's order) the allocation rows set, each row checked as it is read.

    Each slot (cell and period) at most once, so rows of any length fail by row cells × periods + 1 at the latest.
    """
    cells = list(market.cell_keys)
    spend, seen = np.zeros(len(cells) * market.periods), set()
    index = {cell: c for c, cell in enumerate(cells)}
    for number, row in enumerate(rows, start=1):
        where = f"{source}: allocation row {number}"
        missing = [k for k in ("channel", "format", "period", "spend") if not isinstance(row, dict) or k not in row]
        if missing:
            raise UsageError(f"{where}: missing {', '.join(missing)}; each row needs channel, format, period, spend")
        cell = plan_cell(where, row, cells, name)
        period = whole(where, "period", row["period"])
        amount = finite(where, "spend", row["spend"])
        if not 1 <= period <= market.periods:
            raise UsageError(f"{where}: period {period} is outside the horizon of {market.periods} periods")
        if (cell, period) in seen:
            raise UsageError(f"{where}: {cell} in period {period} is given twice")
        seen.add((cell, period))
        slot = index[cell] * market.periods + period - 1
        if amount > 0 and not market.available[slot]:
            raise UsageError(f"{where}: {cell} spends {amount:g} in period {period}, when its channel is dark")
        spend[slot] = amount
    return spend


def check_spend(source: str, spend: np.ndarray, scenario: Scenario, market: Market) -> None:
    """The spend within the budget, each period's floor and cap, and each channel's and cell's bounds."""
    cur = scenario.currency
    total, budget = float(spend.sum()), scenario.budget.total
    if total > budget * (1 + 1e-6):
        raise UsageError(
            f"{source}: the plan spends {total:,.2f} {cur}, more than the scenario's budget of {budget:,.2f} {cur}"
        )
    unit = market.period_unit
    weekly = scenario.budget.per_period
    per_period = np.bincount(market.period_of, weights=spend, minlength=market.periods)
    for t, amount in enumerate(per_period, start=1):
        where = f"{source}: the plan spends {amount:,.2f} {cur} in {unit} {t}"
        if weekly.max is not None and _above(amount, weekly.max):
            raise UsageError(f"{where}, above the cap of {weekly.max:,.2f} {cur} per {unit} (budget.per_period.max)")
        if _below(amount, weekly.min):
            raise UsageError(f"{where}, below the floor of {weekly.min:,.2f} {cur} per {unit} (budget.per_period.min)")
    channel = np.bincount(market.channel_of, weights=spend, minlength=len(market.channels))
    for j, name in enumerate(market.channels):
        _within(source, f"channel {name}", f"channels.{name}.spend", channel[j], market.channel_lower[j],
                market.channel_upper[j], cur)  # fmt: skip
    cell = np.bincount(market.cell_of, weights=spend, minlength=len(market.cell_keys))
    for c, key in enumerate(market.cell_keys):
        channel_name, format_name = key.split(".", 1)
        setting = f"channels.{channel_name}.formats.{format_name}.spend"
        _within(source, f"cell {key}", setting, cell[c], market.cell_lower[c], market.cell_upper[c], cur)


def content_decisions(
    source: str, raw: Any, market: Market, name: str, spend: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The posts and creatives per cell the content rows set, each row within its format's limits.

    Cells without a row post their minimum and make the creatives their impressions wear out.
    """
    if not isinstance(raw, list | tuple):
        raise UsageError(f"{source}: 'content' must be a list of rows (channel, format, creatives, posts per week)")
    cells = list(market.cell_keys)
    posts = market.posts_min.astype(int).copy() if market.posts_min is not None else np.zeros(len(cells), dtype=int)
    creatives = market.creatives_needed(spend)
    low = market.posts_min if market.posts_min is not None else np.zeros(len(cells), dtype=int)
    high = market.posts_max if market.posts_max is not None else np.zeros(len(cells), dtype=int)
    seen = set()
    index = {cell: c for c, cell in enumerate(cells)}
    for number, row in enumerate(raw, start=1):
        where = f"{source}: content row {number}"
        fields = ("channel", "format", "creatives", "organic_posts_per_week")
        if not isinstance(row, dict):
            raise UsageError(f"{where}: not a row but {kind(row)}; each row has {', '.join(fields)}")
        missing = [k for k in fields if k not in row]
        if missing:
            raise UsageError(f"{where}: missing {', '.join(missing)}")
        cell = plan_cell(where, row, cells, name)
        if cell in seen:
            raise UsageError(f"{where}: {cell} is given twice")
        seen.add(cell)
        c = index[cell]
        count = whole(where, "creatives", row["creatives"])
        weekly = whole(where, "organic_posts_per_week", row["organic_posts_per_week"])
        if not low[c] <= weekly <= high[c]:
            limit = (
                f"between {int(low[c])} and {int(high[c])} (its organic_posts min and max)"
                if high[c] > 0
                else "0: its format plans no organic posts (no organic_posts)"
            )
            raise UsageError(f"{where}: {cell} plans {weekly:,} organic posts a week; it may plan {limit}")
        needed = int(creatives[c])
        if count > needed:
            reason = (
                f"the plan's impressions there wear out {needed:,}"
                if market.creative_impressions is not None and math.isfinite(market.creative_impressions[c])
                else "its format has no creative fatigue (no creatives), so it plans none"
            )
            raise UsageError(f"{where}: {cell} plans {count:,} creatives; {reason}")
        posts[c], creatives[c] = weekly, count
    return posts, creatives


def check_content(
    source: str,
    scenario: Scenario,
    market: Market,
    spend: np.ndarray,
    posts: np.ndarray,
    creatives: np.ndarray,
    production: float,
) -> None:
    """Production costs (`production`) within their budget, and the team's weekly hours within what it has."""
    cur = scenario.currency
    if production > 0:
        if scenario.budget.production is not None:
            limit = scenario.budget.production
            if _above(production, limit):
                raise UsageError(
                    f"{source}: the plan's production costs {production:,.2f} {cur}, more than the production "
                    f"budget of {limit:,.2f} {cur} (budget.production)"
                )
        elif _above(production + float(spend.sum()), scenario.budget.total):
            raise UsageError(
                f"{source}: the plan's spend and production cost {production + float(spend.sum()):,.2f} {cur} "
                f"(production {production:,.2f}), more than the budget of {scenario.budget.total:,.2f} {cur} "
                "(budget.total, which production counts against without a budget.production)"
            )
    team = scenario.team
    if team is not None and team.hours_per_week is not None:
        hours = market.team_hours(spend, posts, creatives)
        if hours > team.hours_per_week * (1 + RELATIVE) + 1e-6:
            raise UsageError(
                f"{source}: the plan takes {hours:,.1f} hours a week (active channels, organic posts, creatives), "
                f"more than the team's {team.hours_per_week:,.1f} (team.hours_per_week)"
            )


def _within(source: str, what: str, setting: str, amount: float, low: float, high: float, cur: str) -> None:
    if math.isfinite(high) and _above(amount, high):
        raise UsageError(
            f"{source}: the plan spends {amount:,.2f} {cur} on {what}, above its maximum of {high:,.2f} {cur} "
            f"({setting}.max)"
        )
    if _below(amount, low):
        raise UsageError(
            f"{source}: the plan spends {amount:,.2f} {cur} on {what}, below its minimum of {low:,.2f} {cur} "
            f"({setting}.min)"
        )


def _above(amount: float, limit: float) -> bool:
    return amount > limit * (1 + RELATIVE) + ABSOLUTE


def _below(amount: float, limit: float) -> bool:
    return amount < limit * (1 - RELATIVE) - ABSOLUTE


def shown(value: Any, limit: int = 60) -> str:
    """`value` as written (repr), cut to `limit` characters: a hostile field does not flood the message."""
    text = value if isinstance(value, BaseException) else repr(value)
    text = str(text)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def kind(value: Any) -> str:
    """What a value that should be a row is, in words."""
    return {list: "a list", str: "a string", bool: "true or false", type(None): "null"}.get(
        type(value), f"the number {shown(value)}" if isinstance(value, int | float) else type(value).__name__
    )


def plan_cell(where: str, row: dict[str, Any], cells: list[str], scenario: str) -> str:
    """The cell key a row names, which must be one of the scenario's `cells`."""
    if not all(isinstance(row[k], str) for k in ("channel", "format")):
        raise UsageError(
            f"{where}: channel and format must be names, got {shown(row['channel'])} and {shown(row['format'])}"
        )
    cell = f"{row['channel']}.{row['format']}"
    if cell not in cells:
        raise UsageError(
            f"{where}: cell '{cell}' is not in scenario '{scenario}'{did_you_mean(cell, cells)}; "
            f"the plan must come from the same scenario (its cells: {', '.join(cells)})"
        )
    return cell


def whole(where: str, field: str, value: Any) -> int:
    """A whole number of at least 0 from a JSON or CSV field."""
    number = finite(where, field, value)
    if number != int(number):
        raise UsageError(f"{where}: {field} must be a whole number, got {shown(value)}")
    return int(number)


def finite(where: str, field: str, value: Any) -> float:
    """A finite number of at least 0 from a JSON or CSV field (true/false are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise UsageError(f"{where}: {field} must be a number, got {shown(value)}")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise UsageError(f"{where}: {field} must be a number, got {shown(value)}") from None
    if not math.isfinite(number) or number < 0:
        raise UsageError(f"{where}: {field} must be a finite number of at least 0, got {shown(value)}")
    return number
