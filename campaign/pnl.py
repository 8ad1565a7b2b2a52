"""The P&L for finance: the plan's monthly statement, its break-even budget, simulated bands, team options."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from campaign.whatif import infeasible_reason
from optimizer import Optimizer
from scenarios import (
    DailyPlan,
    InfeasibleError,
    Market,
    Plan,
    Scenario,
    Statement,
    UsageError,
    build_market,
    daily_plan,
    override,
    statement,
)
from simulation import QuarterInputs, Replication

#: Lines that carry simulated bands.
BANDED = ("cm1", "cm2", "cm3", "marketing_contribution")


def require_business(scenario: Scenario) -> None:
    """A P&L needs to know what a conversion is worth."""
    if scenario.business.value_per_conversion <= 0:
        raise UsageError(
            f"scenario '{scenario.name}': a P&L needs business.value_per_conversion (net revenue per "
            "conversion); the scenario sets none"
        )


def plan_statement(scenario: Scenario, plan: Plan, variant: str | None, market: Market) -> Statement:
    """The expected monthly P&L of a plan, with the scenario's KPI targets against the plan's figures."""
    sheet = statement(scenario, daily_plan(scenario, market, plan.spend, plan.production(market)), variant)
    totals = market.outcomes(plan.spend, plan.posts).totals
    targets = []
    for kpi, limit in scenario.kpis.limits():
        value, met = kpi.status(limit, totals)
        targets.append({"name": kpi.name, "sense": kpi.symbol, "target": limit, "value": value, "met": met})
    return replace(sheet, targets=tuple(targets))


def contribution(scenario: Scenario, budget: float) -> float | None:
    """Marketing contribution of the scenario's optimal plan at `budget` (None when no plan meets the rules)."""
    try:
        return Optimizer(explain=False).optimize(scenario, budget=budget).totals["profit"]
    except InfeasibleError:
        return None


def break_even_budget(scenario: Scenario, steps: int = 14) -> tuple[float | None, bool]:
    """The smallest media budget whose optimal plan's marketing contribution reaches zero, and whether
    that budget is instead the least that meets the KPIs (below it there is no plan at all).

    Scans 12 budgets from 5 % to 300 % of the scenario's, then bisects the
    first interval where the contribution turns from negative (or no plan)
    to at least zero. None when it never does in that range.
    """
    budget = scenario.budget.total
    grid = np.linspace(0.05, 3.0, 12) * budget
    values = [contribution(scenario, b) for b in grid]
    for i, value in enumerate(values):
        if value is None or value < 0:
            continue
        if i == 0:
            return float(grid[0]), False
        lo, hi = float(grid[i - 1]), float(grid[i])
        below = values[i - 1]
        for _ in range(steps):
            mid = 0.5 * (lo + hi)
            found = contribution(scenario, mid)
            if found is None or found < 0:
                lo, below = mid, found
            else:
                hi = mid
        return hi, below is None
    return None, False


def with_bands(
    result: Statement,
    scenario: Scenario,
    plan: Plan,
    market: Market,
    inputs: QuarterInputs,
    reps: list[Replication],
) -> Statement:
    """The statement with P10 / P50 / P90 of the contribution lines over the simulated quarters `reps` of `inputs`."""
    expected = daily_plan(scenario, market, plan.spend, plan.production(market))
    planned = expected.spend.sum(axis=0)
    samples: dict[str, list[np.ndarray]] = {name: [] for name in BANDED}
    for rep in reps:
        # A pause stops every cell alike, so each channel keeps its planned share of the day's spend.
        ratio = np.divide(rep.daily["spend"], planned, out=np.zeros_like(planned), where=planned > 0)
        simulated = DailyPlan(expected.spend * ratio, rep.daily["orders"], rep.daily["revenue"], inputs.production)
        sheet = statement(scenario, simulated)
        for name in BANDED:
            line = sheet.line(name)
            samples[name].append(np.array([*line["values"], line["total"]]))
    lines = []
    for line in result.lines:
        if line["name"] in samples:
            stack = np.array(samples[line["name"]])
            line = dict(line)
            for q in (10, 50, 90):
                band = np.percentile(stack, q, axis=0)
                line[f"p{q}"] = {"values": [float(v) for v in band[:-1]], "total": float(band[-1])}
        lines.append(line)
    return replace(result, lines=lines)


def objective_unit_of(result: Any, scenario: Scenario) -> str:
    """What the plan's objective counts, for a sentence ("pre-orders", "EUR of profit")."""
    if result.objective == "conversions":
        return f"{scenario.business.conversion}s"
    if result.objective == "min_spend":
        return f"{scenario.currency} of spend"
    return f"{scenario.currency} of profit" if result.objective == "profit" else "people reached"


def team_options(scenario: Scenario) -> list[dict[str, Any]]:
    """Each staffing option of `business.team_options`: its cost, hours, the re-optimised plan's contribution.

    An option replaces the team's monthly cost and weekly hours; one that
    includes production makes the scenario's production costs fall away.
    """
    options = []
    for name, option in scenario.business.team_options.items():
        changes: dict[str, Any] = {"business": {"monthly_costs": {"team": option.monthly_cost}}}
        if scenario.team is not None:
            changes["team"] = {"hours_per_week": option.hours_per_week}
        if option.production_included:
            changes["channels"] = {
                channel: {
                    "formats": {
                        fmt: {"production_cost": 0.0}
                        | ({"creatives": {"cost": 0.0}} if f.creatives is not None else {})
                        for fmt, f in spec.formats.items()
                    }
                }
                for channel, spec in scenario.channels.items()
            }
        changed = override(scenario, changes, f"business.team_options.{name}")
        row: dict[str, Any] = {
            "name": name,
            "description": option.description,
            "monthly_cost": option.monthly_cost,
            "hours_per_week": option.hours_per_week,
            "production_included": option.production_included,
        }
        try:
            result = Optimizer().optimize(changed)
        except InfeasibleError as error:
            options.append(row | {"status": "infeasible", **infeasible_reason(error)})
            continue
        market = build_market(changed)
        sheet = plan_statement(changed, result.plan, None, market)
        hours = next((c for c in result.constraints if c.name == "team.hours"), None)
        options.append(
            row
            | {
                "status": "optimal",
                "conversions": result.totals["conversions"],
                "media": -sheet.line("media_total")["total"],
                "team_cost": -sheet.line("team")["total"],
                "production": -sheet.line("content_production")["total"],
                "marketing_contribution": sheet.line("marketing_contribution")["total"],
                # The hours row's price: what one more active channel's hours a week would add.
                "hours_bind": bool(hours is not None and hours.shadow_price != 0),
                "hours_price": hours.shadow_price if hours is not None else None,
                "hours_step": (market.channel_hours or 1.0) if hours is not None else None,
                "unit": objective_unit_of(result, changed),
            }
        )
    best = max(
        (o for o in options if o["status"] == "optimal"), key=lambda o: o["marketing_contribution"], default=None
    )
    for entry in options:
        entry["best"] = entry is best
    return options
