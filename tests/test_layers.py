"""The packages import one way: scenarios ← optimizer, simulation ← campaign."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {
    "scenarios": {"scenarios"},
    "optimizer": {"scenarios", "optimizer"},
    "simulation": {"scenarios", "simulation"},
    "campaign": {"scenarios", "optimizer", "simulation", "campaign"},
}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_from_the_layers_below(package):
    wrong = []
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in ALLOWED and top not in ALLOWED[package]:
                    wrong.append(f"{path.relative_to(ROOT)}: imports {name}")
    assert not wrong, wrong
