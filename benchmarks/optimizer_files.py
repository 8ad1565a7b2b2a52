"""End to end: `campaign optimize FILE --json` as a process, on scenario files of Hill and point-table curves.

For each curve kind (Hill with α in [0.5, 1], concave; Hill with α in [1.5, 3], S-shaped; point tables of
six points on a concave Hill curve) and each size (cells, 10 formats a channel, a curve of its own per
cell, a budget of 50 a cell), the scenario is written to a YAML file and the command run as a child
process: its wall time, the JSON's ``solver.seconds`` and proven gap (``solver.approximation_error``),
and the child's peak resident memory (``ru_maxrss`` from ``os.wait4``), also per 1,000 cells above the
peak of a 10-cell file of the same kind (the interpreter and its libraries). On the same instance, up to
``--slsqp-max`` cells, SciPy's SLSQP (the allocator of Robyn and PyMC-Marketing: variables rescaled,
analytic gradients, from the even split) maximises the same conversions under the same budget; its
seconds and its conversions relative to the optimizer's are printed beside.

Run it from the repository root (sizes are cells; keep them small on a shared machine)::

    .venv/bin/python benchmarks/optimizer.py --files --sizes 300,1000,2000,10000
    .venv/bin/python benchmarks/optimizer_files.py --sizes 300 --kinds hill

Timings are informational: the script exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from scipy.optimize import Bounds, LinearConstraint, minimize  # noqa: E402

from scenarios import load_scenario  # noqa: E402
from scenarios.market_build import build_market  # noqa: E402

KINDS = {"hill": (0.5, 1.0), "s-hill": (1.5, 3.0), "points": (1.0, 1.0)}
SIZES = (300, 1_000, 2_000, 10_000)
SLSQP_MAX = 300
S_SHAPED_MAX = 100  # the S-shaped MILP takes about a minute at 100 cells on two shared cores
BASE_CELLS = 10  # the child's memory at this size is the interpreter's and the libraries': the baseline
BUDGET_PER_CELL = 50.0


def scenario(cells: int, kind: str, seed: int = 1) -> dict[str, Any]:
    """A scenario of `cells` cells (10 formats a channel), each with a curve of `kind` of its own."""
    rng = np.random.default_rng(seed)
    channels = {
        f"ch{j:04d}": {
            "audience": float(rng.uniform(5e4, 2e6)),
            "in_market": float(rng.uniform(0.005, 0.03)),
            "cpm": float(rng.uniform(3.0, 20.0)),
            "ctr": float(rng.uniform(0.004, 0.03)),
            "cvr": float(rng.uniform(0.01, 0.1)),
            "formats": {f"f{k}": {"cpm_factor": float(rng.uniform(0.4, 2.0))} for k in range(10)},
        }
        for j in range(max(1, cells // 10))
    }
    low, high = KINDS[kind]
    response: dict[str, Any] = {}
    for name in channels:
        for k in range(10):
            half, top, alpha = float(rng.uniform(500, 5000)), float(rng.uniform(50, 500)), float(rng.uniform(low, high))
            if kind == "points":
                spend = half * np.array([0.25, 0.5, 1.0, 2.0, 4.0, 8.0])
                response[f"{name}.f{k}"] = {
                    "curve": "points",
                    "spend": spend.tolist(),
                    "conversions": (top * spend / (spend + half)).tolist(),
                }
            else:
                response[f"{name}.f{k}"] = {"curve": "hill", "alpha": alpha, "half_saturation": half, "max": top}
    return {
        "name": f"{kind}-{cells}",
        "business": {"value_per_conversion": 40.0},
        "budget": {"total": BUDGET_PER_CELL * cells},
        "channels": channels,
        "response": response,
    }


def run_process(path: Path) -> tuple[float, dict[str, Any], float]:
    """Wall seconds, the JSON document and peak memory (MB) of `campaign optimize FILE --json`."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "campaign", "optimize", str(path), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=_HERE.parent,
    )
    out, err = child.stdout.read(), child.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"campaign optimize {path} exited {child.returncode}: {err.decode()[-500:]}")
    return seconds, json.loads(out), usage.ru_maxrss / 1024.0


def slsqp(path: Path) -> tuple[float, float]:
    """SLSQP's seconds and conversions on the scenario in `path` (budget row, the cells' bounds)."""
    data = load_scenario(path)
    market = build_market(data)
    budget = float(data.budget.total)
    n = len(market.cell_lower)
    unit = budget / n
    lower = np.minimum(market.cell_lower, budget) / unit
    upper = np.minimum(market.cell_upper, budget) / unit
    curves = market.curves
    start_time = time.perf_counter()
    result = minimize(
        lambda z: -float(curves.value(z * unit).sum()),
        np.clip(np.ones(n), lower, upper),
        jac=lambda z: -curves.derivative(z * unit) * unit,
        method="SLSQP",
        bounds=Bounds(lower, upper),
        constraints=[LinearConstraint(np.ones((1, n)), -np.inf, float(n))],
        options={"maxiter": 1000},
    )
    seconds = time.perf_counter() - start_time
    return seconds, float(curves.value(np.maximum(result.x, 0) * unit).sum())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--slsqp-max", type=int, default=SLSQP_MAX, help="SLSQP up to this many cells")
    parser.add_argument("--s-shaped-max", type=int, default=S_SHAPED_MAX, help="S-shaped Hill up to this many cells")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    kinds = [k for k in args.kinds.split(",") if k]
    print(
        "| curves | cells | process (s) | `solver.seconds` | proven gap | peak memory (MB) "
        "| MB per 1,000 cells above 10 cells | SLSQP (s) | SLSQP conversions / this | SLSQP / `solver.seconds` |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for kind in kinds:
            base = None
            for cells in [BASE_CELLS, *sizes]:
                if kind == "s-hill" and cells > args.s_shaped_max:
                    continue
                path = Path(folder) / f"{kind}-{cells}.yaml"
                path.write_text(yaml.dump(scenario(cells, kind), Dumper=yaml.CSafeDumper), encoding="utf-8")
                seconds, doc, peak = run_process(path)
                if base is None:
                    base = peak
                    continue
                solver = doc["solver"]
                row = [
                    kind,
                    f"{cells:,}",
                    f"{seconds:.2f}",
                    f"{solver['seconds']:.3f}",
                    f"{solver['approximation_error']:.1e}",
                    f"{peak:.0f}",
                    f"{(peak - base) / cells * 1000:.0f}",
                ]
                if cells <= args.slsqp_max:
                    s_seconds, s_value = slsqp(path)
                    row += [f"{s_seconds:.2f}", f"{s_value / doc['objective']['value']:.4f}"]
                    row.append(f"{s_seconds / solver['seconds']:.0f}×")
                else:
                    row += ["not run", "", ""]
                print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
