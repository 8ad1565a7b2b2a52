"""The text of `campaign optimize`: allocation, totals, KPIs, binding constraints, empty cells."""

from __future__ import annotations

import math
from dataclasses import replace

from campaign.render.tables import compact, kpi_table, table
from optimizer import CellPlan, OptimizationResult
from scenarios import Scenario, amount, decimal, money, number, people, percent, short


def optimization(result: OptimizationResult, scenario: Scenario) -> str:
    """The plan as a report: allocation, totals, KPIs, binding constraints, empty cells."""
    cur = result.currency
    conv = f"{scenario.business.conversion}s"
    t = result.totals
    verb = {
        "conversions": f"maximise {conv}",
        "profit": "maximise profit",
        "reach": "maximise reach",
        "min_spend": f"reach {number(scenario.kpis.min_conversions or 0)} {conv} at least cost",
    }[result.objective]
    variant = f" (variant {result.variant})" if result.variant else ""
    horizon = f"{scenario.periods.count} {scenario.periods.unit}{'s' if scenario.periods.count != 1 else ''}"
    s = result.solver
    out = [
        f"{result.scenario}{variant}: {verb}; budget {amount(_budget(result), cur)} over {horizon}",
        (
            f"optimal ({s.name}, {decimal(s.seconds)} s; proven within {percent(s.approximation_error, 3)} "
            "of the true optimum)"
        ),
    ]
    if s.approximation_error > s.tolerance:
        out.append(
            f"note: the requested tolerance of {percent(s.tolerance, 3)} was not reached in {s.rounds} rounds of "
            "refinement; the plan is feasible and the gap above is proven"
        )
    if t["spend"] <= 0:
        out.append("note: the best plan spends nothing: no spend pays for itself under this objective")
    out += [f"warning: {w}" for w in result.warnings]
    out.append("")
    rows = []
    spend = t["spend"] or 1.0
    cells = by_cell(result)
    for c in cells:
        cpa = c.spend / c.conversions if c.conversions > 1e-9 else math.nan
        rows.append(
            [
                c.channel,
                c.format,
                number(c.spend),
                percent(c.spend / spend),
                number(c.conversions, 1),
                money(cpa, cur),
                number(c.impressions),
                number(c.clicks),
            ]
        )
    rows.append(
        [
            "total",
            "",
            number(t["spend"]),
            percent(t["spend"] / spend),
            number(t["conversions"], 1),
            money(t["cpa"], cur),
            number(t["impressions"]),
            number(t["clicks"]),
        ]
    )
    headers = ["channel", "format", f"spend ({cur})", "share", conv, f"CPA ({cur})", "impressions", "clicks"]
    out.append(table(headers, rows, [False, False, True, True, True, True, True, True]))
    if scenario.periods.count > 1:
        out += ["", f"Spend by {scenario.periods.unit} ({cur})", by_period(result, scenario.periods.count)]
    summary = (
        f"revenue {amount(t['revenue'], cur)} · ROAS {decimal(t['roas'])} · profit after fixed costs "
        f"{amount(t['profit'], cur)} · paid reach {people(t['reach'])} people · new followers "
        f"{people(t['new_followers'])} · bounce rate {percent(t['bounce_rate'])}"
    )
    if t.get("production", 0.0) > 0:
        summary += f" · production of the cells used {amount(t['production'], cur)}"
    if t.get("carried_conversions", 0.0) > 0:
        summary += f" · {number(t['carried_conversions'], 1)} of the {conv} carried over from spend before the horizon"
    if scenario.team is not None and scenario.team.hours_per_week is not None:
        hours = f"{decimal(t['team_hours_per_week'], 1)} of {short(scenario.team.hours_per_week)}"
        summary += f" · team {hours} hours a week"
    out += ["", summary]
    if result.content:
        rows = [[c.channel, c.format, str(c.creatives), str(c.organic_posts_per_week)] for c in result.content]
        out += [
            "",
            "Content plan",
            table(["channel", "format", "creatives", "organic posts/week"], rows, [False, False, True, True]),
        ]
    if result.kpis:
        out += ["", "KPIs", kpi_table([k.to_dict() for k in result.kpis], cur)]
    if result.without_kpis:
        out += ["", "Left out on request (the plan is not held to them): " + ", ".join(result.without_kpis)]
    binding = [c for c in result.constraints if c.binding]
    if binding:
        out += ["", "Binding constraints"]
        out += [f"  - {c.name}: {c.explanation}" for c in binding]
    held = [c for c in result.constraints if not c.binding and c.shadow_price != 0]
    if held:
        out += ["", "Limits with room that still hold the plan back"]
        out += [f"  - {c.name}: {c.explanation}" for c in held]
    slack = [c for c in result.constraints if not c.binding and c.shadow_price == 0]
    if slack:
        out += ["", "Constraints with room: " + ", ".join(compact(c.name for c in slack))]
    if result.zero_spend:
        out += ["", "Cells left empty"]
        out += [f"  - {z.explanation}" for z in result.zero_spend]
    return "\n".join(out)


def by_cell(result: OptimizationResult) -> list[CellPlan]:
    """The allocation summed over periods, one row per cell in plan order."""
    totals: dict[tuple[str, str], CellPlan] = {}
    for c in result.allocation:
        key = (c.channel, c.format)
        if key not in totals:
            totals[key] = replace(c, period=0)
        else:
            old = totals[key]
            totals[key] = replace(
                old,
                spend=old.spend + c.spend,
                conversions=old.conversions + c.conversions,
                impressions=old.impressions + c.impressions,
                clicks=old.clicks + c.clicks,
            )
    return list(totals.values())


def by_period(result: OptimizationResult, periods: int) -> str:
    """Spend per cell (rows) and period (columns), whole currency units."""
    spend: dict[str, list[float]] = {}
    for c in result.allocation:
        spend.setdefault(f"{c.channel}.{c.format}", [0.0] * periods)[c.period - 1] += c.spend
    headers = ["cell", *(str(p) for p in range(1, periods + 1))]
    rows = [[cell, *(number(v) for v in values)] for cell, values in spend.items()]
    week_totals = [sum(v[p] for v in spend.values()) for p in range(periods)]
    rows.append(["total", *(number(v) for v in week_totals)])
    return table(headers, rows, [False] + [True] * periods)


def _budget(result: OptimizationResult) -> float:
    for c in result.constraints:
        if c.name == "budget.total":
            return c.limit
    return result.totals["spend"]
