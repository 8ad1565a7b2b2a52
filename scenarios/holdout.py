"""Held-out weeks: how well calibrated figures, and the scenario's own, predict weeks the fit did not see.

For every held-out week of a cell with spend s, the prediction draws the
figures (from the posterior, or from the prior around the scenario's figures), then the week's
impressions (λ · s), clicks (CTR · impressions) and conversions
(CVR · clicks · v(s / ρ)) as counts with the dispersion φ the fit found
(Poisson at φ = 1, negative binomial of variance φ · mean above).
The error is the weighted absolute percentage error of the predicted mean (for
the scenario: of its own figures),
Σ |predicted − actual| / Σ actual; the coverage the share of weeks whose
actual value lies inside the central 90 % predictive interval.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from scenarios.calibration import LEVEL, PRIOR, CellFit, CellPrior, Prior
from scenarios.history import WeeklyHistory

#: Predictive draws per held-out week.
DRAWS = 4000


@dataclass(frozen=True)
class Score:
    """Prediction of held-out weeks: error and coverage of conversions and of impressions (None without data)."""

    weeks: int
    error: float | None
    coverage: float | None
    impressions_error: float | None
    impressions_coverage: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "weeks": self.weeks,
            "error": self.error,
            "coverage": self.coverage,
            "impressions_error": self.impressions_error,
            "impressions_coverage": self.impressions_coverage,
        }


@dataclass(frozen=True)
class Predictions:
    """Predicted means and interval ends of each held-out week (arrays over weeks), with the actual values."""

    conversions: np.ndarray
    conversions_low: np.ndarray
    conversions_high: np.ndarray
    impressions: np.ndarray
    impressions_low: np.ndarray
    impressions_high: np.ndarray
    actual_conversions: np.ndarray
    actual_impressions: np.ndarray

    def score(self) -> Score:
        return overall_score([self])

    def missed(self) -> float:
        """Σ |predicted − actual| conversions over the weeks."""
        return float(np.abs(self.conversions - self.actual_conversions).sum())

    def actual(self) -> float:
        """The weeks' actual conversions."""
        return float(self.actual_conversions.sum())


def predict(
    prior: CellPrior,
    figures: dict[str, np.ndarray],
    week: WeeklyHistory,
    seed: int,
    dispersion: dict[str, float] | None = None,
) -> Predictions:
    """Predictions of the weeks of a one-cell history `week` from draws of `figures` (cpm, ctr, cvr, rho),
    with counts as dispersed as `dispersion` says (φ per count; Poisson without)."""
    phi = dispersion or {}
    rng = np.random.default_rng(seed)
    n = DRAWS
    pick = rng.integers(0, len(figures["cpm"]), n)
    lam, ctr, cvr, rho = (np.asarray(figures[k])[pick] for k in ("cpm", "ctr", "cvr", "rho"))
    lam = 1000.0 / lam
    s = week.spend[0][None, :]
    mean_impressions = lam[:, None] * s
    per_click = cvr[:, None] * prior.yield_per_click(s / rho[:, None])
    mean_conversions = mean_impressions * ctr[:, None] * per_click
    impressions = counts(rng, mean_impressions, phi.get("impressions", 1.0))
    clicks = counts(rng, ctr[:, None] * impressions, phi.get("clicks", 1.0))
    conversions = counts(rng, per_click * clicks, phi.get("conversions", 1.0))
    tail = (1.0 - LEVEL) / 2.0
    low_i, high_i = np.quantile(impressions, [tail, 1.0 - tail], axis=0)
    low_c, high_c = np.quantile(conversions, [tail, 1.0 - tail], axis=0)
    return Predictions(
        mean_conversions.mean(axis=0),
        low_c,
        high_c,
        mean_impressions.mean(axis=0),
        low_i,
        high_i,
        week.conversions[0],
        week.impressions[0],
    )


