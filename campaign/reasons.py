"""Why each slot (a cell in one period) of a reallocation moved, in words that can be checked.

The driver of a move is the cell's conversions per currency unit at the
margin (its learned CPM, CTR and CVR combined through its response curve:
the curve's slope at the current plan's spend) against:

- the same figure of the other cells that moved the other way in the same
  period, weighted by how much they moved: money goes from the lower to the
  higher. When none did, and the remaining periods gained money in all (the
  past was underspent, or the current plan left budget unspent), that
  budget is the source, named with its figure (against it, unspent money
  brings nothing); otherwise the other cells that moved the other way in
  any remaining period and not this cell's way in its period. Never the
  cell itself, nor a cell that moved the same way;
- or, for a profit objective whose budget is not all spent, the break-even
  rate (one conversion's margin pays for its spend).

When the driver points the other way (the rules or KPI rows that bind move
the cell), the reason says so and names those rows. A cell is "re-timed"
only when it moved up in some periods and down in others.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from scenarios import CellLearning, amount, number, percent

#: The sources of money that are no cell: the past's underspend, the budget the current plan left unspent.
BUDGET = ("budget left over from the past underspend", "unspent budget")


def changes(
    scenario,
    planned,
    learned_market,
    old: np.ndarray,
    new: np.ndarray,
    fixed: np.ndarray,
    learned: list[CellLearning],
    lower: np.ndarray,
    upper: np.ndarray,
    constraints: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The slots that moved, each with its reason and the figures behind it."""
    market = learned_market
    moved = ~fixed & (np.abs(new - old) >= np.maximum(0.5, 0.005 * old))
    up = new > old
    m_learned = market.curves.derivative(old)
    m_planned = planned.curves.derivative(old)
    binding = [c["name"] for c in constraints if c.get("binding") and c["name"] != "budget.total"]
    budget_spent = any(c["name"] == "budget.total" and c.get("binding") for c in constraints)
    break_even = scenario.objective == "profit" and not budget_spent and market.margin_per_conversion > 0
    per = _per(m_planned[moved & (m_planned > 0)])
    by_cell = {item.cell: item for item in learned}
    timing: dict[int, dict[bool, list[int]]] = {}
    for slot in np.flatnonzero(moved):
        cell_timing = timing.setdefault(int(market.cell_of[slot]), {True: [], False: []})
        cell_timing[bool(up[slot])].append(int(market.period_of[slot]))
    conv = scenario.business.conversion
    cur = scenario.currency
    out = []
    # Money the remaining periods gained (or gave up) in all, and the past's underspend (overspend if negative).
    net = float((new - old)[~fixed].sum())
    underspent = float((old - new)[fixed].sum())
    for slot in np.flatnonzero(moved):
        cell = market.cell_keys[market.cell_of[slot]]
        others = _counterparts(market, moved, up, int(slot), widen=not (up[slot] and net > 0.5))
        source = None
        if break_even:
            bench, against, names = 1.0 / market.margin_per_conversion, "break-even", []
        elif others.any():
            weight = np.abs(new - old) * others
            bench = float(weight @ m_learned / weight.sum())
            against = "cells it took money from" if up[slot] else "cells it gave money to"
            order = np.argsort(-weight)[: min(3, int(others.sum()))]
            names = list(dict.fromkeys(market.cell_keys[market.cell_of[v]] for v in order))
        elif up[slot] and net > 0.5:
            # No cell gave money: the remaining periods spend more in all, left over from the past or unspent.
            past = underspent > 0.5
            against = "budget left over from the past underspend" if past else "unspent budget"
            source = underspent if past else net
            bench, names = 0.0, []
        else:
            bench, against, names = float(m_planned[slot]), "plan", []
        agrees = bool(m_learned[slot] > bench) if up[slot] else bool(m_learned[slot] < bench)
        item = by_cell.get(cell)
        rows = [] if agrees else _touching(binding, [cell, *names], int(market.period_of[slot]) + 1)
        reason = _text(cell, m_learned[slot], m_planned[slot], bench, against, names, agrees, rows, per, conv, cur)
        if source is not None:
            reason += _source(against, source, net, int(market.period_of[slot]) + 1, scenario.periods.unit, cur)
        reason += _rates(item, cur)
        periods = timing[int(market.cell_of[slot])]
        retimed = bool(periods[True] and periods[False])
        if retimed:
            unit = scenario.periods.unit
            reason += (
                f"; re-timed: up in {unit}s {', '.join(str(p + 1) for p in periods[True])}, "
                f"down in {unit}s {', '.join(str(p + 1) for p in periods[False])}"
            )
        if new[slot] >= upper[slot] - 1e-6 or new[slot] <= lower[slot] + 1e-6:
            reason += "; held to the move limit"
        channel, fmt = cell.split(".", 1)
        out.append(
            {
                "channel": channel,
                "format": fmt,
                "period": int(market.period_of[slot]) + 1,
                "old_spend": float(old[slot]),
                "new_spend": float(new[slot]),
                "reason": reason,
                "driver": {
                    "conversions_per_unit_learned": float(m_learned[slot]),
                    "conversions_per_unit_planned": float(m_planned[slot]),
                    "against": against,
                    "conversions_per_unit_against": bench,
                    "cells": names,
                    "source_amount": source,
                    "agrees": agrees,
                    "per": per,
                    "binding": rows,
                },
                "retimed": retimed,
            }
        )
    return out


