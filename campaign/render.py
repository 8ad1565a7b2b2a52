"""Human-readable output: plain aligned tables and sentences, numbers in the reader's locale (scenarios.formatting)."""

from __future__ import annotations

import io
import math
import sys
from collections.abc import Sequence
from dataclasses import replace

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from campaign.app.catalogue import Bundled, Validated
from campaign.whatif import fixes, reason_lines
from optimizer import CellPlan, FrontierResult, OptimizationResult
from scenarios import (
    Scenario,
    amount,
    counted,
    decimal,
    money,
    number,
    people,
    percent,
    short,
    signed,
    significant,
)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool] | None = None) -> str:
    """A rich table of `rows` under `headers` (columns flagged in `right` right-aligned), as text.

    In a terminal the header is bold and a MISSED status red; piped or redirected, it is plain text.
    """
    right = right or [False] * len(headers)
    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold" if COLOUR else "")
    for header, flush in zip(headers, right, strict=True):
        grid.add_column(str(header), justify="right" if flush else "left", no_wrap=True)
    for row in rows:
        grid.add_row(*(_styled(str(cell)) for cell in row))
    buffer = io.StringIO()
    # Wide enough never to wrap or truncate: the table takes only the width it needs.
    console = Console(file=buffer, width=10_000, force_terminal=COLOUR, color_system="standard" if COLOUR else None)
    console.print(grid)
    return "\n".join(line.rstrip() for line in buffer.getvalue().rstrip("\n").splitlines())


#: Colour and bold in tables only when the output goes to a terminal.
COLOUR = sys.stdout.isatty()


def _styled(cell: str) -> Text | str:
    if COLOUR and cell in ("MISSED", "infeasible"):
        return Text(cell, style="bold red")
    return Text(cell)


def catalogue(found: Sequence[Bundled]) -> str:
    """The bundled scenarios, one a line: name, description, and which is the default."""
    width = max(len(s.name) for s in found)
    return "\n".join(f"{s.name.ljust(width)}  {s.description}{' (default)' if s.default else ''}" for s in found)


def validation(checked: Validated) -> str:
    """The valid scenario's channels, cells and variants in one line, then its caveats."""
    listing = ", ".join(checked.variants) if checked.variants else "none"
    scenario = checked.scenario
    out = [
        (
            f"{checked.path}: valid scenario '{scenario.name}': {len(scenario.channels)} channels, "
            f"{len(checked.cells)} cells, variants: {listing}"
        )
    ]
    out += [f"warning: {warning}" for warning in checked.warnings]
    return "\n".join(out)


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
        out += ["", "KPIs"]
        rows = [
            [k.name, f"{k.sense} {kpi_number(k.name, k.target, cur)}", kpi_number(k.name, k.value, cur), _met(k.met)]
            for k in result.kpis
        ]
        out.append(table(["kpi", "target", "plan", "status"], rows, [False, True, True, False]))
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


def compact(names) -> list[str]:
    """Names folded where many share a pattern: budget.period.N.max (9), rules.min_spend_if_active.* (13)."""
    names = list(names)
    prefixes: dict[str, int] = {}
    for name in names:
        prefixes[".".join(name.split(".")[:2])] = prefixes.get(".".join(name.split(".")[:2]), 0) + 1
    groups: dict[str, list[str]] = {}
    for name in names:
        parts = name.split(".")
        key = ".".join("N" if p.isdigit() else p for p in parts)
        if key == name and prefixes[".".join(parts[:2])] >= 4:
            key = ".".join(parts[:2]) + ".*"
        groups.setdefault(key, []).append(name)
    return [found[0] if len(found) == 1 else f"{key} ({len(found)})" for key, found in groups.items()]


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


def kpi_number(name: str, value: float | None, currency: str) -> str:
    """A KPI value: CPA in the currency's own digits, ratios with three significant digits, counts whole."""
    if value is None:
        return "n/a"
    if not math.isfinite(value):
        return "-"
    if name.endswith("cpa"):
        return money(value, currency)
    if name.endswith(("roas", "bounce_rate")):
        return significant(value)
    if name.endswith(("reach", "followers")):
        return people(value)
    return number(value)


def _met(met: bool) -> str:
    return "met" if met else "MISSED"


def _budget(result: OptimizationResult) -> float:
    for c in result.constraints:
        if c.name == "budget.total":
            return c.limit
    return result.totals["spend"]


