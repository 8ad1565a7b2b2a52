"""Benchmark: the budget frontier on one warm-started model against independent solves.

Traces 50 budgets (a quarter to twice the scenario's budget) of each bundled
scenario twice in one run: with `Frontier` (one LP kept in HiGHS, only the
budget row moves) and with one `Optimizer.optimize` call per budget (the
baseline: a fresh model each time). Prints seconds, the ratio, and the
largest difference in conversions between the two (both are certified to
the same tolerance, so they may differ by at most the sum of their gaps).

Run: .venv/bin/python benchmarks/frontier.py [--points 50]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# Run as a script, this folder would shadow the `optimizer` package.
sys.path = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402

from optimizer import Optimizer  # noqa: E402
from optimizer.frontier import Frontier, budget_grid  # noqa: E402
from scenarios.errors import InfeasibleError  # noqa: E402
from scenarios.library import bundled_scenarios  # noqa: E402
from scenarios.loader import load_scenario  # noqa: E402


def independent(scenario, budgets: np.ndarray) -> tuple[float, list[float | None]]:
    """Seconds and conversions of one fresh optimize call per budget."""
    started = time.perf_counter()
    found: list[float | None] = []
    optimizer = Optimizer(explain=False)
    for budget in budgets:
        try:
            found.append(optimizer.optimize(scenario, "conversions", float(budget)).totals["conversions"])
        except InfeasibleError:
            found.append(None)
    return time.perf_counter() - started, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=50)
    args = parser.parse_args()
    print("| scenario | points | frontier (s) | independent solves (s) | ratio | largest difference |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (path, _) in bundled_scenarios().items():
        scenario = load_scenario(path)
        budgets = budget_grid(scenario.budget.total / 4, scenario.budget.total * 2, args.points)
        started = time.perf_counter()
        result = Frontier().compute(scenario, budgets)
        warm = time.perf_counter() - started
        cold, reference = independent(scenario, budgets)
        diffs = [
            abs(p.conversions - r) / r
            for p, r in zip(result.points, reference, strict=True)
            if p.conversions is not None and r
        ]
        worst = max(diffs, default=0.0)
        print(f"| {name} | {args.points} | {warm:.2f} | {cold:.2f} | {cold / warm:.1f}× | {100 * worst:.3f} % |")


if __name__ == "__main__":
    main()
