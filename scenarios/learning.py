"""Learning from actuals: conjugate posteriors of each cell's CPM, CTR and conversion rate, and the scenario they imply.

The scenario's own rates are the prior, worth `actuals.prior_strength`
pseudo-observations; the actuals are the data:

- impressions per currency unit λ = 1000 / CPM: impressions ~ Poisson(λ · exposure),
  Gamma(n₀, n₀ / λ₀) prior, so the posterior is Gamma(n₀ + I, n₀ / λ₀ + exposure),
  where the exposure is the spend divided by each period's CPM season;
- CTR: clicks ~ Binomial(impressions, CTR), Beta(n₀·CTR₀, n₀·(1 − CTR₀)) prior;
- CVR: conversions ~ Poisson(κ · E), where E is the actual clicks times the
  conversions per click the cell's response curve expects at the spend actually
  made (so saturation is accounted for), and κ the CVR against the plan's, with a
  Gamma(m₀, m₀) prior of mean 1 and m₀ = CVR₀ × the prior's clicks. The CVR
  reported is κ · CVR₀.

The learned scenario sets each learned cell's CPM, CTR and CVR to their
posterior means: a default curve follows them (its initial slope is
1000 · CTR · CVR / CPM); an explicit curve keeps its shape and scales its
height by the change in conversions per currency unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios.calendar import horizon
from scenarios.loader import override
from scenarios.market import Market
from scenarios.schema import ExponentialCurve, HillCurve, PointsCurve, Scenario

#: The credible interval reported: 90 %.
LEVEL = 0.90


@dataclass(frozen=True)
class Estimate:
    """A rate as planned and as learned: posterior mean and 90 % credible interval."""

    plan: float
    mean: float
    low: float
    high: float

    @property
    def moved(self) -> float:
        """Relative move of the mean from the plan (0.2 = 20 % above)."""
        return self.mean / self.plan - 1.0 if self.plan > 0 else 0.0

    def to_dict(self) -> dict[str, float]:
        return {"plan": self.plan, "mean": self.mean, "low": self.low, "high": self.high, "moved": self.moved}


@dataclass(frozen=True)
class CellLearning:
    """What the actuals say about one cell."""

    cell: str
    spend: float
    impressions: float
    clicks: float
    conversions: float
    cpm: Estimate
    ctr: Estimate
    cvr: Estimate

    def to_dict(self) -> dict[str, Any]:
        return {
            "cell": self.cell,
            "spend": self.spend,
            "impressions": self.impressions,
            "clicks": self.clicks,
            "conversions": self.conversions,
            "cpm": self.cpm.to_dict(),
            "ctr": self.ctr.to_dict(),
            "cvr": self.cvr.to_dict(),
        }


def by_period(scenario: Scenario, rows: list[Any], cells: tuple[str, ...], field: str) -> np.ndarray:
    """A ledger field summed per cell and period (cells × periods), each row spread evenly over its days."""
    h = horizon(scenario)
    out = np.zeros((len(cells), scenario.periods.count))
    start = h.start or dt.date(2027, 1, 4)
    for row in rows:
        cell = f"{row.channel}.{row.format}"
        if cell not in cells:
            continue
        first, last = (row.start - start).days, (row.end - start).days
        days = np.arange(max(first, 0), min(last, h.days - 1) + 1)
        if not len(days):
            continue
        share = getattr(row, field) / (last - first + 1)
        np.add.at(out[cells.index(cell)], h.period_of_day[days], share)
    return out


def learn(scenario: Scenario, market: Market, rows: list[Any], covered: np.ndarray | None = None) -> list[CellLearning]:
    """Posterior CPM, CTR and CVR of every cell from the ledger's rows (cells without actuals keep their prior).

    `covered` is each slot's share q of its period's days the actuals stand for (1 by default): the
    curve expected of those days is the period's scaled to them, q · f(x / q), as for the rest of a period.
    """
    cells = market.cell_keys
    periods = market.periods
    spend = by_period(scenario, rows, cells, "spend")
    impressions = by_period(scenario, rows, cells, "impressions").sum(axis=1)
    clicks_t = by_period(scenario, rows, cells, "clicks")
    clicks = clicks_t.sum(axis=1)
    conversions = by_period(scenario, rows, cells, "conversions").sum(axis=1)
    # Conversions per click the model expects at the spend made, times the clicks actually had.
    made = spend.ravel()
    model_clicks = made * market.impressions_per_currency_unit * market.ctr
    q = np.ones_like(made) if covered is None else np.asarray(covered, dtype=float)
    safe = np.where(q > 0, q, 1.0)
    model = safe * market.curves.value(made / safe)
    per_click = np.divide(model, model_clicks, out=np.zeros_like(made), where=model_clicks > 0)
    expected = (per_click.reshape(len(cells), periods) * clicks_t).sum(axis=1)
    season_cpm = np.asarray(scenario.seasonality.cpm or [1.0] * periods)
    strength = scenario.actuals.prior_strength
    cpm0 = market.cpm.reshape(len(cells), periods)[:, 0] / season_cpm[0]
    ctr0 = market.ctr[::periods]
    cvr0 = np.array([_base_cvr(scenario, cell) for cell in cells])
    from scipy import stats  # here, not at import: the package's other users need not load scipy.stats

    tail = (1.0 - LEVEL) / 2.0
    out = []
    for c, cell in enumerate(cells):
        rate0 = 1000.0 / cpm0[c]
        lam = stats.gamma(
            strength.impressions + impressions[c],
            scale=1.0 / (strength.impressions / rate0 + float((spend[c] / season_cpm).sum())),
        )
        cpm = _estimate(cpm0[c], 1000.0 / lam.mean(), 1000.0 / lam.ppf(1 - tail), 1000.0 / lam.ppf(tail))
        a = strength.impressions * ctr0[c] + clicks[c]
        b = strength.impressions * (1 - ctr0[c]) + impressions[c] - clicks[c]
        ctr_post = stats.beta(a, max(b, 1e-9))
        ctr = _estimate(ctr0[c], ctr_post.mean(), ctr_post.ppf(tail), ctr_post.ppf(1 - tail))
        prior = max(strength.clicks * cvr0[c], 1e-9)
        kappa = stats.gamma(prior + conversions[c], scale=1.0 / (prior + expected[c]))
        cvr = _estimate(cvr0[c], cvr0[c] * kappa.mean(), cvr0[c] * kappa.ppf(tail), cvr0[c] * kappa.ppf(1 - tail))
        out.append(
            CellLearning(
                cell,
                float(spend[c].sum()),
                float(impressions[c]),
                float(clicks[c]),
                float(conversions[c]),
                cpm,
                ctr,
                cvr,
            )
        )
    return out


def _estimate(plan: float, mean: float, low: float, high: float) -> Estimate:
    return Estimate(float(plan), float(mean), float(low), float(high))


def _base_cvr(scenario: Scenario, cell: str) -> float:
    channel, fmt = cell.split(".", 1)
    ch = scenario.channels[channel]
    return min(1.0, ch.cvr * ch.formats[fmt].cvr_factor)


def updated_scenario(scenario: Scenario, learned: list[CellLearning]) -> Scenario:
    """The scenario with each learned cell's CPM, CTR and CVR at their posterior means.

    Cells without actuals keep everything they had.
    """
    changes: dict[str, Any] = {"channels": {}, "response": {}}
    for item in learned:
        if item.spend <= 0:
            continue
        channel, fmt = item.cell.split(".", 1)
        ch = scenario.channels[channel]
        f = ch.formats[fmt]
        changes["channels"].setdefault(channel, {"formats": {}})["formats"][fmt] = {
            "cpm_factor": item.cpm.mean / ch.cpm,
            "ctr_factor": item.ctr.mean / ch.ctr if ch.ctr > 0 else f.ctr_factor,
            "cvr_factor": item.cvr.mean / ch.cvr if ch.cvr > 0 else f.cvr_factor,
        }
        curve = scenario.response.get(item.cell)
        if curve is None:
            continue
        # An explicit curve keeps its shape; its height follows conversions per currency unit.
        planned = item.ctr.plan * item.cvr.plan / item.cpm.plan
        ratio = (item.ctr.mean * item.cvr.mean / item.cpm.mean) / planned if planned > 0 else 1.0
        if isinstance(curve, HillCurve | ExponentialCurve):
            changes["response"][item.cell] = {"max": curve.max * ratio}
        elif isinstance(curve, PointsCurve):
            changes["response"][item.cell] = {"conversions": [v * ratio for v in curve.conversions]}
    if not changes["response"]:
        del changes["response"]
    return override(scenario, changes, "learning from actuals")
