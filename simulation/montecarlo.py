"""Monte Carlo over quarters: independent seeds, local processes or a Dask cluster, and the summary.

Replication i always uses child i of `numpy.random.SeedSequence(seed)`, and
results are put back in replication order, so the numbers do not depend on
how many workers ran them or where. When parameters are drawn, replications
2k and 2k + 1 share parameter draw k (`scenarios.draw_parameters`), so the
spread of each KPI splits into the part the parameters cause and the
quarter's own (`split_spread`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios import FIGURES, CampaignError, Market, ParameterDraw, drawn_market, finite, kpi_of
from simulation.executor import ordered_map
from simulation.inputs import QuarterInputs
from simulation.quarter import Replication, run_quarter

#: Replications per task sent to a worker: large enough to amortise the hand-over.
CHUNK = 25
#: Replications that share one parameter draw.
PAIR = 2
CRISIS_STATS = (
    "followers_lost",
    "conversions_lost",
    "response_hours",
    "within_target",
    "hours",
    "mentions",
    "ad_impressions",
)


@dataclass(frozen=True)
class SimulationResult:
    """Many replications of one plan, summarised.

    `kpis` maps each KPI to its distribution (`mean`, `std`, `p5`, `p50`,
    `p95`); `targets` gives each KPI target's probability of being met;
    `crisis` the share of quarters with a crisis and, over those quarters,
    the distributions of its costs; `replications` keeps every run's KPIs.
    `parameters` (None when every figure of the scenario is certain) says
    whether parameters were drawn and from what; drawn, each KPI has a
    `spread` (`split_spread`).
    """

    scenario: str
    variant: str | None
    runs: int
    seed: int
    crises: bool
    kpis: dict[str, dict[str, Any]]
    targets: list[dict[str, Any]]
    crisis: dict[str, Any]
    community: dict[str, dict[str, float]]
    daily: dict[str, dict[str, list[float]]]
    replications: list[dict[str, float]]
    warnings: tuple[str, ...] = ()
    parameters: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The `simulate --json` document (DESIGN §6 contract, extended)."""
        return finite(
            {
                "scenario": self.scenario,
                "variant": self.variant,
                "runs": self.runs,
                "seed": self.seed,
                "crises": self.crises,
                "kpis": self.kpis,
                "targets": self.targets,
                "crisis": self.crisis,
                "community": self.community,
                "warnings": list(self.warnings),
            }
            | ({"parameters": self.parameters} if self.parameters is not None else {})
        )


def distribution(values: np.ndarray) -> dict[str, float]:
    """Mean, standard deviation and the 5th, 50th and 95th percentiles (NaN-free values).

    Values all the same are their own mean, with a standard deviation of 0, exactly (a floating-point mean of
    equal numbers may miss them by a rounding, and the deviations from it are then not 0).
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if not len(values):
        return {"mean": math.nan, "std": math.nan, "p5": math.nan, "p50": math.nan, "p95": math.nan}
    if values.min() == values.max():
        same = float(values[0])
        return {"mean": same, "std": 0.0, "p5": same, "p50": same, "p95": same}
    p5, p50, p95 = np.percentile(values, [5, 50, 95])
    return {
        "mean": float(values.mean()),
        "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
        "p5": float(p5),
        "p50": float(p50),
        "p95": float(p95),
    }


def split_spread(values: np.ndarray) -> dict[str, float]:
    """The standard deviations of the parameters' part and the quarter's own part of a figure's spread.

    `values[2k]` and `values[2k + 1]` are two quarters of parameter draw k (an odd last one is left out, and
    pairs with a non-finite value). By the law of total variance Var Y = Var E[Y | θ] + E Var(Y | θ); with
    n pairs, W = Σ (a − b)² / 2n estimates E Var(Y | θ) without bias, and B = s²(pair means) − W / 2
    estimates Var E[Y | θ] without bias (one-way analysis of variance with groups of two). Returns
    `{"parameters": √max(B, 0), "quarter": √W}`; NaN with fewer than two pairs.
    """
    values = np.asarray(values, dtype=float)
    pairs = values[: len(values) // PAIR * PAIR].reshape(-1, PAIR)
    pairs = pairs[np.isfinite(pairs).all(axis=1)]
    if len(pairs) < 2:
        return {"parameters": math.nan, "quarter": math.nan}
    within = float(np.mean((pairs[:, 0] - pairs[:, 1]) ** 2) / 2.0)
    between = float(np.var(pairs.mean(axis=1), ddof=1)) - within / 2.0
    return {"parameters": math.sqrt(max(between, 0.0)), "quarter": math.sqrt(within)}


def _chunk(inputs: QuarterInputs, seeds: list[np.random.SeedSequence], crises: bool) -> list[Replication]:
    return [run_quarter(inputs, seed, crises) for seed in seeds]


def _drawn_chunk(
    shared: tuple[QuarterInputs, Market], task: tuple[list[np.random.SeedSequence], list[ParameterDraw]], crises: bool
) -> list[Replication]:
    inputs, market = shared
    seeds, draws = task
    return [run_quarter(inputs.drawn(drawn_market(market, d)), s, crises) for s, d in zip(seeds, draws, strict=True)]


class MonteCarlo:
    """Run replications of a quarter.

    Parameters
    ----------
    runs : int
        Number of replications (at least 1).
    seed : int
        Root seed; replication i uses child i of `SeedSequence(seed)`.
    workers : int
        Local worker processes (1 runs in this process).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``) or a `distributed.Client`.
    crises : bool
        Simulate crises (off for `--no-crisis`).
    """

    def __init__(self, runs: int, seed: int = 0, workers: int = 1, scheduler: Any = None, crises: bool = True) -> None:
        self.runs, self.seed, self.workers, self.scheduler, self.crises = runs, seed, workers, scheduler, crises

    @property
    def draws_needed(self) -> int:
        """Parameter draws the replications use when parameters are drawn (one per pair)."""
        return -(-self.runs // PAIR)

    def replicate(
        self,
        inputs: QuarterInputs,
        progress: Callable[[int], None] | None = None,
        market: Market | None = None,
        draws: list[ParameterDraw] | None = None,
    ) -> list[Replication]:
        """Every replication, in order; with `market` and `draws`, replication i runs on parameter draw i // 2
        of the market (`scenarios.drawn_market`)."""
        if not isinstance(self.runs, int) or self.runs < 1:
            raise CampaignError(f"the number of runs must be a whole number of at least 1, got {self.runs}")
        seeds = np.random.SeedSequence(self.seed).spawn(self.runs)
        chunks = [seeds[i : i + CHUNK] for i in range(0, self.runs, CHUNK)]
        if draws is not None and market is not None:
            per_run = [draws[i // PAIR] for i in range(self.runs)]
            tasks = [(seeds[i : i + CHUNK], per_run[i : i + CHUNK]) for i in range(0, self.runs, CHUNK)]
            parts = ordered_map(
                _drawn_chunk, (inputs, market), tasks, self.crises, workers=self.workers, scheduler=self.scheduler
            )
        else:
            parts = ordered_map(_chunk, inputs, chunks, self.crises, workers=self.workers, scheduler=self.scheduler)
        results: list[Replication] = []
        for part in parts:
            results += part
            if progress:
                progress(len(part))
        return results

    def run(
        self,
        inputs: QuarterInputs,
        scenario: str,
        variant: str | None = None,
        progress: Callable[[int], None] | None = None,
        market: Market | None = None,
        draws: list[ParameterDraw] | None = None,
        source: str | None = None,
    ) -> SimulationResult:
        """Replicate and summarise; `source` (where parameter draws come from, None when every figure is
        certain) adds `parameters` to the result, and drawing them each KPI's `spread`."""
        reps = self.replicate(inputs, progress, market, draws)
        parameters = {"drawn": draws is not None, "source": source} if source is not None else None
        return summarise(inputs, reps, scenario, variant, self.seed, self.crises, parameters)


