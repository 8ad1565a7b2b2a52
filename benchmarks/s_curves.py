"""Benchmark: S-shaped (Hill alpha > 1) response curves, this optimizer against multi-start SLSQP.

Random instances of 10 and 100 cells with Hill curves (alpha 1.5–3) and a
budget, plus a binding clicks floor, solved in one run by:

- this optimizer (a MILP with binaries only on each curve's convex stretch,
  HiGHS), which proves its gap to the global optimum;
- SciPy's SLSQP from an even split (the MMM allocators' method) and the best
  of N random starts (default 20), on rescaled variables.

Prints seconds and conversions for each, and how far each SLSQP answer is
below this optimizer's (a negative figure would mean SLSQP found more).

Run: .venv/bin/python benchmarks/s_curves.py [--starts 20] [--sizes 10,100]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# Run as a script, this folder would shadow the `optimizer` package.
sys.path = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

from optimizer import Optimizer  # noqa: E402
from scenarios.schema import Scenario  # noqa: E402


def instance(cells: int, seed: int) -> tuple[Scenario, np.ndarray, float, float]:
    """A scenario of `cells` S-shaped cells; returns it with (alpha, k, max) rows, the budget and the clicks floor."""
    rng = np.random.default_rng(seed)
    params = np.column_stack(
        [rng.uniform(1.5, 3.0, cells), rng.uniform(1000, 8000, cells), rng.uniform(100, 1000, cells)]
    )
    cpm_factor = rng.uniform(0.6, 1.6, cells)
    budget = 3000.0 * cells
    # Clicks per currency unit: 1000 / (10 · factor) impressions × 1 % CTR; the floor needs the cheap cells.
    floor = 0.9 * budget / cpm_factor.mean()
    formats = {f"f{i}": {"cpm_factor": float(cpm_factor[i])} for i in range(cells)}
    channel = {"audience": 1e7, "in_market": 0.05, "cpm": 10.0, "ctr": 0.01, "cvr": 0.05, "formats": formats}
    response = {
        f"web.f{i}": {"curve": "hill", "alpha": a, "half_saturation": k, "max": m}
        for i, (a, k, m) in enumerate(params.tolist())
    }
    scenario = Scenario.model_validate(
        {
            "name": "s-bench",
            "budget": {"total": budget},
            "channels": {"web": channel},
            "response": response,
            "kpis": {"min_clicks": floor},
        }
    )
    return scenario, np.column_stack([params, 1.0 / cpm_factor]), budget, floor


def slsqp(rows: np.ndarray, budget: float, floor: float, starts: int, seed: int) -> tuple[float, float, float]:
    """Seconds, conversions from the even split, and the best conversions over `starts` starts."""
    alpha, half, top, clicks = rows.T
    n = len(rows)
    unit = budget / n  # variables in units of the even share: rescaled so SLSQP converges

    def value(y: np.ndarray) -> float:
        r = (np.maximum(y, 0.0) * unit / half) ** alpha
        return float(np.sum(top * r / (1 + r)))

    def gradient(y: np.ndarray) -> np.ndarray:
        x = np.maximum(y, 1e-12) * unit
        r = (x / half) ** alpha
        return -top * alpha * r / (x * (1 + r) ** 2) * unit

    constraints = [
        {"type": "ineq", "fun": lambda y: 1.0 - y.sum() / n, "jac": lambda y: -np.ones(n) / n},
        {"type": "ineq", "fun": lambda y: (clicks @ (y * unit)) / floor - 1.0, "jac": lambda y: clicks * unit / floor},
    ]
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    results = []
    for start in range(starts):
        y0 = np.ones(n) if start == 0 else n * rng.dirichlet(np.ones(n))
        found = minimize(
            lambda y: -value(y),
            y0,
            jac=gradient,
            method="SLSQP",
            bounds=[(0, n)] * n,
            constraints=constraints,
            options={"maxiter": 500, "ftol": 1e-10},
        )
        feasible = all(c["fun"](found.x) >= -1e-6 for c in constraints)
        results.append(value(found.x) if feasible else -np.inf)
    return time.perf_counter() - started, results[0], max(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=20)
    parser.add_argument("--sizes", default="10,100")
    args = parser.parse_args()
    print(
        f"| cells | this optimizer (s) | proven gap | conversions | SLSQP even start below | "
        f"best of {args.starts} SLSQP starts below | SLSQP, all starts (s) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for cells in (int(s) for s in args.sizes.split(",")):
        scenario, rows, budget, floor = instance(cells, seed=cells)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            result = Optimizer().optimize(scenario)
            times.append(time.perf_counter() - started)
        ours = result.totals["conversions"]
        seconds, even, best = slsqp(rows, budget, floor, args.starts, seed=cells)
        print(
            f"| {cells} | {np.median(times):.2f} | {100 * result.solver.approximation_error:.3f} % | {ours:,.1f} | "
            f"{100 * (ours - even) / ours:.1f} % | {100 * (ours - best) / ours:.1f} % | {seconds:.1f} |"
        )


if __name__ == "__main__":
    main()
