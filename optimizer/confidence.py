"""Plans whose KPIs hold with a stated confidence: the confidence LP (`optimizer.sample_lp`) solved on chords,
bounded on tangents, refined until the gap is proven, and checked draw by draw on the true curves.

The draws are the parameter draws of `scenarios.draw_parameters`, each paired
with one quarter's noise per KPI (what a simulated quarter's figure differs
from the expected one by): a KPI is met in a draw when its figure on the
draw's true curves plus that noise meets the target.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from optimizer.approximation import initial_breakpoints
from optimizer.bound import reach_curves
from optimizer.kpi_rows import kpi_with_limit
from optimizer.problem import RATIO, RHS, Problem, Row
from optimizer.pwl import curvature_breakpoints, refine
from optimizer.reachable import unreachable
from optimizer.sample_lp import Draws, chains, reach_curves_of
from optimizer.sample_solve import solve_lazily, solve_sample
from scenarios import Market, ParameterDraw, SolverError, drawn_market, kpi_of

#: Refinement rounds before the gap reached is reported as it is.
MAX_ROUNDS = 6


@dataclass(frozen=True)
class Chance:
    """One KPI of a plan over the draws: its target, mean figure and the share of draws that meet it."""

    name: str
    sense: str
    target: float
    expected: float
    probability_met: float


@dataclass(frozen=True)
class Evaluation:
    """A plan over the draws on the true curves: the objective per draw (its own sense) and each KPI's chance."""

    objective: np.ndarray
    kpis: tuple[Chance, ...]

    @property
    def expected(self) -> float:
        """The mean objective over the draws."""
        return float(self.objective.mean())

    def tail(self, quantile: float) -> float:
        """The mean of the worst `quantile` share of the draws' objectives (a maximised objective's lower tail)."""
        ordered = np.sort(self.objective)
        k = max(1, math.ceil(quantile * len(ordered)))
        return float(ordered[:k].mean())


@dataclass(frozen=True)
class ConfidencePlan:
    """The plan of the confidence LP: spend per slot, its evaluation, and the proven gap of its objective.

    `bound` is at least the best value any plan can have for the confidence LP on the true curves (the
    expected objective, or its lower-tail mean with a quantile; own sense), `gap` its relative distance
    from the plan's `value`; `included` counts the stretched draws whose conversions the LP wrote out.
    """

    spend: np.ndarray
    evaluation: Evaluation
    value: float
    bound: float
    gap: float
    rounds: int
    seconds: float
    included: int


def drawn_problems(
    base: Problem,
    rebuild: Callable[[Market], Problem],
    market: Market,
    draws: Sequence[ParameterDraw],
    noise: Mapping[str, np.ndarray],
) -> Draws:
    """One problem per draw, built by `rebuild(market)` on the drawn market, its KPI rows moved by the draw's noise.

    `noise` maps KPI names to one figure per draw (in the KPI's unit) that a quarter adds to the expected figure.
    """
    problems = []
    for s, draw in enumerate(draws):
        drawn = drawn_market(market, draw)
        problem = rebuild(drawn)
        rows = tuple(_noisy(row, noise, s, drawn) for row in problem.rows)
        problems.append(replace(problem, rows=rows))
    cell = market.cell_of
    scale = np.array([d.ctr[cell] * d.cvr[cell] / d.cpm[cell] for d in draws])
    stretch = np.array([d.stretch[cell] for d in draws])
    return Draws(base, tuple(problems), scale, stretch)


def _noisy(row: Row, noise: Mapping[str, np.ndarray], s: int, market: Market) -> Row:
    """A KPI row with draw `s`'s noise e: a total's figure + e meets the limit, a ratio's n / d + e does."""
    if not row.name.startswith("kpi."):
        return row
    e = noise.get(kpi_of(row.name).name)
    if e is None or e[s] == 0.0:
        return row
    if row.kind == RHS:
        return replace(row, rhs=row.rhs - float(e[s]))
    if row.kind == RATIO:
        return replace(kpi_with_limit(row, row.limit - float(e[s]), market), limit=row.limit)
    return row


