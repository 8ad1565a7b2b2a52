"""Benchmark: calibration from 26 weeks of history at 13, 50 and 200 cells, and the same model fitted by NUTS.

Scenarios: the café chain's 13 cells as bundled (4 channels), and 10 or 40
channels × 5 formats (50 and 200 cells) whose channel figures are the café's
four channels' in turn, each times a seeded factor between 0.7 and 1.4, with
the budget scaled by the cells. For each, a truth is drawn from calibration's
prior (`draw_truth`) and 26 weeks of history from it (`synthetic_history`).
Measured, in one run:

- `posteriors(scenario, history)` in-process: the best of `--repeats` (3) runs;
- the whole `campaign calibrate FILE --ledger L --json` as a process (a ledger
  of one row per cell and week is written first): wall time and peak resident
  memory (the rusage of that process, started from a small wrapper). The command fits twice (the
  held-out check fits the first 24 weeks, then every week is fitted) and
  includes Python's start and imports;
- the MCMC baseline, if PyMC is installed: the SAME hierarchical model fitted
  with NUTS (PyMC's default sampler, 4 chains × 1,000 draws after 1,000 tuning
  steps, 2 processes): per channel and figure log m ~ Normal(0, σ_ch), per
  cell and figure a Gamma(a, a) deviation e, per cell log ρ ~ Normal(0, σ_ρ),
  weekly impressions, clicks and conversions Poisson as in
  `scenarios/calibration.py`, v(u) = (1 − exp(−u/σ_w)) / (u/σ_w) for the
  cells' exponential curves (σ_w the curve's weekly scale; checked against
  `CellPrior.yield_per_click`). The cell's rate multiplier r = m·e is sampled
  directly, r ~ Gamma(a, a/m) (the same distribution; with tens of thousands
  of impressions a week, sampling m and e apart leaves NUTS a ridge a
  thousandth wide). Reported: NUTS wall time (model, compilation and
  sampling) against `posteriors`' time, R-hat max and bulk ESS min over every
  unknown, divergences, and per cell and figure how far the two posterior
  means are apart in units of the grid posterior's 90 % interval width, and
  the share of cells whose 90 % intervals overlap.

PyMC is not a dependency of the project: install it into the venv by hand to
run the baseline (``.venv/bin/pip install pymc``); without it the baseline is
skipped and said so.

Run from the repository root::

    .venv/bin/python benchmarks/calibration.py                      # NUTS at 13 and 50 cells, a few minutes
    .venv/bin/python benchmarks/calibration.py --mcmc-sizes 13,50,200
    .venv/bin/python benchmarks/calibration.py --sizes 13 --repeats 1 --mcmc-sizes ""

Timings are informational (machines are noisy): the script exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

# Run as a script, this folder would shadow the `optimizer` package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from campaign.ledger import record_imports  # noqa: E402
from campaign.ledger_rows import Batch, LedgerRow  # noqa: E402
from scenarios import (  # noqa: E402
    PRIOR,
    CellFit,
    Scenario,
    cell_priors,
    draw_truth,
    library_path,
    load_scenario,
    posteriors,
    synthetic_history,
)
from scenarios.calibration import LEVEL, Prior  # noqa: E402
from scenarios.curves import EXPONENTIAL  # noqa: E402
from scenarios.history import WeeklyHistory  # noqa: E402

SIZES = (13, 50, 200)
MCMC_SIZES = (13, 50)
WEEKS = 26
FORMATS_PER_CHANNEL = 5
FORMATS = {
    "image": {},
    "carousel": {"ctr_factor": 0.9},
    "reel": {"cpm_factor": 0.5, "ctr_factor": 0.6, "audience_share": 0.8},
    "story": {"cpm_factor": 0.8, "ctr_factor": 0.8, "audience_share": 0.6},
    "video": {"cpm_factor": 0.7, "ctr_factor": 0.7, "cvr_factor": 0.9, "audience_share": 0.6},
}
FIGURES = ("cpm", "ctr", "cvr", "rho")
ROOT = _HERE.parent


# ---------------------------------------------------------------- instances


def scenario_data(cells: int, seed: int) -> dict[str, Any]:
    """The café chain's 13 cells, or cells/5 channels × 5 formats from the café's channel figures."""
    data = load_scenario(library_path("cafe-chain-q1")).model_dump(mode="json", exclude_none=True)
    for key in ("variants", "actuals", "response"):
        data.pop(key, None)
    data.update(name=f"bench-calibration-{cells}", sources={}, rules={}, kpis={})
    data["budget"] = {"total": round(data["budget"]["total"] * cells / 13, -2)}
    if cells == 13:
        return data
    if cells % FORMATS_PER_CHANNEL:
        raise ValueError(f"cells must be 13 or a multiple of {FORMATS_PER_CHANNEL}")
    rng = np.random.default_rng([seed, cells])
    bases = list(data["channels"].items())
    channels = {}
    for j in range(cells // FORMATS_PER_CHANNEL):
        name, base = bases[j % len(bases)]
        channel = {k: v for k, v in base.items() if k not in ("spend", "sources", "formats", "flight", "blackout")}
        for figure in ("audience", "cpm", "ctr", "cvr"):
            channel[figure] = float(base[figure] * rng.uniform(0.7, 1.4))
        channel["formats"] = FORMATS
        channels[f"{name}{j // len(bases) + 1}"] = channel
    data["channels"] = channels
    return data


@dataclass(frozen=True)
class Instance:
    """A scenario written to a file, its truth's 26 weeks of history, and a ledger holding them."""

    cells: int
    file: Path
    scenario: Scenario
    history: WeeklyHistory
    ledger: Path

    @property
    def channels(self) -> int:
        return len(self.scenario.channels)


