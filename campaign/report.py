"""A self-contained HTML report: the plan, its curves, the budget frontier, simulated bands, a crisis, the P&L.

Charts are drawn with matplotlib as inline SVG: the file needs no network,
no JavaScript and no other file to view, prints well, and the same numbers
the tables show are the ones the charts draw.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from jinja2 import Environment, PackageLoader
from markupsafe import Markup
from matplotlib.ticker import FuncFormatter

from campaign.bands import Band, bands, quarter_spread
from campaign.render.simulate import chances_sentence
from campaign.render.tables import kpi_number
from optimizer import FrontierResult, OptimizationResult
from scenarios import Market, Plan, Scenario, Statement, amount, decimal, number, people, percent
from simulation import Replication

# parse_math off: a label is drawn as written, so a '$' in a scenario's text is never read as mathtext.
plt.rcParams.update(
    {"svg.hashsalt": "campaign-report", "svg.fonttype": "none", "font.size": 9, "text.parse_math": False}
)
#: The page template; autoescape makes every value text unless marked as markup (the charts' SVG).
TEMPLATES = Environment(loader=PackageLoader("campaign", "templates"), autoescape=True, keep_trailing_newline=True)
COLOURS = ["#2f6db5", "#e07b39", "#3a9e5f", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c"]

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
color:#222;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}td,th{padding:.25em .6em;border-bottom:1px solid #eee}
th{text-align:left;background:#f6f6f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
.chart{margin:1em 0}.chart svg{max-width:100%;height:auto}
.grid{display:flex;flex-wrap:wrap;gap:0 1.5em}.note{color:#666;font-size:.9em}
.met{color:#2e7d32}.missed{color:#c62828;font-weight:bold}
"""


def svg(fig) -> str:
    """The figure as an inline SVG element (no XML header), closed after use."""
    buffer = io.StringIO()
    with warnings.catch_warnings():
        # The SVG holds text (svg.fonttype none): a glyph matplotlib's font lacks (an emoji, a control character in
        # a name) is measured as a blank and drawn by the browser's fonts, so its warning would only be noise.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _chart(name: str, title: str, figure: str) -> dict[str, Any]:
    """A chart for the template: its name and title are text (escaped there), its SVG is markup."""
    return {"name": name, "title": title, "svg": Markup(figure)}


@dataclass(frozen=True)
class PlanWords:
    """The words of a plan's charts; the report's are English, a page passes its language's. `named` gives each bar
    and operating point an SVG id (``spend-CHANNEL-FORMAT``, ``week-CHANNEL-PERIOD``, ``point-CELL``) and writes
    the ticks in the active locale (spend as money), so a page's test can read the figures back."""

    horizon: str = "spend over the horizon ({currency})"
    spend: str = "spend ({currency})"
    marginal: str = "marginal CPA"
    named: bool = False


def _money_ticks(axis: Any, words: PlanWords, currency: str) -> None:
    if words.named:
        axis.set_major_formatter(FuncFormatter(lambda value, _: amount(value, currency)))


def _number_ticks(axis: Any, words: PlanWords) -> None:
    if words.named:
        # Whole ticks as whole numbers, others (a small cell's 12.5) with the decimals matplotlib's ticks use.
        axis.set_major_formatter(FuncFormatter(lambda value, _: number(value, 0 if value == round(value) else 2)))


def plan_chart(plan: Plan, currency: str, words: PlanWords = PlanWords()) -> str:
    """Spend per channel, stacked by format."""
    spend: dict[str, dict[str, float]] = {}
    for a in plan.rows():
        spend.setdefault(a.channel, {}).setdefault(a.format, 0.0)
        spend[a.channel][a.format] += a.spend
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.5 * len(spend)))
    for row, (channel, formats) in enumerate(spend.items()):
        left = 0.0
        for k, (fmt, value) in enumerate(formats.items()):
            if value <= 0:
                continue
            bar = ax.barh(row, value, left=left, color=COLOURS[k % len(COLOURS)], edgecolor="white")
            if words.named:
                bar[0].set_gid(f"spend-{channel}-{fmt}")
            if value > 0.06 * sum(sum(f.values()) for f in spend.values()):
                ax.text(left + value / 2, row, fmt, ha="center", va="center", color="white", fontsize=8)
            left += value
    ax.set_yticks(range(len(spend)), list(spend))
    ax.invert_yaxis()
    ax.set_xlabel(words.horizon.format(currency=currency))
    _money_ticks(ax.xaxis, words, currency)
    ax.spines[["top", "right"]].set_visible(False)
    return svg(fig)


