"""Calibration from history: each cell's CPM, CTR, CVR and saturation as posteriors, the scenario's figures the prior.

Per week w of cell c, with spend s, impressions I, clicks C and conversions V:

    I ~ Poisson(λ_c · s),   C ~ Poisson(CTR_c · I),   V ~ Poisson(CVR_c · C · v_c(s / ρ_c))

λ = 1000 / CPM is impressions per currency unit; v_c(s) = f_c(s) / (s · f_c'(0)) is
the conversions per click the cell's weekly curve f_c keeps at weekly spend s
(1 at low spend, falling as the curve saturates; for a curve without a finite
initial slope the linear rate 1000 · CTR · CVR / CPM stands in for f_c'(0)), and
ρ_c stretches its spend axis: ρ = 2 saturates at twice the spend. The weekly
curve is the horizon's curve split evenly over the horizon's weeks, with
neutral seasonality and no carry-over (history weeks are not the quarter's).
Clicks and conversions are binomial in truth; at rates well below 1 the
Poisson is the same distribution to within the rate. Real weeks vary more than
counting noise (auctions, creatives, news): each cell's dispersion φ of each
count (Pearson χ² over the weeks' degrees of freedom, at least 1) tempers its
likelihood by 1/φ, the quasi-Poisson fit, so intervals widen by about √φ.

Priors (`Prior`): each figure is the scenario's times a channel multiplier
(log-normal, `channel_spread`) shared by the channel's cells (partial pooling)
times the cell's own Gamma deviation (`cell_spread`); ρ is log-normal around 1
(`saturation_spread`). `scenarios.posterior` computes the exact grid posterior.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scenarios.curves import EXPONENTIAL, HILL, Curves
from scenarios.history import WeeklyHistory
from scenarios.market_build import cell_curves
from scenarios.posterior import RHO_POINTS, WIDTH, Mixture, Summary, grid_quantiles, pooled
from scenarios.schema import Scenario

#: The credible level of every interval: 90 %.
LEVEL = 0.90
#: Fewest weeks with figures for a cell to be calibrated; others keep the scenario's figures.
MIN_WEEKS = 2
#: The weekly counts whose dispersion φ is estimated.
DISPERSED = ("impressions", "clicks", "conversions")
#: Joint posterior draws kept per cell (written into the calibrated scenario).
DRAWS = 200
#: A ρ grid is widened (by `WIDTH` prior spreads, at most this many times) while more than `EDGE` of its
#: heaviest point's weight lies on an end point.
WIDENINGS = 4
EDGE = 1e-6


@dataclass(frozen=True)
class Prior:
    """How far the scenario's figures may be off, as prior spreads (assumptions, stated in the README).

    `channel_spread`: log-normal σ of a channel's multiplier on its benchmark figures (0.5: the
    business is within ×0.44 to ×2.3 of the benchmark with 90 % probability); `cell_spread`:
    coefficient of variation of a cell's figure around its channel's (0.3); `saturation_spread`:
    log-normal σ of the spend at which a cell saturates around the scenario's curve (0.7: ×0.32 to ×3.2).
    """

    channel_spread: float = 0.5
    cell_spread: float = 0.3
    saturation_spread: float = 0.7

    @property
    def shape(self) -> float:
        """The Gamma shape a = 1 / cell_spread² of a cell's deviation."""
        return 1.0 / self.cell_spread**2

    def to_dict(self) -> dict[str, float]:
        return {
            "channel_spread": self.channel_spread,
            "cell_spread": self.cell_spread,
            "saturation_spread": self.saturation_spread,
        }


#: The stated prior.
PRIOR = Prior()


