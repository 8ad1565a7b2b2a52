"""Benchmark: the MILPs behind `campaign optimize` and `campaign pnl` on a bundled scenario's variant.

Runs the command as a user would (in this process) and records every MILP it hands to HiGHS: its
size, the seconds HiGHS took, its optimum, and the bound of its LP relaxation (the same matrix with
every integer made continuous), whose distance from the optimum is the root gap branch and bound
has to close. Each MILP is also solved again without the perspective rows (`optimizer.matrix`: a
curve's segments fill only as far as their on/off switch is on), the formulation before them, in the
same run: its seconds, optimum and relaxation beside the current ones.

Run: .venv/bin/python benchmarks/milp.py [--scenario cafe-chain-q1] [--variant solo]
     [--command optimize|pnl] [--budget B]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

# Run as a script, this folder would shadow the `optimizer` package.
sys.path = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
from click.testing import CliRunner  # noqa: E402

import optimizer.highs as highs  # noqa: E402
from campaign.cli import cli  # noqa: E402
from optimizer.matrix import without_perspective  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="cafe-chain-q1")
    parser.add_argument("--variant", default="solo")
    parser.add_argument("--command", choices=("optimize", "pnl"), default="optimize")
    parser.add_argument("--budget", type=float, help="optimize at this budget (currency) instead of the scenario's")
    args = parser.parse_args()

    import highspy

    solves: list[tuple[Any, float, float]] = []
    model = highs._model

    def recording(matrix: Any) -> Any:
        start = time.perf_counter()
        h = model(matrix)
        seconds = time.perf_counter() - start
        if len(matrix.integer_cols) and h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            solves.append((matrix, seconds, float(h.getInfo().objective_function_value)))
        return h

    highs._model = recording
    start = time.perf_counter()
    extra = ["--budget", str(args.budget)] if args.budget is not None and args.command == "optimize" else []
    result = CliRunner().invoke(cli, [args.command, args.scenario, "--variant", args.variant, "--json", *extra])
    total = time.perf_counter() - start
    highs._model = model
    if result.exit_code != 0:
        raise SystemExit(f"campaign {args.command} exited {result.exit_code}: {result.output[:400]}")

    print(
        "| MILP | integers | columns | HiGHS s (before) | HiGHS s | optimum (before) | optimum "
        "| relaxation (before) | relaxation | root gap (before) | root gap |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for k, (matrix, seconds, optimum) in enumerate(solves, 1):
        old = without_perspective(matrix)
        start = time.perf_counter()
        h = model(old)
        old_seconds, old_optimum = time.perf_counter() - start, float(h.getInfo().objective_function_value)
        old_bound, bound = _relaxation(old, model), _relaxation(matrix, model)
        print(
            f"| {k} | {len(matrix.integer_cols)} | {len(matrix.cost)} | {old_seconds:.2f} | {seconds:.2f} "
            f"| {old_optimum:,.2f} | {optimum:,.2f} | {old_bound:,.1f} | {bound:,.1f} "
            f"| {_gap(old_bound, old_optimum)} | {_gap(bound, optimum)} |"
        )
    print(f"\ncampaign {args.command} {args.scenario} --variant {args.variant}: {total:.2f} s in all")


def _relaxation(matrix: Any, model: Any) -> float:
    relaxed = dataclasses.replace(matrix, integer_cols=np.zeros(0, dtype=np.int64), presolve=True)
    return float(model(relaxed).getInfo().objective_function_value)


def _gap(bound: float, optimum: float) -> str:
    return f"{100 * abs(bound - optimum) / max(abs(optimum), 1e-9):.2f} %"


if __name__ == "__main__":
    main()