def build_instance(cells: int, seed: int, folder: Path) -> Instance:
    """Write the scenario and the ledger of its synthetic history into `folder`."""
    file = folder / f"bench-calibration-{cells}.yaml"
    file.write_text(yaml.safe_dump(scenario_data(cells, seed), sort_keys=False), encoding="utf-8")
    scenario = load_scenario(file)
    if len(cell_priors(scenario)) != cells:
        raise SystemExit(f"expected {cells} cells, built {len(cell_priors(scenario))}")
    assert scenario.start is not None
    truth = draw_truth(scenario, seed)
    history = synthetic_history(scenario, truth, WEEKS, scenario.start - dt.timedelta(days=1), seed + 1)
    ledger = folder / f"bench-calibration-{cells}.sqlite"
    batch = Batch(folder / "made.csv", "0" * 64, "generic", "EUR", scenario.name, ledger_rows(history))
    record_imports(ledger, [batch])
    return Instance(cells, file, scenario, history, ledger)


def ledger_rows(history: WeeklyHistory) -> list[LedgerRow]:
    """One ledger row per cell and week, Monday to Sunday."""
    rows = []
    for c, cell in enumerate(history.cells):
        channel, fmt = cell.split(".", 1)
        for w, monday in enumerate(history.weeks):
            figures = (history.spend[c, w], history.impressions[c, w], history.clicks[c, w], history.conversions[c, w])
            end = monday + dt.timedelta(days=6)
            rows.append(LedgerRow("generic", f"c-{cell}", "", "", monday, end, channel, fmt, *map(float, figures)))
    return rows


# ------------------------------------------------------------------ the grid


@dataclass(frozen=True)
class GridRun:
    """`posteriors` in-process and `campaign calibrate` as a process."""

    seconds: float
    fits: list[CellFit]
    command_seconds: float
    peak_mb: float


def time_posteriors(inst: Instance, repeats: int) -> tuple[float, list[CellFit]]:
    """Best of `repeats` runs of `posteriors`, and its fits."""
    best, fits = float("inf"), []
    for _ in range(repeats):
        started = time.perf_counter()
        fits = posteriors(inst.scenario, inst.history, PRIOR, seed=0)
        best = min(best, time.perf_counter() - started)
    return best, fits


