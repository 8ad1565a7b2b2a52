"""The what-if page's charts, drawn as the report draws its own (`campaign.report`: matplotlib, inline SVG).

Two charts of the `whatif --json` document: the options (the base and its
variants) side by side as bars of conversions and profit, and each point of a
sweep as conversions and profit over its spend. Only options with a plan are
drawn (the table says why the others have none). Each bar and point is named
in the SVG by its row's index in the document (``<g id="option-profit-2">``,
``<g id="sweep-conversions-3">``) and each panel by its figure
(``<g id="sweep-conversions">``), so a test can read them back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator

from campaign.report import COLOURS, _chart, svg
from scenarios import amount, number

#: The figures both charts draw, the first a count and the second money.
FIGURES = ("conversions", "profit")


@dataclass(frozen=True)
class Labels:
    """The charts' words in the page's language: each figure's axis label, the spend axis and the charts' titles."""

    conversions: str
    profit: str
    spend: str
    options: str
    sweep: str


def sweep_rows(document: dict[str, Any], sweeps: Sequence[str]) -> list[int]:
    """The indexes of the rows that are points of the sweeps (``KEY=FROM:TO:STEP``): those named ``KEY=VALUE``."""
    keys = tuple(f"{sweep.partition('=')[0].strip()}=" for sweep in sweeps if sweep.strip())
    return [i for i, row in enumerate(document["rows"]) if keys and str(row["name"]).startswith(keys)]


def _formatters(currency: str) -> dict[str, Callable[[float, object], str]]:
    """Each figure's tick labels in the active locale: conversions as numbers, money in the currency."""
    return {
        "conversions": lambda value, _: number(value),
        "profit": lambda value, _: amount(value, currency),
        "spend": lambda value, _: amount(value, currency),
    }


def options_chart(document: dict[str, Any], rows: Sequence[int], labels: Labels) -> str:
    """The options' conversions and profit side by side, one bar each, from zero."""
    names = [str(document["rows"][i]["name"]) for i in rows]
    places = np.arange(len(rows))
    ticks = _formatters(document["currency"])
    fig, axes = plt.subplots(1, 2, figsize=(8, 0.9 + 0.45 * len(rows)), sharey=True)
    for ax, figure, colour in zip(axes, FIGURES, COLOURS, strict=False):
        ax.set_gid(f"option-{figure}")
        values = [float(document["rows"][i][figure]) for i in rows]
        bars = ax.barh(places, values, height=0.6, color=colour)
        for bar, index in zip(bars, rows, strict=True):
            bar.set_gid(f"option-{figure}-{index}")
        ax.axvline(0, color="#444", linewidth=0.8)
        ax.set_xlabel(getattr(labels, figure))
        ax.xaxis.set_major_formatter(FuncFormatter(ticks[figure]))
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].set_yticks(places, names)
    axes[0].invert_yaxis()
    fig.tight_layout()
    return svg(fig)


def sweep_chart(document: dict[str, Any], rows: Sequence[int], labels: Labels) -> str:
    """Each sweep point's conversions and profit over its spend, joined in the order of spend."""
    ordered = sorted(rows, key=lambda i: float(document["rows"][i]["spend"]))
    spend = [float(document["rows"][i]["spend"]) for i in ordered]
    ticks = _formatters(document["currency"])
    fig, axes = plt.subplots(1, 2, figsize=(8, 3))
    for ax, figure, colour in zip(axes, FIGURES, COLOURS, strict=False):
        ax.set_gid(f"sweep-{figure}")
        values = [float(document["rows"][i][figure]) for i in ordered]
        ax.plot(spend, values, color=colour, linewidth=1)
        for x, y, index in zip(spend, values, ordered, strict=True):
            ax.plot([x], [y], marker="o", color=colour, gid=f"sweep-{figure}-{index}")
        ax.set_xlabel(labels.spend)
        ax.set_ylabel(getattr(labels, figure))
        ax.xaxis.set_major_formatter(FuncFormatter(ticks["spend"]))
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.yaxis.set_major_formatter(FuncFormatter(ticks[figure]))
        ax.tick_params(axis="x", labelrotation=30)
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return svg(fig)


def whatif_charts(document: dict[str, Any], sweeps: Sequence[str], labels: Labels) -> list[dict[str, Any]]:
    """The charts of the what-if document: the options when there are two or more with a plan, the sweep's points
    when it has any with a plan (each as `campaign.report`'s chart: a name, a title and its SVG markup)."""
    swept = sweep_rows(document, sweeps)
    planned = [i for i, row in enumerate(document["rows"]) if row["status"] == "optimal"]
    options = [i for i in planned if i not in swept]
    points = [i for i in planned if i in swept]
    charts = []
    if len(options) >= 2:
        charts.append(_chart("whatif-options", labels.options, options_chart(document, options, labels)))
    if points:
        charts.append(_chart("whatif-sweep", labels.sweep, sweep_chart(document, points, labels)))
    return charts
