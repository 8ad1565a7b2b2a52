"""The calibrated scenario's figures and curves, against the calibration model computed by hand."""

import datetime as dt

import numpy as np
import pytest

from scenarios import load_scenario
from scenarios.calibrated import Provenance, calibrated_data
from scenarios.calibration import PRIOR, cell_priors, posteriors
from scenarios.holdout import Predictions, overall_score
from scenarios.loader import resolve
from scenarios.market_build import build_market, cell_curves
from scenarios.synthetic import draw_truth, synthetic_history


@pytest.fixture(scope="module")
def written():
    scenario = load_scenario("cafe-chain-q1")
    past = synthetic_history(scenario, draw_truth(scenario, 7), 12, dt.date(2027, 1, 3), 70)
    fits = posteriors(scenario, past, seed=7)
    provenance = Provenance("ledger.sqlite", past.weeks[0], past.weeks[-1] + dt.timedelta(days=6), 12)
    return scenario, fits, resolve(calibrated_data(scenario, fits, provenance, PRIOR), "calibrated")


def test_a_calibrated_cell_has_its_posterior_figures(written):
    _, fits, calibrated = written
    market = build_market(calibrated)
    for fit in fits:
        c = market.cell_keys.index(fit.cell)
        slot = c * market.periods  # the first week: no CPM season in this scenario
        assert market.cpm[slot] == pytest.approx(fit.cpm.mean, rel=1e-12)
        assert market.ctr[slot] == pytest.approx(fit.ctr.mean, rel=1e-12)
        assert calibrated.calibration.cells[fit.cell].weeks == fit.weeks == 12


def test_a_calibrated_curve_gives_what_the_model_expects_of_a_week(written):
    """Weekly conversions at spend s: 1000 / CPM · CTR · CVR · s · v(s / ρ), v the scenario curve's yield per click."""
    scenario, fits, calibrated = written
    curves = cell_curves(calibrated)
    priors = {p.cell: p for p in cell_priors(scenario)}
    weeks = calibrated.periods.weeks
    for fit in fits:
        c = [p.cell for p in cell_priors(calibrated)].index(fit.cell)
        spend = np.array([10.0, 100.0, 1000.0, 10000.0])
        model = 1000 / fit.cpm.mean * fit.ctr.mean * fit.cvr.mean * spend
        model *= priors[fit.cell].yield_per_click(spend / fit.rho.mean)
        written_curve = curves.take(np.repeat(c, len(spend))).value(weeks * spend) / weeks
        assert written_curve == pytest.approx(model, rel=1e-9)


def test_sources_name_the_ledger_the_dates_and_the_weeks(written):
    _, fits, calibrated = written
    fit = fits[0]
    where = "channels.{}.formats.{}.cvr_factor".format(*fit.cell.split(".", 1))
    assert calibrated.sources[where].endswith("from 12 weeks of ledger.sqlite, 2026-10-12 to 2027-01-03")
    assert "calibrated from 12 weeks of ledger.sqlite" in calibrated.response[fit.cell].source


def test_the_holdout_score_by_hand():
    """Two weeks: predicted 10 and 30 against 12 and 20 → error (2 + 10) / 32; one of two inside its interval."""
    p = Predictions(
        np.array([10.0, 30.0]),
        np.array([5.0, 25.0]),
        np.array([15.0, 35.0]),
        np.array([1000.0, 2000.0]),
        np.array([900.0, 1900.0]),
        np.array([1100.0, 2100.0]),
        np.array([12.0, 20.0]),
        np.array([1000.0, 2500.0]),
    )
    s = overall_score([p])
    assert s.error == pytest.approx(12 / 32)
    assert s.coverage == 0.5
    assert s.impressions_error == pytest.approx(500 / 3500)
    assert s.impressions_coverage == 0.5
