"""Exact grid posteriors of a rate shared by the cells of a channel (partial pooling), for `campaign calibrate`.

The model of one figure (impressions per currency unit, CTR or CVR) of the
cells of one channel:

    rate_c = rate0_c · m · e_c,   y_cw ~ Poisson(rate_c · x_cw(ρ_c))

with `m` the channel's multiplier on the scenario's figures (log-normal prior,
spread `channel_spread`), `e_c` the cell's own deviation (Gamma(a, a) prior,
coefficient of variation `cell_spread`, so a = 1 / cell_spread²) and, for
conversions, ρ_c a spend-axis multiplier of the cell's curve (log-normal
prior) on which the exposure x depends. Given m and ρ the Gamma prior is
conjugate: e_c integrates out in closed form (a negative binomial), and its
posterior is Gamma(a + Y, a + rate0 · m · X). m and ρ live on grids, so the
posterior of every rate is an exact mixture of Gamma distributions; nothing
is sampled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: Grid half-width in prior standard deviations, and grid sizes.
WIDTH = 4.0
M_POINTS = 81
RHO_POINTS = 121
#: The lightest mixture components, together this much probability, are dropped.
NEGLIGIBLE = 1e-7


@dataclass(frozen=True)
class Summary:
    """A posterior's mean and central interval (`low`, `high`)."""

    mean: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float]:
        return {"mean": float(self.mean), "low": float(self.low), "high": float(self.high)}


