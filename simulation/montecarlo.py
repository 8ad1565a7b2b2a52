"""Monte Carlo over quarters: independent seeds, local processes or a Dask cluster, and the summary.

Replication i always uses child i of `numpy.random.SeedSequence(seed)`, and
results are put back in replication order, so the numbers do not depend on
how many workers ran them or where.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios import FIGURES, CampaignError, finite, kpi_of
from simulation.executor import ordered_map
from simulation.inputs import QuarterInputs
from simulation.quarter import Replication, run_quarter

#: Replications per task sent to a worker: large enough to amortise the hand-over.
CHUNK = 25
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
    """

    scenario: str
    variant: str | None
    runs: int
    seed: int
    crises: bool
    kpis: dict[str, dict[str, float]]
    targets: list[dict[str, Any]]
    crisis: dict[str, Any]
    community: dict[str, dict[str, float]]
    daily: dict[str, dict[str, list[float]]]
    replications: list[dict[str, float]]
    warnings: tuple[str, ...] = ()

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
        )


def distribution(values: np.ndarray) -> dict[str, float]:
    """Mean, standard deviation and the 5th, 50th and 95th percentiles (NaN-free values)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if not len(values):
        return {"mean": math.nan, "std": math.nan, "p5": math.nan, "p50": math.nan, "p95": math.nan}
    p5, p50, p95 = np.percentile(values, [5, 50, 95])
    return {
        "mean": float(values.mean()),
        "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
        "p5": float(p5),
        "p50": float(p50),
        "p95": float(p95),
    }


def _chunk(inputs: QuarterInputs, seeds: list[np.random.SeedSequence], crises: bool) -> list[Replication]:
    return [run_quarter(inputs, seed, crises) for seed in seeds]


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

    def replicate(self, inputs: QuarterInputs, progress: Callable[[int], None] | None = None) -> list[Replication]:
        """Every replication, in order."""
        if not isinstance(self.runs, int) or self.runs < 1:
            raise CampaignError(f"the number of runs must be a whole number of at least 1, got {self.runs}")
        seeds = np.random.SeedSequence(self.seed).spawn(self.runs)
        chunks = [seeds[i : i + CHUNK] for i in range(0, self.runs, CHUNK)]
        results: list[Replication] = []
        for part in ordered_map(_chunk, inputs, chunks, self.crises, workers=self.workers, scheduler=self.scheduler):
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
    ) -> SimulationResult:
        """Replicate and summarise."""
        return summarise(inputs, self.replicate(inputs, progress), scenario, variant, self.seed, self.crises)


def summarise(
    inputs: QuarterInputs,
    reps: list[Replication],
    scenario: str,
    variant: str | None,
    seed: int,
    crises: bool,
) -> SimulationResult:
    """Distributions of the KPIs, target probabilities, crisis costs and daily bands."""
    names: tuple[str, ...] = (*(f.name for f in FIGURES), "final_followers")
    if inputs.sales:
        names = (*names, "deals", "lead_response_hours", "leads_waiting")
    table = {name: np.array([r.kpis[name] for r in reps]) for name in names}
    kpis = {name: distribution(table[name]) for name in names}
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
    rows = [{"run": i + 1, **r.kpis, **{f"crisis_{k}": v for k, v in r.crisis.items()}} for i, r in enumerate(reps)]
    return SimulationResult(
        scenario, variant, len(reps), seed, crises, kpis, targets, crisis, community, daily, rows, inputs.warnings
    )