def frontier(result: FrontierResult) -> str:
    """The frontier as a table, with the marked budgets."""
    cur = result.currency
    conv = f"{result.conversion}s"
    variant = f" (variant {result.variant})" if result.variant else ""
    worst = max((p.approximation_error or 0.0 for p in result.points), default=0.0)
    heading = (
        f"{result.scenario}{variant}: best {conv} by budget ({len(result.points)} budgets, "
        f"{decimal(result.seconds)} s; "
        f"every point proven within {percent(worst, 3)} of its optimum)"
    )
    out = [heading, ""]
    rows = []
    for p in result.points:
        if p.status != "optimal":
            rows.append([number(p.budget), "infeasible", "", "", "", "", ""])
            continue
        rows.append(
            [
                number(p.budget),
                number(p.spend),
                number(p.conversions, 1),
                money(p.cpa, cur),
                money(p.marginal_cpa, cur),
                number(p.profit),
                people(p.reach),
            ]
        )
    headers = [
        f"budget ({cur})",
        f"spend ({cur})",
        conv,
        f"CPA ({cur})",
        f"marginal CPA ({cur})",
        f"profit ({cur})",
        "reach",
    ]
    out.append(table(headers, rows, [True] * len(headers)))
    out.append("")
    if not any(p.status == "optimal" for p in result.points):
        out.append("no budget in this range meets every rule and KPI: try a range of larger budgets")
    elif result.profit_max_budget is None:
        out.append("no value per conversion in the scenario: profit cannot be maximised")
    else:
        cur_value = f"the revenue of a {result.conversion}"
        stop = result.spend_stops
        if result.profit_max_reason == "spend_stops":
            out.append(
                f"profit rises with the budget until spend stops at {number(result.profit_max_budget)} {cur}: "
                f"{number(result.profit_max)} {cur} after fixed costs; more budget changes nothing"
            )
        else:
            edge = " (at the edge of the range: widen it)" if result.profit_max_at_edge else ""
            out.append(
                f"profit peaks at a budget of {number(result.profit_max_budget)} {cur}{edge}: "
                f"{number(result.profit_max)} {cur} after fixed costs"
            )
        if result.marginal_cpa_above_value_budget is not None:
            edge = " (at the edge of the range)" if result.value_budget_at_edge else ""
            past = number(result.marginal_cpa_above_value_budget)
            out.append(f"past {past} {cur}{edge}, the marginal CPA exceeds {cur_value}")
        else:
            where = "wherever the budget is spent" if stop is not None else "up to the end of the range"
            out.append(f"the marginal CPA stays below {cur_value} {where}")
    if result.spend_stops is not None:
        out += ["", *spend_stop_lines(result)]
    return "\n".join(out)


def spend_stop_lines(result: FrontierResult) -> list[str]:
    """Where spend stops below the budget, what stops it, and what 1 % more room in it would bring."""
    stop = result.spend_stops
    assert stop is not None, "spend_stop_lines needs a result with spend_stops"
    cur = result.currency
    names = compact(c["name"] for c in stop.constraints)
    lines = [
        f"spend stops at {number(stop.spend)} {cur}: from that budget on, the budget is not what limits the plan"
        + (f"; what stops it: {', '.join(names)}" if names else "; no constraint with a price stops it (the curves")
        + ("" if names else " are saturated)")
    ]
    if names:
        gain = stop.profit_gain
        verb = "rise" if gain > 0 else "fall"
        them = "each of them" if len(stop.constraints) > 1 else "it"
        lines.append(
            f"with {them} {percent(stop.room, 0)} looser, profit would {verb} by {number(abs(gain))} {cur} "
            f"({signed(stop.spend_gain)} {cur} of spend, {signed(stop.conversions_gain, 1)} {result.conversion}s)"
        )
    return lines


