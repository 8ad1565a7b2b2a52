"""Benchmark: the confidence LP at 50, 200 and 1,000 parameter draws against the expected-value LP, 13 weeks × 20 cells.

The quarter of `benchmarks/simulation.py` (the café chain's four channels,
five formats each, 13 weeks: 260 spend decisions) with the café's KPIs
(reach and new-followers floors, CPA, ROAS, bounce-rate and negative-feedback
caps) and a relative uncertainty of 10 % on every channel figure and curve
stretch. For each draw count S, `plan_with_confidence` at 90 % over draws 0
to S − 1 (seed 7, no quarter noise: the parameter draws alone) is timed from
the built draws to the checked plan (its `seconds`: every LP, refinement
round and the draw-by-draw check on the true curves), with its refinement
rounds, proven gap and the smallest in-sample share of draws meeting a KPI;
the expected-value plan, `Optimizer().optimize` of the same scenario, is timed
in the same run (its `solver.seconds`). A draw count whose plan takes longer
than `--timeout` seconds is stopped and shown as such.

Then the unreachable case: the bundled B2B scenario with 10 % relative
uncertainty asked at 90 %, which no plan reaches, over 10, 50 and 200
draws (its own seed, no quarter noise). For each draw count the search for
the KPIs that cannot be held alone and the highest confidence reached is
timed on the breakpoints the plan gives up on (`optimizer.reachable`), and
beside it the search as it was: each level a full confidence LP with every
draw's own chain, bisected to 0.5 points and floored (stopped after
`--old-timeout` seconds).

Run from the repository root::

    .venv/bin/python benchmarks/confidence.py                 # a few minutes
    .venv/bin/python benchmarks/confidence.py --draws 50,200 --unreachable-draws 10,50

Timings are informational (machines are noisy): the script exits 0.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import sys
import time
from pathlib import Path
from typing import Any

# Run as a script, this folder would shadow the `optimizer` package.
sys.path = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402

from optimizer import (  # noqa: E402
    ConfidenceUnreachableError,
    Draws,
    Optimizer,
    build_problem,
    drawn_problems,
    evaluate,
    plan_with_confidence,
)
from optimizer.confidence import _breakpoints  # noqa: E402
from optimizer.reachable import RESOLUTION, unreachable  # noqa: E402
from optimizer.sample_lp import chains, reach_curves_of  # noqa: E402
from optimizer.sample_solve import solve_sample  # noqa: E402
from scenarios import Scenario, draw_parameters, kpi_of, override  # noqa: E402
from scenarios.library import library_path  # noqa: E402
from scenarios.loader import load_scenario, merge, resolve  # noqa: E402
from scenarios.market_build import build_market  # noqa: E402

CONFIDENCE = 0.9
SEED = 7
FORMATS = {
    "image": {},
    "carousel": {"ctr_factor": 0.9, "engagement_factor": 1.9},
    "reel": {"cpm_factor": 0.5, "ctr_factor": 0.6, "engagement_factor": 1.7, "audience_share": 0.8},
    "story": {"cpm_factor": 0.8, "ctr_factor": 0.8, "engagement_factor": 0.5, "audience_share": 0.6},
    "video": {"cpm_factor": 0.7, "ctr_factor": 0.7, "engagement_factor": 2.0, "audience_share": 0.6},
}


def quarter() -> Scenario:
    """The 20-cell, 13-week scenario with the café's KPIs and 10 % relative uncertainty."""
    base = load_scenario(library_path("cafe-chain-q1")).model_dump(mode="json", exclude_none=True)
    base.pop("variants")
    base.pop("actuals", None)
    base["sources"] = {}
    base["rules"] = {}
    for channel in base["channels"].values():
        channel["formats"] = FORMATS
        channel.pop("spend", None)
    data = merge(base, {"name": "bench-confidence", "uncertainty": {"relative": 0.1}})
    scenario = resolve(data, "<bench>")
    market = build_market(scenario)
    if (len(market.cell_keys), market.periods) != (20, 13):
        raise SystemExit(f"expected 20 cells over 13 weeks, built {len(market.cell_keys)} over {market.periods}")
    return scenario


def confidence_run(count: int, results: Any) -> None:
    """The confidence plan over `count` draws, its figures put on `results` (run in a child process)."""
    scenario = quarter()
    market = build_market(scenario)
    base = build_problem(scenario, market)
    drawn = draw_parameters(scenario, SEED, count)
    draws = drawn_problems(base, lambda m: build_problem(scenario, m), market, drawn, {})
    plan = plan_with_confidence(draws, {}, CONFIDENCE)
    lowest = min(k.probability_met for k in plan.evaluation.kpis)
    results.put((plan.seconds, plan.rounds, plan.gap, plan.included, lowest))


def unreachable_draws(count: int) -> Draws:
    """The B2B scenario with 10 % relative uncertainty over `count` draws of its own seed, no quarter noise."""
    scenario = override(load_scenario(library_path("b2b-saas-leads")), {"uncertainty": {"relative": 0.1}}, "u")
    market = build_market(scenario)
    base = build_problem(scenario, market)
    drawn = draw_parameters(scenario, scenario.seed, count)
    return drawn_problems(base, lambda m: build_problem(scenario, m), market, drawn, {})