def evaluate(
    draws: Draws, spend: np.ndarray, noise: Mapping[str, np.ndarray], posts: np.ndarray | None = None
) -> Evaluation:
    """`spend` (and organic `posts` per week per cell, each cell's minimum by default) in every draw on its true
    curves: the objective (own sense; profit after fixed costs) and each KPI's mean figure and share of draws met,
    the draw's noise added to its figure."""
    obj = draws.base.objective
    limits: dict[str, float] = {}
    for row in draws.base.rows:
        if row.name.startswith("kpi."):
            limits.setdefault(kpi_of(row.name).name, row.limit)
    values = np.zeros(len(draws.problems))
    shown = {name: np.full(len(draws.problems), math.nan) for name in limits}
    met = {name: np.zeros(len(draws.problems), dtype=bool) for name in limits}
    for s, problem in enumerate(draws.problems):
        market = problem.market
        outcomes = market.outcomes(spend, posts)
        value = obj.value(spend, float(outcomes.conversions.sum()), outcomes.reach)
        values[s] = value - (market.fixed_costs if obj.name == "profit" else 0.0)
        for name, limit in limits.items():
            kpi = kpi_of(f"kpi.{name}")
            figure, _ = kpi.status(limit, outcomes.totals)  # a ratio of a plan that spends nothing breaks nothing
            if figure is None:
                met[name][s] = True
                continue
            e = noise.get(name)
            shown[name][s] = figure + (float(e[s]) if e is not None else 0.0)
            met[name][s] = kpi.met(shown[name][s], limit)
    chances = tuple(
        Chance(
            name,
            kpi_of(f"kpi.{name}").symbol,
            limit,
            float(np.nanmean(shown[name])) if np.isfinite(shown[name]).any() else math.nan,
            float(met[name].mean()),
        )
        for name, limit in limits.items()
    )
    return Evaluation(values, chances)


def plan_with_confidence(
    draws: Draws,
    noise: Mapping[str, np.ndarray],
    confidence: float,
    quantile: float | None = None,
    tolerance: float = 1e-3,
    segments: int = 16,
    solver: str = "highs",
    explain: bool = True,
) -> ConfidencePlan:
    """The plan that maximises the expected objective over the draws (or its lower-tail mean at `quantile`)
    with every KPI held at `confidence` by its CVaR constraint, proven within `tolerance` of the best.

    Raises `ConfidenceUnreachableError` when no plan can hold every KPI at `confidence`; without `explain`, its
    message does not name the KPIs nor search for the highest confidence reachable (`highest` is NaN).
    """
    if not 0.0 < confidence < 1.0:
        raise SolverError(f"the confidence must lie strictly between 0 and 1, got {confidence}")
    if quantile is not None and not 0.0 < quantile <= 1.0:
        raise SolverError(f"the objective quantile must lie in (0, 1], got {quantile}")
    base = draws.base
    if base.switches:
        raise SolverError(
            "planning at a confidence does not yet cover whole decisions (on/off rules, creatives with "
            "production costs, organic posts as decisions): remove them or plan without --confidence"
        )
    if len(base.market.curves) and not np.all(base.market.curves.concave):
        cells = sorted({base.market.cells[i] for i in np.flatnonzero(~base.market.curves.concave)})
        raise SolverError(
            f"planning at a confidence needs concave response curves; the S-shaped curves of {', '.join(cells)} "
            "(Hill alpha above 1) need a MILP in every draw: plan them without --confidence"
        )

    def holds(spend: np.ndarray, level: float) -> bool:
        chances = evaluate(draws, _clipped(base, spend), noise).kpis
        return all(k.probability_met >= level - 1e-9 for k in chances)

    started = time.perf_counter()
    conv_bp, reach_bp = _breakpoints(draws, segments)
    included = _initial_included(draws, quantile)
    curves = [p.market.curves for p in draws.problems]
    reach_base = reach_curves_of(base)
    sign = base.objective.sign
    fixed = base.market.fixed_costs if base.objective.name == "profit" else 0.0
    for rounds in range(1, MAX_ROUNDS + 1):
        conv = chains(base.market.curves, curves, conv_bp, "inner") if conv_bp else None
        reach = chains(reach_base, [], reach_bp, "inner") if reach_bp else None
        inner = solve_lazily(draws, conv, reach, confidence, quantile, included, solver)
        outer_conv = chains(base.market.curves, curves, conv_bp, "outer") if conv_bp else None
        outer_reach = chains(reach_base, [], reach_bp, "outer") if reach_bp else None
        outer_args = (draws, outer_conv, outer_reach, confidence, quantile, included, solver)
        if inner is None and solve_sample(*outer_args, feasibility=True) is None:
            # Asked first as a feasibility question, which the solver settles quickly where proving the LP
            # infeasible can take it minutes.
            raise unreachable(draws, conv_bp, reach_bp, confidence, solver, holds, explain)
        outer = solve_sample(*outer_args)
        if outer is None:
            raise unreachable(draws, conv_bp, reach_bp, confidence, solver, holds, explain)
        if inner is None:
            conv_bp, reach_bp = _refined(draws, outer.spend, conv_bp, reach_bp)
            continue
        spend = _clipped(base, inner.spend)
        evaluation = evaluate(draws, spend, noise)
        value = sign * (evaluation.expected if quantile is None else evaluation.tail(quantile))
        bound = outer.value - sign * fixed
        gap = max(0.0, bound - value) / max(abs(bound), 1e-12)
        if gap <= tolerance or rounds == MAX_ROUNDS:
            break
        conv_bp, reach_bp = _refined(draws, spend, conv_bp, reach_bp)
    if inner is None:
        raise unreachable(draws, conv_bp, reach_bp, confidence, solver, holds, explain)
    seconds = time.perf_counter() - started
    return ConfidencePlan(spend, evaluation, sign * value, sign * bound, gap, rounds, seconds, int(included.sum()))