@dataclass(frozen=True)
class CellPrior:
    """A cell's figures as the scenario sets them (neutral season) and its weekly curve."""

    cell: str
    channel: str
    cpm: float
    ctr: float
    cvr: float
    curve: Curves
    weeks: float

    @property
    def linear(self) -> float:
        """Conversions per currency unit at low spend by the figures: 1000 · CTR · CVR / CPM."""
        return 1000.0 * self.ctr * self.cvr / self.cpm

    def weekly(self, spend: np.ndarray) -> np.ndarray:
        """Conversions in a week at weekly `spend` (any shape): the horizon curve F(W·s) / W."""
        s = np.asarray(spend, dtype=float)
        return curve_at(self.curve, s * self.weeks) / self.weeks

    def yield_per_click(self, spend: np.ndarray) -> np.ndarray:
        """v(s): the share of the low-spend conversions per click the curve keeps at weekly spend s (> 0)."""
        s = np.maximum(np.asarray(spend, dtype=float), 1e-12)
        return np.maximum(self.weekly(s) / (s * self.linear), 1e-300)

    @property
    def half_spend(self) -> float:
        """Weekly spend at which the curve gives half its maximum conversions (currency)."""
        kind, scale = int(self.curve.kind[0]), float(self.curve.scale[0])
        if kind == EXPONENTIAL:
            return float(scale * np.log(2.0) / self.weeks)
        if kind == HILL:
            return float(scale / self.weeks)
        xs, ys = self.curve.points[0]
        return float(np.interp(ys[-1] / 2.0, ys, xs)) / self.weeks


