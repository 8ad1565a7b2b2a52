"""Plan files (`--plan FILE`): the result.json or allocation.csv that `optimize -o` writes.

A plan is read as an optimize document and checked against the scenario's
own limits before anything runs: its file size, its shape (JSON nesting,
row types), its cells, periods and flights, every spend figure against the
budget, the weekly floor and cap and the channel and cell bounds, and its
content (organic posts per week, creatives) against the formats' limits,
the production budget and the team's hours. A plan that passes cannot make
the simulator or the P&L run for ever or run out of memory.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from scenarios import Scenario, UsageError, did_you_mean

#: The largest plan file read (bytes): a result.json of 100,000 cell-periods stays well under it.
MAX_PLAN_BYTES = 32 * 1024 * 1024
#: Slack on the limits for the rounding of allocation.csv (6 decimals) and of the solver.
RELATIVE, ABSOLUTE = 1e-6, 0.01


def read_plan(path: Path, scenario: Scenario, variant: str | None, market: Any) -> dict[str, Any]:
    """A plan file as an optimize document (`scenario`, `allocation`, `content`), or a UsageError saying why not."""
    document, rows = _load(path)
    if document.get("scenario") not in (None, scenario.name):
        raise UsageError(f"{path}: the plan is for scenario '{document['scenario']}', not '{scenario.name}'")
    if "variant" in document and document["variant"] != variant:
        raise UsageError(
            f"{path}: the plan is for variant {_variant_name(document['variant'])}, "
            f"not {_variant_name(variant)}; pass --variant to match it"
        )
    cells = list(market.cell_keys)
    # Each cell-period at most once, so a file of any length fails by row cells × periods + 1 at the latest.
    allocation, spend = _allocation(path, rows, cells, scenario.name, market)
    _check_spend(path, spend, scenario, market)
    raw = document.get("content", [])
    if not isinstance(raw, list):
        raise UsageError(f"{path}: 'content' must be a list of rows (channel, format, creatives, posts per week)")
    content, posts, creatives = _content(path, raw, cells, scenario.name, market, spend)
    _check_content(path, scenario, market, spend, posts, creatives)
    return {"scenario": scenario.name, "allocation": allocation, "content": content}


def _load(path: Path) -> tuple[dict[str, Any], list[Any]]:
    """The document and its allocation rows, from a regular file of at most MAX_PLAN_BYTES."""
    if not path.is_file():
        what = "is not a regular file" if path.exists() else "no such plan file"
        raise UsageError(f"{path}: {what}; give the result.json or allocation.csv that optimize -o wrote")
    if path.suffix not in (".json", ".csv"):
        raise UsageError(f"{path}: unknown plan format '{path.suffix}'; expected result.json or allocation.csv")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_PLAN_BYTES + 1)
        if len(data) > MAX_PLAN_BYTES:
            raise UsageError(
                f"{path}: larger than {MAX_PLAN_BYTES:,} bytes, the most a plan file may hold; "
                "give the result.json or allocation.csv that optimize -o wrote"
            )
        text = data.decode("utf-8-sig")
        if path.suffix == ".json":
            # Long integers as floats: a 5,000-digit number is an infinite amount, not a parser error.
            document = json.loads(text, parse_int=lambda digits: int(digits) if len(digits) <= 18 else float(digits))
            rows = document.get("allocation") if isinstance(document, dict) else None
            if not isinstance(rows, list):
                raise UsageError(f"{path}: not a plan: a result.json from optimize -o has an 'allocation' list")
            return document, rows
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        return {"allocation": rows}, rows
    except RecursionError:
        raise UsageError(
            f"{path}: cannot read the plan: its JSON is nested too deeply (a result.json from optimize -o "
            "has three levels)"
        ) from None
    except (OSError, ValueError, csv.Error) as error:  # ValueError: bad UTF-8, bad JSON, a 5,000-digit number
        raise UsageError(f"{path}: cannot read the plan: {_shown(error, 200)}") from None


def _allocation(
    path: Path, rows: list[Any], cells: list[str], name: str, market: Any
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The allocation rows, checked one by one, and the spend per unit (the market's order)."""
    allocation, spend, seen = [], np.zeros(len(cells) * market.periods), set()
    index = {cell: c for c, cell in enumerate(cells)}
    for number, row in enumerate(rows, start=1):
        where = f"{path}: allocation row {number}"
        missing = [k for k in ("channel", "format", "period", "spend") if not isinstance(row, dict) or k not in row]
        if missing:
            raise UsageError(f"{where}: missing {', '.join(missing)}; each row needs channel, format, period, spend")
        cell = _plan_cell(where, row, cells, name)
        period = _whole(where, "period", row["period"])
        amount = _amount(where, "spend", row["spend"])
        if not 1 <= period <= market.periods:
            raise UsageError(f"{where}: period {period} is outside the horizon of {market.periods} periods")
        if (cell, period) in seen:
            raise UsageError(f"{where}: {cell} in period {period} is given twice")
        seen.add((cell, period))
        unit = index[cell] * market.periods + period - 1
        if amount > 0 and not market.available[unit]:
            raise UsageError(f"{where}: {cell} spends {amount:g} in period {period}, when its channel is dark")
        spend[unit] = amount
        allocation.append({"channel": row["channel"], "format": row["format"], "period": period, "spend": amount})
    return allocation, spend