def _initial_included(draws: Draws, quantile: float | None) -> np.ndarray:
    """The stretched draws written out from the start: none, or with a quantile of an objective on conversions
    enough for q · S tail rows (with fewer, ζ − Σ v / (q S) grows without bound), those whose curves saturate lowest
    on average (ρ · r, the factor on a curve's saturation)."""
    count = len(draws.problems)
    included = np.zeros(count, dtype=bool)
    if quantile is None or not draws.base.objective.conversions:
        return included
    short = math.ceil(quantile * count - 1e-9) - int(np.sum(~draws.stretched))
    if short > 0:
        candidates = np.flatnonzero(draws.stretched)
        weakest = candidates[np.argsort((draws.scale * draws.stretch)[candidates].mean(axis=1), kind="stable")]
        included[weakest[:short]] = True
    return included


def _breakpoints(draws: Draws, segments: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The base problem's breakpoints, conversions over each slot's whole range (a KPI at a confidence funds slots
    far beyond the budget-only estimate `initial_breakpoints` aims at); reach over the widest impression range of
    any draw."""
    base = draws.base
    conv_bp, reach_bp = initial_breakpoints(base, segments)
    if conv_bp:
        conv_bp = curvature_breakpoints(base.market.curves, base.upper, segments)
    if reach_bp:
        tops = np.max([reach_curves(p)[1] for p in draws.problems], axis=0)
        reach_bp = curvature_breakpoints(reach_curves(base)[0], np.maximum(tops, reach_curves(base)[1]), segments)
    return conv_bp, reach_bp


def _refined(
    draws: Draws, spend: np.ndarray, conv_bp: list[np.ndarray], reach_bp: list[np.ndarray]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Breakpoints split around a plan: its spend (and where stretched draws see it), each draw's impressions."""
    if conv_bp:
        near = [spend]
        if draws.stretched.any():
            rho = draws.stretch[draws.stretched]
            near += [spend / rho.min(axis=0), spend / rho.max(axis=0)]
        conv_bp = refine(conv_bp, [np.array(points) for points in zip(*near, strict=True)])
    if reach_bp:
        seen = np.array([p.market.channel_impressions(spend) for p in draws.problems])
        points = np.stack([seen.min(axis=0), np.median(seen, axis=0), seen.max(axis=0)], axis=1)
        reach_bp = refine(reach_bp, list(points))
    return conv_bp, reach_bp


def _clipped(base: Problem, spend: np.ndarray) -> np.ndarray:
    """An LP's spend within the slots' bounds, dust spend (below 1e-6) taken as none."""
    spend = np.clip(spend, base.lower, base.upper)
    return np.where((spend < 1e-6) & (base.lower <= 0), 0.0, spend)
