"""A solved plan as an `OptimizationResult`: its allocation, outcomes, explanations and KPI statuses."""

from __future__ import annotations

import math

import numpy as np

from optimizer.bound import marginal_values
from optimizer.duals import binding_rows, clean_duals, clean_link_duals, row_slacks
from optimizer.explain import constraint_reports, switch_values, zero_spend_reasons
from optimizer.lp import LinearSolution
from optimizer.problem import Problem
from optimizer.pwl import Segments
from optimizer.result import CellPlan, ContentPlan, KpiStatus, OptimizationResult, SolverReport
from scenarios import Outcomes, Plan, Scenario, kpi_of, scenario_caveats


def assemble(
    scenario: Scenario,
    variant: str | None,
    problem: Problem,
    solution: LinearSolution,
    outcomes: Outcomes,
    report: SolverReport,
    conv: Segments | None = None,
    reach: Segments | None = None,
) -> OptimizationResult:
    """Put the plan, its outcomes and its explanations into one result.

    The explanations use the LP's duals cleaned of rows with slack at the plan
    (`conv` and `reach` are the chains the LP saw, for the slack they account for).
    """
    market = problem.market
    cell_reach = market.audience[market.channel_of] * -np.expm1(
        -outcomes.impressions / market.audience[market.channel_of]
    )
    allocation = tuple(
        CellPlan(
            channel=market.channels[market.channel_of[c]],
            format=market.formats[c],
            period=int(market.period_of[c]) + 1,
            spend=float(outcomes.spend[c]),
            conversions=float(outcomes.conversions[c]),
            impressions=float(outcomes.impressions[c]),
            reach=float(cell_reach[c]),
            clicks=float(outcomes.clicks[c]),
        )
        for c in range(len(market.channel_of))
    )
    switches = switch_values(problem, outcomes.spend, outcomes.posts)
    binding = binding_rows(*row_slacks(problem, outcomes.spend, switches, conv, reach))
    shadow = clean_duals(solution.shadow, binding)
    link = clean_link_duals(problem, shadow, solution.link_shadow, outcomes.spend)
    marginal = marginal_values(problem, shadow, link, outcomes.spend)
    constraints = tuple(constraint_reports(problem, shadow, outcomes, marginal, binding))
    zero = tuple(zero_spend_reasons(problem, outcomes.spend, marginal))
    kpis = tuple(kpi_statuses(problem, outcomes))
    objective_value = problem.objective.value(outcomes.spend, outcomes.totals["conversions"], outcomes.reach)
    if problem.objective.name == "profit":
        objective_value = outcomes.totals["profit"]
    content = tuple(
        ContentPlan(
            channel=market.channels[market.cell_channel[c]],
            format=cell.split(".", 1)[1],
            creatives=int(outcomes.creatives[c]),
            organic_posts_per_week=int(outcomes.posts[c]),
        )
        for c, cell in enumerate(market.cell_keys)
        if (market.creative_impressions is not None and math.isfinite(market.creative_impressions[c]))
        or (market.posts_max is not None and market.posts_max[c] > 0)
    )
    return OptimizationResult(
        scenario=scenario.name,
        variant=variant,
        currency=scenario.currency,
        objective=problem.objective.name,
        objective_value=float(objective_value),
        totals=dict(outcomes.totals),
        allocation=allocation,
        constraints=constraints,
        zero_spend=zero,
        kpis=kpis,
        solver=report,
        plan=Plan.from_labelled(market, allocation, content),
        content=content,
        warnings=tuple(scenario_caveats(scenario)),
    )


def kpi_statuses(problem: Problem, outcomes: Outcomes) -> list[KpiStatus]:
    """Each KPI target of the scenario against the plan's figure on the true curves (sense from the catalogue).

    A KPI of several rows (a frequency cap per channel) is one status, on its figure (the highest channel's).
    """
    statuses = []
    seen: set[str] = set()
    for row in problem.rows:
        if not row.name.startswith("kpi.") or (kpi := kpi_of(row.name)).name in seen:
            continue
        seen.add(kpi.name)
        value, met = kpi.status(row.limit, outcomes.totals)  # a ratio of a plan that spends nothing breaks nothing
        statuses.append(KpiStatus(kpi.name, kpi.symbol, row.limit, value, met))
    return statuses
