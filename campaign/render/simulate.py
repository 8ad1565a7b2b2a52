"""The text of `campaign simulate`: KPI bands, target chances, crisis costs, the community queue."""

from __future__ import annotations

from campaign.render.tables import kpi_number, table
from scenarios import FIGURES, Scenario, decimal, number, percent

SOURCES = {
    "intervals": "the scenario's uncertainty section",
    "calibration": "the calibration's joint posterior draws",
    "calibration+intervals": "the calibration's joint posterior draws and the scenario's uncertainty section",
}


def chances_sentence(parameters: dict | None) -> str | None:
    """Whether the simulated chances and bands include drawn parameters (None when every figure is certain)."""
    if parameters is None:
        return None
    if not parameters["drawn"]:
        return (
            "Parameters fixed at the figures' means (--fixed-parameters): "
            "the chances and bands are the quarter's own randomness only."
        )
    return (
        f"Parameters drawn from {SOURCES[parameters['source']]}, one draw for each pair of quarters: "
        "the chances and bands include what is not known about the figures."
    )


def parameters_sentence(result, conversion: str) -> str:
    """Whether the uncertain figures were drawn, and how the spread of conversions splits."""
    if not result.parameters["drawn"]:
        return (
            "Parameters fixed at the figures' means (--fixed-parameters): the spread is the quarter's own randomness."
        )
    spread = result.kpis["conversions"]["spread"]
    return (
        f"Parameters drawn from {SOURCES[result.parameters['source']]}, one draw for each pair of quarters: "
        f"by the law of total variance, what is not known about the figures makes up a standard deviation of "
        f"{number(spread['parameters'], 1)} {conversion}s and the quarter's own randomness one of "
        f"{number(spread['quarter'], 1)} (estimated from the pairs)."
    )


def simulation(result, scenario: Scenario, expected: dict[str, float] | None = None) -> str:
    """KPI distributions, target probabilities, crisis costs and the community queue of a simulation."""
    cur = scenario.currency
    variant = f" (variant {result.variant})" if result.variant else ""
    crises = "crises on" if result.crises else "no crises"
    out = [f"{result.scenario}{variant}: {number(result.runs)} simulated quarters (seed {result.seed}, {crises})"]
    out += [f"warning: {w}" for w in result.warnings]
    conversion = scenario.business.conversion
    if result.parameters is not None:
        out.append(parameters_sentence(result, conversion))
    out.append("")
    names = {f.name: f.label.format(currency=cur, conversion=conversion) for f in FIGURES if f.name in result.kpis}
    names["final_followers"] = "followers at the end"
    if "deals" in result.kpis:
        names |= {
            "deals": "deals closed",
            "lead_response_hours": "hours before sales works a lead",
            "leads_waiting": "leads never worked",
        }
    split = result.parameters is not None and result.parameters["drawn"]
    headers = ["kpi", "mean", "P5", "P50", "P95"] + (["plan expects"] if expected else [])
    headers += ["sd from parameters", "sd from the quarter"] if split else []
    rows = []
    for key, label in names.items():
        d = result.kpis[key]
        row = [label, *(kpi_number(key, d[s], cur) for s in ("mean", "p5", "p50", "p95"))]
        if expected:
            row.append(kpi_number(key, expected.get(key), cur) if key in expected else "")
        if split:
            row += [kpi_number(key, d["spread"][part], cur) for part in ("parameters", "quarter")]
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