def simulation(result, scenario: Scenario, expected: dict[str, float] | None = None) -> str:
    """KPI distributions, target probabilities, crisis costs and the community queue of a simulation."""
    cur = scenario.currency
    variant = f" (variant {result.variant})" if result.variant else ""
    crises = "crises on" if result.crises else "no crises"
    out = [f"{result.scenario}{variant}: {number(result.runs)} simulated quarters (seed {result.seed}, {crises})"]
    out += [f"warning: {w}" for w in result.warnings]
    out.append("")
    names = {
        "spend": f"spend ({cur})",
        "impressions": "impressions",
        "clicks": "clicks",
        "conversions": f"{scenario.business.conversion}s",
        "reach": "paid reach",
        "engagement": "engagement",
        "new_followers": "new followers",
        "negative_feedback": "negative feedback",
        "bounce_rate": "bounce rate",
        "revenue": f"revenue ({cur})",
        "profit": f"profit ({cur})",
        "cpa": f"CPA ({cur})",
        "roas": "ROAS",
        "final_followers": "followers at the end",
    }
    if "deals" in result.kpis:
        names |= {
            "deals": "deals closed",
            "lead_response_hours": "hours before sales works a lead",
            "leads_waiting": "leads never worked",
        }
    headers = ["kpi", "mean", "P5", "P50", "P95"] + (["plan expects"] if expected else [])
    rows = []
    for key, label in names.items():
        d = result.kpis[key]
        row = [label, *(kpi_number(key, d[s], cur) for s in ("mean", "p5", "p50", "p95"))]
        if expected:
            row.append(kpi_number(key, expected.get(key), cur) if key in expected else "")
        rows.append(row)
    out.append(table(headers, rows, [False] + [True] * (len(headers) - 1)))
    if result.targets:
        out += ["", "KPI targets"]
        rows = [
            [t["name"], f"{t['sense']} {kpi_number(t['name'], t['target'], cur)}", percent(t["probability_met"])]
            for t in result.targets
        ]
        out.append(table(["kpi", "target", "chance met"], rows, [False, True, True]))
    c = result.crisis
    if result.crises:
        out += [
            "",
            f"Crises: {percent(c['probability'])} of quarters have one ({decimal(c['crises_per_quarter'])} a quarter)",
        ]
        if c["probability"] > 0:
            rows = [
                [label, *(number(c[key][s], digits) for s in ("mean", "p5", "p50", "p95"))]
                for key, label, digits in (
                    ("hours", "hours in crisis", 0),
                    ("mentions", "negative mentions", 0),
                    ("response_hours", "hours to answer a mention", 1),
                    ("within_target", "share answered within the target", 2),
                    ("followers_lost", "followers lost", 0),
                    ("conversions_lost", f"{scenario.business.conversion}s lost", 1),
                    ("ad_impressions", "ad impressions during crises", 0),
                )
            ]
            out.append("In quarters with a crisis:")
            out.append(table(["", "mean", "P5", "P50", "P95"], rows, [False, True, True, True, True]))
    q = result.community
    out += [
        "",
        (
            f"Community: {number(q['messages']['mean'])} comments and messages a quarter; answered in "
            f"{number(q['response_hours']['mean'], 1)} hours on average; {percent(q['unanswered']['mean'])} "
            "still waiting at the end"
        ),
    ]
    return "\n".join(out)


def whatif(result) -> str:
    """The options side by side, with their differences from the base."""
    cur = result.currency
    rows = []
    targets: list[str] = []
    for row in result.rows:
        for name in row.get("probabilities", {}):
            if name not in targets:
                targets.append(name)
    for row in result.rows:
        if row["status"] != "optimal":
            rows.append([row["name"], "infeasible"] + [""] * 8 + [fixes(row)] + [""] * len(targets))
            continue
        delta = row.get("delta", {})
        missed = [k for k, met in row["kpis"].items() if not met]
        cells = [
            row["name"],
            number(row["spend"]),
            number(row["conversions"], 1),
            signed(delta.get("conversions"), 1),
            money(row["cpa"], cur),
            decimal(row["roas"]),
            people(row["reach"]),
            people(row["new_followers"]),
            number(row["profit"]),
            signed(delta.get("profit"), 0),
            "all met" if not missed else "missed: " + ", ".join(missed),
        ]
        cells += [percent(row.get("probabilities", {}).get(t, math.nan), 0) for t in targets]
        rows.append(cells)
    headers = [
        "option",
        f"spend ({cur})",
        f"{result.conversion}s",
        "vs base",
        f"CPA ({cur})",
        "ROAS",
        "reach",
        "new followers",
        f"profit ({cur})",
        "vs base",
        "KPIs",
    ] + [f"P({t})" for t in targets]
    right = [False] + [True] * 9 + [False] + [True] * len(targets)
    out = [f"{result.scenario}: {len(result.rows)} options compared with the base (first row)"]
    if result.simulated_runs:
        out[0] += f"; chances from {number(result.simulated_runs)} simulated quarters each"
    out += ["", table(headers, rows, right)]
    infeasible = [r for r in result.rows if r["status"] != "optimal"]
    if infeasible:
        out += ["", "Infeasible options:"]
        for r in infeasible:
            out += [f"  - {r['name']}: {r['message']}", *reason_lines(r)]
    return "\n".join(out)


