"""Out of sample: the plan at 90 % confidence and the expected-value plan over 1,000 freshly simulated quarters.

For each bundled scenario, a copy of its file with `uncertainty: {relative: 0.1}`
(every figure uncertain, a coefficient of variation of 10 %) is planned at
confidence 0.9 over 200 drawn quarters (`optimize_with_confidence`: the
scenario's own seed, as `campaign optimize FILE --confidence 0.9 --draws 200`).
Both that plan and the expected-value plan are then simulated over 1,000
quarters from a fresh seed (`campaign simulate FILE --plan ... --runs 1000
--seed S`: parameters drawn for each pair of quarters, the quarter's own
randomness too), and each KPI's share of quarters met is counted. A scenario
no plan reaches 0.9 for gets one row: the KPIs that cannot be held at 0.9
even alone (else "every KPI together") and the highest confidence a plan
reaches over the drawn quarters.

The Monte Carlo standard error of a share is taken over the 500 pairs of
quarters (the two quarters of a pair share their parameter draw, so they are
not independent): the standard deviation of the pairs' shares over √500. A
KPI whose plan at 0.9 is met in fewer than 0.9 − 3 standard errors of the
quarters is marked `MISSED` (a false alarm per KPI of about 0.1 % if its true
share were 0.9).

Run from the repository root::

    .venv/bin/python benchmarks/confidence_out_of_sample.py            # tens of minutes on one core
    .venv/bin/python benchmarks/confidence_out_of_sample.py --scenarios cafe-chain-q1 --runs 200

Prints a Markdown table; exits 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this folder would shadow the `optimizer` package.
sys.path = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402

from campaign import app  # noqa: E402
from optimizer import ConfidenceUnreachableError  # noqa: E402
from scenarios import kpi_of  # noqa: E402
from scenarios.library import bundled_scenarios  # noqa: E402

CONFIDENCE = 0.9
#: The simulations' seed: none of the bundled scenarios' own seeds, which the planning draws use.
FRESH_SEED = 424242


def shares(simulated: app.Simulated) -> dict[str, tuple[float, float]]:
    """Per KPI target, its share of quarters met and that share's standard error over the pairs of quarters."""
    result = simulated.result
    figures = {name: np.array([r[name] for r in result.replications], dtype=float) for name in result.kpis}
    out = {}
    for target in result.targets:
        values = figures[kpi_of(target["name"]).figure]
        bound = target["target"]
        met = values >= bound * (1 - 1e-9) if target["sense"] == ">=" else values <= bound * (1 + 1e-9)
        share = float(met.mean())
        if abs(share - target["probability_met"]) > 1e-12:
            raise SystemExit(f"{target['name']}: recounted share {share} is not the simulator's")
        pairs = met[: len(met) // 2 * 2].reshape(-1, 2).mean(axis=1)
        error = float(pairs.std(ddof=1) / math.sqrt(len(pairs))) if len(pairs) > 1 else math.nan
        out[target["name"]] = (share, error)
    return out


def measure(name: str, path: Path, draws: int, runs: int, seed: int, workers: int) -> list[str]:
    """The table rows of one scenario."""
    started = time.perf_counter()
    try:
        done = app.optimize_with_confidence(path, CONFIDENCE, draws=draws)
    except ConfidenceUnreachableError as error:
        print(f"{name}: {error} ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
        unsafe = ", ".join(error.kpis) or "every KPI together"
        return [f"| {name} | {unsafe} | unreachable (highest {100 * error.highest:.1f} %) | | | | | |"]
    in_sample = {k.name: k.probability_met for k in done.planned.evaluation.kpis}
    ours = shares(app.simulate(path, plan=done.plan, runs=runs, seed=seed, workers=workers))
    theirs = shares(app.simulate(path, plan=done.expected_value.plan, runs=runs, seed=seed, workers=workers))
    seconds = time.perf_counter() - started
    rows = []
    for kpi, (share, error) in ours.items():
        ev_share, ev_error = theirs[kpi]
        verdict = "MISSED" if share < CONFIDENCE - 3 * error else ""
        rows.append(
            f"| {name} | {kpi} | {100 * in_sample.get(kpi, math.nan):.1f} % | {100 * share:.1f} % "
            f"| {100 * error:.1f} | {100 * ev_share:.1f} % | {100 * ev_error:.1f} | {verdict} |"
        )
    objective = done.scenario.objective
    print(
        f"{name}: {objective} over the drawn quarters {done.planned.evaluation.expected:,.1f} at 0.9, "
        f"{done.baseline.expected:,.1f} for the expected-value plan, price of confidence {done.price:,.1f} "
        f"({seconds:.0f} s)",
        file=sys.stderr,
        flush=True,
    )
    rows.append(
        f"| {name} | price of confidence ({objective}) | | {done.price:,.1f} "
        f"({100 * done.price / done.baseline.expected:.1f} %) | | | | |"
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="", help="comma-separated bundled scenarios (default: all)")
    parser.add_argument("--draws", type=int, default=200, help="drawn quarters the plan at 0.9 is made over")
    parser.add_argument("--runs", type=int, default=1000, help="simulated quarters per plan")
    parser.add_argument("--seed", type=int, default=FRESH_SEED, help="the simulations' seed")
    parser.add_argument("--workers", type=int, default=1, help="simulator processes")
    args = parser.parse_args()
    bundled = bundled_scenarios()
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()] or sorted(bundled)
    print(
        f"Planned at {CONFIDENCE} over {args.draws} drawn quarters (each scenario's seed); simulated over "
        f"{args.runs:,} quarters from seed {args.seed}, uncertainty.relative 0.1.\n"
    )
    print(
        "| scenario | KPI | in sample at 0.9 | out of sample at 0.9 | s.e. (points) "
        "| expected-value plan | s.e. (points) | |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            path = Path(folder) / f"{name}-uncertain.yaml"
            text = bundled[name][0].read_text(encoding="utf-8")
            path.write_text(text + "uncertainty:\n  relative: 0.1\n", encoding="utf-8")
            for row in measure(name, path, args.draws, args.runs, args.seed, args.workers):
                print(row, flush=True)


if __name__ == "__main__":
    main()
