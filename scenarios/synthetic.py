"""Synthetic history from known true figures, for the worked example and for checking that calibration recovers them.

The truth is drawn from calibration's own prior (`scenarios.calibration.Prior`):
per channel and figure a log-normal multiplier, per cell a Gamma deviation, per
cell a log-normal stretch ρ of the scenario's curve. Each week's spend varies
around an even share of the budget (log-normal, σ 0.5 per cell and per week, so
the curve's bend shows). Impressions are Poisson, clicks and conversions binomial.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios.calibrated import set_figures
from scenarios.calibration import PRIOR, Prior, cell_priors
from scenarios.history import WeeklyHistory, monday
from scenarios.loader import resolve
from scenarios.schema import Scenario

#: Log-normal σ of a cell's typical weekly spend around an even split of the budget, and of each week around it.
SPEND_SPREAD = 0.5


@dataclass(frozen=True)
class Truth:
    """True figures per cell (CPM in currency per 1,000 impressions, rates per impression and per click, stretch)."""

    cells: tuple[str, ...]
    cpm: np.ndarray
    ctr: np.ndarray
    cvr: np.ndarray
    rho: np.ndarray
    weekly_spend: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {
            cell: {
                "cpm": float(self.cpm[i]),
                "ctr": float(self.ctr[i]),
                "cvr": float(self.cvr[i]),
                "rho": float(self.rho[i]),
                "typical_weekly_spend": float(self.weekly_spend[i]),
            }
            for i, cell in enumerate(self.cells)
        }


def draw_truth(scenario: Scenario, seed: int, prior: Prior = PRIOR) -> Truth:
    """True figures for every cell of `scenario`, drawn from calibration's prior."""
    rng = np.random.default_rng(seed)
    priors = cell_priors(scenario)
    channels = sorted({p.channel for p in priors})
    channel_of = [p.channel for p in priors]
    # CPM is drawn as impressions per currency unit, as calibration models it.
    per_unit = _drawn(rng, prior, channels, channel_of, np.array([1000.0 / p.cpm for p in priors]))
    ctr = _drawn(rng, prior, channels, channel_of, np.array([p.ctr for p in priors]))
    cvr = _drawn(rng, prior, channels, channel_of, np.array([p.cvr for p in priors]))
    rho = np.exp(rng.normal(0.0, prior.saturation_spread, len(priors)))
    even = scenario.budget.total / scenario.periods.weeks / len(priors)
    spend = even * np.exp(rng.normal(0.0, SPEND_SPREAD, len(priors)))
    cells = tuple(p.cell for p in priors)
    return Truth(cells, 1000.0 / per_unit, np.minimum(ctr, 1.0), np.minimum(cvr, 1.0), rho, spend)


def _drawn(
    rng: np.random.Generator, prior: Prior, channels: list[str], channel_of: list[str], base: np.ndarray
) -> np.ndarray:
    multiplier = dict(zip(channels, np.exp(rng.normal(0.0, prior.channel_spread, len(channels))), strict=True))
    deviation = rng.gamma(prior.shape, 1.0 / prior.shape, len(base))
    return base * np.array([multiplier[c] for c in channel_of]) * deviation


def synthetic_history(scenario: Scenario, truth: Truth, weeks: int, last_day: dt.date, seed: int) -> WeeklyHistory:
    """`weeks` weeks of figures for every cell, the last week ending on or before `last_day` (a Sunday or earlier)."""
    rng = np.random.default_rng(seed)
    priors = cell_priors(scenario)
    end = monday(last_day + dt.timedelta(days=1)) - dt.timedelta(days=7)
    first = end - dt.timedelta(days=7 * (weeks - 1))
    n = len(priors)
    spend = np.round(truth.weekly_spend[:, None] * np.exp(rng.normal(0.0, SPEND_SPREAD, (n, weeks))), 2)
    impressions = rng.poisson(spend * 1000.0 / truth.cpm[:, None]).astype(float)
    clicks = rng.binomial(impressions.astype(np.int64), truth.ctr[:, None]).astype(float)
    per_click = np.empty((n, weeks))
    for i, p in enumerate(priors):
        per_click[i] = np.minimum(truth.cvr[i] * p.yield_per_click(spend[i] / truth.rho[i]), 1.0)
    conversions = rng.binomial(clicks.astype(np.int64), per_click).astype(float)
    return WeeklyHistory(
        truth.cells,
        tuple(first + dt.timedelta(days=7 * w) for w in range(weeks)),
        spend,
        impressions,
        clicks,
        conversions,
        np.ones((n, weeks), dtype=bool),
    )


def true_scenario(scenario: Scenario, truth: Truth) -> Scenario:
    """`scenario` with every cell's figures and curve at the truth (as `campaign calibrate` writes a cell)."""
    data = scenario.model_dump(mode="json", exclude={"calibration"}, exclude_none=True)
    for i, prior in enumerate(cell_priors(scenario)):
        figures = (float(truth.cpm[i]), float(truth.ctr[i]), float(truth.cvr[i]), float(truth.rho[i]))
        set_figures(data, scenario, prior, figures, "synthetic truth")
    return resolve(data, f"{scenario.name} (true figures)")
