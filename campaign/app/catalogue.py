"""The bundled scenarios (`scenarios`) and the check of a scenario file with all its variants (`validate`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign.files import locate_scenario
from scenarios import DEFAULT_SCENARIO, Scenario, bundled_scenarios, cell_keys, load_scenario, scenario_caveats


@dataclass(frozen=True)
class Bundled:
    """One bundled scenario: its name, one-line description, file, and whether it is the default."""

    name: str
    description: str
    path: Path
    default: bool

    def to_dict(self) -> dict[str, Any]:
        """The `scenarios --json` entry."""
        return {"name": self.name, "description": self.description, "path": str(self.path), "default": self.default}


@dataclass(frozen=True)
class Validated:
    """A valid scenario file: the base scenario, its cells and variants, and the caveats of each."""

    path: Path
    scenario: Scenario
    cells: list[str]
    variants: list[str]
    warnings: list[str]

    def to_dict(self) -> dict[str, Any]:
        """The `validate --json` document."""
        return {
            "scenario": self.scenario.name,
            "path": str(self.path),
            "valid": True,
            "channels": list(self.scenario.channels),
            "cells": self.cells,
            "variants": self.variants,
            "warnings": self.warnings,
        }


def scenarios() -> list[Bundled]:
    """The bundled scenarios, in the library's order."""
    return [Bundled(name, text, path, name == DEFAULT_SCENARIO) for name, (path, text) in bundled_scenarios().items()]


def validate(scenario: str | Path) -> Validated:
    """Check a scenario file and every variant of it (raises `ScenarioError` listing every problem)."""
    path = locate_scenario(str(scenario))
    loaded = load_scenario(path)
    # Caveats of the base, then of each variant that adds its own.
    warnings = scenario_caveats(loaded)
    for name in sorted(loaded.variants):
        own = [w for w in scenario_caveats(load_scenario(path, name)) if w not in warnings]
        warnings += [f"variant {name}: {w}" for w in own]
    return Validated(path, loaded, cell_keys(loaded), sorted(loaded.variants), warnings)