def counts(rng: np.random.Generator, mean: np.ndarray, phi: float) -> np.ndarray:
    """Counts of mean `mean` and variance φ · mean: Poisson at φ = 1, negative binomial above."""
    if phi <= 1.0:
        return rng.poisson(mean)
    size = np.maximum(mean, 1e-12) / (phi - 1.0)
    return np.where(mean > 0, rng.negative_binomial(size, 1.0 / phi), 0)


def fixed(prior: CellPrior) -> dict[str, np.ndarray]:
    """The scenario's own figures as a single draw."""
    return {k: np.array([v]) for k, v in (("cpm", prior.cpm), ("ctr", prior.ctr), ("cvr", prior.cvr), ("rho", 1.0))}


def from_prior(cell: CellPrior, prior: Prior, seed: int, count: int = DRAWS) -> dict[str, np.ndarray]:
    """Draws of the cell's figures from calibration's prior around the scenario's (channel and cell spread, ρ)."""
    rng = np.random.default_rng(seed)

    def spread() -> np.ndarray:
        return np.exp(rng.normal(0.0, prior.channel_spread, count)) * rng.gamma(prior.shape, 1.0 / prior.shape, count)

    return {
        "cpm": cell.cpm / spread(),
        "ctr": np.minimum(cell.ctr * spread(), 1.0),
        "cvr": np.minimum(cell.cvr * spread(), 1.0),
        "rho": np.exp(rng.normal(0.0, prior.saturation_spread, count)),
    }


def held_out(
    fits: list[CellFit], actual: WeeklyHistory, seed: int, prior: Prior = PRIOR
) -> dict[str, tuple[Predictions, Predictions]]:
    """Per calibrated cell with spend in held-out weeks: predictions by its calibrated and its scenario figures.

    The scenario's prediction is its own figures' mean; its interval comes from figures drawn from the prior
    around them, so that both intervals carry what is not known.
    """
    out = {}
    for i, fit in enumerate(fits):
        c = actual.cells.index(fit.cell)
        used = actual.observed[c] & (actual.spend[c] > 0)
        if not used.any():
            continue
        window = _only(actual, c, used)
        point = predict(fit.prior, fixed(fit.prior), window, seed + i)
        spread = predict(fit.prior, from_prior(fit.prior, prior, seed + i), window, seed + i, fit.dispersion)
        out[fit.cell] = (
            predict(fit.prior, fit.draws, window, seed + i, fit.dispersion),
            replace(spread, conversions=point.conversions, impressions=point.impressions),
        )
    return out


def overall_score(predictions: list[Predictions]) -> Score:
    """Error and coverage over all weeks of `predictions`."""
    if not predictions:
        return Score(0, None, None, None, None)
    joined = {k: np.concatenate([getattr(p, k) for p in predictions]) for k in Predictions.__dataclass_fields__}
    return Score(
        len(joined["actual_conversions"]),
        _wape(joined["conversions"], joined["actual_conversions"]),
        _inside(joined["conversions_low"], joined["conversions_high"], joined["actual_conversions"]),
        _wape(joined["impressions"], joined["actual_impressions"]),
        _inside(joined["impressions_low"], joined["impressions_high"], joined["actual_impressions"]),
    )


def _wape(predicted: np.ndarray, actual: np.ndarray) -> float | None:
    total = float(actual.sum())
    return float(np.abs(predicted - actual).sum() / total) if total > 0 else None


def _inside(low: np.ndarray, high: np.ndarray, actual: np.ndarray) -> float | None:
    return float(np.mean((actual >= low) & (actual <= high))) if len(actual) else None


def _only(history: WeeklyHistory, c: int, used: np.ndarray) -> WeeklyHistory:
    """Cell `c`'s weeks where `used`, as a one-cell history."""
    return WeeklyHistory(
        (history.cells[c],),
        tuple(w for w, u in zip(history.weeks, used, strict=True) if u),
        history.spend[c : c + 1, used],
        history.impressions[c : c + 1, used],
        history.clicks[c : c + 1, used],
        history.conversions[c : c + 1, used],
        history.observed[c : c + 1, used],
    )
