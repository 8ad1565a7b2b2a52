"""Benchmark: the MILP paths of the bundled café scenario's `solo` variant (on/off cells and channels, creatives,
organic posts and 20 team hours a week).

Two tables, in one run:

1. The root gap and solve times with each on/off link ``Σ x ≤ cap · y`` capped by the maximum-share rules
   (``optimizer.decisions.capped_links``, what the optimizer does) against the same links capped by the budget
   only (the formulation before; the baseline, set in this process by replacing the capping with the identity).
   The root gap is the LP relaxation's value above the MILP's optimum on the initial breakpoints; then the seconds
   of that MILP and of a whole `Optimizer.optimize` (median of `--repeats`).
2. What users run, as child processes: `campaign pnl cafe-chain-q1 --variant solo --json` (its break-even budget
   takes some 26 optimisations) and `campaign optimize cafe-chain-q1 --variant solo --budget B`, infeasible at
   4,000 and 12,000 (the explanation: the conflicting rows and the smallest change of each).

Run it from the repository root::

    .venv/bin/python benchmarks/milp_paths.py
    .venv/bin/python benchmarks/milp_paths.py --budgets 13500 --commands infeasible-4000 --repeats 1

Timings are informational: the script exits 0.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import numpy as np  # noqa: E402

import optimizer.matrix as matrix_module  # noqa: E402
from optimizer import Optimizer  # noqa: E402
from optimizer.approximation import initial_breakpoints, segments_of  # noqa: E402
from optimizer.backends import run_solver  # noqa: E402
from optimizer.problem import build_problem  # noqa: E402
from scenarios import Scenario, build_market, load_scenario  # noqa: E402
from scenarios.library import __file__ as library_init  # noqa: E402

CAFE = Path(library_init).parent / "cafe-chain-q1.yaml"
BUDGETS = (13_500.0, 16_000.0, 20_000.0, 25_000.0)
COMMANDS = {
    "pnl": ["pnl", "cafe-chain-q1", "--variant", "solo", "--json"],
    "infeasible-4000": ["optimize", "cafe-chain-q1", "--variant", "solo", "--budget", "4000"],
    "infeasible-12000": ["optimize", "cafe-chain-q1", "--variant", "solo", "--budget", "12000"],
}
SHARES = matrix_module.capped_links


def solo() -> Scenario:
    """The café scenario with its solo variant applied."""
    return load_scenario(CAFE, "solo")


def root(scenario: Scenario, budget: float) -> tuple[float, float, float]:
    """(root gap, MILP seconds, MILP optimum) on the initial breakpoints, the links as `matrix_module` caps them."""
    problem = build_problem(scenario, build_market(scenario), None, budget)
    conv_bp, reach_bp = initial_breakpoints(problem, 16)
    conv, reach = segments_of(problem, conv_bp, reach_bp)
    matrix = matrix_module.build_matrix(problem, conv, reach, None, 1e-4, None)
    started = time.perf_counter()
    milp = run_solver(matrix, "highs")
    seconds = time.perf_counter() - started
    relaxed = run_solver(dataclasses.replace(matrix, integer_cols=np.zeros(0, dtype=int)), "highs")
    return (relaxed.objective - milp.objective) / abs(milp.objective), seconds, milp.objective


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def links_table(budgets: list[float], repeats: int) -> None:
    scenario = solo()
    print(
        "| budget | root gap, budget caps | root gap, share caps | MILP (s), budget caps | MILP (s), share caps "
        "| same optimum | optimize (s), budget caps | optimize (s), share caps | ratio |"
    )
    print("|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    for budget in budgets:
        figures = {}
        for name, capping in (("budget", tuple), ("shares", SHARES)):
            matrix_module.capped_links = capping  # type: ignore[assignment]
            try:
                runs = [root(scenario, budget) for _ in range(repeats)]
                gap, optimum = runs[0][0], runs[0][2]
                milp = statistics.median(seconds for _, seconds, _ in runs)
                whole = median_seconds(lambda b=budget: Optimizer().optimize(scenario, budget=b), repeats)
            finally:
                matrix_module.capped_links = SHARES
            figures[name] = (gap, milp, optimum, whole)
        (g0, m0, o0, w0), (g1, m1, o1, w1) = figures["budget"], figures["shares"]
        same = "yes" if abs(o0 - o1) <= 1e-4 * abs(o0) else f"no ({o0:.2f} / {o1:.2f})"
        print(
            f"| {budget:,.0f} | {g0:.1%} | {g1:.1%} | {m0:.2f} | {m1:.2f} | {same} | {w0:.2f} | {w1:.2f} "
            f"| {w0 / w1:.2f}× |"
        )


def commands_table(names: list[str]) -> None:
    print()
    print("| command | process (s) | CPU (s) | exit |")
    print("|---|---:|---:|---:|")
    for name in names:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "campaign", *COMMANDS[name]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        print(
            f"| `campaign {' '.join(COMMANDS[name])}` | {wall:.1f} | {usage.ru_utime + usage.ru_stime:.1f} "
            f"| {os.waitstatus_to_exitcode(status)} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budgets", default=",".join(f"{b:.0f}" for b in BUDGETS), help="solo budgets (EUR)")
    parser.add_argument("--commands", default=",".join(COMMANDS), help=f"of {', '.join(COMMANDS)}; empty for none")
    parser.add_argument("--repeats", type=int, default=3, help="solves per figure (the median is printed)")
    args = parser.parse_args()
    load_scenario(CAFE)  # the file reads once before any timing
    links_table([float(b) for b in args.budgets.split(",") if b], max(1, args.repeats))
    commands = [c for c in args.commands.split(",") if c]
    unknown = sorted(set(commands) - set(COMMANDS))
    if unknown:
        parser.error(f"unknown commands {', '.join(unknown)}; valid: {', '.join(COMMANDS)}")
    if commands:
        commands_table(commands)


if __name__ == "__main__":
    main()