def pnl(statement, options: list | None = None, runs: int = 0) -> str:
    """The monthly P&L table, its KPIs and definitions, and the team options."""
    cur = statement.currency
    variant = f" (variant {statement.variant})" if statement.variant else ""
    out = [f"{statement.scenario}{variant}: P&L by month ({cur}; costs negative)"]
    if runs:
        out[0] += f"; P10 and P90 from {number(runs)} simulated quarters"
    headers = ["", *statement.months, "total"]
    rows = []
    subtotals = {"net_revenue", "cm1", "cm2", "cm3", "media_total", "marketing_contribution"}
    for line in statement.lines:
        label = line["label"].upper() if line["name"] in subtotals else "  " + line["label"]
        rows.append([label, *(number(v) for v in line["values"]), number(line["total"])])
        for band in ("p10", "p90"):
            if band in line:
                values = line[band]
                rows.append([f"    {band.upper()}", *(number(v) for v in values["values"]), number(values["total"])])
    out += ["", table(headers, rows, [False] + [True] * (len(headers) - 1))]
    k = statement.kpis
    parts = [
        f"ROAS {decimal(k['roas'])}" if k["roas"] is not None else "ROAS -",
        f"ROI {percent(k['roi'])}" if k["roi"] is not None else "ROI -",
        f"CAC {amount(k['cac'], cur, minor=True)}" if k["cac"] is not None else "CAC -",
        f"CAC payback {decimal(k['payback_months'], 1)} months" if k["payback_months"] is not None else "CAC payback -",
    ]
    if k.get("break_even_budget") is not None:
        edge = " (the least that meets the KPIs: it already pays for itself)" if k.get("break_even_at_kpi_edge") else ""
        parts.append(f"break-even media budget {amount(k['break_even_budget'], cur)}{edge}")
    else:
        parts.append("break-even media budget: none up to three times the budget")
    out += ["", " · ".join(parts), "", "Definitions"]
    out += [f"  {name}: {text}" for name, text in statement.definitions.items()]
    if options:
        out += ["", "Team options (each plan re-optimised with the option's hours and cost)"]
        rows = []
        for o in options:
            if o["status"] != "optimal":
                rows.append(
                    [o["name"], number(o["monthly_cost"]), short(o["hours_per_week"]), "infeasible", "", "", fixes(o)]
                )
                continue
            rows.append(
                [
                    o["name"] + (" (best)" if o["best"] else ""),
                    number(o["monthly_cost"]),
                    short(o["hours_per_week"]),
                    number(o["conversions"], 1),
                    number(o["production"]),
                    number(o["marketing_contribution"]),
                    "yes" if o["hours_bind"] else "no",
                ]
            )
        headers = [
            "option",
            f"per month ({cur})",
            "hours/week",
            "conversions",
            "production",
            "contribution",
            "hours bind",
        ]
        out.append(table(headers, rows, [False, True, True, True, True, True, False]))
        priced = [o for o in options if o["status"] == "optimal" and o.get("hours_price")]
        for o in priced:
            out.append(
                f"  {o['name']}: {short(o['hours_step'])} more hours a week would add "
                f"{significant(o['hours_price'] * o['hours_step'], 4)} {o['unit']}"
            )
        infeasible = [o for o in options if o["status"] != "optimal"]
        if infeasible:
            out += ["", "Infeasible options:"]
            for o in infeasible:
                out += [f"  - {o['name']}: {o['message']}", *reason_lines(o)]
    return "\n".join(out)


def imports(reports) -> str:
    """One paragraph per imported file, with its unmapped rows."""
    out = []
    for r in reports:
        t = r.totals
        out.append(
            f"{r.file}: {r.platform} export in {r.currency}, {counted(r.rows, 'data row')} "
            f"({counted(len(r.dropped), 'total row')} dropped); {number(r.imported)} imported, "
            f"{number(r.duplicates)} already in the ledger"
            + (f", {sum(c['rows'] for c in r.replaced)} replaced" if r.replaced else "")
        )
        out.append(
            f"  totals of all data rows: spend {amount(t['spend'], r.currency, minor=True)}, impressions "
            f"{number(t['impressions'])}, clicks {number(t['clicks'])}, conversions {number(t['conversions'], 1)}"
        )
        if r.note:
            out.append(f"  note: {r.note}")
        for d in r.dropped_rows:
            out.append(f"  dropped total row, line {d['row']}: {d['label']}")
        for c in r.replaced:
            out.append(
                f"  replaced {c['cell']} ({counted(c['rows'], 'row')}): spend "
                f"{amount(c['spend_before'], r.currency, minor=True)} → "
                f"{amount(c['spend_after'], r.currency, minor=True)}, conversions "
                f"{number(c['conversions_before'], 1)} → {number(c['conversions_after'], 1)}"
            )
        for u in r.unmapped:
            out.append(f"  unmapped line {u['row']}: {u['reason']}")
    return "\n".join(out)


