"""What-if comparisons: the base, its variants and sweep points, each optimised (and simulated), side by side."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from optimizer import Optimizer
from scenarios import KPIS, InfeasibleError, Market, Scenario, build_market, finite
from simulation import MonteCarlo, QuarterInputs, SimulationResult, ordered_map

#: Simulates an option's plan: (scenario, its plan's inputs, its market, the engine) to the summary.
Simulator = Callable[[Scenario, QuarterInputs, Market, MonteCarlo], SimulationResult]

#: The columns of a row that are compared with the base, whichever KPIs the options set.
COMPARED = ("spend", "conversions", "cpa", "roas", "reach", "new_followers", "profit")


def kpi_figures(scenarios: list[Scenario]) -> tuple[str, ...]:
    """The figures of the KPIs any option sets that `COMPARED` lacks, in the catalogue's order (`scenarios.kpis`)."""
    named = {kpi.name for scenario in scenarios for kpi, _ in scenario.kpis.limits()}
    return tuple(dict.fromkeys(k.figure for k in KPIS if k.name in named and k.figure not in COMPARED))


@dataclass(frozen=True)
class Point:
    """One option to compare: a name and its scenario."""

    name: str
    scenario: Scenario


@dataclass(frozen=True)
class WhatIfResult:
    """One row per option, the base first; `delta` of each row is its difference from the base.

    `figures` are the figures of the options' KPIs beyond `COMPARED` (`frequency`, ...), which every row carries too.
    """

    scenario: str
    currency: str
    rows: list[dict[str, Any]]
    simulated_runs: int
    conversion: str = "conversion"
    figures: tuple[str, ...] = ()
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The `whatif --json` document."""
        return finite(
            {
                "scenario": self.scenario,
                "currency": self.currency,
                "simulated_runs": self.simulated_runs,
                **({"confidence": self.confidence} if self.confidence is not None else {}),
                "rows": self.rows,
            }
        )


def infeasible_reason(error: InfeasibleError) -> dict[str, Any]:
    """Why no plan exists, as `optimize` says it on exit 3: the heading and each constraint's smallest relaxation.

    `relaxations` holds `optimize --json`'s fields plus the sentence (`explanation`); empty
    when no single constraint could be named as the cause.
    """
    found = getattr(error, "relaxations", ())
    return {
        "message": str(error).splitlines()[0],
        "relaxations": [r.to_dict() | {"explanation": r.sentence()} for r in found],
    }


def fixes(row: dict[str, Any]) -> str:
    """The relaxations of an infeasible row in one table cell: each constraint's limit and the one that alone works."""
    found = [r for r in row.get("relaxations", ()) if r["relaxed_limit"] is not None]
    if not found:
        return "no single fix (below)" if row.get("relaxations") else "no single constraint named"

    def value(r: dict[str, Any], key: str) -> str:
        if r["unit"] == "share":
            return f"{100 * r[key]:.1f} %"
        return f"{r[key]:,.0f}" if abs(r[key]) >= 100 else f"{r[key]:.4g}"

    return "one of: " + ", ".join(f"{r['name']} {value(r, 'limit')} → {value(r, 'relaxed_limit')}" for r in found)


def reason_lines(row: dict[str, Any], indent: str = "    ") -> list[str]:
    """The relaxations of an infeasible row, one line each (or why none is listed)."""
    if not row.get("relaxations"):
        return [f"{indent}- no single constraint could be named as the cause"]
    return [f"{indent}- {r['explanation']}" for r in row["relaxations"]]


def evaluate(settings: dict[str, Any], point: Point) -> dict[str, Any]:
    """Optimise one option (and simulate its plan): the row of the comparison table."""
    scenario = point.scenario
    try:
        result = Optimizer(tolerance=settings["tolerance"]).optimize(scenario)
    except InfeasibleError as error:
        return {"name": point.name, "status": "infeasible", **infeasible_reason(error)}
    t = result.totals
    row: dict[str, Any] = {
        "name": point.name,
        "status": "optimal",
        **{key: float(t[key]) for key in (*COMPARED, *settings["figures"])},
        "kpis": {k.name: bool(k.met) for k in result.kpis},
    }
    runs = settings["simulate"]
    if runs:
        market = build_market(scenario)
        inputs = QuarterInputs.build(scenario, result.plan, market)
        simulated = settings["simulator"](scenario, inputs, market, MonteCarlo(runs, settings["seed"]))
        row["probabilities"] = {t["name"]: t["probability_met"] for t in simulated.targets}
        row["simulated"] = {
            key: {
                "mean": simulated.kpis[key]["mean"],
                "p5": simulated.kpis[key]["p5"],
                "p95": simulated.kpis[key]["p95"],
            }
            for key in ("conversions", "profit")
        }
        row["crisis_probability"] = simulated.crisis["probability"]
        if simulated.parameters is not None:
            row["parameters"] = simulated.parameters
    return row


def compare(
    points: list[Point],
    simulate: int = 0,
    seed: int = 0,
    tolerance: float = 1e-3,
    workers: int = 1,
    scheduler: Any = None,
    progress: Any = None,
    simulator: Simulator | None = None,
) -> WhatIfResult:
    """Evaluate every option (in parallel where asked) and set each row's difference from the first, the base.

    With `simulate` > 0, `simulator` (picklable when `workers` or `scheduler` run elsewhere) simulates each plan.
    """
    if simulate and simulator is None:
        raise ValueError("simulating the options needs a simulator")
    figures = kpi_figures([p.scenario for p in points])
    settings = {"simulate": simulate, "seed": seed, "tolerance": tolerance, "figures": figures, "simulator": simulator}
    rows = []
    for row in ordered_map(evaluate, settings, points, workers=workers, scheduler=scheduler):
        rows.append(row)
        if progress:
            progress(1)
    base = rows[0]
    for row in rows:
        if row["status"] == "optimal" and base["status"] == "optimal":
            row["delta"] = {key: _difference(row[key], base[key]) for key in (*COMPARED, *figures)}
    first = points[0].scenario
    return WhatIfResult(first.name, first.currency, rows, simulate, first.business.conversion, figures)


def _difference(value: float, base: float) -> float:
    if math.isinf(value) or math.isinf(base):
        return math.nan
    return value - base
