"""Bundled scenarios: realistic examples with a source for every figure."""

from __future__ import annotations

from pathlib import Path

import yaml

from scenarios.errors import Problem, ScenarioError, did_you_mean

LIBRARY = Path(__file__).parent
DEFAULT_SCENARIO = "cafe-chain-q1"


def library_path(name: str) -> Path:
    """Path of the bundled scenario `name` (its file stem: "cafe-chain-q1").

    Raises ScenarioError naming the bundled scenarios (and the nearest one) when there is none.
    """
    path = LIBRARY / f"{name}.yaml"
    if name and "/" not in name and "\\" not in name and path.is_file():
        return path
    names = sorted(p.stem for p in LIBRARY.glob("*.yaml"))
    problem = f"no bundled scenario of that name{did_you_mean(name, names)}; bundled scenarios: {', '.join(names)}"
    raise ScenarioError(name, [Problem("", problem)])


def bundled_scenarios() -> dict[str, tuple[Path, str]]:
    """Map each bundled scenario's name to its path and one-line description."""
    found = {}
    for path in sorted(LIBRARY.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        description = str(data.get("description", "")).strip().splitlines()
        found[path.stem] = (path, description[0] if description else "")
    return found