#: Runs the command and writes its wall seconds and peak RSS (kB) to argv[1]. A child's peak RSS counts the memory of
#: the process it was forked from until it execs, so the command is started from this small interpreter and not from
#: the benchmark's own (which holds NumPy, SciPy and, for the baseline, PyMC).
WRAPPER = """
import resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.run(sys.argv[2:]).returncode
seconds = time.perf_counter() - started
with open(sys.argv[1], "w") as out:
    out.write(f"{code} {seconds} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
"""


def run_command(inst: Instance, folder: Path) -> tuple[float, float]:
    """`campaign calibrate FILE --ledger L --json` as a process: wall seconds and peak RSS (MB)."""
    out, measured = folder / f"calibrate-{inst.cells}.json", folder / f"calibrate-{inst.cells}.measured"
    command = [sys.executable, "-m", "campaign", "calibrate", str(inst.file), "--ledger", str(inst.ledger), "--json"]
    with out.open("wb") as stdout:
        done = subprocess.run(
            [sys.executable, "-c", WRAPPER, str(measured), *command], stdout=stdout, stderr=subprocess.PIPE, cwd=ROOT
        )
    code, seconds, peak = measured.read_text(encoding="utf-8").split()
    if done.returncode != 0 or int(code) != 0:
        raise SystemExit(f"campaign calibrate failed on {inst.cells} cells (exit {code}): {done.stderr.decode()}")
    doc = json.loads(out.read_text(encoding="utf-8"))
    if len(doc["cells"]) != inst.cells:
        raise SystemExit(f"campaign calibrate fitted {len(doc['cells'])} of {inst.cells} cells")
    return float(seconds), int(peak) / 1024.0  # Linux: kilobytes


def run_grid(inst: Instance, repeats: int, folder: Path) -> GridRun:
    seconds, fits = time_posteriors(inst, repeats)
    command_seconds, peak = run_command(inst, folder)
    return GridRun(seconds, fits, command_seconds, peak)


# ------------------------------------------------------------ NUTS baseline


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float


@dataclass(frozen=True)
class NutsRun:
    """The NUTS fit: times, convergence and each cell's summaries of cpm, ctr, cvr and ρ."""

    seconds: float
    sampling_seconds: float
    rhat_max: float
    ess_min: float
    divergences: int
    draws: int
    chains: int
    tune: int
    summaries: list[dict[str, Interval]]


def exponential_weekly_scale(inst: Instance) -> np.ndarray:
    """Each cell's weekly curve scale σ_w, after checking v(u) = (1 − e^(−u/σ_w)) / (u/σ_w) is `yield_per_click`."""
    scales = []
    for p in cell_priors(inst.scenario):
        if int(p.curve.kind[0]) != EXPONENTIAL:
            raise SystemExit(f"{p.cell}: the NUTS baseline handles exponential curves only")
        sigma = float(p.curve.scale[0]) / p.weeks
        u = np.geomspace(1e-3, 1e2, 50) * sigma
        mine = -np.expm1(-u / sigma) / (u / sigma)
        if not np.allclose(mine, p.yield_per_click(u), rtol=1e-9):
            raise SystemExit(f"{p.cell}: v(u) differs from CellPrior.yield_per_click")
        scales.append(sigma)
    return np.array(scales)


