"""Parameter draws: the scenario's uncertain figures drawn as multipliers, and the market one draw gives.

A 90 % interval on a rate is read as a Beta distribution, on a CPM, a format
factor or a curve stretch as a log-normal one, each with the interval's
`mean` as its mean exactly and its shape chosen so its 5 % and 95 % quantiles
come as close to `low` and `high` as the family allows (least squares in
logit or log terms; exact when the interval is one of the family's own). A
figure without an interval gets the same family with its value as the mean
and a standard deviation of `uncertainty.relative` times it (for a rate at
most what a Beta allows, concentration 1). A calibrated cell draws its CPM,
CTR, CVR and stretch together from the `calibration` section's joint
posterior draws (one index per parameter draw, the same for every cell).

Parameter draw k comes from the random stream `SeedSequence([seed,
PARAMETER_STREAM, k])`, so it is the same however many draws are made or
where; the simulator's own streams (children of `SeedSequence(seed)`) are
others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from scenarios.market import Market
from scenarios.schema import Scenario
from scenarios.uncertainty_schema import CHANNEL_FIGURES, FORMAT_FIGURES, ORGANIC_FIGURES, Interval

__all__ = ["Fitted", "ParameterDraw", "draw_parameters", "drawn_market", "fit_interval", "fit_relative", "source"]

#: Mixed into the seed of parameter draws, so they never share a stream with a simulated quarter.
PARAMETER_STREAM = 0x50415241
#: The standard normal's 95 % quantile: a 90 % interval's ends lie this many standard deviations from the middle.
Z95 = 1.6448536269514722  # scipy.special.ndtri(0.95), written out so that SciPy loads only when used


@dataclass(frozen=True)
class Fitted:
    """One figure's distribution: `beta` (a, b), `lognormal` (mu, sigma of the log) or `fixed` (at `mean`)."""

    kind: str
    mean: float
    first: float = 0.0
    second: float = 0.0

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The quantiles at probabilities `u`."""
        from scipy import special  # here, not at import: SciPy takes a fifth of a second to load

        u = np.asarray(u, dtype=float)
        if self.kind == "beta":
            return np.asarray(special.betaincinv(self.first, self.second, u), dtype=float)
        if self.kind == "lognormal":
            return np.exp(self.first + self.second * special.ndtri(u))
        return np.full(u.shape, self.mean)

    def quantiles(self) -> tuple[float, float]:
        """The 5 % and 95 % quantiles."""
        low, high = self.ppf(np.array([0.05, 0.95]))
        return float(low), float(high)


def fit_interval(interval: Interval, kind: str) -> Fitted:
    """The distribution of a figure with this 90 % interval: Beta for a `rate`, log-normal for a `positive`."""
    from scipy import special  # here, not at import: SciPy takes a fifth of a second to load

    mean, low, high = interval.mean, interval.low, interval.high
    if low >= high or mean <= 0.0:
        return Fitted("fixed", mean)
    if kind == "rate":
        target = special.logit([low, high])

        def rate_miss(log_k: float) -> float:
            k = math.exp(log_k)
            q = special.logit(special.betaincinv(mean * k, (1 - mean) * k, [0.05, 0.95]))
            return float(np.sum((q - target) ** 2))

        best = _optimize().minimize_scalar(rate_miss, bounds=(-5.0, 25.0), method="bounded", options={"xatol": 1e-10})
        k = math.exp(float(best.x))
        return Fitted("beta", mean, mean * k, (1 - mean) * k)
    target = np.log([low, high])

    def log_miss(sigma: float) -> float:
        mu = math.log(mean) - sigma**2 / 2
        return float((mu - Z95 * sigma - target[0]) ** 2 + (mu + Z95 * sigma - target[1]) ** 2)

    best = _optimize().minimize_scalar(log_miss, bounds=(1e-9, 5.0), method="bounded", options={"xatol": 1e-12})
    sigma = float(best.x)
    return Fitted("lognormal", mean, math.log(mean) - sigma**2 / 2, sigma)


def fit_relative(mean: float, relative: float, kind: str) -> Fitted:
    """The distribution of a figure with mean `mean` and coefficient of variation `relative`."""
    if relative <= 0.0 or mean <= 0.0 or (kind == "rate" and mean >= 1.0):
        return Fitted("fixed", mean)
    if kind == "rate":
        k = max(1.0, (1.0 - mean) / (mean * relative**2) - 1.0)  # mean (1 - mean) / (k + 1) = (relative · mean)²
        return Fitted("beta", mean, mean * k, (1 - mean) * k)
    sigma = math.sqrt(math.log1p(relative**2))
    return Fitted("lognormal", mean, math.log(mean) - sigma**2 / 2, sigma)


@dataclass(frozen=True)
class ParameterDraw:
    """One draw of the uncertain figures as multipliers on the scenario's: per cell (market order) on CPM, CTR,
    CVR and the curve stretch ρ; per channel on the follow rate and the negative-feedback rate."""

    cpm: np.ndarray
    ctr: np.ndarray
    cvr: np.ndarray
    stretch: np.ndarray
    follow_rate: np.ndarray
    negative_rate: np.ndarray


def source(scenario: Scenario) -> str | None:
    """Where the parameter draws come from: `intervals` (the `uncertainty` section), `calibration` (its joint
    draws), `calibration+intervals`, or None when every figure is certain. A figure counts as uncertain when its
    fitted distribution is not `fixed` (what `draw_parameters` draws), so an interval with low = high, whose every
    draw is its mean, does not."""
    calibrated = _calibrated(scenario)
    drawn = bool(_figures(scenario))
    if calibrated and drawn:
        return "calibration+intervals"
    if calibrated:
        return "calibration"
    return "intervals" if drawn else None


def draw_parameters(scenario: Scenario, seed: int, count: int) -> list[ParameterDraw]:
    """Parameter draws 0 to `count` − 1 of `scenario` from `seed`.

    Draw k comes from `SeedSequence([seed, PARAMETER_STREAM, k])` alone, whatever `count`.
    """
    figures = _figures(scenario)
    calibrated = _calibrated(scenario)
    cells = [(c, f) for c, ch in scenario.channels.items() for f in ch.formats]
    channels = list(scenario.channels)
    # One row of uniforms per draw, from the draw's own stream: column 0 picks the calibration draw.
    uniforms = np.array(
        [
            np.random.default_rng(np.random.SeedSequence([seed, PARAMETER_STREAM, k])).random(1 + len(figures))
            for k in range(count)
        ]
    ).reshape(count, 1 + len(figures))
    uniforms[:, 1:] = np.clip(uniforms[:, 1:], 1e-15, 1.0 - 1e-15)  # a quantile at 0 would be a CPM of 0
    values = {
        "cpm": np.ones((count, len(cells))),
        "ctr": np.ones((count, len(cells))),
        "cvr": np.ones((count, len(cells))),
        "stretch": np.ones((count, len(cells))),
        "follow_rate": np.ones((count, len(channels))),
        "negative_rate": np.ones((count, len(channels))),
    }
    for column, (target, index, fitted) in enumerate(figures, start=1):
        values[target][:, index] *= (fitted.ppf(uniforms[:, column]) / fitted.mean)[:, None]
    for c, (channel, fmt) in enumerate(cells):
        cell = calibrated.get(f"{channel}.{fmt}")
        if cell is None:
            continue
        ch, spec = scenario.channels[channel], scenario.channels[channel].formats[fmt]
        pick = np.minimum((uniforms[:, 0] * len(cell.draws.cpm)).astype(int), len(cell.draws.cpm) - 1)
        values["cpm"][:, c] = np.asarray(cell.draws.cpm)[pick] / (ch.cpm * spec.cpm_factor)
        values["ctr"][:, c] = np.asarray(cell.draws.ctr)[pick] / min(1.0, ch.ctr * spec.ctr_factor)
        values["cvr"][:, c] = np.asarray(cell.draws.cvr)[pick] / min(1.0, ch.cvr * spec.cvr_factor)
        values["stretch"][:, c] = np.asarray(cell.draws.stretch)[pick] / cell.stretch.mean
    return [ParameterDraw(**{key: array[k].copy() for key, array in values.items()}) for k in range(count)]


def drawn_market(market: Market, draw: ParameterDraw) -> Market:
    """The market with one draw's figures: each slot's CPM, CTR, CVR and negative-feedback rate and each channel's
    follow rate times the draw's multipliers (rates at most 1), and each cell's curve F stretched as `campaign
    calibrate` does, ρ · r · F(x / ρ) with r = (CTR · CVR / CPM multipliers), so conversions follow the figures at
    every spend. The organic outlook and the conversions carried in from before the horizon keep their figures."""
    cell = market.cell_of
    rho = draw.stretch[cell]
    r = draw.ctr[cell] * draw.cvr[cell] / draw.cpm[cell]
    return replace(
        market,
        cpm=market.cpm * draw.cpm[cell],
        ctr=np.minimum(1.0, market.ctr * draw.ctr[cell]),
        cvr=np.minimum(1.0, market.cvr * draw.cvr[cell]),
        negative_rate=np.minimum(1.0, market.negative_rate * draw.negative_rate[market.channel_of]),
        follow_rate=np.minimum(1.0, market.follow_rate * draw.follow_rate),
        curves=market.curves.scaled(rho * r, 1.0 / rho),
    )


def _calibrated(scenario: Scenario) -> dict:
    """The calibrated cells with joint draws, by cell key."""
    return dict(scenario.calibration.cells) if scenario.calibration is not None else {}


def _figures(scenario: Scenario) -> list[tuple[str, list[int], Fitted]]:
    """Each uncertain figure outside the calibrated cells: (multiplier array, the cells or channels it scales, its
    distribution), in file order."""
    u = scenario.uncertainty
    calibrated = _calibrated(scenario)
    cells = [f"{c}.{f}" for c, ch in scenario.channels.items() for f in ch.formats]
    out: list[tuple[str, list[int], Fitted]] = []
    targets = {"cpm": "cpm", "ctr": "ctr", "cvr": "cvr", "negative_feedback_rate": "negative_rate"}
    for j, (name, ch) in enumerate(scenario.channels.items()):
        free = [cells.index(f"{name}.{f}") for f in ch.formats if f"{name}.{f}" not in calibrated]
        for key, kind in CHANNEL_FIGURES.items():
            target = targets[key]
            index = [j] if target == "negative_rate" else free
            if not index:
                continue
            fitted = _fitted(u.intervals.get(f"channels.{name}.{key}"), getattr(ch, key), u.relative, kind)
            if fitted.kind != "fixed":
                out.append((target, index, fitted))
        for key, kind in ORGANIC_FIGURES.items():
            interval = u.intervals.get(f"channels.{name}.organic.{key}")
            fitted = _fitted(interval, ch.organic.follow_rate, u.relative, kind)
            if fitted.kind != "fixed":
                out.append(("follow_rate", [j], fitted))
        for fmt in ch.formats:
            c = cells.index(f"{name}.{fmt}")
            if f"{name}.{fmt}" in calibrated:
                continue
            for key, kind in FORMAT_FIGURES.items():
                interval = u.intervals.get(f"channels.{name}.formats.{fmt}.{key}")
                if interval is not None:
                    fitted = fit_interval(interval, kind)
                    if fitted.kind != "fixed":
                        out.append((key.removesuffix("_factor"), [c], fitted))
            fitted = _fitted(u.stretch.get(f"{name}.{fmt}"), 1.0, u.relative, "positive")
            if fitted.kind != "fixed":
                out.append(("stretch", [c], fitted))
    return out


def _fitted(interval: Interval | None, value: float, relative: float, kind: str) -> Fitted:
    return fit_interval(interval, kind) if interval is not None else fit_relative(value, relative, kind)


def _optimize() -> Any:
    """`scipy.optimize`, imported when first needed: it takes longer to import than a plan takes to solve."""
    from scipy import optimize

    return optimize
