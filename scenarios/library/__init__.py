"""Bundled scenarios: realistic examples with a source for every figure."""

from __future__ import annotations

from pathlib import Path

import yaml

LIBRARY = Path(__file__).parent
DEFAULT = "cafe-chain-q1"


def library_path(name: str) -> Path | None:
    """Path of the bundled scenario `name` (file stem), or None when there is none."""
    path = LIBRARY / f"{name}.yaml"
    return path if path.is_file() else None


def bundled_scenarios() -> dict[str, tuple[Path, str]]:
    """Map each bundled scenario's name to its path and one-line description."""
    found = {}
    for path in sorted(LIBRARY.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        description = str(data.get("description", "")).strip().splitlines()
        found[path.stem] = (path, description[0] if description else "")
    return found
