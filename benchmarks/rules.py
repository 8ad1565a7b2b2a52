"""Benchmark: a 13-week plan of 30 cells with business rules, against the same plan without on/off rules.

Random scenarios of 6 channels × 5 formats over 13 weeks, with seasonality,
a weekly budget cap, ramp limits and KPI floors, solved in one run:

- as an LP (the baseline: weekly rules only);
- with the on/off rules on top (a minimum spend for any cell used, at most 4
  active channels, team hours for 3 channels): a MILP;
- with the whole team model on top of that (content): creative fatigue on
  every cell (whole creatives with a cost and hours) and organic posts of two
  formats per channel (0-3 a week each), all within 30 team hours a week.

Prints seconds, the proven gap and conversions for each, and the MILP/LP
time ratios (median of 3 runs each).

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


def scenario_dict(seed: int, rules: bool, content: bool = False) -> dict[str, Any]:
    """6 channels × 5 formats over 13 weeks; with `rules`, the on/off rules too; with `content`, creatives and posts."""
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
            "engagement_rate": float(rng.uniform(0.002, 0.02)),
            "followers": float(rng.uniform(2e3, 4e4)),
            "organic": {"reach_rate": float(rng.uniform(0.05, 0.3)), "engagement_rate": 0.02, "follow_rate": 0.1},
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
    if content:
        for channel in channels.values():
            for k, fmt in enumerate(channel["formats"].values()):
                fmt["creatives"] = {"impressions_per_creative": 400_000.0, "cost": 250.0, "hours": 3.0}
                if k < 2:
                    fmt["organic_posts"] = {"max": 3, "hours_per_post": float(rng.uniform(0.5, 2.0))}
        data["team"] = {"hours_per_week": 30.0, "hours_per_active_channel": 4.0}
        data["kpis"]["min_engagement"] = 90_000.0
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
        "| seed | LP, weekly rules (s) | gap | conversions | MILP, on/off rules (s) | gap | conversions | "
        "active channels | MILP/LP time | MILP, + creatives and posts (s) | gap | conversions | creatives | "
        "posts/week | team hours | time / LP |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for seed in range(1, args.seeds + 1):
        lp_seconds, lp = timed(scenario_dict(seed, rules=False))
        milp_seconds, milp = timed(scenario_dict(seed, rules=True))
        team_seconds, team = timed(scenario_dict(seed, rules=True, content=True))
        active = len({c.channel for c in milp.allocation if c.spend > 1e-6})
        t = team.totals
        print(
            f"| {seed} | {lp_seconds:.2f} | {100 * lp.solver.approximation_error:.3f} % | "
            f"{lp.totals['conversions']:,.0f} | {milp_seconds:.2f} | {100 * milp.solver.approximation_error:.3f} % | "
            f"{milp.totals['conversions']:,.0f} | {active} | {milp_seconds / lp_seconds:.1f}× | "
            f"{team_seconds:.2f} | {100 * team.solver.approximation_error:.3f} % | {t['conversions']:,.0f} | "
            f"{t['creatives']:.0f} | {t['organic_posts_per_week']:.0f} | {t['team_hours_per_week']:.1f} | "
            f"{team_seconds / lp_seconds:.1f}× |"
        )


if __name__ == "__main__":
    main()