def _counterparts(market, moved: np.ndarray, up: np.ndarray, slot: int, widen: bool) -> np.ndarray:
    """The slots that moved the other way: other cells in the same period; when none did and `widen`
    (the money is not new to the remaining periods), other cells in any remaining period, leaving out the
    cells that moved the same way as `slot` in its period."""
    others = moved & (up != up[slot]) & (market.cell_of != market.cell_of[slot])
    period = market.period_of == market.period_of[slot]
    same = others & period
    if same.any() or not widen:
        return same
    along = np.unique(market.cell_of[moved & (up == up[slot]) & period])
    return others & ~np.isin(market.cell_of, along)


def _source(against: str, source: float, net: float, period: int, unit: str, cur: str) -> str:
    """Where the money came from when no cell gave any in the period."""
    head = f"; no cell gave money in {unit} {period}: it comes from the budget"
    if against == "unspent budget":
        return f"{head} the current plan left unspent (the remaining {unit}s spend {amount(net, cur)} more in all)"
    return (
        f"{head} left over from the past {unit}s' underspend ({amount(source, cur)}; the remaining {unit}s "
        f"spend {amount(net, cur)} more in all)"
    )


def _touching(binding: list[str], cells: list[str], period: int) -> list[str]:
    """The binding rows that hold these cells in this period: their cell, channel, format and period rows,
    and any other row (KPI rows, team hours, ...) that is not about other cells, channels, formats or periods."""
    own: tuple[str, ...] = (f"budget.period.{period}.",)
    for cell in cells:
        channel, fmt = cell.split(".", 1)
        own += (f"cell.{cell}.", f"channel.{channel}.", f"format.{fmt}.")
    scoped = ("cell.", "channel.", "format.", "budget.period.")
    return [name for name in binding if name.startswith(own) or not name.startswith(scoped)]


def _per(rates: np.ndarray) -> float:
    """A round amount of currency (1, 10, 100, ...) that buys a handful of conversions at the plan's margin."""
    if not len(rates):
        return 100.0
    return float(10 ** max(0, math.ceil(math.log10(1.0 / float(np.median(rates))))))


def _text(cell, learned, planned, bench, against, names, agrees, binding, per, conv, cur) -> str:
    rate = (
        f"{number(learned * per, 2)} {conv}s per {amount(per, cur)} at the margin ({number(planned * per, 2)} planned)"
    )
    if against in BUDGET:
        return f"{cell} {rate}"
    if against == "break-even":
        other = f"the break-even {number(bench * per, 2)} (one {conv}'s margin pays its spend)"
    elif against == "plan":
        other = "the plan's"
    else:
        other = f"the {number(bench * per, 2)} of the {against} ({', '.join(names)})"
    side = "above" if learned > bench else "below" if learned < bench else "level with"
    if agrees:
        return f"{cell} {rate}, {side} {other}"
    rules = ", ".join(binding) if binding else "none; within the optimizer's tolerance both plans are as good"
    return f"{cell} {rate}, {side} {other}: moved by the rules that bind (binding: {rules})"


def _rates(item: CellLearning | None, cur: str) -> str:
    """The learned rates, with the observed ones beside them."""
    if item is None or item.spend <= 0:
        return "; no actuals: planned rates"
    observed_cpm = 1000 * item.spend / item.impressions if item.impressions > 0 else math.nan
    observed_ctr = item.clicks / item.impressions if item.impressions > 0 else math.nan
    observed_cvr = item.conversions / item.clicks if item.clicks > 0 else math.nan
    return (
        f"; learned CPM {amount(item.cpm.mean, cur, minor=True)} (observed {amount(observed_cpm, cur, minor=True)}), "
        f"CTR {_pct(item.ctr.mean)} ({_pct(observed_ctr)}), CVR {_pct(item.cvr.mean)} ({_pct(observed_cvr)})"
    )


def _pct(value: float) -> str:
    return percent(value, 2)