def summarise(
    inputs: QuarterInputs,
    reps: list[Replication],
    scenario: str,
    variant: str | None,
    seed: int,
    crises: bool,
    parameters: dict[str, Any] | None = None,
) -> SimulationResult:
    """Distributions of the KPIs, target probabilities, crisis costs and daily bands; with parameters drawn,
    each KPI's `spread` (`split_spread`)."""
    names: tuple[str, ...] = (*(f.name for f in FIGURES), "final_followers")
    if inputs.sales:
        names = (*names, "deals", "lead_response_hours", "leads_waiting")
    table = {name: np.array([r.kpis[name] for r in reps]) for name in names}
    kpis: dict[str, dict[str, Any]] = {name: distribution(table[name]) for name in names}
    if parameters is not None and parameters["drawn"]:
        for name in names:
            kpis[name]["spread"] = split_spread(table[name])
    targets = []
    for name, sense, target in inputs.targets:
        values = table[kpi_of(name).figure]
        met = values >= target * (1 - 1e-9) if sense == ">=" else values <= target * (1 + 1e-9)
        targets.append({"name": name, "sense": sense, "target": target, "probability_met": float(met.mean())})
    hit = np.array([r.crisis["crises"] > 0 for r in reps])
    crisis: dict[str, Any] = {
        "probability": float(hit.mean()),
        "crises_per_quarter": float(np.mean([r.crisis["crises"] for r in reps])),
    }
    for stat in CRISIS_STATS:
        crisis[stat] = distribution(np.array([r.crisis[stat] for r, h in zip(reps, hit, strict=True) if h]))
    community = {
        stat: distribution(np.array([r.community[stat] for r in reps]))
        for stat in ("messages", "response_hours", "unanswered")
    }
    daily = {}
    for series in reps[0].daily:
        stack = np.array([r.daily[series] for r in reps])
        p5, p50, p95 = np.percentile(stack, [5, 50, 95], axis=0)
        daily[series] = {"p5": p5.tolist(), "p50": p50.tolist(), "p95": p95.tolist()}
    drawn = parameters is not None and parameters["drawn"]
    rows = [
        {"run": i + 1, **({"parameter_draw": i // PAIR + 1} if drawn else {})}
        | r.kpis
        | {f"crisis_{k}": v for k, v in r.crisis.items()}
        for i, r in enumerate(reps)
    ]
    return SimulationResult(
        scenario,
        variant,
        len(reps),
        seed,
        crises,
        kpis,
        targets,
        crisis,
        community,
        daily,
        rows,
        inputs.warnings,
        parameters,
    )