def _check_spend(path: Path, spend: np.ndarray, scenario: Scenario, market: Any) -> None:
    """The plan's spend within the budget, each period's floor and cap, and each channel's and cell's bounds."""
    cur = scenario.currency
    total, budget = float(spend.sum()), scenario.budget.total
    if total > budget * (1 + 1e-6):
        raise UsageError(
            f"{path}: the plan spends {total:,.2f} {cur}, more than the scenario's budget of {budget:,.2f} {cur}"
        )
    unit = market.period_unit
    weekly = scenario.budget.per_period
    per_period = np.bincount(market.period_of, weights=spend, minlength=market.periods)
    for t, amount in enumerate(per_period, start=1):
        where = f"{path}: the plan spends {amount:,.2f} {cur} in {unit} {t}"
        if weekly.max is not None and _above(amount, weekly.max):
            raise UsageError(f"{where}, above the cap of {weekly.max:,.2f} {cur} per {unit} (budget.per_period.max)")
        if _below(amount, weekly.min):
            raise UsageError(f"{where}, below the floor of {weekly.min:,.2f} {cur} per {unit} (budget.per_period.min)")
    channel = np.bincount(market.channel_of, weights=spend, minlength=len(market.channels))
    for j, name in enumerate(market.channels):
        _within(path, f"channel {name}", f"channels.{name}.spend", channel[j], market.channel_lower[j],
                market.channel_upper[j], cur)  # fmt: skip
    cell = np.bincount(market.cell_of, weights=spend, minlength=len(market.cell_keys))
    for c, key in enumerate(market.cell_keys):
        channel_name, format_name = key.split(".", 1)
        setting = f"channels.{channel_name}.formats.{format_name}.spend"
        _within(path, f"cell {key}", setting, cell[c], market.cell_lower[c], market.cell_upper[c], cur)


def _within(path: Path, what: str, setting: str, amount: float, low: float, high: float, cur: str) -> None:
    if math.isfinite(high) and _above(amount, high):
        raise UsageError(
            f"{path}: the plan spends {amount:,.2f} {cur} on {what}, above its maximum of {high:,.2f} {cur} "
            f"({setting}.max)"
        )
    if _below(amount, low):
        raise UsageError(
            f"{path}: the plan spends {amount:,.2f} {cur} on {what}, below its minimum of {low:,.2f} {cur} "
            f"({setting}.min)"
        )


def _above(amount: float, limit: float) -> bool:
    return amount > limit * (1 + RELATIVE) + ABSOLUTE


def _below(amount: float, limit: float) -> bool:
    return amount < limit * (1 - RELATIVE) - ABSOLUTE


