"""The text of `campaign whatif`: the options side by side with their differences from the base."""

from __future__ import annotations

import math

from campaign.render.simulate import chances_sentence
from campaign.render.tables import kpi_number, table
from campaign.whatif import fixes, reason_lines
from scenarios import FIGURE_BY_NAME, decimal, money, number, people, percent, signed


def whatif(result) -> str:
    """The options side by side, with their differences from the base."""
    cur = result.currency
    figures = result.figures
    rows = []
    targets: list[str] = []
    for row in result.rows:
        for name in row.get("probabilities", {}):
            if name not in targets:
                targets.append(name)
    for row in result.rows:
        if row["status"] != "optimal":
            extra = [""] * (len(targets) + (result.confidence is not None))
            rows.append([row["name"], "infeasible"] + [""] * (8 + len(figures)) + [fixes(row)] + extra)
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
            *(kpi_number(name, row[name], cur) for name in figures),
            "all met" if not missed else "missed: " + ", ".join(missed),
        ]
        cells += [percent(row.get("probabilities", {}).get(t, math.nan), 0) for t in targets]
        if result.confidence is not None:
            cells.append(_at_confidence(row["at_confidence"]))
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
        *(FIGURE_BY_NAME[name].label.format(currency=cur, conversion=result.conversion) for name in figures),
        "KPIs",
    ] + [f"P({t})" for t in targets]
    right = [False] + [True] * (9 + len(figures)) + [False] + [True] * len(targets)
    if result.confidence is not None:
        headers.append(f"objective, every KPI in {percent(result.confidence, 0)} of quarters (mean)")
        right.append(True)
    out = [f"{result.scenario}: {len(result.rows)} options compared with the base (first row)"]
    if result.simulated_runs:
        out[0] += f"; chances from {number(result.simulated_runs)} simulated quarters each"
    out += ["", table(headers, rows, right)]
    if result.confidence is not None:
        out += confidence_lines(result.rows, result.confidence)
    out += parameters_lines(result.rows)
    infeasible = [r for r in result.rows if r["status"] != "optimal"]
    if infeasible:
        out += ["", "Infeasible options:"]
        for r in infeasible:
            out += [f"  - {r['name']}: {r['message']}", *reason_lines(r)]
    return "\n".join(out)


def parameters_lines(rows: list[dict]) -> list[str]:
    """Whether each simulated option drew its uncertain figures: one sentence, or one per option when they differ."""
    simulated = [r for r in rows if "probabilities" in r]
    said = {chances_sentence(r.get("parameters")) for r in simulated}
    if not simulated or said == {None}:
        return []
    if len(said) == 1:
        return ["", *said]  # type: ignore[list-item]
    certain = "Every figure certain: the chances are the quarter's own randomness."
    return ["", *(f"{r['name']}: {chances_sentence(r.get('parameters')) or certain}" for r in simulated)]


def confidence_lines(rows: list[dict], confidence: float) -> list[str]:
    """Each option's plan at the confidence (where a plan reaches it): the share of its drawn quarters meeting each
    KPI, as a table."""
    planned = [r for r in rows if r["status"] == "optimal" and r["at_confidence"]["reachable"]]
    names: list[str] = []
    for row in planned:
        for name in row["at_confidence"]["kpis"]:
            if name not in names:
                names.append(name)
    if not names:
        return []
    cells = [[r["name"], *(percent(r["at_confidence"]["kpis"].get(n, math.nan), 1) for n in names)] for r in planned]
    title = f"Plans at {percent(confidence, 0)} confidence: the share of each option's drawn quarters meeting each KPI"
    return ["", title, "", table(["option", *names], cells, [False] + [True] * len(names))]


def _at_confidence(at: dict) -> str:
    """An option's plan at the confidence in one cell: its mean objective over the quarters, or the highest
    confidence a plan reaches."""
    if at["reachable"]:
        return number(at["objective"], 1)
    return f"not reachable (at most {percent(at['highest_confidence'], 1)})"