@dataclass(frozen=True)
class Mixture:
    """One cell's posterior of a rate: Gamma(shape, rate[k]) with probability weight[k].

    `label[k]` is the value of ρ of component k (1 where the figure has no ρ).
    """

    shape: float
    rate: np.ndarray
    weight: np.ndarray
    label: np.ndarray

    def summary(self, level: float) -> Summary:
        """Mean and the central `level` interval of the rate."""
        mean = float(np.sum(self.weight * self.shape / self.rate))
        tail = (1.0 - level) / 2.0
        low, high = self.quantiles(np.array([tail, 1.0 - tail]))
        return Summary(mean, float(low), float(high))

    def inverse_summary(self, level: float, factor: float) -> Summary:
        """`factor / rate`: its value at the mean rate, and its central interval (the rate's, inverted)."""
        rate = self.summary(level)
        return Summary(factor / rate.mean, factor / rate.high, factor / rate.low)

    def quantiles(self, q: np.ndarray) -> np.ndarray:
        """Quantiles of the mixture: roots of its distribution function (relative accuracy 1e-10)."""
        from scipy import special  # here, not at import: SciPy takes a fifth of a second to load

        ends = special.gammaincinv(self.shape, np.array([1e-12, 1.0 - 1e-12]))
        lo, hi = np.log(ends[0] / self.rate.max()), np.log(ends[1] / self.rate.min())
        return np.array([np.exp(_brentq(self._below, lo, hi, args=(p,), xtol=1e-10)) for p in q])

    def _below(self, log_x: float, p: float) -> float:
        return self.cdf(float(np.exp(log_x))) - p

    def cdf(self, x: float) -> float:
        """P(rate ≤ x)."""
        from scipy import special  # here, not at import: SciPy takes a fifth of a second to load

        return float(special.gammainc(self.shape, x * self.rate) @ self.weight)

    def draw(self, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
        """`count` joint draws of the rate and of ρ."""
        k = rng.choice(len(self.weight), size=count, p=self.weight)
        return rng.gamma(self.shape, 1.0 / self.rate[k]), self.label[k]


def log_grid(spread: float, points: int, centre: float = 0.0, half_width: float | None = None) -> np.ndarray:
    """Points evenly spaced in log around `centre` (a log), `WIDTH` prior spreads either side unless given."""
    half = WIDTH * spread if half_width is None else half_width
    return np.linspace(centre - half, centre + half, points)


def log_prior(log_points: np.ndarray, spread: float) -> np.ndarray:
    """Log weights of a log-normal(0, spread) prior on an even log grid (density times spacing, normalised)."""
    from scipy import special  # here, not at import: SciPy takes a fifth of a second to load

    logs = -0.5 * (log_points / spread) ** 2
    return logs - special.logsumexp(logs, axis=-1, keepdims=True)


def log_likelihood(
    a: float, rate0: np.ndarray, y: np.ndarray, exposure: np.ndarray, m: np.ndarray, extra: np.ndarray
) -> np.ndarray:
    """log p(y_c | m, ρ) with e_c integrated out, up to terms free of m and ρ: (cells, m points, ρ points).

    `exposure` is X_c(ρ) (cells, ρ points); `extra` the log-likelihood terms that depend on ρ only
    through the shape of the exposure (Σ_w y_w log x_w(ρ) − Y log X(ρ)) (cells, ρ points).
    """
    from scipy import special  # here, not at import: SciPy takes a fifth of a second to load

    mean = rate0[:, None, None] * m[None, :, None] * exposure[:, None, :]
    y3 = y[:, None, None]
    return special.xlogy(y3, mean) - (a + y3) * np.log(a + mean) + extra[:, None, :]


def pooled(
    a: float,
    rate0: np.ndarray,
    y: np.ndarray,
    exposure: np.ndarray,
    extra: np.ndarray,
    rho: np.ndarray,
    rho_log_prior: np.ndarray,
    channel_spread: float,
) -> tuple[list[Mixture], np.ndarray]:
    """Posteriors of the rates of a channel's cells, and of each cell's ρ (weights over its ρ grid).

    `rho` holds each cell's ρ grid and `rho_log_prior` its prior masses (cells, ρ points); all cells
    share the channel multiplier m, so each cell's posterior conditions on every cell's data.
    """
    from scipy import special  # here, not at import: SciPy takes a fifth of a second to load

    log_m = log_grid(channel_spread, M_POINTS)
    m = np.exp(log_m)
    ll = log_likelihood(a, rate0, y, exposure, m, extra) + rho_log_prior[:, None, :]
    per_cell = special.logsumexp(ll, axis=2)  # (cells, m): ρ integrated out
    total = log_prior(log_m, channel_spread) + per_cell.sum(axis=0)
    mixtures, rho_weights = [], []
    for c in range(len(y)):
        joint = (total - per_cell[c])[:, None] + ll[c]
        weight = np.exp(joint - joint.max())
        weight /= weight.sum()
        rho_weights.append(weight.sum(axis=0))
        keep = _heavy(weight)
        scale = rate0[c] * m[:, None] * np.ones_like(exposure[c])[None, :]
        rate = (a + scale * exposure[c][None, :]) / scale
        w = weight[keep]
        label = np.broadcast_to(rho[c][None, :], weight.shape)[keep]
        mixtures.append(Mixture(a + float(y[c]), rate[keep], w / w.sum(), label))
    return mixtures, np.array(rho_weights)


def _heavy(weight: np.ndarray) -> np.ndarray:
    """Where the weights are, but for the lightest components that together hold `NEGLIGIBLE` of the mass."""
    order = np.argsort(weight, axis=None)
    light = np.cumsum(weight.ravel()[order]) < NEGLIGIBLE
    keep = np.ones(weight.size, dtype=bool)
    keep[order[light]] = False
    return keep.reshape(weight.shape)


def grid_quantiles(log_points: np.ndarray, weight: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Quantiles of a distribution given as masses on an even log grid, each spread over its cell."""
    step = log_points[1] - log_points[0] if len(log_points) > 1 else 1.0
    edges = np.concatenate([[log_points[0] - step / 2], log_points + step / 2])
    cdf = np.concatenate([[0.0], np.cumsum(weight)])
    cdf /= cdf[-1]
    return np.exp(np.interp(q, cdf, edges))


def _brentq(*args: Any, **kwargs: Any) -> float:
    """`scipy.optimize.brentq`, imported when first needed: the module takes longer to import than a plan to solve."""
    from scipy.optimize import brentq

    return float(brentq(*args, **kwargs))
