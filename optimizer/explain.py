"""Explanations in words: what each constraint costs, why a cell gets nothing,
and why an infeasible problem is infeasible.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from optimizer.problem import BOUNCE, CPA, ROAS, Problem, Row
from optimizer.result import ConstraintReport, ZeroSpend
from scenarios.market import Outcomes


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


def row_value(row: Row, outcomes: Outcomes) -> float:
    """The quantity a row limits, at a plan, in the user's terms (a CPA, a share, a total)."""
    totals = outcomes.totals
    if row.name.startswith("kpi."):
        key = row.name.removeprefix("kpi.").removeprefix("min_").removeprefix("max_")
        return float(totals[key])
    if row.name.endswith(".share.min") or row.name.endswith(".share.max"):
        spend = totals["spend"]
        inside = float((row.coef + row.limit) @ outcomes.spend[row.index])
        return inside / spend if spend > 0 else 0.0
    return float(row.coef @ outcomes.spend[row.index])


def shadow_per_limit(row: Row, shadow: float, outcomes: Outcomes) -> float:
    """Objective change per unit of the row's limit (envelope theorem)."""
    t = outcomes.totals
    if row.kind == CPA:
        return shadow * t["conversions"]
    if row.kind == ROAS:
        return -shadow * t["spend"]
    if row.kind == BOUNCE:
        return shadow * t["clicks"]
    if is_share(row):
        # Σ_c ([c ∈ group] − share) · x_c  against 0: d(row)/d(share) = −spend.
        return shadow * t["spend"]
    return shadow


def is_share(row: Row) -> bool:
    """Whether a row bounds a share of total spend."""
    return row.name.endswith((".share.min", ".share.max"))


def is_floor(row: Row) -> bool:
    """Whether the user's limit is a floor (a minimum) rather than a cap."""
    return row.sense == ">=" or row.kind == ROAS


def constraint_reports(
    problem: Problem, shadow: np.ndarray, outcomes: Outcomes, marginal: np.ndarray
) -> list[ConstraintReport]:
    """One report per constraint: the rows, then the cells' own spend bounds.

    A row's shadow price comes from the LP's dual; a cell bound's from the
    marginal value of one more unit in the cell (`marginal`, max-sense), which
    is what moving a binding bound by one unit is worth.
    """
    sign = problem.objective.sign
    unit = objective_unit(problem)
    reports = []
    for k, row in enumerate(problem.rows):
        value = row_value(row, outcomes)
        price = sign * shadow_per_limit(row, float(shadow[k]), outcomes)
        close = abs(value - row.limit) <= 1e-4 * max(1.0, abs(row.limit))
        reports.append(_report(row, value, bool(close or abs(shadow[k]) > 1e-9), price, unit, problem))
    for row in cell_rows(problem):
        c = int(row.index[0])
        value = float(outcomes.spend[c])
        binding = abs(value - row.limit) <= 1e-6 * max(1.0, row.limit)
        gain = float(marginal[c])
        # A binding cap is worth the unit's net value if positive; a binding floor costs it.
        price = sign * (max(gain, 0.0) if row.sense == "<=" else min(gain, 0.0)) if binding else 0.0
        reports.append(_report(row, value, binding, price, unit, problem))
    return reports


def _report(row: Row, value: float, binding: bool, price: float, unit: str, problem: Problem) -> ConstraintReport:
    price = 0.0 if abs(price) < 1e-12 else price
    sentence = _sentence(row, price, binding, unit, problem.currency, problem.objective.name)
    return ConstraintReport(row.name, row.sense, row.limit, value, binding, price, row.unit, sentence)


def _step(row: Row, currency: str) -> tuple[float, str]:
    """A natural step for a limit: 1 currency unit, 1,000 people, one percentage point."""
    if row.unit == currency:
        return 1.0, f"1 {currency}"
    if row.unit == "share":
        return 0.01, "one percentage point"
    if row.unit == "x":
        return 0.1, "0.1"
    if row.limit >= 10_000:
        return 1000.0, f"1,000 {row.unit}"
    if row.limit >= 100:
        return 100.0, f"100 {row.unit}"
    return 1.0, f"1 {row.unit.removesuffix('s')}"


def _sentence(row: Row, price: float, binding: bool, unit: str, currency: str, objective: str) -> str:
    """What loosening a constraint by one natural step is worth, in words."""
    if not binding:
        return f"{row.label} has room to spare"
    step, step_name = _step(row, currency)
    if row.name == "budget.total" and objective == "conversions" and price > 0:
        return f"one more {currency} of budget buys {price:.4g} {unit} (marginal CPA {1 / price:,.2f} {currency})"
    # Loosening moves a floor down and a cap up; `price` is d(objective)/d(limit).
    change = -price * step if is_floor(row) else price * step
    verb = "lowering" if is_floor(row) else "raising"
    if abs(change) < 1e-12:
        return f"{row.label} is met exactly but costs nothing at the margin"
    if objective == "min_spend":
        return f"{verb} {row.label} by {step_name} would save {abs(change):.4g} {currency} of spend"
    return f"{verb} {row.label} by {step_name} would add {change:.4g} {unit}"