def _content(
    path: Path, raw: list[Any], cells: list[str], name: str, market: Any, spend: np.ndarray
) -> tuple[list[dict[str, Any]], np.ndarray, np.ndarray]:
    """The content rows, each within its format's limits, and the posts and creatives per cell they set."""
    posts = market.posts_min.astype(int).copy() if market.posts_min is not None else np.zeros(len(cells), dtype=int)
    creatives = market.creatives_needed(spend)
    low = market.posts_min if market.posts_min is not None else np.zeros(len(cells), dtype=int)
    high = market.posts_max if market.posts_max is not None else np.zeros(len(cells), dtype=int)
    content, seen = [], set()
    index = {cell: c for c, cell in enumerate(cells)}
    for number, row in enumerate(raw, start=1):
        where = f"{path}: content row {number}"
        fields = ("channel", "format", "creatives", "organic_posts_per_week")
        if not isinstance(row, dict):
            raise UsageError(f"{where}: not a row but {_kind(row)}; each row has {', '.join(fields)}")
        missing = [k for k in fields if k not in row]
        if missing:
            raise UsageError(f"{where}: missing {', '.join(missing)}")
        cell = _plan_cell(where, row, cells, name)
        if cell in seen:
            raise UsageError(f"{where}: {cell} is given twice")
        seen.add(cell)
        c = index[cell]
        count = _whole(where, "creatives", row["creatives"])
        weekly = _whole(where, "organic_posts_per_week", row["organic_posts_per_week"])
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
        content.append({"channel": row["channel"], "format": row["format"], "creatives": count,
                        "organic_posts_per_week": weekly})  # fmt: skip
    return content, posts, creatives


def _check_content(
    path: Path, scenario: Scenario, market: Any, spend: np.ndarray, posts: np.ndarray, creatives: np.ndarray
) -> None:
    """Production costs within their budget, and the team's weekly hours within what it has."""
    cur = scenario.currency
    used = np.bincount(market.cell_of, weights=spend, minlength=len(market.cell_keys)) > 1e-9
    production = float(market.production_cost @ used)
    if market.creative_cost is not None:
        production += float(market.creative_cost @ creatives)
    if production > 0:
        if scenario.budget.production is not None:
            limit = scenario.budget.production
            if _above(production, limit):
                raise UsageError(
                    f"{path}: the plan's production costs {production:,.2f} {cur}, more than the production "
                    f"budget of {limit:,.2f} {cur} (budget.production)"
                )
        elif _above(production + float(spend.sum()), scenario.budget.total):
            raise UsageError(
                f"{path}: the plan's spend and production cost {production + float(spend.sum()):,.2f} {cur} "
                f"(production {production:,.2f}), more than the budget of {scenario.budget.total:,.2f} {cur} "
                "(budget.total, which production counts against without a budget.production)"
            )
    team = scenario.team
    if team is not None and team.hours_per_week is not None:
        hours = market.team_hours(spend, posts, creatives)
        if hours > team.hours_per_week * (1 + RELATIVE) + 1e-6:
            raise UsageError(
                f"{path}: the plan takes {hours:,.1f} hours a week (active channels, organic posts, creatives), "
                f"more than the team's {team.hours_per_week:,.1f} (team.hours_per_week)"
            )


def _shown(value: Any, limit: int = 60) -> str:
    """`value` as written (repr), cut to `limit` characters: a hostile field does not flood the message."""
    text = value if isinstance(value, BaseException) else repr(value)
    text = str(text)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def _variant_name(variant: str | None) -> str:
    return f"'{variant}'" if variant else "none (the base)"


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", bool: "true or false", type(None): "null"}.get(
        type(value), f"the number {_shown(value)}" if isinstance(value, int | float) else type(value).__name__
    )


def _plan_cell(where: str, row: dict[str, Any], cells: list[str], scenario: str) -> str:
    if not all(isinstance(row[k], str) for k in ("channel", "format")):
        raise UsageError(
            f"{where}: channel and format must be names, got {_shown(row['channel'])} and {_shown(row['format'])}"
        )
    cell = f"{row['channel']}.{row['format']}"
    if cell not in cells:
        raise UsageError(
            f"{where}: cell '{cell}' is not in scenario '{scenario}'{did_you_mean(cell, cells)}; "
            f"the plan must come from the same scenario (its cells: {', '.join(cells)})"
        )
    return cell


def _whole(where: str, field: str, value: Any) -> int:
    """A whole number of at least 0 from a JSON or CSV field."""
    number = _amount(where, field, value)
    if number != int(number):
        raise UsageError(f"{where}: {field} must be a whole number, got {_shown(value)}")
    return int(number)


def _amount(where: str, field: str, value: Any) -> float:
    """A finite number of at least 0 from a JSON or CSV field (true/false are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise UsageError(f"{where}: {field} must be a number, got {_shown(value)}")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise UsageError(f"{where}: {field} must be a number, got {_shown(value)}") from None
    if not math.isfinite(number) or number < 0:
        raise UsageError(f"{where}: {field} must be a finite number of at least 0, got {_shown(value)}")
    return number
