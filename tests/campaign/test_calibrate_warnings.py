"""`campaign calibrate` on histories that break the model's assumptions: each says so, none crashes."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import yaml

from campaign.calibration_checks import worse
from scenarios import Score
from scenarios.history import WeeklyHistory
from tests.campaign.test_calibrate import LIBRARY, SCENARIO, ledger_of, rows_of, run

CELLS = tuple(f"{c}.{f}" for c, ch in SCENARIO.channels.items() for f in ch.formats)


def history(cells: dict[str, tuple[np.ndarray, float, float, float]], weeks: int = 12, last=dt.date(2027, 1, 3)):
    """Weekly figures for some cells: spend per week, then CPM, CTR and CVR (means, rounded to whole counts)."""
    n = len(CELLS)
    arrays = {k: np.zeros((n, weeks)) for k in ("spend", "impressions", "clicks", "conversions")}
    observed = np.zeros((n, weeks), bool)
    for cell, (spend, cpm, ctr, cvr) in cells.items():
        c = CELLS.index(cell)
        arrays["spend"][c] = spend
        arrays["impressions"][c] = np.round(spend * 1000 / cpm)
        arrays["clicks"][c] = np.round(arrays["impressions"][c] * ctr)
        arrays["conversions"][c] = np.round(arrays["clicks"][c] * cvr)
        observed[c] = True
    first = last - dt.timedelta(days=7 * weeks - 1)
    mondays = tuple(first + dt.timedelta(days=7 * w) for w in range(weeks))
    return WeeklyHistory(CELLS, mondays, **arrays, observed=observed)


def calibrate(tmp_path, past, *args, scenario="cafe-chain-q1"):
    result = run("calibrate", scenario, "--ledger", str(ledger_of(tmp_path, rows_of(past))), "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def scenario_file(tmp_path, change) -> str:
    data = yaml.safe_load(LIBRARY.joinpath("cafe-chain-q1.yaml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "cafe.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def test_a_cell_whose_scenario_ctr_is_zero_keeps_its_figures_and_is_named(tmp_path):
    rng = np.random.default_rng(1)
    figures = (rng.uniform(100, 300, 12), 5.0, 0.01, 0.05)
    past = history({"facebook.reel": figures, "instagram.reel": figures})
    path = scenario_file(tmp_path, lambda d: d["channels"]["facebook"].update(ctr=0))
    doc = json.loads(run("calibrate", path, "--ledger", str(ledger_of(tmp_path, rows_of(past))), "--json").output)
    assert [c["cell"] for c in doc["cells"]] == ["instagram.reel"]
    zero = "CTR or CVR is 0 in the scenario, which calibration cannot scale, so its figures stay: "
    assert zero + "facebook.carousel, facebook.feed_image, facebook.reel" in doc["warnings"]  # the file's order
    only = history({"facebook.reel": figures})
    lone = run("calibrate", path, "--ledger", str(ledger_of(tmp_path, rows_of(only), "only.sqlite")), "--json")
    assert lone.exit_code == 1
    assert "no cell can be calibrated" in json.loads(lone.stdout)["message"]


def test_history_that_never_saturates_stretches_the_curve_far_and_says_so(tmp_path):
    rng = np.random.default_rng(2)
    past = history({"facebook.feed_image": (rng.uniform(30000, 70000, 12), 8.0, 0.01, 0.05)})
    doc = calibrate(tmp_path, past, "--holdout-weeks", "0")
    cell = doc["cells"][0]
    assert 0.045 < cell["cvr"]["mean"] < 0.06
    assert any("saturates far later than the scenario's curve" in w for w in doc["warnings"])


def test_conversions_in_weeks_without_clicks_are_named(tmp_path):
    past = history({"facebook.carousel": (np.full(8, 100.0), 11.0, 0.0, 0.0)}, weeks=8)
    c = CELLS.index("facebook.carousel")
    past.conversions[c] = 5.0
    doc = calibrate(tmp_path, past, "--holdout-weeks", "0")
    assert "facebook.carousel: 40.0 conversions in 8 weeks without clicks or spend are not counted" in " ".join(
        doc["warnings"]
    )


def test_constant_spend_leaves_saturation_to_the_scenario_and_the_sentence_says_so(tmp_path):
    past = history({"tiktok.in_feed": (np.full(12, 100.0), 8.0, 0.01, 0.05)})
    result = run("calibrate", "cafe-chain-q1", "--ledger", str(ledger_of(tmp_path, rows_of(past))))
    assert "tiktok.in_feed: 12 weeks" in result.output
    assert "saturation as the scenario's curve has it (the history does not narrow it down)" in result.output


def test_a_variant_that_sets_calibrated_figures_is_named(tmp_path):
    rng = np.random.default_rng(3)
    past = history({"facebook.reel": (rng.uniform(100, 300, 12), 5.0, 0.01, 0.05)})
    path = scenario_file(tmp_path, lambda d: d["variants"].update(pricey={"channels": {"facebook": {"cpm": 40}}}))
    doc = json.loads(run("calibrate", path, "--ledger", str(ledger_of(tmp_path, rows_of(past))), "--json").output)
    assert any(w.startswith("variant 'pricey' sets channels.facebook.cpm") for w in doc["warnings"])


def test_a_calibrated_scenario_is_not_calibrated_again_on_the_same_weeks(tmp_path):
    rng = np.random.default_rng(4)
    past = history({"facebook.reel": (rng.uniform(100, 300, 12), 5.0, 0.01, 0.05)})
    ledger = str(ledger_of(tmp_path, rows_of(past)))
    out = tmp_path / "once.yaml"
    assert run("calibrate", "cafe-chain-q1", "--ledger", ledger, "-o", str(out)).exit_code == 0
    again = run("calibrate", str(out), "--ledger", ledger, "-o", str(tmp_path / "twice.yaml"))
    assert again.exit_code == 1
    assert "is already calibrated from ledger.sqlite, 2026-10-12 to 2027-01-03" in again.output
    assert not (tmp_path / "twice.yaml").exists()


def test_from_after_to_is_a_usage_error(tmp_path):
    past = history({"facebook.reel": (np.full(12, 100.0), 5.0, 0.01, 0.05)})
    ledger = str(ledger_of(tmp_path, rows_of(past)))
    result = run("calibrate", "cafe-chain-q1", "--ledger", ledger, "--from", "2026-12-01", "--to", "2026-11-01")
    assert result.exit_code == 2
    assert "--from 2026-12-01 is after --to 2026-11-01" in result.output


def test_history_ending_long_before_the_start_is_named(tmp_path):
    past = history({"facebook.reel": (np.full(12, 100.0), 5.0, 0.01, 0.05)}, last=dt.date(2026, 6, 28))
    doc = calibrate(tmp_path, past, "--holdout-weeks", "0")
    assert any(w.startswith("the history ends 27 weeks before the scenario's start") for w in doc["warnings"])


def test_worse_than_the_scenario_only_beyond_twice_the_poisson_noise():
    """9 held-out conversions: noise of sd 3.2 (with the +1), so 6 more conversions missed is noise, 7 is not."""
    score = Score(2, 0.5, 1.0, 0.1, 1.0), Score(2, 0.3, 1.0, 0.1, 1.0)
    assert worse({"a.b": score}, {"a.b": (12.0, 6.0, 9.0)}) == []
    assert len(worse({"a.b": score}, {"a.b": (13.0, 6.0, 9.0)})) == 1