def zero_spend_reasons(problem: Problem, spend: np.ndarray, marginal: np.ndarray) -> list[ZeroSpend]:
    """Why each empty cell gets nothing: what its first 100 currency units would cost (from `marginal`)."""
    unit = objective_unit(problem)
    cells = problem.market.cells
    reasons = []
    for c in np.flatnonzero((spend <= 1e-6) & (problem.upper > 0)):
        loss = -100.0 * float(marginal[c])
        if loss <= 1e-9:
            continue
        if problem.objective.name == "min_spend":
            cur = problem.currency
            text = f"{cells[c]} gets nothing: reaching the target through it costs {loss:.3g} {cur} more per 100 {cur}"
        else:
            text = f"{cells[c]} gets nothing: each 100 {problem.currency} moved there would cost {loss:.3g} {unit}"
        reasons.append(ZeroSpend(cells[c], loss, text))
    return reasons


@dataclass(frozen=True)
class Relaxation:
    """The smallest change of one constraint that makes the problem feasible on its own.

    `relaxed_limit` is None when relaxing this constraint alone cannot help.
    """

    name: str
    label: str
    sense: str
    limit: float
    relaxed_limit: float | None
    unit: str

    def sentence(self) -> str:
        """The relaxation in words."""
        if self.relaxed_limit is None:
            return f"{self.name} ({self.label}): relaxing it alone is not enough"
        verb = "raise" if self.relaxed_limit > self.limit else "lower"
        if self.unit == "share":
            return (
                f"{self.name} ({self.label}): {verb} it from {100 * self.limit:.1f} % to "
                f"{100 * self.relaxed_limit:.1f} %"
            )
        change = abs(self.relaxed_limit - self.limit) / abs(self.limit) if self.limit else math.inf
        pct = f" ({change:.1%})" if math.isfinite(change) else ""
        unit = "" if self.unit == "x" else f" {self.unit}"
        return f"{self.name} ({self.label}): {verb} it from {_fmt(self.limit)} to {_fmt(self.relaxed_limit)}{unit}{pct}"

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "name": self.name,
            "sense": self.sense,
            "limit": self.limit,
            "relaxed_limit": self.relaxed_limit,
            "unit": self.unit,
        }


def _fmt(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def with_limit(row: Row, limit: float, problem: Problem) -> Row:
    """The same row with another limit (rebuilds ratio rows' coefficients)."""
    market = problem.market
    if row.kind == CPA:
        return replace(row, limit=limit, conversions=-limit)
    if row.kind == ROAS:
        return replace(row, limit=limit, coef=np.full(len(row.coef), limit))
    if row.kind == BOUNCE:
        coef = market.impressions_per_unit * market.ctr * (market.bounce_rate - limit)
        return replace(row, limit=limit, coef=coef[row.index])
    if is_share(row):
        return replace(row, limit=limit, coef=row.coef + row.limit - limit)
    return replace(row, limit=limit, rhs=row.rhs + (limit - row.limit))


def smallest_relaxation(
    problem: Problem, k: int, feasible: Callable[[Problem], bool], direct: float | None
) -> float | None:
    """The limit of row `k` closest to its own that makes `problem` feasible.

    `direct` is the violation an elastic LP found when row `k` alone was
    elastic (exact for rows whose limit is their right-hand side); ratio and
    share rows are bisected on their limit with `feasible`.
    """
    row = problem.rows[k]
    if direct is None:
        return None
    if row.kind not in (CPA, ROAS, BOUNCE) and not is_share(row):
        return row.limit + direct if row.sense == "<=" else row.limit - direct
    if is_floor(row):
        good = 0.0
        if not feasible(_swap(problem, k, with_limit(row, good, problem))):
            return None
    else:
        good = 1.0 if row.unit == "share" or row.kind == BOUNCE else row.limit * 2 + 1
        if not feasible(_swap(problem, k, with_limit(row, good, problem))):
            good = row.limit * 1e3 + 1e3
            if (
                row.unit == "share"
                or row.kind == BOUNCE
                or not feasible(_swap(problem, k, with_limit(row, good, problem)))
            ):
                return None
    bad = row.limit
    for _ in range(30):
        mid = 0.5 * (good + bad)
        if feasible(_swap(problem, k, with_limit(row, mid, problem))):
            good = mid
        else:
            bad = mid
    return good


def _swap(problem: Problem, k: int, row: Row) -> Problem:
    rows = list(problem.rows)
    rows[k] = row
    return replace(problem, rows=tuple(rows))


def cell_rows(problem: Problem) -> list[Row]:
    """The cells' own spend bounds from the scenario, as rows (``cell.CHANNEL.FORMAT.min/max``)."""
    market = problem.market
    cur = problem.currency
    rows = []
    for c, cell in enumerate(market.cells):
        one, index = np.array([1.0]), np.array([c])
        if market.lower[c] > 0:
            low = float(market.lower[c])
            rows.append(
                Row(f"cell.{cell}.min", ">=", low, low, index, one, label=f"the {cell} minimum spend", unit=cur)
            )
        if math.isfinite(market.upper[c]):
            up = float(market.upper[c])
            rows.append(Row(f"cell.{cell}.max", "<=", up, up, index, one, label=f"the {cell} spend cap", unit=cur))
    return rows


def cell_bound_rows(problem: Problem) -> Problem:
    """Move the cells' own spend bounds into rows, so an elastic LP can relax them."""
    market = problem.market
    roomy = np.full(len(market.cells), problem.budget * 10 + float(market.lower.sum()))
    rows = (*problem.rows, *cell_rows(problem))
    return replace(problem, rows=rows, lower=np.zeros(len(market.cells)), upper=roomy)
