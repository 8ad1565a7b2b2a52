"""The KPI floors and caps as linear rows, generated from the catalogue (`scenarios.kpis`).

A ``total`` KPI is the row ``figure (sense) limit`` with what no decision
changes (the organic plan's engagement and followers) moved to the right.
A ``ratio`` KPI ``n / d`` is written ``n − L·d ≤ 0`` (a cap) or
``L·d − n ≤ 0`` (a floor): kind `RATIO`, its limit in the coefficients.
A ``channel_cap`` (frequency) is one row per channel of the market,
``I_j ≤ A_j · g⁻¹(F)`` on the channel's impressions: kind `FREQUENCY`, exact
because a channel's frequency rises strictly with its impressions.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from optimizer.rows import FREQUENCY, RATIO, RHS, Row
from scenarios import Kpi, Market, Scenario, frequency_room, kpi_of, linear_figure


def kpi_rows(scenario: Scenario, market: Market) -> list[Row]:
    """The rows of every KPI the scenario sets, in the catalogue's order."""
    rows: list[Row] = []
    for kpi, limit in scenario.kpis.limits():
        rows += kpi_row(kpi, limit, market, scenario.currency, scenario.business.conversion)
    return rows


def kpi_row(kpi: Kpi, limit: float, market: Market, currency: str, conversion: str) -> list[Row]:
    """The rows of one KPI at `limit` (one per channel for a channel cap)."""
    n = len(market.channel_of)
    cells = np.arange(n)
    unit = kpi.say(kpi.unit, currency, conversion)
    name = f"kpi.{kpi.name}"
    if kpi.form == "channel_cap":
        rows = []
        room = frequency_room(limit)
        for j, channel in enumerate(market.channels):
            slots = np.flatnonzero(market.channel_of == j)
            rows.append(
                Row(
                    f"{name}.{channel}",
                    "<=",
                    limit,
                    float(market.audience[j]) * room,
                    slots,
                    market.impressions_per_currency_unit[slots],
                    kind=FREQUENCY,
                    label=kpi.say(kpi.words, currency, conversion, channel),
                    unit=unit,
                    channel=j,
                    audience=float(market.audience[j]),
                )
            )
        return rows
    words = kpi.say(kpi.words, currency, conversion)
    if kpi.form == "ratio":
        top, bottom = linear_figure(kpi.numerator, market), linear_figure(kpi.denominator, market)
        sign = 1.0 if kpi.sense == "max" else -1.0  # n − L·d ≤ 0, or L·d − n ≤ 0
        coef = sign * (top.spend - limit * bottom.spend)
        conversions = sign * (top.conversions - limit * bottom.conversions)
        return [Row(name, "<=", limit, 0.0, cells, coef, conversions, kind=RATIO, label=words, unit=unit)]
    form = linear_figure(kpi.figure, market)
    reach = np.full(len(market.channels), form.reach) if form.reach else None
    return [
        Row(
            name,
            kpi.symbol,
            limit,
            limit - form.constant,
            cells,
            form.spend,
            form.conversions,
            reach=reach,
            kind=RHS,
            label=words,
            unit=unit,
        )
    ]


def kpi_with_limit(row: Row, limit: float, market: Market) -> Row:
    """A ratio or frequency row of the catalogue rebuilt at another limit (its rows' other settings kept)."""
    kpi = kpi_of(row.name)
    if row.kind == FREQUENCY:
        return replace(row, limit=limit, rhs=row.audience * frequency_room(limit))
    top, bottom = linear_figure(kpi.numerator, market), linear_figure(kpi.denominator, market)
    sign = 1.0 if kpi.sense == "max" else -1.0
    coef = sign * (top.spend - limit * bottom.spend)
    conversions = sign * (top.conversions - limit * bottom.conversions)
    # What spend before the horizon brings is on the right-hand side, at the row's conversions coefficient.
    rhs = row.rhs - (conversions - row.conversions) * market.carried_conversions
    return Row(
        row.name,
        row.sense,
        limit,
        rhs,
        row.index,
        coef[row.index],
        conversions,
        kind=RATIO,
        label=row.label,
        unit=row.unit,
    )
