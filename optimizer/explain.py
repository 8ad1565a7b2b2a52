"""Explanations in words: what each constraint costs and why a cell gets nothing."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from optimizer.problem import FREQUENCY, IF_ACTIVE, RATIO, RHS, Problem, Row, cell_rows
from optimizer.result import ConstraintReport, ZeroSpend
from scenarios import Outcomes, amount, decimal, frequency_room, frequency_slope, kpi_of, number, short, significant


def objective_unit(problem: Problem) -> str:
    """Unit of the objective, for sentences ("pre-orders", "EUR of profit")."""
    name = problem.objective.name
    if name == "conversions":
        return f"{problem.conversion_name}s"
    if name == "profit":
        return f"{problem.currency} of profit"
    if name == "min_spend":
        return f"{problem.currency} of spend"
    return "people reached"


def switch_values(problem: Problem, spend: np.ndarray, posts: np.ndarray | None = None) -> np.ndarray:
    """The whole decisions at a plan: cells and channels on where they get spend, the creatives
    the spend wears out, and the organic posts (per week per cell; each cell's minimum by default)."""
    market = problem.market
    values = np.zeros(len(problem.switches))
    creatives = market.creatives_needed(spend)
    if posts is None:
        posts = market.posts_min
    for k, name in enumerate(problem.switches):
        kind, key = name.split(".", 1)
        if kind == "cell":
            values[k] = float(spend[market.cell_of == market.cell_keys.index(key)].sum() > 1e-9)
        elif kind == "channel":
            values[k] = float(spend[market.channel_of == market.channels.index(key)].sum() > 1e-9)
        elif kind == "creatives":
            values[k] = creatives[market.cell_keys.index(key)]
        else:
            assert posts is not None  # posts switches exist only where the market has organic posts
            cell, post = key.rsplit(".", 1)
            values[k] = float(posts[market.cell_keys.index(cell)] >= int(post))
    return values


def row_value(row: Row, outcomes: Outcomes, switches: np.ndarray | None = None) -> float | None:
    """The quantity a row limits, at a plan, in the user's terms (a CPA, a share, a total, active channels).

    None for a ratio (CPA, ROAS, bounce rate, share) of a plan that spends nothing.
    """
    totals = outcomes.totals
    if row.switch_index is not None and not len(row.index) and switches is not None:
        # The decisions' share, plus what the row holds fixed (hours of posts no decision changes).
        return float(row.switch_coef @ switches[row.switch_index]) + row.limit - row.rhs
    ratio = row.kind == RATIO or is_share(row)
    if ratio and totals["spend"] <= 0:
        return None
    if row.kind == FREQUENCY:
        # The channel's paid impressions over the people they reach; none for a channel that shows nothing.
        impressions = float(row.coef @ outcomes.spend[row.index])
        reach = float(outcomes.reach[row.channel])
        return impressions / reach if impressions > 0 and reach > 0 else None
    if row.name.startswith("kpi."):
        return kpi_of(row.name).value(totals)
    if is_share(row):
        inside = float((row.coef + row.limit) @ outcomes.spend[row.index])
        return inside / totals["spend"]
    value = float(row.coef @ outcomes.spend[row.index])
    if row.kind == RHS and row.switch_index is not None and switches is not None:
        value += float(row.switch_coef @ switches[row.switch_index])  # the budget's production costs
    return value


def shadow_per_limit(row: Row, shadow: float, outcomes: Outcomes) -> float:
    """Objective change per unit of the row's limit (envelope theorem)."""
    t = outcomes.totals
    if row.kind == RATIO:
        # n − L·d ≤ 0 (a cap) or L·d − n ≤ 0 (a floor): d(row)/dL = ∓d at the plan.
        kpi = kpi_of(row.name)
        return (shadow if kpi.sense == "max" else -shadow) * t[kpi.denominator]
    if row.kind == FREQUENCY:
        # The right-hand side A · g⁻¹(F) moves by A / g'(g⁻¹(F)) per unit of F.
        return shadow * row.audience * frequency_slope(frequency_room(row.limit))
    if is_share(row):
        # Σ_c ([c ∈ group] − share) · x_c  against 0: d(row)/d(share) = −spend.
        return shadow * t["spend"]
    return shadow


def is_share(row: Row) -> bool:
    """Whether a row bounds a share of total spend."""
    return row.name.endswith((".share.min", ".share.max"))


def is_floor(row: Row) -> bool:
    """Whether the user's limit is a floor (a minimum) rather than a cap."""
    return row.sense == ">=" or (row.kind == RATIO and kpi_of(row.name).sense == "min")


def constraint_reports(
    problem: Problem,
    shadow: np.ndarray,
    outcomes: Outcomes,
    marginal: np.ndarray,
    binding: np.ndarray | None = None,
) -> list[ConstraintReport]:
    """One report per constraint: value, binding flag, shadow price and a sentence.

    A row binds when it has no slack at the plan (`binding`, from `optimizer.duals`; by
    default within round-off of its limit), whatever its dual; `shadow` should already
    be cleaned of the rows that do not bind.

    A row's shadow price is its LP dual. With one period, a cell's own bounds
    are its variable's box: what moving a binding one by a unit is worth is the
    cell's marginal value (`marginal`, max-sense).
    """
    sign = problem.objective.sign
    unit = objective_unit(problem)
    reports = []
    switches = switch_values(problem, outcomes.spend, outcomes.posts)
    for k, row in enumerate(problem.rows):
        if row.internal:
            continue
        value = row_value(row, outcomes, switches)
        if row.kind == IF_ACTIVE and value is not None and value <= 1e-9:
            value = None  # the cell is off: its minimum does not apply
        if binding is None:
            tight = value is not None and abs(value - row.limit) <= 1e-6 * max(1.0, abs(row.limit))
        else:
            tight = value is not None and bool(binding[k])
        price = sign * shadow_per_limit(row, float(shadow[k]), outcomes) if tight else 0.0
        reports.append(_report(row, value, tight, price, unit, problem))
    if problem.market.periods == 1:
        for row in cell_rows(problem.market, problem.currency):
            c = int(row.index[0])
            value = float(outcomes.spend[c])
            at_limit = abs(value - row.limit) <= 1e-6 * max(1.0, row.limit)
            gain = float(marginal[c])
            # A binding cap is worth the cell's net marginal value if positive; a binding floor costs it.
            price = sign * (max(gain, 0.0) if row.sense == "<=" else min(gain, 0.0)) if at_limit else 0.0
            reports.append(_report(row, value, at_limit, price, unit, problem))
    return reports


def _sentence_of(report: ConstraintReport, problem: Problem, price: float) -> str:
    """The sentence of a report's row at another price."""
    row = next(r for r in problem.rows if r.name == report.name)
    unit = objective_unit(problem)
    return _sentence(row, price, report.binding, unit, problem.currency, problem.objective.name)


def _report(
    row: Row, value: float | None, binding: bool, price: float, unit: str, problem: Problem
) -> ConstraintReport:
    price = 0.0 if abs(price) < 1e-12 else price
    sentence = _sentence(row, price, binding, unit, problem.currency, problem.objective.name)
    return ConstraintReport(row.name, row.sense, row.limit, value, binding, price, row.unit, sentence)


def _step(row: Row, currency: str) -> tuple[float, str]:
    """A natural step for a limit: 1 currency unit, 1,000 people, one percentage point."""
    if row.unit == currency:
        return 1.0, amount(1.0, currency)
    if row.unit == "share":
        return 0.01, "one percentage point"
    if row.unit == "x":
        return 0.1, decimal(0.1, 1)
    if row.kind == FREQUENCY:
        return 0.1, f"{decimal(0.1, 1)} {row.unit}"
    if row.limit >= 10_000:
        return 1000.0, f"{number(1000)} {row.unit}"
    if row.limit >= 100:
        return 100.0, f"100 {row.unit}"
    return 1.0, f"1 {row.unit.removesuffix('s')}"


def _sentence(row: Row, price: float, binding: bool, unit: str, currency: str, objective: str) -> str:
    """What loosening a constraint by one natural step is worth, in words."""
    if not binding:
        return f"{row.label} has room to spare"
    step, step_name = _step(row, currency)
    if row.name == "budget.total" and objective == "conversions" and price > 0:
        cpa = amount(1 / price, currency, minor=True)
        return f"one more {currency} of budget buys {significant(price, 4)} {unit} (marginal CPA {cpa})"
    # Loosening moves a floor down and a cap up; `price` is d(objective)/d(limit).
    change = -price * step if is_floor(row) else price * step
    verb = "lowering" if is_floor(row) else "raising"
    if abs(change) < 1e-12:
        return f"{row.label} is met exactly but costs nothing at the margin"
    if objective == "min_spend":
        saved = significant(abs(change), 4)
        return f"{verb} {row.label} by {step_name} saves {saved} {currency} of spend at the margin"
    return f"{verb} {row.label} by {step_name} adds {significant(change, 4)} {unit} at the margin"


def step_report(report: ConstraintReport, problem: Problem, step: float, gain: float) -> ConstraintReport:
    """A binding on/off limit priced by a discrete step: what loosening it by `step` would add."""
    unit = objective_unit(problem)
    if gain == 0.0:
        return replace(report, shadow_price=0.0, explanation=_sentence_of(report, problem, 0.0))
    if report.unit == "channels":
        plural = "s" if report.limit != 1 else ""
        head = f"the cap of {short(report.limit)} active channel{plural} is reached: one more active channel"
    else:
        plural = "s" if step != 1 else ""
        if report.binding or report.value is None:
            state = "are used up"
        else:
            spare = report.limit - report.value
            state = f"leave {significant(spare, 3)} spare"
        head = f"the team's {short(report.limit)} hours a week {state}: {short(step)} more hour{plural} a week"
        if step == problem.market.channel_hours:
            head += " (what one more active channel takes)"
    if problem.objective.name == "min_spend":
        text = f"{head} would save {significant(abs(gain), 4)} {problem.currency} of spend"
    else:
        text = f"{head} would add {significant(gain, 4)} {unit}"
    return replace(report, shadow_price=gain / step, explanation=text)


def zero_spend_reasons(problem: Problem, spend: np.ndarray, marginal: np.ndarray) -> list[ZeroSpend]:
    """Why each empty cell gets nothing: what its first 100 currency units would cost (from `marginal`).

    With several periods, a cell is empty when it gets nothing in any period; the
    cost is that of its best period.
    """
    market = problem.market
    unit = objective_unit(problem)
    cur = problem.currency
    hundred = amount(100.0, cur)
    cells = len(market.cell_keys)
    spent = np.bincount(market.cell_of, weights=spend, minlength=cells)
    # Each cell's slots that may spend, in slot order: one sort, not a pass over every slot per cell.
    open_slots = np.flatnonzero(problem.upper > 0)
    by_cell = open_slots[np.argsort(market.cell_of[open_slots], kind="stable")]
    starts = np.searchsorted(market.cell_of[by_cell], np.arange(cells + 1))
    reasons = []
    for c, cell in enumerate(market.cell_keys):
        slots = by_cell[starts[c] : starts[c + 1]]
        if not slots.size or spent[c] > 1e-6:
            continue
        best = slots[int(np.argmax(marginal[slots]))]
        loss = -100.0 * float(marginal[best])
        if loss <= 1e-9:
            continue
        when = f" (in {market.period_unit} {market.period_of[best] + 1}, its best)" if market.periods > 1 else ""
        if problem.objective.name == "min_spend":
            text = (
                f"{cell} gets nothing: reaching the target through it costs {significant(loss, 3)} {cur} more per "
                f"{hundred}{when}"
            )
        else:
            cost = f"{significant(loss, 3)} {unit}"
            text = f"{cell} gets nothing: each {hundred} moved there would cost {cost}{when}"
        reasons.append(ZeroSpend(cell, loss, text))
    return reasons
