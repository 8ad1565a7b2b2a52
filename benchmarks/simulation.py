"""Benchmark: Monte Carlo replications of a 13-week, 20-cell quarter, on 1 and 2 local workers.

A scenario of 4 channels × 5 formats over 13 weeks (the café chain's
channels and organic plans, five formats each) is optimised once; its plan
is then simulated `--runs` times with crises on, with 1 worker (the baseline)
and with 2, in the same run. Prints replications per second, the speed-up,
and checks that both give the same numbers.

Target (DESIGN §8): 1,000 replications in under a minute on 2 cores.

Run: .venv/bin/python benchmarks/simulation.py [--runs 1000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# Run as a script, this folder would shadow the `optimizer` package.
sys.path = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]

from optimizer import Optimizer  # noqa: E402
from scenarios.library import library_path  # noqa: E402
from scenarios.loader import load_scenario, merge, resolve  # noqa: E402
from scenarios.market_build import build_market  # noqa: E402
from simulation import MonteCarlo, QuarterInputs  # noqa: E402

FORMATS = {
    "image": {},
    "carousel": {"ctr_factor": 0.9, "engagement_factor": 1.9},
    "reel": {"cpm_factor": 0.5, "ctr_factor": 0.6, "engagement_factor": 1.7, "audience_share": 0.8},
    "story": {"cpm_factor": 0.8, "ctr_factor": 0.8, "engagement_factor": 0.5, "audience_share": 0.6},
    "video": {"cpm_factor": 0.7, "ctr_factor": 0.7, "engagement_factor": 2.0, "audience_share": 0.6},
}


def quarter() -> QuarterInputs:
    """The 20-cell quarter and the optimizer's plan for it."""
    base = load_scenario(library_path("cafe-chain-q1")).model_dump(mode="json", exclude_none=True)
    base.pop("variants")
    base.pop("actuals", None)
    base["sources"] = {}
    base["rules"] = {}
    base["kpis"] = {"min_reach": 250000}
    for channel in base["channels"].values():
        channel["formats"] = FORMATS
        channel.pop("spend", None)
    data = merge(base, {"name": "bench-20-cells"})
    scenario = resolve(data, "<bench>")
    market = build_market(scenario)
    if (len(market.cell_keys), market.periods) != (20, 13):
        raise SystemExit(f"expected 20 cells over 13 weeks, built {len(market.cell_keys)} over {market.periods}")
    result = Optimizer().optimize(scenario)
    return QuarterInputs.build(scenario, result.plan, market)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    inputs = quarter()
    rows, documents = [], []
    for workers in (1, 2):
        started = time.perf_counter()
        result = MonteCarlo(args.runs, seed=1, workers=workers).run(inputs, "bench")
        seconds = time.perf_counter() - started
        rows.append((workers, seconds))
        documents.append(result.to_dict())
    base = rows[0][1]
    print("| workers | replications | seconds | replications / s | speed-up over 1 worker |")
    print("|---:|---:|---:|---:|---:|")
    for workers, seconds in rows:
        print(f"| {workers} | {args.runs:,} | {seconds:.1f} | {args.runs / seconds:.0f} | {base / seconds:.2f}× |")
    print(f"\nsame numbers with 1 and 2 workers: {documents[0] == documents[1]}")
    crisis = documents[0]["crisis"]
    print(f"quarters with a crisis: {100 * crisis['probability']:.1f} %")


if __name__ == "__main__":
    main()
