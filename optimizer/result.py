"""Result types of the optimizer: plain frozen dataclasses, JSON-ready."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scenarios import Plan, finite


@dataclass(frozen=True)
class CellPlan:
    """Spend on one cell and what it buys over the horizon.

    `reach` is the people the cell's impressions alone reach; channel reach
    (de-duplicated across a channel's formats) is in the totals.
    """

    channel: str
    format: str
    period: int
    spend: float
    conversions: float
    impressions: float
    reach: float
    clicks: float

    def to_dict(self) -> dict[str, Any]:
        """The allocation row of the JSON contract."""
        return {
            "channel": self.channel,
            "format": self.format,
            "period": self.period,
            "spend": self.spend,
            "conversions": self.conversions,
            "impressions": self.impressions,
            "reach": self.reach,
            "clicks": self.clicks,
        }


@dataclass(frozen=True)
class ContentPlan:
    """The whole-number plan of one cell: creatives its paid impressions wear out, organic posts per week."""

    channel: str
    format: str
    creatives: int
    organic_posts_per_week: int

    def to_dict(self) -> dict[str, Any]:
        """The content row of the JSON document."""
        return {
            "channel": self.channel,
            "format": self.format,
            "creatives": self.creatives,
            "organic_posts_per_week": self.organic_posts_per_week,
        }


@dataclass(frozen=True)
class ConstraintReport:
    """One constraint at the optimum: its limit, value, and what it costs.

    `shadow_price` is the change of the objective per unit of `limit`
    (objective units per `unit`); `explanation` says it in words.
    """

    name: str
    sense: str
    limit: float
    value: float | None
    binding: bool
    shadow_price: float
    unit: str
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        """The constraint row of the JSON contract."""
        return {
            "name": self.name,
            "sense": self.sense,
            "limit": self.limit,
            "value": self.value,
            "binding": self.binding,
            "shadow_price": self.shadow_price,
            "unit": self.unit,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class ZeroSpend:
    """Why a cell gets nothing: the objective lost per 100 currency forced into it."""

    cell: str
    loss_per_100: float
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"cell": self.cell, "loss_per_100": self.loss_per_100, "explanation": self.explanation}


@dataclass(frozen=True)
class KpiStatus:
    """A KPI target and the plan's value for it."""

    name: str
    sense: str
    target: float
    value: float | None
    met: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.name, "sense": self.sense, "target": self.target, "value": self.value, "met": self.met}


@dataclass(frozen=True)
class SolverReport:
    """How the answer was found and how close to the true optimum it is proven to be.

    `approximation_error` is a certified bound on the relative gap between
    the plan's objective on the true curves and the true optimum.
    """

    name: str
    seconds: float
    approximation_error: float
    bound: float
    segments: int
    rounds: int
    tolerance: float = 1e-3

    def to_dict(self) -> dict[str, Any]:
        """The solver block of the JSON contract."""
        return {
            "name": self.name,
            "seconds": self.seconds,
            "approximation_error": self.approximation_error,
            "bound": self.bound,
            "segments": self.segments,
            "rounds": self.rounds,
            "tolerance": self.tolerance,
        }


@dataclass(frozen=True)
class OptimizationResult:
    """An optimal, explained allocation of a scenario's paid budget.

    `content` lists the cells with whole-number decisions (creative fatigue or
    planned organic posts); `totals` add the team's weekly hours; `warnings`
    name the scenario's settings that zero a figure or put a KPI out of reach.
    `plan` is the allocation and content as a `Plan` (every cell's posts and
    creatives, in the market's order) for the simulator, the P&L and the report.
    `without_kpis` names the scenario's KPIs left out on request: the plan is not held to them.
    """

    scenario: str
    variant: str | None
    currency: str
    objective: str
    objective_value: float
    totals: dict[str, float]
    allocation: tuple[CellPlan, ...]
    constraints: tuple[ConstraintReport, ...]
    zero_spend: tuple[ZeroSpend, ...]
    kpis: tuple[KpiStatus, ...]
    solver: SolverReport
    plan: Plan
    status: str = "optimal"
    content: tuple[ContentPlan, ...] = ()
    warnings: tuple[str, ...] = ()
    without_kpis: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The `optimize --json` document (DESIGN §6 contract, extended)."""
        return finite(
            {
                "scenario": self.scenario,
                "variant": self.variant,
                "status": self.status,
                "currency": self.currency,
                "objective": {"name": self.objective, "value": self.objective_value},
                "totals": dict(self.totals),
                "allocation": [c.to_dict() for c in self.allocation],
                "content": [c.to_dict() for c in self.content],
                "constraints": [c.to_dict() for c in self.constraints],
                "kpis": [k.to_dict() for k in self.kpis],
                "zero_spend": [z.to_dict() for z in self.zero_spend],
                "solver": self.solver.to_dict(),
                "warnings": list(self.warnings),
                "without_kpis": list(self.without_kpis),
            }
        )
