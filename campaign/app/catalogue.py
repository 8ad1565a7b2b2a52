"""The bundled scenarios (`scenarios`), the scenario files of a folder (`folder_scenarios`) and the check of a
scenario file with all its variants (`validate`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign.files import locate_scenario
from scenarios import (
    DEFAULT_SCENARIO,
    CampaignError,
    Scenario,
    bundled_scenarios,
    cell_keys,
    load_scenario,
    scenario_caveats,
)


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
class InFolder:
    """One scenario file of a folder: its file name, path, one-line description, and why it does not load (if so)."""

    name: str
    path: Path
    description: str
    #: The loader's message when the file is not a valid scenario, else None.
    problem: str | None

    def to_dict(self) -> dict[str, Any]:
        """The entry of a folder's scenario list."""
        return {
            "name": self.name,
            "description": self.description,
            "path": str(self.path),
            "valid": self.problem is None,
            "message": self.problem,
        }


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


def folder_scenarios(folder: Path) -> list[InFolder]:
    """The scenario files (``*.yaml``, ``*.yml``) directly in `folder`, each loaded to tell whether it is valid.

    A link that leads out of the folder is not one of its files and is left out.
    """
    found = []
    home = folder.resolve()
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file() or path.resolve().parent != home:
            continue
        try:
            loaded = load_scenario(path)
        except CampaignError as error:
            found.append(InFolder(path.name, path, "", str(error)))
            continue
        lines = loaded.description.strip().splitlines()
        found.append(InFolder(path.name, path, lines[0] if lines else "", None))
    return found


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