def run_nuts(inst: Instance, prior: Prior, draws: int, tune: int, chains: int, seed: int) -> NutsRun:
    """Fit the calibration model with PyMC's NUTS and summarise it as `posteriors` does."""
    import arviz as az
    import pymc as pm
    import pytensor.tensor as pt

    history = inst.history
    priors = {p.cell: p for p in cell_priors(inst.scenario)}
    cells = [priors[c] for c in history.cells]
    channels = sorted({p.channel for p in cells})
    channel_of = np.array([channels.index(p.channel) for p in cells])
    sigma_w = exponential_weekly_scale(inst)
    rate0 = {
        "impressions": np.array([1000.0 / p.cpm for p in cells]),
        "ctr": np.array([p.ctr for p in cells]),
        "cvr": np.array([p.cvr for p in cells]),
    }
    observed = history.observed
    used = {
        "impressions": observed & (history.spend > 0),
        "ctr": observed & (history.impressions > 0),
        "cvr": observed & (history.clicks > 0) & (history.spend > 0),
    }
    exposure = {"impressions": history.spend, "ctr": history.impressions}
    outcome = {"impressions": history.impressions, "ctr": history.clicks, "cvr": history.conversions}
    a = prior.shape
    started = time.perf_counter()
    with pm.Model():
        rates = {}
        for figure in ("impressions", "ctr", "cvr"):
            log_m = pm.Normal(f"log_m_{figure}", 0.0, prior.channel_spread, shape=len(channels))
            r = pm.Gamma(f"r_{figure}", alpha=a, beta=a / pt.exp(log_m)[channel_of], shape=len(cells))
            rates[figure] = rate0[figure] * r
        log_rho = pm.Normal("log_rho", 0.0, prior.saturation_spread, shape=len(cells))
        for figure in ("impressions", "ctr"):
            c, w = np.nonzero(used[figure])
            pm.Poisson(f"{figure}_seen", mu=rates[figure][c] * exposure[figure][c, w], observed=outcome[figure][c, w])
        c, w = np.nonzero(used["cvr"])
        u = history.spend[c, w] / (pt.exp(log_rho)[c] * sigma_w[c])
        v = -pt.expm1(-u) / u
        pm.Poisson("conversions_seen", mu=rates["cvr"][c] * history.clicks[c, w] * v, observed=outcome["cvr"][c, w])
        idata = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            cores=2,
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
        )
    seconds = time.perf_counter() - started
    post = idata.posterior
    rhat = az.rhat(idata)
    ess = az.ess(idata, method="bulk")
    summaries = []
    tail = (1.0 - LEVEL) / 2.0
    qs = [tail, 1.0 - tail]
    lam = np.asarray(post["r_impressions"]).reshape(-1, len(cells)) * rate0["impressions"]
    ctr = np.asarray(post["r_ctr"]).reshape(-1, len(cells)) * rate0["ctr"]
    cvr = np.asarray(post["r_cvr"]).reshape(-1, len(cells)) * rate0["cvr"]
    log_r = np.asarray(post["log_rho"]).reshape(-1, len(cells))
    for k in range(len(cells)):
        lo, hi = np.quantile(lam[:, k], qs)
        summaries.append(
            {
                "cpm": Interval(1000.0 / lam[:, k].mean(), 1000.0 / hi, 1000.0 / lo),
                "ctr": Interval(ctr[:, k].mean(), *np.quantile(ctr[:, k], qs)),
                "cvr": Interval(cvr[:, k].mean(), *np.quantile(cvr[:, k], qs)),
                "rho": Interval(float(np.exp(log_r[:, k].mean())), *np.exp(np.quantile(log_r[:, k], qs))),
            }
        )
    return NutsRun(
        seconds=seconds,
        sampling_seconds=float(post.attrs.get("sampling_time", float("nan"))),
        rhat_max=float(max(rhat[v].max() for v in rhat.data_vars)),
        ess_min=float(min(ess[v].min() for v in ess.data_vars)),
        divergences=int(idata.sample_stats["diverging"].sum()),
        draws=draws,
        chains=chains,
        tune=tune,
        summaries=summaries,
    )


@dataclass(frozen=True)
class Agreement:
    """One figure over the cells: |Δ mean| and |Δ end| in grid interval widths, and intervals overlapping."""

    figure: str
    mean_max: float
    mean_median: float
    end_max: float
    overlap: float
    worst: str


def agreement(fits: list[CellFit], nuts: NutsRun) -> list[Agreement]:
    out = []
    for figure in FIGURES:
        mean_diff, end_diff, overlap = [], [], []
        for fit, mine in zip(fits, nuts.summaries, strict=True):
            grid = getattr(fit, figure)
            other = mine[figure]
            width = grid.high - grid.low
            mean_diff.append(abs(other.mean - grid.mean) / width)
            end_diff.append(max(abs(other.low - grid.low), abs(other.high - grid.high)) / width)
            overlap.append(other.low <= grid.high and grid.low <= other.high)
        worst = int(np.argmax(mean_diff))
        out.append(
            Agreement(
                figure,
                float(np.max(mean_diff)),
                float(np.median(mean_diff)),
                float(np.max(end_diff)),
                float(np.mean(overlap)),
                fits[worst].cell,
            )
        )
    return out


