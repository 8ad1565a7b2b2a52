"""The KPIs of simulated quarters week by week, to date: one series per KPI the scenario sets, from the catalogue.

Each KPI's figure (`scenarios.kpis`) is computed to the end of each week
from the simulator's daily series: a total as its running sum, a ratio as the
running sums of its numerator and denominator, paid reach and frequency from
each channel's impressions to date and the market's reach curve
``A · (1 − e^(−I/A))``. The last week is the simulated quarter's own figure,
so the band ends where `simulate` reports the quarter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scenarios import FIGURE_BY_NAME, KPIS, Kpi, Scenario
from simulation import Replication


@dataclass(frozen=True)
class Band:
    """One figure over the weeks: `values` has a row per simulated quarter and a column per week."""

    name: str
    figure: str
    label: str
    values: np.ndarray
    target: float | None
    symbol: str = ""


def week_ends(days: int) -> np.ndarray:
    """The last day of each week, counted from the first day (the last week may be short)."""
    return np.minimum(np.arange(7, days + 7, 7), days) - 1


def to_date(kpi: Kpi, reps: list[Replication], ends: np.ndarray, audience: np.ndarray) -> np.ndarray:
    """The KPI's figure at the end of each week of each quarter (NaN for a ratio with nothing below it yet)."""

    def running(name: str) -> np.ndarray:
        return np.cumsum(np.array([r.daily[name] for r in reps]), axis=1)[:, ends]

    if kpi.form == "channel_cap" or kpi.figure == "reach":
        shown = np.cumsum(np.array([r.channel_daily for r in reps]), axis=1)[:, ends, :]
        reach = audience * -np.expm1(-shown / audience)
        if kpi.figure == "reach":
            values = reach.sum(axis=2)
        else:
            values = np.divide(shown, reach, out=np.zeros_like(shown), where=reach > 0).max(axis=2)
    elif kpi.form == "ratio":
        top, bottom = running(kpi.numerator), running(kpi.denominator)
        values = np.divide(top, bottom, out=np.full_like(top, np.nan), where=bottom > 0)
    else:
        values = running(kpi.figure)
    quarter = np.array([r.kpis[kpi.figure] for r in reps], dtype=float)
    values[:, -1] = np.where(np.isfinite(quarter), quarter, math.nan)
    return values


def bands(reps: list[Replication], scenario: Scenario, audience: np.ndarray) -> list[Band]:
    """Conversions (always), then each KPI the scenario sets, in the catalogue's order, with its target."""
    ends = week_ends(len(reps[0].daily["spend"]))
    limits = {kpi.name: limit for kpi, limit in scenario.kpis.limits()}
    chosen = [k for k in KPIS if k.figure == "conversions"] + [
        k for k in KPIS if k.name in limits and k.figure != "conversions"
    ]
    out = []
    for kpi in chosen:
        label = FIGURE_BY_NAME[kpi.figure].label.format(
            currency=scenario.currency, conversion=scenario.business.conversion
        )
        target = limits.get(kpi.name)
        symbol = kpi.symbol if target is not None else ""
        out.append(Band(kpi.name, kpi.figure, label, to_date(kpi, reps, ends, audience), target, symbol))
    return out


def quarter_spread(band: Band) -> tuple[float, float, float]:
    """P5, median and P95 of the band's figure over the simulated quarters (finite values), as `simulate` has them."""
    last = band.values[:, -1]
    last = last[np.isfinite(last)]
    if not len(last):
        return math.nan, math.nan, math.nan
    p5, p50, p95 = np.percentile(last, [5, 50, 95])
    return float(p5), float(p50), float(p95)
