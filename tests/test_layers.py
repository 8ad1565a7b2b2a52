"""The packages import one way (scenarios ← optimizer, simulation ← campaign), each through the others' __all__."""

from __future__ import annotations

import ast
import importlib
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


def _exported(package: str) -> set[str]:
    """The names in `package`'s `__all__`, read from its __init__.py without importing it."""
    for node in ast.parse((ROOT / package / "__init__.py").read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return {ast.literal_eval(e) for e in node.value.elts}
    return set()


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_uses_only_what_the_others_export(package):
    # Another package is used through its __all__ alone: `from optimizer import Optimizer`,
    # never `from optimizer.engine import ...` nor a name the package keeps to itself.
    exported = {other: _exported(other) for other in ALLOWED}
    wrong = []
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.split(".")[0]
                    if top in ALLOWED and top != package:
                        wrong.append(f"{where}: import {alias.name} (use from {top} import ...)")
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                top = node.module.split(".")[0]
                if top not in ALLOWED or top == package:
                    continue
                if node.module != top:
                    wrong.append(f"{where}: from {node.module} (a submodule of {top})")
                    continue
                wrong += [
                    f"{where}: {alias.name} is not in {top}.__all__"
                    for alias in node.names
                    if alias.name not in exported[top]
                ]
    assert not wrong, wrong


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_every_exported_name_is_defined(package):
    module = importlib.import_module(package)
    assert [name for name in module.__all__ if not hasattr(module, name)] == []