# -------------------------------------------------------------------- report


def parse_sizes(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="cell counts: 13 or multiples of 5")
    parser.add_argument("--mcmc-sizes", default=",".join(map(str, MCMC_SIZES)), help="sizes fitted by NUTS too")
    parser.add_argument("--repeats", type=int, default=3, help="runs of posteriors; the best is kept")
    parser.add_argument("--draws", type=int, default=1000, help="NUTS draws per chain")
    parser.add_argument("--tune", type=int, default=1000, help="NUTS tuning steps per chain")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    args.sizes = parse_sizes(args.sizes)
    args.mcmc_sizes = parse_sizes(args.mcmc_sizes)
    if any(s != 13 and s % FORMATS_PER_CHANNEL for s in args.sizes):
        parser.error(f"sizes must be 13 or multiples of {FORMATS_PER_CHANNEL}")
    return args


def pymc_available() -> bool:
    try:
        import pymc  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    mcmc = [s for s in args.sizes if s in args.mcmc_sizes]
    skipped = ""
    if mcmc and not pymc_available():
        skipped = "NUTS baseline skipped: PyMC is not installed (.venv/bin/pip install pymc to run it)."
        mcmc = []
    grids: dict[int, tuple[Instance, GridRun]] = {}
    nuts: dict[int, NutsRun] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for cells in args.sizes:
            print(f"... {cells} cells", file=sys.stderr, flush=True)
            inst = build_instance(cells, args.seed, folder)
            grids[cells] = (inst, run_grid(inst, args.repeats, folder))
            if cells in mcmc:
                print(f"... {cells} cells: NUTS", file=sys.stderr, flush=True)
                nuts[cells] = run_nuts(inst, PRIOR, args.draws, args.tune, args.chains, args.seed)
    print(
        f"| cells | channels | weeks | posteriors, in-process (s, best of {args.repeats}) "
        "| calibrate --json, whole process (s) | peak RSS (MB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for cells, (inst, grid) in grids.items():
        print(
            f"| {cells} | {inst.channels} | {WEEKS} | {grid.seconds:.2f} | {grid.command_seconds:.1f} "
            f"| {grid.peak_mb:.0f} |"
        )
    print(
        "\nThe command fits twice (the held-out check on the first 24 weeks, then all 26) and includes "
        "Python's start and imports."
    )
    if skipped:
        print(f"\n{skipped}")
    if not nuts:
        return 0
    print(
        "\n| cells | NUTS chains × draws (tuning) | NUTS (s) | of which sampling (s) | posteriors (s) "
        "| ratio NUTS/posteriors | R-hat max | bulk ESS min | divergences |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for cells, run in nuts.items():
        grid = grids[cells][1]
        print(
            f"| {cells} | {run.chains} × {run.draws:,} ({run.tune:,}) | {run.seconds:.1f} "
            f"| {run.sampling_seconds:.1f} | {grid.seconds:.2f} | {run.seconds / grid.seconds:,.0f}× "
            f"| {run.rhat_max:.3f} | {run.ess_min:,.0f} | {run.divergences} |"
        )
    print(
        "\n| cells | figure | mean apart, max (interval widths) | median | interval end apart, max "
        "| 90 % intervals overlapping | worst cell |"
    )
    print("|---:|---|---:|---:|---:|---:|---|")
    for cells, run in nuts.items():
        for agree in agreement(grids[cells][1].fits, run):
            print(
                f"| {cells} | {agree.figure} | {agree.mean_max:.3f} | {agree.mean_median:.3f} | {agree.end_max:.3f} "
                f"| {100 * agree.overlap:.0f} % | {agree.worst} |"
            )
    ess = min(run.ess_min for run in nuts.values())
    print(
        f"\nNUTS time includes building and compiling the model. With a bulk ESS of {ess:,.0f} or more, "
        f"a NUTS posterior mean is within about {1.0 / (3.29 * np.sqrt(ess)):.3f} interval widths of the exact one "
        "(one Monte Carlo standard error)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