def search_run(count: int, old: bool, results: Any) -> None:
    """The search for the unsafe KPIs and the highest confidence over `count` draws, new or `old` (child)."""
    draws = unreachable_draws(count)
    try:
        plan_with_confidence(draws, {}, CONFIDENCE, explain=False)
    except ConfidenceUnreachableError:
        pass
    else:
        raise SystemExit(f"a plan reaches {CONFIDENCE} over {count} draws: not the unreachable case")
    conv_bp, reach_bp = _breakpoints(draws, 16)
    started = time.perf_counter()
    if old:
        unsafe, highest = old_search(draws, conv_bp, reach_bp)
    else:

        def holds(spend: Any, level: float) -> bool:
            return all(k.probability_met >= level - 1e-9 for k in evaluate(draws, spend, {}).kpis)

        error = unreachable(draws, conv_bp, reach_bp, CONFIDENCE, "highs", holds)
        unsafe, highest = error.kpis, error.highest
    results.put((time.perf_counter() - started, unsafe, highest))


def old_search(draws: Draws, conv_bp: list[Any], reach_bp: list[Any]) -> tuple[tuple[str, ...], float]:
    """The search as it was: every draw's own chain in each LP, bisection to `RESOLUTION`, floored."""
    curves = [p.market.curves for p in draws.problems]
    every = [True] * len(draws.problems)

    def feasible(kind: str, level: float, only: set[int] | None = None) -> bool:
        conv = chains(draws.base.market.curves, curves, conv_bp, kind)
        reach = chains(reach_curves_of(draws.base), [], reach_bp, kind) if reach_bp else None
        return solve_sample(draws, conv, reach, level, None, np.array(every), "highs", only) is not None

    names: dict[str, set[int]] = {}
    for k, row in enumerate(draws.base.rows):
        if row.name.startswith("kpi."):
            names.setdefault(kpi_of(row.name).name, set()).add(k)
    alone = tuple(name for name, rows in names.items() if not feasible("outer", CONFIDENCE, rows))
    low, high = 0.0, CONFIDENCE
    while high - low > RESOLUTION:
        middle = 0.5 * (low + high)
        low, high = (middle, high) if feasible("inner", middle) else (low, middle)
    return alone, math.floor(low / RESOLUTION) * RESOLUTION


def in_child(target: Any, args: tuple[Any, ...], timeout: float) -> Any:
    """`target(*args, queue)` in a child process: what it put on the queue, None after `timeout` seconds."""
    results: Any = multiprocessing.Queue()
    child = multiprocessing.Process(target=target, args=(*args, results))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    if child.exitcode != 0:
        raise SystemExit(f"{target.__name__}{args} failed (exit code {child.exitcode})")
    return results.get()


def timed(count: int, timeout: float) -> tuple[float, int, float, int, float] | None:
    """`confidence_run` in a child process, None when it takes longer than `timeout` seconds."""
    return in_child(confidence_run, (count,), timeout)


def ratio_text(ratio: float) -> str:
    """A time ratio: whole numbers from 10×, two significant digits below."""
    return f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.2g}×"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", default="50,200,1000", help="comma-separated draw counts")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before a plan is stopped")
    parser.add_argument("--unreachable-draws", default="10,50,200", help="draw counts of the unreachable case")
    parser.add_argument("--old-timeout", type=float, default=600.0, help="seconds before the old search is stopped")
    args = parser.parse_args()
    counts = [int(c) for c in args.draws.split(",") if c.strip()]
    scenario = quarter()
    expected = Optimizer().optimize(scenario)
    ev_seconds = expected.solver.seconds
    print(
        "| draws | confidence LP (s) | rounds | proven gap | stretched draws written out | lowest KPI share met "
        "| expected-value LP (s) | ratio |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for count in counts:
        started = time.perf_counter()
        outcome = timed(count, args.timeout)
        if outcome is None:
            waited = time.perf_counter() - started
            print(f"| {count:,} | timeout (> {waited:.0f}) | | | | | {ev_seconds:.2f} | |")
            continue
        seconds, rounds, gap, included, lowest = outcome
        print(
            f"| {count:,} | {seconds:.1f} | {rounds} | {100 * gap:.3f} % | {included} | {100 * lowest:.1f} % "
            f"| {ev_seconds:.2f} | {ratio_text(seconds / ev_seconds)} |"
        )
    print(
        f"\n{len(expected.allocation)} spend decisions; confidence {100 * CONFIDENCE:.0f} %, draws from seed {SEED}; "
        f"the expected-value plan's proven gap {100 * expected.solver.approximation_error:.3f} %."
    )
    unreachable_counts = [int(c) for c in args.unreachable_draws.split(",") if c.strip()]
    if unreachable_counts:
        unreachable_table(unreachable_counts, args.timeout, args.old_timeout)


def unreachable_table(counts: list[int], timeout: float, old_timeout: float) -> None:
    """The unreachable case's table: the search's time and answer, new and old, per draw count."""
    print(
        "\n| draws | search (s) | highest reached | unsafe alone | old search (s) | old highest | ratio |\n"
        "|---:|---:|---:|---|---:|---:|---:|"
    )
    for count in counts:
        new = in_child(search_run, (count, False), timeout)
        if new is None:
            print(f"| {count:,} | timeout (> {timeout:.0f}) | | | | | |")
            continue
        started = time.perf_counter()
        old = in_child(search_run, (count, True), old_timeout)
        seconds, unsafe, highest = new
        old_cells = (
            f"timeout (> {time.perf_counter() - started:.0f}) | |"
            if old is None
            else f"{old[0]:.1f} | {100 * old[2]:.1f} % | {ratio_text(old[0] / seconds)}"
        )
        print(f"| {count:,} | {seconds:.1f} | {100 * highest:.1f} % | {', '.join(unsafe) or '–'} | {old_cells} |")
    print(
        f"\nb2b-saas-leads, uncertainty.relative 0.1, asked at {100 * CONFIDENCE:.0f} %; "
        "the old search's level floored to 0.5 points."
    )


if __name__ == "__main__":
    main()
