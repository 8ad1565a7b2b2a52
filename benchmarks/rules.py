"""Benchmark: a 13-week plan of 30 cells with business rules, against the same plan without on/off rules.

Random scenarios of 6 channels × 5 formats over 13 weeks, with seasonality,
a weekly budget cap, ramp limits and KPI floors, solved in one run:

- as an LP (the baseline: weekly rules only);
- with the on/off rules on top (a minimum spend for any cell used, at most 4
  active channels, team hours for 3 channels): a MILP.

Prints seconds, the proven gap and conversions for each, and the MILP/LP
time ratio (median of 3 runs each).

Run: .venv/bin/python benchmarks/rules.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

# Run as a script, this folder would shadow the `optimizer` package.
sys.path = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402

from optimizer import Optimizer  # noqa: E402
from scenarios.loader import resolve  # noqa: E402

WEEKS = 13


def scenario_dict(seed: int, rules: bool) -> dict[str, Any]:
    """6 channels × 5 formats over 13 weeks; with `rules`, the on/off rules too."""
    rng = np.random.default_rng(seed)
    channels = {}
    for j in range(6):
        formats = {
            f"f{k}": {
                "cpm_factor": float(rng.uniform(0.6, 1.5)),
                "ctr_factor": float(rng.uniform(0.6, 1.5)),
                "audience_share": float(rng.uniform(0.3, 1.0)),
            }
            for k in range(5)
        }
        channels[f"c{j}"] = {
            "audience": float(rng.uniform(1e5, 6e5)),
            "in_market": float(rng.uniform(0.01, 0.04)),
            "cpm": float(rng.uniform(4, 25)),
            "ctr": float(rng.uniform(0.005, 0.015)),
            "cvr": float(rng.uniform(0.01, 0.06)),
            "bounce_rate": float(rng.uniform(0.5, 0.75)),
            "formats": formats,
        }
    budget = 90_000.0
    data: dict[str, Any] = {
        "name": f"rules-{seed}",
        "periods": {"count": WEEKS, "unit": "week"},
        "budget": {"total": budget, "per_period": {"max": 1.6 * budget / WEEKS}},
        "seasonality": {
            "cpm": [float(v) for v in rng.uniform(0.8, 1.4, WEEKS)],
            "cvr": [float(v) for v in rng.uniform(0.8, 1.5, WEEKS)],
        },
        "business": {"value_per_conversion": 40.0},
        "channels": channels,
        "kpis": {"min_clicks": 40_000.0, "max_bounce_rate": 0.7},
        "rules": {"ramp": {"max_increase": 3000.0, "max_decrease": 3000.0}},
    }
    if rules:
        data["rules"] |= {"min_spend_if_active": 1500.0, "max_active_channels": 4}
        data["team"] = {"hours_per_week": 12.0, "hours_per_active_channel": 4.0}
    return data


def timed(data: dict[str, Any]) -> tuple[float, Any]:
    """Median seconds of three solves, and the last result."""
    seconds = []
    for _ in range(3):
        started = time.perf_counter()
        result = Optimizer().optimize(resolve(data, "<bench>"))
        seconds.append(time.perf_counter() - started)
    return float(np.median(seconds)), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    print(
        "| seed | LP, weekly rules (s) | gap | conversions | MILP, with on/off rules (s) | gap | conversions | "
        "active channels | MILP/LP time |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for seed in range(1, args.seeds + 1):
        lp_seconds, lp = timed(scenario_dict(seed, rules=False))
        milp_seconds, milp = timed(scenario_dict(seed, rules=True))
        active = len({c.channel for c in milp.allocation if c.spend > 1e-6})
        print(
            f"| {seed} | {lp_seconds:.2f} | {100 * lp.solver.approximation_error:.3f} % | "
            f"{lp.totals['conversions']:,.0f} | {milp_seconds:.2f} | {100 * milp.solver.approximation_error:.3f} % | "
            f"{milp.totals['conversions']:,.0f} | {active} | {milp_seconds / lp_seconds:.1f}× |"
        )


if __name__ == "__main__":
    main()
