"""The README's module list is the code's: every module, each with its docstring's first sentence."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("update_readme_modules", ROOT / "scripts/update_readme_modules.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_module_list_matches_the_code():
    script = _script()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert script.rewritten(readme) == readme, "the README's module list is stale: run scripts/update_readme_modules.py"


def test_the_list_names_every_module_file_once():
    script = _script()
    listed = script.module_list()
    for package in script.PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            assert listed.count(f"- `{path.relative_to(ROOT / package).as_posix()}`: ") >= 1, path
    bullets = [line for line in listed.splitlines() if line.startswith("- `")]
    assert len(bullets) == sum(len(list((ROOT / p).rglob("*.py"))) for p in script.PACKAGES)