def ledger(document: dict, currency: str) -> str:
    """The ledger's imports and the actuals per cell."""
    out = [f"{document['ledger']}: {len(document['imports'])} imports"]
    rows = [[i["file"], i["platform"], i["currency"], i["imported_at"], str(i["rows"])] for i in document["imports"]]
    out += ["", table(["file", "platform", "currency", "imported", "rows"], rows, [False] * 4 + [True])]
    rows = [
        [cell, money(v["spend"], currency), number(v["impressions"]), number(v["clicks"]), number(v["conversions"], 1)]
        for cell, v in document["cells"].items()
    ]
    headers = ["cell", f"spend ({currency})", "impressions", "clicks", "conversions"]
    out += ["", table(headers, rows, [False, True, True, True, True])]
    return "\n".join(out)


def reallocation(result, scenario: Scenario) -> str:
    """The new plan for the remaining periods: changes with reasons, what was learned, the quarter's outlook."""
    cur = scenario.currency
    unit = scenario.periods.unit
    t = result.timeline
    left = scenario.periods.count - result.past_periods
    spent = f"{result.past_periods} {unit}s spent, {left} to go"
    if t.current is not None:
        spent = (
            f"{result.past_periods} {unit}s and {t.days_past} days spent, the rest of {unit} {t.current + 1} "
            f"and {left - 1} {unit}s to go"
        )
    out = [f"{scenario.name}: reallocation as of {result.as_of} ({spent})"]
    if result.kpis_relaxed:
        out.append("note: within the move limits no plan meets every KPI any more; planned for the objective alone")
    out += _past(result, scenario)
    learned = [item for item in result.learning if item.spend > 0]
    if learned:
        rows = [
            [
                item.cell,
                money(item.spend, cur),
                f"{money(item.cpm.mean, cur)} ({money(item.cpm.plan, cur)})",
                f"{percent(item.ctr.mean, 2)} ({percent(item.ctr.plan, 2)})",
                f"{percent(item.cvr.mean, 2)} ({percent(item.cvr.plan, 2)})",
            ]
            for item in learned
        ]
        out += ["", "Learned from the actuals (planned in brackets)"]
        out.append(
            table(["cell", f"spend ({cur})", f"CPM ({cur})", "CTR", "CVR"], rows, [False, True, True, True, True])
        )
    if result.changes:
        rows = [
            [
                f"{c['channel']}.{c['format']}",
                str(c["period"]),
                number(c["old_spend"]),
                number(c["new_spend"]),
                c["reason"],
            ]
            for c in result.changes
        ]
        out += ["", "Changes"]
        out.append(table(["cell", unit, "old", "new", "reason"], rows, [False, True, True, True, False]))
    else:
        out += ["", "No change: the current plan is still as good as any within the move limits."]
    p = result.projection
    rows = [
        [key, number(p["original"][key]), number(p["projected"][key])]
        for key in ("spend", "conversions", "clicks", "reach", "profit")
    ]
    out += ["", "End of the quarter", table(["", "original plan", "now expected"], rows, [False, True, True])]
    if result.at_risk:
        out += ["", "KPI targets at risk"]
        out += [
            f"  - {r['name']}: target {kpi_number(r['name'], r['target'], cur)}, now expected "
            f"{kpi_number(r['name'], r['projected'], cur)}"
            for r in result.at_risk
        ]
    return "\n".join(out)


def _past(result, scenario: Scenario) -> list[str]:
    """Which days count as past, what they hold, how the period as_of cuts goes on, and the rule's warnings."""
    document = result.to_dict()["past"]
    unit = scenario.periods.unit
    t = document["current_period"]
    days = f"{result.past_periods} {unit}s" + (
        f" and {t['days_past']} of the {t['days']} days of {unit} {t['period']}" if t else ""
    )
    out = [
        "",
        (
            f"Past: {document['first_day']} to {document['last_day']} ({days}): "
            f"{amount(document['spend'], scenario.currency, minor=True)} spent, "
            f"{number(document['conversions'], 1)} {scenario.business.conversion}s "
            "(spend and conversions from the same ledger rows)"
        ),
        f"Rule: {result.to_dict()['as_of_rule']}.",
    ]
    if t:
        out.append(f"Rest of {unit} {t['period']}: {t['rest']}; re-optimised from {unit} {t['period'] + 1}.")
    if result.warnings:
        out += ["", "Warnings"] + [f"  - {w}" for w in result.warnings]
    return out
