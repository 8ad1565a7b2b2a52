"""The text of `campaign reallocate`: what is past, what was learned, the changes, the outlook."""

from __future__ import annotations

from campaign.render.tables import kpi_number, table
from scenarios import Scenario, amount, money, number, percent


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