def weekly_chart(plan: Plan, currency: str, unit: str, words: PlanWords = PlanWords()) -> str:
    """Spend per period, stacked by channel."""
    periods = plan.periods
    channels = list(dict.fromkeys(a.channel for a in plan.rows()))
    table = np.zeros((len(channels), periods))
    for a in plan.rows():
        table[channels.index(a.channel), a.period - 1] += a.spend
    fig, ax = plt.subplots(figsize=(8, 3))
    bottom = np.zeros(periods)
    x = np.arange(1, periods + 1)
    for j, channel in enumerate(channels):
        bars = ax.bar(x, table[j], bottom=bottom, color=COLOURS[j % len(COLOURS)], label=channel)
        if words.named:
            for period, bar in zip(x, bars, strict=True):
                bar.set_gid(f"week-{channel}-{period}")
        bottom += table[j]
    ax.set_xlabel(unit)
    ax.set_ylabel(words.spend.format(currency=currency))
    _money_ticks(ax.yaxis, words, currency)
    ax.set_xticks(x)
    ax.legend(frameon=False, ncol=len(channels), fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return svg(fig)


def curve_charts(plan: Plan, market: Market, currency: str, words: PlanWords = PlanWords()) -> list[tuple[str, str]]:
    """Each funded cell's response curve over the horizon, its operating point and marginal CPA."""
    out = []
    periods = market.periods
    for c, cell in enumerate(market.cell_keys):
        slots = np.arange(c * periods, (c + 1) * periods)
        spend = plan.spend[slots]
        total = float(spend.sum())
        if total <= 1e-6:
            continue
        shares = spend / total
        grid = np.linspace(0.0, 2.5 * total, 80)
        values = np.array(
            [market.curves.value(_spread(slots, g * shares, len(market.channel_of)))[slots].sum() for g in grid]
        )
        at = float(market.curves.value(_spread(slots, spend, len(market.channel_of)))[slots].sum())
        step = 0.01 * total
        ahead = float(market.curves.value(_spread(slots, spend * 1.01, len(market.channel_of)))[slots].sum())
        marginal = step / (ahead - at) if ahead > at else float("inf")
        fig, ax = plt.subplots(figsize=(3.4, 2.4))
        ax.plot(grid, values, color=COLOURS[0])
        ax.plot([total], [at], "o", color=COLOURS[3], gid=f"point-{cell}" if words.named else None)
        ax.set_title(f"{cell}: {words.marginal} {amount(marginal, currency, minor=True)}", fontsize=8)
        ax.set_xlabel(words.spend.format(currency=currency), fontsize=8)
        _money_ticks(ax.xaxis, words, currency)
        _number_ticks(ax.yaxis, words)
        ax.spines[["top", "right"]].set_visible(False)
        out.append((cell, svg(fig)))
    return out


def _spread(slots: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    spend = np.zeros(size)
    spend[slots] = values
    return spend


@dataclass(frozen=True)
class FrontierWords:
    """The frontier chart's words (None: the report's English); `named` names the axes and lines in the SVG
    (``frontier-conversions``, ``frontier-profit``, each line ``…-line``) and writes money ticks in the locale."""

    budget: str = "budget ({currency})"
    conversions: str | None = None
    profit: str = "profit ({currency})"
    most_profit: str = "most profit"
    named: bool = False


def frontier_chart(frontier: FrontierResult, words: FrontierWords = FrontierWords()) -> str:
    """Optimal conversions and profit over the budget range, the profit-maximising budget marked."""
    points = [p for p in frontier.points if p.status == "optimal"]
    budgets = [p.budget for p in points]
    cur = frontier.currency
    named = PlanWords(named=words.named)
    fig, ax = plt.subplots(figsize=(8, 3))
    conversions = np.array([p.conversions for p in points], dtype=float)
    label = words.conversions or f"{frontier.conversion}s"
    line = ax.plot(budgets, conversions, color=COLOURS[0], label=label)
    ax.set_xlabel(words.budget.format(currency=cur))
    ax.set_ylabel(label)
    _money_ticks(ax.xaxis, named, cur)
    _number_ticks(ax.yaxis, named)
    twin = ax.twinx()
    profit = twin.plot(budgets, np.array([p.profit for p in points], dtype=float), color=COLOURS[1], label="profit")
    twin.set_ylabel(words.profit.format(currency=cur))
    _money_ticks(twin.yaxis, named, cur)
    if words.named:
        ax.set_gid("frontier-conversions")
        twin.set_gid("frontier-profit")
        line[0].set_gid("frontier-conversions-line")
        profit[0].set_gid("frontier-profit-line")
    if frontier.profit_max_budget is not None:
        ax.axvline(frontier.profit_max_budget, color=COLOURS[3], linestyle="--")
        ax.text(frontier.profit_max_budget, ax.get_ylim()[0], f" {words.most_profit}", color=COLOURS[3], fontsize=8)
    ax.spines[["top"]].set_visible(False)
    return svg(fig)


def band_charts(bands: list[Band]) -> list[tuple[str, str]]:
    """The KPIs over the weeks, to date: P5–P95 fans, the median, and each KPI's target (`campaign.bands`)."""
    out = []
    for band in bands:
        x = np.arange(1, band.values.shape[1] + 1)
        p5, p50, p95 = np.nanpercentile(band.values, [5, 50, 95], axis=0)
        fig, ax = plt.subplots(figsize=(4.2, 2.5))
        ax.fill_between(x, p5, p95, color=COLOURS[0], alpha=0.25, label="P5–P95")
        ax.plot(x, p50, color=COLOURS[0], label="median")
        if band.target is not None:
            ax.axhline(band.target, color=COLOURS[3], linestyle="--", label="target")
        ax.set_xlabel("week")
        ax.set_title(f"{band.label} to date", fontsize=9)
        ax.legend(frameon=False, fontsize=7)
        ax.spines[["top", "right"]].set_visible(False)
        out.append((band.label, svg(fig)))
    return out


def band_table(bands: list[Band], currency: str) -> dict[str, Any]:
    """Each band's figure at the end of the simulated quarter: its target, P5, median and P95."""
    rows = []
    for band in bands:
        target = "" if band.target is None else f"{band.symbol} {kpi_number(band.figure, band.target, currency)}"
        rows.append([band.label, target, *(kpi_number(band.figure, v, currency) for v in quarter_spread(band))])
    return _table(["figure", "target", "P5", "median", "P95"], rows, [False, True, True, True, True])


def crisis_chart(reps: list[Replication]) -> str | None:
    """The replication with the most negative mentions: mentions and conversions per day."""
    worst = max(reps, key=lambda r: r.crisis["mentions"])
    if worst.crisis["mentions"] <= 0:
        return None
    days = np.arange(1, len(worst.daily["mentions"]) + 1)
    fig, ax = plt.subplots(figsize=(8, 2.6))
    ax.bar(days, worst.daily["mentions"], color=COLOURS[3], label="negative mentions")
    ax.set_xlabel("day")
    ax.set_ylabel("negative mentions")
    twin = ax.twinx()
    twin.plot(days, worst.daily["conversions"], color=COLOURS[0], label="conversions")
    twin.set_ylabel("conversions per day")
    ax.spines[["top"]].set_visible(False)
    return svg(fig)


def _table(headers: list[str], rows: list[list[Any]], numeric: list[bool] | None = None) -> dict[str, Any]:
    """A table for the template: header and cell texts (escaped there), right-aligned columns."""
    return {
        "headers": headers,
        "rows": [[str(v) for v in row] for row in rows],
        "numeric": numeric or [False] * len(headers),
    }


def build(
    scenario: Scenario,
    variant: str | None,
    result: OptimizationResult,
    market: Market,
    frontier: FrontierResult,
    statement: Statement,
    reps: list[Replication],
    targets: list[dict[str, Any]],
    parameters: dict[str, Any] | None = None,
    confidence: dict[str, Any] | None = None,
) -> str:
    """The whole report as one HTML document (rendered with autoescape: every text from the scenario is text).

    `parameters` (`simulate --json`'s) says whether the replications drew the uncertain figures; `confidence`
    is the section on a plan at a confidence (`campaign.report_confidence`), left out when None.
    """
    cur = scenario.currency
    t = result.totals
    plan_charts = [_chart("plan", "Spend by channel and format", plan_chart(result.plan, cur))]
    if market.periods > 1:
        unit = scenario.periods.unit
        plan_charts.append(_chart("weekly", f"Spend by {unit}", weekly_chart(result.plan, cur, unit)))
    chance = {t["name"]: t["probability_met"] for t in targets}
    pk = statement.kpis
    sources = [[key, text] for key, text in scenario.sources.items()]
    for name, channel in scenario.channels.items():
        sources += [[f"channels.{name}.{key}", text] for key, text in channel.sources.items()]
    crisis = crisis_chart(reps)
    weekly = bands(reps, scenario, market.audience)
    context = {
        "title": f"{scenario.name}{f' ({variant})' if variant else ''}",
        "style": Markup(STYLE),
        "description": scenario.description,
        "note": (
            f"{scenario.periods.count} {scenario.periods.unit}s from {scenario.start or 'the start'}; "
            f"objective: {result.objective}; proven within {percent(result.solver.approximation_error, 3)} of the "
            f"optimum ({result.solver.name}). Generated {dt.date.today().isoformat()}."
        ),
        "headline": _table(
            ["spend", f"{scenario.business.conversion}s", "CPA", "ROAS", "paid reach", "new followers", "profit"],
            [
                [
                    amount(t["spend"], cur),
                    number(t["conversions"], 1),
                    amount(t["cpa"], cur, minor=True),
                    decimal(t["roas"]),
                    people(t["reach"]),
                    people(t["new_followers"]),
                    amount(t["profit"], cur),
                ]
            ],
            [True] * 7,
        ),
        "plan_charts": plan_charts,
        "curves": [_chart(f"curve-{cell}", cell, figure) for cell, figure in curve_charts(result.plan, market, cur)],
        "binding": [c for c in result.constraints if c.binding],
        "parameters_note": chances_sentence(parameters),
        "kpis": _table(
            ["KPI", "target", "plan", "status", "chance met (simulated)"],
            [
                [
                    k.name,
                    f"{k.sense} {kpi_number(k.name, k.target, cur)}",
                    kpi_number(k.name, k.value, cur),
                    "met" if k.met else "MISSED",
                    percent(chance.get(k.name, float("nan")), 0),
                ]
                for k in result.kpis
            ],
            [False, True, True, False, True],
        ),
        "frontier": _chart("frontier", "Best conversions and profit by budget", frontier_chart(frontier)),
        "runs": len(reps),
        "bands": [_chart(f"band-{name}", name, figure) for name, figure in band_charts(weekly)],
        "band_table": band_table(weekly, cur),
        "crisis": (
            _chart("crisis", "The simulated quarter with the most negative mentions", crisis) if crisis else None
        ),
        "pnl": _table(
            ["", *statement.months, "total"],
            [[line["label"], *(number(v) for v in line["values"]), number(line["total"])] for line in statement.lines],
            [False] + [True] * (len(statement.months) + 1),
        ),
        "pnl_kpis": (
            f"ROAS {decimal(pk['roas'])} · ROI {percent(pk['roi'])} · CAC {amount(pk['cac'], cur, minor=True)}"
            if pk["roas"] is not None and pk["roi"] is not None
            else ""
        ),
        "sources": _table(["figure", "source"], sources),
        "confidence": confidence,
    }
    return TEMPLATES.get_template("report.html").render(context)
