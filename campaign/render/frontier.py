"""The text of `campaign frontier`: the best plans by budget, the marked budgets, where spend stops."""

from __future__ import annotations

from campaign.render.tables import compact, table
from optimizer import FrontierResult
from scenarios import decimal, money, number, people, percent, signed


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
