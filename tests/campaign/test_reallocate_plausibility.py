"""Actuals the model cannot explain are named, with the campaigns behind them, and can be left out."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from campaign.ledger import LedgerRow
from campaign.plausibility import _pattern
from campaign.reallocate import reallocate
from optimizer import Optimizer
from scenarios.loader import resolve
from tests.campaign.test_reallocate_reasons import actuals
from tests.conftest import BASE, merged

AS_OF = dt.date(2027, 2, 1)


def scenario_and_plan(**overlay):
    scenario = resolve(merged(BASE, {"start": "2027-01-04", "periods": {"count": 13}, **overlay}), "<test>")
    return scenario, Optimizer().optimize(scenario)


def test_conversions_beyond_what_the_curve_can_bring_are_named_and_can_be_excluded():
    scenario, current = scenario_and_plan()
    rows = actuals(scenario, current, 4, {})
    # 900 "conversions" from one campaign at 100 EUR: junk results counted as conversions.
    junk = LedgerRow(
        "generic",
        "Junk (leads)",
        "",
        "",
        dt.date(2027, 1, 4),
        dt.date(2027, 1, 31),
        "instagram",
        "reel",
        100,
        10000,
        100,
        900,
    )
    result = reallocate(scenario, [*rows, junk], AS_OF)
    reel = sum(r.conversions for r in rows if r.format == "reel")
    observed = reel + 900
    # By hand: the reel curve saturates at audience × audience_share × in_market over the 13 weeks,
    # a thirteenth a week, so four weeks can bring at most 4/13 of it.
    ceiling = 100000 * 0.4 * 0.04 * 4 / 13
    found = {(s["cell"], s["check"]): s for s in result.suspects}
    assert found[("instagram.reel", "beyond_curve")]["message"] == (
        f"instagram.reel: {observed:,.1f} conversions observed, more than its curve can bring at any spend in the "
        f"days it ran (at most {ceiling:,.1f}: it saturates below them; if they are real, the cell's audience, "
        f"audience_share or in_market is too small); suspect conversions from 'Junk (leads)' 900.0, "
        f"'instagram.reel' {reel:,.1f}; if they are not this scenario's conversions, leave them out with "
        "--exclude-campaign 'Junk \\(leads\\)'"
    )
    # The CPA is far below the channel's: the planned cost per conversion at low spend is
    # CPM / (1000 · CTR · CVR): reels 8.25 / (1000 · 0.013 · 0.03) = 21.15, images 7.5 / (1000 · 0.01 · 0.03) = 25.
    spend = sum(r.spend for r in rows if r.format == "reel") + 100
    assert found[("instagram.reel", "cpa")]["message"].startswith(
        f"instagram.reel: CPA €{spend / observed:,.2f}, far outside instagram's planned range at low spend "
        "(€21.15 to €25.00); suspect conversions from 'Junk (leads)' 900.0"
    )
    assert found[("instagram.reel", "cpa")]["campaigns"][0] == {"campaign": "Junk (leads)", "conversions": 900.0}
    for suspect in result.suspects:
        assert suspect["message"] in result.warnings
    assert result.to_dict()["suspect_actuals"] == result.suspects
    # The pattern the message suggests leaves exactly that campaign out, and the warnings go.
    pattern = re.compile(_pattern("Junk (leads)"), re.IGNORECASE)
    assert pattern.search("Junk (leads)")
    assert not pattern.search("Junk leads")
    clean = reallocate(scenario, [*rows, junk], AS_OF, exclude=[pattern])
    assert clean.suspects == []
    without = reallocate(scenario, rows, AS_OF)
    # The rates are learned without the excluded campaign; its 100 EUR (and its clicks) stay spent, its 900
    # conversions are left out.
    assert [item.to_dict() for item in clean.learning] == [item.to_dict() for item in without.learning]
    assert clean.past["spend"] == pytest.approx(sum(r.spend for r in rows) + 100)
    assert clean.past["clicks"] == pytest.approx(sum(r.clicks for r in rows) + 100)
    assert clean.past["conversions"] == pytest.approx(sum(r.conversions for r in rows))


def test_a_learned_cvr_far_above_the_observed_one_and_a_cpa_far_above_the_channels_are_named():
    # TikTok videos saturate early (in-market share 0.2 %); 2,500 EUR a week on them, converting 0.5 % of clicks.
    scenario, current = scenario_and_plan(channels={"tiktok": {"in_market": 0.002}})
    rows = actuals(scenario, current, 4, {})
    for week in range(4):
        first = dt.date(2027, 1, 4) + dt.timedelta(days=7 * week)
        impressions = 2500 / 6.0 * 1000
        rows.append(
            LedgerRow(
                "generic",
                "Brand search",
                "",
                "",
                first,
                first + dt.timedelta(days=6),
                "tiktok",
                "video",
                2500,
                impressions,
                impressions * 0.008,
                impressions * 0.008 * 0.005,
            )
        )
    result = reallocate(scenario, rows, AS_OF, max_change=1.0)
    found = {(s["cell"], s["check"]): s["message"] for s in result.suspects}
    assert set(found) == {("tiktok.video", "learned_cvr"), ("tiktok.video", "cpa")}
    video = next(item for item in result.learning if item.cell == "tiktok.video")
    observed = video.conversions / video.clicks
    assert observed == pytest.approx(0.005)
    assert video.cvr.mean >= 3 * observed
    assert found[("tiktok.video", "learned_cvr")] == (
        f"tiktok.video: learned CVR {100 * video.cvr.mean:.2f} % against 0.50 % observed conversions per click "
        f"({video.cvr.mean / observed:.1f}×): the curve saturates at the spend made, so these conversions read as "
        "a much higher rate at low spend (if they are real, the cell's saturation is too low); suspect conversions "
        f"from 'Brand search' {video.conversions:.1f}; if they are not this scenario's conversions, leave them out "
        "with --exclude-campaign 'Brand search'"
    )
    # 10,000 EUR for 66.7 conversions: 150 EUR each, against 6 / (1000 · 0.008 · 0.02) = 37.50 for videos and
    # 7.2 / (1000 · 0.0112 · 0.02) = 32.14 for spark ads.
    assert found[("tiktok.video", "cpa")] == (
        "tiktok.video: CPA €150.00, far outside tiktok's planned range at low spend (€32.14 to €37.50); "
        "conversions may be missing (check the tracking and actuals.conversion_results): 'Brand search' 66.7"
    )


def test_actuals_as_planned_raise_no_suspicion():
    scenario, current = scenario_and_plan()
    assert reallocate(scenario, actuals(scenario, current, 4, {}), AS_OF).suspects == []


def test_the_curve_ceiling_counts_only_the_weeks_the_cell_ran():
    scenario, current = scenario_and_plan()
    # Reels ran in week 1 only (their later weeks left out of the ledger), with 200 conversions from one campaign.
    rows = [r for r in actuals(scenario, current, 4, {}) if r.format != "reel" or r.start == dt.date(2027, 1, 4)]
    first = dt.date(2027, 1, 4)
    rows.append(
        LedgerRow(
            "generic", "Leads", "", "", first, first + dt.timedelta(days=6), "instagram", "reel", 10, 1000, 10, 200
        )
    )
    result = reallocate(scenario, rows, AS_OF)
    observed = sum(r.conversions for r in rows if r.format == "reel")
    # By hand: a thirteenth of the saturation level a week, one week run (not the four weeks before --as-of).
    ceiling = 100000 * 0.4 * 0.04 / 13
    assert ceiling < observed < 4 * ceiling
    found = {(s["cell"], s["check"]): s["message"] for s in result.suspects}
    assert found[("instagram.reel", "beyond_curve")].startswith(
        f"instagram.reel: {observed:,.1f} conversions observed, more than its curve can bring at any spend in the "
        f"days it ran (at most {ceiling:,.1f}: "
    )


def test_a_learned_cvr_above_100_percent_but_below_the_observed_one_is_not_called_higher():
    scenario, current = scenario_and_plan()
    # Ten conversions per click on Instagram images, their only actuals (view-through results counted as
    # conversions): the prior pulls the learned rate below the observed one, yet above 100 %.
    rows = [r for r in actuals(scenario, current, 4, {}) if r.format != "image"]
    first = dt.date(2027, 1, 4)
    rows.append(
        LedgerRow(
            "generic", "Views", "", "", first, first + dt.timedelta(days=27), "instagram", "image", 1, 100, 100, 1000
        )
    )
    result = reallocate(scenario, rows, AS_OF)
    image = next(item for item in result.learning if item.cell == "instagram.image")
    observed = image.conversions / image.clicks
    assert 1.0 <= image.cvr.mean < observed
    found = {(s["cell"], s["check"]): s["message"] for s in result.suspects}
    message = found[("instagram.image", "learned_cvr")]
    assert "much higher rate" not in message
    assert message.startswith(
        f"instagram.image: learned CVR {image.cvr.mean * 100:,.2f} % against {observed * 100:,.2f} % observed "
        "conversions per click "
        f"({image.cvr.mean / observed:.1f}×): above 100 %, more conversions than clicks, so not all of them follow "
        "the ads' clicks (view-through conversions or another result type?)"
    )
