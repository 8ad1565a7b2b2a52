"""The report's section on a plan at a confidence: it and the expected-value plan side by side.

Both plans are judged over the same drawn quarters (`campaign.app.confidence`): each KPI's target, mean
figure and share of quarters met under each, the objective and the price of confidence, the spend per
channel of both as a table and a chart.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from campaign.app.confidence import Confident
from campaign.render.confidence import SOURCES, objective_name, objective_value, price_of_confidence
from campaign.render.tables import kpi_number
from campaign.report import COLOURS, _chart, _table, svg
from scenarios import amount, build_market, number, percent


def spend_by_channel(done: Confident) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The channels, and the spend of the plan at the confidence and of the expected-value plan on each."""
    market = build_market(done.scenario)
    channels = list(market.channels)
    size = len(channels)
    mine = np.bincount(market.channel_of, weights=done.planned.spend, minlength=size)
    theirs = np.bincount(market.channel_of, weights=done.expected_value.plan.spend, minlength=size)
    return channels, mine, theirs


def spend_chart(done: Confident, level: str) -> str:
    """Spend per channel, the plan at the confidence beside the expected-value plan."""
    channels, mine, theirs = spend_by_channel(done)
    rows = np.arange(len(channels))
    fig, ax = plt.subplots(figsize=(8, 0.7 + 0.6 * len(channels)))
    for offset, spend, colour, label, name in (
        (-0.2, mine, COLOURS[0], f"plan at {level}", "confidence"),
        (0.2, theirs, COLOURS[1], "expected-value plan", "expected-value"),
    ):
        bars = ax.barh(rows + offset, spend, height=0.4, color=colour, label=label)
        for bar, channel in zip(bars, channels, strict=True):
            # Named in the SVG (<g id="spend-confidence-facebook">), so the bars can be read back.
            bar.set_gid(f"spend-{name}-{channel}")
    ax.set_yticks(rows, channels)
    ax.invert_yaxis()
    ax.set_xlabel(f"spend over the horizon ({done.scenario.currency})")
    ax.legend(frameon=False, ncol=2, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return svg(fig)


def confidence_section(done: Confident) -> dict[str, Any]:
    """The section's context for the report template (every text escaped there, the chart's SVG markup)."""
    scenario, planned, baseline = done.scenario, done.planned, done.baseline
    cur = scenario.currency
    level = percent(done.confidence, 0)
    what = objective_name(scenario)
    method = (
        f"Each KPI is held by a CVaR constraint over {number(done.draws)} drawn quarters (seed {done.seed}; "
        f"uncertain figures: {SOURCES.get(done.source, done.source)}), a conservative stand-in for meeting it in "
        f"at least {level} of them (Rockafellar and Uryasev 2000); the plan is proven within "
        f"{percent(planned.gap, 3)} of the best plan for these quarters."
    )
    outcome = (
        f"{what[0].upper()}{what[1:]} over the quarters: {objective_value(done, planned.evaluation.expected)} "
        f"under the plan at {level}, {objective_value(done, baseline.expected)} under the expected-value plan."
    )
    price = price_of_confidence(done, f"the plan at {level}")
    before = {k.name: k for k in baseline.kpis}
    kpis = [
        [
            k.name,
            f"{k.sense} {kpi_number(k.name, k.target, cur)}",
            kpi_number(k.name, k.expected, cur),
            percent(k.probability_met, 1),
            kpi_number(k.name, before[k.name].expected, cur),
            percent(before[k.name].probability_met, 1),
        ]
        for k in planned.evaluation.kpis
    ]
    channels, mine, theirs = spend_by_channel(done)
    return {
        "level": level,
        "method": method,
        "outcome": outcome,
        "price": f"{price[0].upper()}{price[1:]}.",
        "kpis": _table(
            ["KPI", "target", f"plan at {level}: mean", "quarters met", "expected-value plan: mean", "quarters met"],
            kpis,
            [False, True, True, True, True, True],
        ),
        "spend": _table(
            ["channel", f"plan at {level}", "expected-value plan"],
            [[c, amount(a, cur), amount(b, cur)] for c, a, b in zip(channels, mine, theirs, strict=True)],
            [False, True, True],
        ),
        "chart": _chart("confidence-spend", "Spend by channel under each plan", spend_chart(done, level)),
    }
