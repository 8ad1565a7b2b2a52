"""The text of `campaign optimize --confidence`: the plan at a confidence beside the expected-value plan."""

from __future__ import annotations

import numpy as np

from campaign.app.confidence import Confident
from campaign.render.tables import kpi_number, table
from scenarios import Scenario, amount, build_market, number, percent

SOURCES = {
    "intervals": "the scenario's intervals",
    "calibration": "the calibration's posterior draws",
    "calibration+intervals": "the calibration's posterior draws and the scenario's intervals",
    None: "none: every figure is certain, so only the quarters' own randomness varies",
}


def confident(done: Confident) -> str:
    """The plan at `done.confidence`: how it was made, each KPI's chance under it and the expected-value plan,
    the expected objective and the price of confidence, and the spend per channel of both plans."""
    scenario, planned, baseline = done.scenario, done.planned, done.baseline
    cur = scenario.currency
    what = objective_name(scenario)
    variant = f" (variant {done.variant})" if done.variant else ""
    tail = (
        f"the mean of its worst {percent(done.quantile, 0)} of quarters"
        if done.quantile is not None
        else "its mean over the quarters"
    )
    out = [
        (
            f"{scenario.name}{variant}: every KPI met in at least {percent(done.confidence, 0)} of "
            f"{number(done.draws)} drawn quarters; objective: {what}, {tail}"
        ),
        (
            f"quarters: {number(done.draws)} draws of the uncertain figures (seed {done.seed}; source: "
            f"{SOURCES.get(done.source, done.source)}), each with the own randomness of one quarter simulated "
            "with the figures fixed, for the expected-value plan"
        ),
        (
            "method: each KPI held by a CVaR constraint over the quarters, a convex and conservative stand-in "
            "for its chance constraint (Rockafellar and Uryasev 2000); an LP"
        ),
        (
            f"optimal (HiGHS; proven within {percent(planned.gap, 3)} of the best plan for these quarters, "
            f"{planned.seconds:.1f} s)"
        ),
        "",
    ]
    before = {c.name: c for c in baseline.kpis}
    rows = []
    for c in planned.evaluation.kpis:
        b = before[c.name]
        rows.append(
            [
                c.name,
                f"{c.sense} {kpi_number(c.name, c.target, cur)}",
                kpi_number(c.name, c.expected, cur),
                percent(c.probability_met, 1),
                kpi_number(c.name, b.expected, cur),
                percent(b.probability_met, 1),
            ]
        )
    out.append(
        table(
            ["kpi", "target", "this plan: mean", "met in", "expected-value plan: mean", "met in"],
            rows,
            [False, True, True, True, True, True],
        )
    )
    out.append("")
    ours, theirs = planned.evaluation.expected, baseline.expected
    out.append(f"{what} over the quarters: {objective_value(done, ours)} (expected-value plan: "
               f"{objective_value(done, theirs)})")  # fmt: skip
    out.append(price_of_confidence(done))
    out.append("")
    market = build_market(scenario)
    channels = market.channels
    mine = np.bincount(market.channel_of, weights=planned.spend, minlength=len(channels))
    theirs_spend = np.bincount(market.channel_of, weights=done.expected_value.plan.spend, minlength=len(channels))
    out.append(
        table(
            ["channel", "this plan", "expected-value plan"],
            [[ch, amount(a, cur), amount(b, cur)] for ch, a, b in zip(channels, mine, theirs_spend, strict=True)],
            [False, True, True],
        )
    )
    return "\n".join(out)


def objective_name(scenario: Scenario) -> str:
    """What the objective counts, in words ("pre-orders", "profit", "spend")."""
    return {"conversions": f"{scenario.business.conversion}s", "min_spend": "spend"}.get(
        scenario.objective, scenario.objective
    )


def objective_value(done: Confident, value: float) -> str:
    """A value of the objective with its unit: an amount of the currency for profit and spend, else a count."""
    scenario = done.scenario
    if scenario.objective in ("profit", "min_spend"):
        return amount(value, scenario.currency)
    unit = {"reach": "people"}.get(scenario.objective, f"{scenario.business.conversion}s")
    return f"{number(value, 1)} {unit}"


def price_of_confidence(done: Confident, plan: str = "this plan") -> str:
    """What the plan at the confidence (called `plan`) gives up in the objective against the expected-value plan,
    over the quarters; none when it is within the two plans' proven gaps."""
    theirs, price = done.baseline.expected, done.price
    if abs(price) <= (done.planned.gap + done.expected_value.solver.approximation_error) * max(abs(theirs), 1e-12):
        return "price of confidence: none beyond the two plans' proven gaps"
    if price > 0:
        return f"price of confidence: {objective_value(done, price)} ({percent(price / abs(theirs), 1)}) given up"
    return f"price of confidence: none; {plan} does {objective_value(done, -price)} better over the quarters"
