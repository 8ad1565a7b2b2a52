"""The text of `campaign pnl`: the monthly P&L, its KPIs and definitions, the team options."""

from __future__ import annotations

from campaign.render.simulate import chances_sentence
from campaign.render.tables import kpi_table, table
from campaign.whatif import fixes, reason_lines
from scenarios import amount, decimal, number, percent, short, significant


def pnl(statement, options: list | None = None, runs: int = 0, parameters: dict | None = None) -> str:
    """The monthly P&L table, its KPIs and definitions, and the team options; `parameters` says whether the
    bands drew the uncertain figures."""
    cur = statement.currency
    variant = f" (variant {statement.variant})" if statement.variant else ""
    out = [f"{statement.scenario}{variant}: P&L by month ({cur}; costs negative)"]
    if runs:
        out[0] += f"; P10 and P90 from {number(runs)} simulated quarters"
        sentence = chances_sentence(parameters)
        if sentence is not None:
            out.append(sentence)
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
    out += ["", " · ".join(parts)]
    if statement.targets:
        out += ["", "KPIs", kpi_table(statement.targets, cur)]
    out += ["", "Definitions"]
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
