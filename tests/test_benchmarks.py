"""The benchmark scripts still run (at toy sizes: their timings are not checked here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.parametrize(
    ("script", "args"),
    [
        ("simulation.py", ["--runs", "4"]),
        ("rules.py", ["--seeds", "1"]),
        ("frontier.py", ["--points", "3"]),
        ("optimizer.py", ["--sizes", "10"]),
        ("optimizer.py", ["--files", "--sizes", "20", "--s-shaped-max", "20"]),
        ("s_curves.py", ["--sizes", "10", "--starts", "2"]),
        ("calibration.py", ["--sizes", "13", "--repeats", "1", "--mcmc-sizes", ""]),
        ("confidence.py", ["--draws", "5", "--unreachable-draws", "10", "--old-timeout", "60"]),
        ("yaml_load.py", ["--sizes", "100"]),
        ("milp_paths.py", ["--budgets", "20000", "--commands", "", "--repeats", "1"]),
    ],
)
def test_a_benchmark_runs_and_prints_its_table(script, args):
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("| ")
