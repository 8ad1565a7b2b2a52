"""The parameter draws every command that simulates shares (`simulate`, `whatif`, `pnl`, `report`).

A scenario with uncertain figures (an `uncertainty` section or calibration
draws) draws them for each pair of quarters (`scenarios.draw_parameters`),
unless `fixed_parameters`; a scenario without any simulates its figures as
they are, exactly as before uncertain figures existed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scenarios import Market, ParameterDraw, Scenario, draw_parameters, uncertainty_source
from simulation import MonteCarlo, QuarterInputs, Replication, SimulationResult


@dataclass(frozen=True)
class Draws:
    """The parameter draws of a simulation (None: the figures' means) and their source (None: all certain)."""

    draws: list[ParameterDraw] | None
    source: str | None

    @property
    def parameters(self) -> dict[str, Any] | None:
        """`{"drawn", "source"}` as `simulate --json` has it; None when every figure of the scenario is certain."""
        return {"drawn": self.draws is not None, "source": self.source} if self.source is not None else None


def parameter_draws(scenario: Scenario, engine: MonteCarlo, fixed_parameters: bool = False) -> Draws:
    """The draws `engine`'s replications use: one per pair of quarters from `engine.seed`, none when fixed."""
    source = uncertainty_source(scenario)
    if source is None or fixed_parameters:
        return Draws(None, source)
    return Draws(draw_parameters(scenario, engine.seed, engine.draws_needed), source)


def simulate_quarters(
    scenario: Scenario,
    inputs: QuarterInputs,
    market: Market,
    engine: MonteCarlo,
    fixed_parameters: bool = False,
    progress: Callable[[int], None] | None = None,
    variant: str | None = None,
) -> SimulationResult:
    """`engine`'s replications of `inputs`, summarised, with parameters drawn as `parameter_draws` says."""
    drawn = parameter_draws(scenario, engine, fixed_parameters)
    return engine.run(inputs, scenario.name, variant, progress, market, drawn.draws, drawn.source)


def replicate_quarters(
    scenario: Scenario,
    inputs: QuarterInputs,
    market: Market,
    engine: MonteCarlo,
    fixed_parameters: bool = False,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Replication], dict[str, Any] | None]:
    """`engine`'s replications of `inputs` with parameters drawn as `parameter_draws` says, and `parameters`."""
    drawn = parameter_draws(scenario, engine, fixed_parameters)
    return engine.replicate(inputs, progress, market, drawn.draws), drawn.parameters
