"""The plan and frontier pages' charts: the ones `campaign report` draws, in the page's language.

The spend per channel and format, the spend per period stacked by channel
(when the horizon has more than one period) and each funded cell's response
curve with the plan's operating point — drawn by the report's own functions
(`campaign.report`) with the page's words, money ticks in the active locale and
each bar and point named in the SVG (`PlanWords.named`) so a test can read the
figures back. The frontier page's chart is the report's frontier chart
(conversions and profit over the budget) named the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from campaign.report import FrontierWords, PlanWords, _chart, curve_charts, frontier_chart, plan_chart, weekly_chart
from optimizer import FrontierResult, OptimizationResult
from scenarios import Scenario, build_market


@dataclass(frozen=True)
class PlanTitles:
    """The charts' titles and the period axis' label in the page's language."""

    plan: str
    weekly: str
    unit: str


def plan_charts(scenario: Scenario, result: OptimizationResult, words: PlanWords, titles: PlanTitles) -> dict[str, Any]:
    """The plan's charts (`spend`: the channel and period charts; `curves`: one per funded cell), each as the
    report's chart: a name, a title and its SVG markup."""
    currency = scenario.currency
    named = PlanWords(horizon=words.horizon, spend=words.spend, marginal=words.marginal, named=True)
    spend = [_chart("plan", titles.plan, plan_chart(result.plan, currency, named))]
    if result.plan.periods > 1:
        spend.append(_chart("weekly", titles.weekly, weekly_chart(result.plan, currency, titles.unit, named)))
    market = build_market(scenario)
    curves = [
        _chart(f"curve-{cell}", cell, figure) for cell, figure in curve_charts(result.plan, market, currency, named)
    ]
    return {"spend": spend, "curves": curves}


def frontier_charts(frontier: FrontierResult, words: FrontierWords, title: str) -> list[dict[str, Any]]:
    """The report's frontier chart with the page's words, when any budget has a plan (none otherwise)."""
    if not any(p.status == "optimal" for p in frontier.points):
        return []
    named = FrontierWords(words.budget, words.conversions, words.profit, words.most_profit, named=True)
    return [_chart("frontier", title, frontier_chart(frontier, named))]
