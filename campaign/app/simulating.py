"""Simulate a plan many times (`simulate`) and compare options of a scenario side by side (`whatif`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Literal

from campaign.app.common import Progress, counter, load, plan_for
from campaign.app.defaults import CONFIDENCE_DRAWS
from campaign.app.drawing import simulate_quarters
from campaign.files import check_output_dir, locate_scenario, write_simulation, write_whatif
from campaign.whatif import Point, WhatIfResult, compare
from scenarios import (
    Plan,
    Scenario,
    SweepSpec,
    build_market,
    load_scenario,
    parse_sweep,
)
from simulation import MonteCarlo, QuarterInputs, SimulationResult


@dataclass(frozen=True)
class Simulated:
    """The simulated quarters of a plan, what the optimizer expects of it (its own plan only), the files written."""

    scenario: Scenario
    result: SimulationResult
    expected: dict[str, float] | None
    written: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Compared:
    """The options compared (the base first) and the files written."""

    scenario: Scenario
    result: WhatIfResult
    written: list[Path] = field(default_factory=list)


def simulate(
    scenario: str | Path,
    variant: str | None = None,
    plan: Plan | Path | None = None,
    runs: int | None = None,
    seed: int | None = None,
    crises: bool = True,
    workers: int = 1,
    scheduler: str | None = None,
    output: Path | None = None,
    progress: Progress | None = None,
    fixed_parameters: bool = False,
) -> Simulated:
    """Simulate `plan` (a Plan or a plan file), or the optimizer's, `runs` times (default: the scenario's runs).

    `seed` defaults to the scenario's; `progress` hears `(done, total)` simulated quarters. A scenario with
    uncertain figures draws them for each pair of quarters, unless `fixed_parameters`.
    """
    if output is not None:
        check_output_dir(output)
    loaded = load(scenario, variant)
    market = build_market(loaded)
    chosen = plan_for(loaded, variant, market, plan, scenario)
    inputs = QuarterInputs.build(loaded, chosen.plan, market)
    engine = MonteCarlo(
        loaded.simulation.runs if runs is None else runs,
        loaded.seed if seed is None else seed,
        workers,
        scheduler,
        crises=crises,
    )
    result = simulate_quarters(
        loaded, inputs, market, engine, fixed_parameters, counter(engine.runs, progress), variant
    )
    written = write_simulation(output, result, loaded, result.to_dict()) if output is not None else []
    return Simulated(loaded, result, chosen.expected, written)


def whatif(
    scenario: str | Path,
    variants: Sequence[str] | Literal["all"] | None = None,
    sweeps: Sequence[str | SweepSpec] = (),
    simulate: int = 0,
    seed: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    output: Path | None = None,
    progress: Progress | None = None,
    fixed_parameters: bool = False,
    confidence: float | None = None,
    draws: int = CONFIDENCE_DRAWS,
) -> Compared:
    """Optimise (and with `simulate` > 0, simulate) the base, the variants named and each point of the sweeps.

    `variants`: names, or "all"; None means all of them when no sweep is given, none otherwise.
    An option with uncertain figures draws them for each pair of quarters, unless `fixed_parameters`.
    `progress` hears `(done, total)` options. With `confidence`, each feasible option's row adds `at_confidence`:
    its plan at that confidence over `draws` quarters (`whatif_confidence.option_at_confidence`).
    """
    if output is not None:
        check_output_dir(output)
    path = locate_scenario(str(scenario))
    base = load_scenario(path)
    if variants is None:
        names = [] if sweeps else sorted(base.variants)
    elif variants == "all":
        names = sorted(base.variants)
    else:
        names = [variants] if isinstance(variants, str) else list(variants)  # one name, or several
    points = [Point("base", base)]
    points += [Point(name, load_scenario(path, name)) for name in names if name]
    for text in sweeps:
        sweep = parse_sweep(text, base)
        points += [Point(sweep.label(value), sweep.point(base, value)) for value in sweep.values]
    result = compare(
        points,
        simulate,
        base.seed if seed is None else seed,
        workers=workers,
        scheduler=scheduler,
        progress=counter(len(points), progress),
        simulator=partial(simulate_quarters, fixed_parameters=fixed_parameters),
    )
    if confidence is not None:
        from campaign.app.whatif_confidence import option_at_confidence

        quarters_seed = base.seed if seed is None else seed
        for point, row in zip(points, result.rows, strict=True):
            if row["status"] == "optimal":
                row["at_confidence"] = option_at_confidence(point, confidence, draws, quarters_seed)
        result = replace(result, confidence=confidence)
    written = write_whatif(output, result, base, result.to_dict()) if output is not None else []
    return Compared(base, result, written)