@dataclass(frozen=True)
class CellFit:
    """What the history says about one calibrated cell.

    `saturation` is the weekly spend at which the cell reaches half its maximum (currency);
    `rho` the stretch of the scenario's curve; `pooled_with` the cells of the channel whose
    data informed this one's; `draws` joint posterior draws of cpm, ctr, cvr and rho.
    """

    cell: str
    weeks: int
    spend: float
    cpm: Summary
    ctr: Summary
    cvr: Summary
    saturation: Summary
    rho: Summary
    pooled_with: tuple[str, ...]
    prior: CellPrior
    draws: dict[str, np.ndarray] = field(repr=False)
    dispersion: dict[str, float] = field(default_factory=lambda: dict.fromkeys(DISPERSED, 1.0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "cell": self.cell,
            "weeks": self.weeks,
            "spend": self.spend,
            "cpm": self.cpm.to_dict(),
            "ctr": self.ctr.to_dict(),
            "cvr": self.cvr.to_dict(),
            "curve": {"half_saturation_per_week": self.saturation.to_dict(), "stretch": self.rho.to_dict()},
            "pooled": bool(self.pooled_with),
            "pooled_with": list(self.pooled_with),
            "prior": {"cpm": self.prior.cpm, "ctr": self.prior.ctr, "cvr": self.prior.cvr},
            "dispersion": self.dispersion,
        }


def informs_saturation(fit: CellFit, prior: Prior = PRIOR) -> bool:
    """Whether the history narrowed the stretch ρ: its 90 % interval is under 0.8 of the prior's (in log)."""
    width = np.log(fit.rho.high / fit.rho.low)
    return bool(width < 0.8 * 2 * 1.6448536269514722 * prior.saturation_spread)


def stretch_in_spreads(fit: CellFit, prior: Prior = PRIOR) -> float:
    """How many prior spreads the stretch ρ lies from the scenario's curve (ρ = 1), in log."""
    return float(np.log(fit.rho.mean) / prior.saturation_spread)


def curve_at(curve: Curves, x: np.ndarray) -> np.ndarray:
    """The first curve of `curve` at every spend of `x` (any shape)."""
    x = np.maximum(np.asarray(x, dtype=float), 0.0)
    kind, top, scale = int(curve.kind[0]), float(curve.maximum[0]), float(curve.scale[0])
    if kind == EXPONENTIAL:
        return top * -np.expm1(-x / scale)
    if kind == HILL:
        ratio = (x / scale) ** float(curve.alpha[0])
        return top * ratio / (1.0 + ratio)
    xs, ys = curve.points[0]
    return np.interp(x, xs, ys)


def cell_priors(scenario: Scenario) -> list[CellPrior]:
    """Every cell's prior, in the market's cell order."""
    curves = cell_curves(scenario)
    out: list[CellPrior] = []
    for name, ch in scenario.channels.items():
        for fmt_name, fmt in ch.formats.items():
            i = len(out)
            out.append(
                CellPrior(
                    f"{name}.{fmt_name}",
                    name,
                    ch.cpm * fmt.cpm_factor,
                    min(1.0, ch.ctr * fmt.ctr_factor),
                    min(1.0, ch.cvr * fmt.cvr_factor),
                    curves.take(np.array([i])),
                    float(scenario.periods.weeks),
                )
            )
    return out


def posteriors(
    scenario: Scenario, history: WeeklyHistory, prior: Prior = PRIOR, seed: int = 0, draws: int = DRAWS
) -> list[CellFit]:
    """Posteriors of every cell with at least `MIN_WEEKS` weeks of figures, in the history's cell order.

    A cell whose scenario CTR or CVR is 0 is left out: the model scales the scenario's figures, and 0 stays 0.
    """
    priors = {p.cell: p for p in cell_priors(scenario)}
    fitted = [
        c
        for c, cell in enumerate(history.cells)
        if history.weeks_per_cell[c] >= MIN_WEEKS and priors[cell].ctr > 0 and priors[cell].cvr > 0
    ]
    by_channel: dict[str, list[int]] = {}
    for c in fitted:
        by_channel.setdefault(priors[history.cells[c]].channel, []).append(c)
    rng = np.random.default_rng(seed)
    fits: dict[int, CellFit] = {}
    for rows in by_channel.values():
        cells = [priors[history.cells[c]] for c in rows]
        impressions, phi_i = _linear(prior, history, rows, np.array([1000.0 / p.cpm for p in cells]), "impressions")
        ctr, phi_c = _linear(prior, history, rows, np.array([p.ctr for p in cells]), "clicks")
        cvr, rho_points, rho_weights, phi_v = _conversions(prior, history, rows, cells)
        for k, c in enumerate(rows):
            lam, _ = impressions[k].draw(rng, draws)
            ctr_draws, _ = ctr[k].draw(rng, draws)
            cvr_draws, rho_draws = cvr[k].draw(rng, draws)
            rho = _rho_summary(rho_points[k], rho_weights[k])
            half = cells[k].half_spend
            fits[c] = CellFit(
                cell=history.cells[c],
                weeks=int(history.weeks_per_cell[c]),
                spend=float(history.spend[c][history.observed[c]].sum()),
                cpm=impressions[k].inverse_summary(LEVEL, 1000.0),
                ctr=ctr[k].summary(LEVEL),
                cvr=cvr[k].summary(LEVEL),
                saturation=Summary(half * rho.mean, half * rho.low, half * rho.high),
                rho=rho,
                pooled_with=tuple(history.cells[o] for o in rows if o != c),
                prior=cells[k],
                draws={"cpm": 1000.0 / lam, "ctr": ctr_draws, "cvr": cvr_draws, "rho": rho_draws},
                dispersion={
                    "impressions": float(phi_i[k]),
                    "clicks": float(phi_c[k]),
                    "conversions": float(phi_v[k]),
                },
            )
    return [fits[c] for c in sorted(fits)]


def _linear(
    prior: Prior, history: WeeklyHistory, rows: list[int], rate0: np.ndarray, what: str
) -> tuple[list[Mixture], np.ndarray]:
    """Impressions per currency unit (exposure: spend) or CTR (exposure: impressions), pooled over `rows`,
    and each cell's dispersion φ (the likelihood is tempered by 1/φ: quasi-Poisson)."""
    exposure_of = history.spend if what == "impressions" else history.impressions
    y, x, phi = [], [], []
    for c in rows:
        used = history.observed[c] & (exposure_of[c] > 0)
        counts, exposure = getattr(history, what)[c][used], exposure_of[c][used]
        phi.append(dispersion(counts, exposure * counts.sum() / max(exposure.sum(), 1e-300)))
        y.append(counts.sum() / phi[-1])
        x.append(exposure.sum() / phi[-1])
    n = len(rows)
    mixtures, _ = pooled(
        prior.shape,
        rate0,
        np.array(y),
        np.array(x)[:, None],
        np.zeros((n, 1)),
        np.ones((n, 1)),
        np.zeros((n, 1)),
        prior.channel_spread,
    )
    return mixtures, np.array(phi)


def dispersion(counts: np.ndarray, mean: np.ndarray) -> float:
    """φ = Pearson χ² / (weeks − 1), at least 1: how much more the weekly counts vary than Poisson noise.

    A quasi-Poisson fit divides counts and exposures by φ (McCullagh and Nelder, Generalized Linear Models,
    ch. 9): the posterior widens by √φ and its mean stays.
    """
    inside = mean > 0
    if inside.sum() < 2:
        return 1.0
    pearson = float(np.sum((counts[inside] - mean[inside]) ** 2 / mean[inside]))
    return max(1.0, pearson / (inside.sum() - 1))


def _conversions(
    prior: Prior, history: WeeklyHistory, rows: list[int], cells: list[CellPrior]
) -> tuple[list[Mixture], np.ndarray, np.ndarray, np.ndarray]:
    """CVR and ρ, pooled over `rows`: a coarse ρ grid, widened while the posterior presses against an end
    (history that saturates far later or sooner than the scenario's curve), then a fine one over where it lies."""
    sigma = prior.saturation_spread
    phi = np.array([_conversion_dispersion(history, c, cell) for c, cell in zip(rows, cells, strict=True)])
    ends = np.tile([-WIDTH * sigma, WIDTH * sigma], (len(rows), 1))
    for _ in range(WIDENINGS + 1):
        coarse = np.array([np.linspace(lo, hi, RHO_POINTS) for lo, hi in ends])
        _, weights = _conversions_on(prior, history, rows, cells, coarse, phi)
        low_edge = weights[:, 0] > EDGE * weights.max(axis=1)
        high_edge = weights[:, -1] > EDGE * weights.max(axis=1)
        if not (low_edge | high_edge).any():
            break
        ends[low_edge, 0] -= WIDTH * sigma
        ends[high_edge, 1] += WIDTH * sigma
    fine = np.empty_like(coarse)
    for k in range(len(rows)):
        step = coarse[k, 1] - coarse[k, 0]
        heavy = coarse[k][weights[k] > 1e-9 * weights[k].max()]
        fine[k] = np.linspace(heavy.min() - step, heavy.max() + step, RHO_POINTS)
    mixtures, weights = _conversions_on(prior, history, rows, cells, fine, phi)
    return mixtures, np.exp(fine), weights, phi


def _used(history: WeeklyHistory, c: int) -> np.ndarray:
    """The weeks that inform a cell's CVR: with spend and clicks."""
    return history.observed[c] & (history.clicks[c] > 0) & (history.spend[c] > 0)


def _conversion_dispersion(history: WeeklyHistory, c: int, cell: CellPrior) -> float:
    """φ of the weekly conversions around the best-fitting stretch of the scenario curve's shape, each stretch at
    its best-fitting height (so a shape the history does not follow is not taken for dispersion)."""
    used = _used(history, c)
    spend, clicks, conversions = history.spend[c][used], history.clicks[c][used], history.conversions[c][used]
    best = np.inf
    for log_rho in np.linspace(-WIDTH * (WIDENINGS + 1), WIDTH * (WIDENINGS + 1), 161):
        exposure = clicks * cell.yield_per_click(spend / np.exp(log_rho))
        best = min(best, dispersion(conversions, exposure * conversions.sum() / max(exposure.sum(), 1e-300)))
    return best


def _conversions_on(
    prior: Prior,
    history: WeeklyHistory,
    rows: list[int],
    cells: list[CellPrior],
    log_rho: np.ndarray,
    phi: np.ndarray,
) -> tuple[list[Mixture], np.ndarray]:
    from scipy import special  # here, not at import: SciPy takes a fifth of a second to load

    rho = np.exp(log_rho)
    sigma = prior.saturation_spread
    step = log_rho[:, 1:2] - log_rho[:, 0:1]
    rho_prior = -0.5 * (log_rho / sigma) ** 2 - np.log(sigma * np.sqrt(2.0 * np.pi)) + np.log(step)
    y, exposure, extra = [], [], []
    for k, c in enumerate(rows):
        used = _used(history, c)
        spend, clicks = history.spend[c][used], history.clicks[c][used] / phi[k]
        conversions = history.conversions[c][used] / phi[k]
        v = cells[k].yield_per_click(spend[None, :] / rho[k][:, None])  # (ρ points, weeks)
        x = (clicks[None, :] * v).sum(axis=1)
        total = conversions.sum()
        y.append(total)
        exposure.append(x)
        extra.append((conversions[None, :] * np.log(v)).sum(axis=1) - special.xlogy(total, x))
    rate0 = np.array([p.cvr for p in cells])
    return pooled(
        prior.shape, rate0, np.array(y), np.array(exposure), np.array(extra), rho, rho_prior, prior.channel_spread
    )


def _rho_summary(points: np.ndarray, weight: np.ndarray) -> Summary:
    tail = (1.0 - LEVEL) / 2.0
    low, high = grid_quantiles(np.log(points), weight, np.array([tail, 1.0 - tail]))
    return Summary(float(np.exp(np.sum(weight * np.log(points)))), float(low), float(high))
