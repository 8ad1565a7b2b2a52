"""Days before --as-of that no ledger row covers are named, not silently counted as nothing spent."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from campaign.reallocate import reallocate
from optimizer import Optimizer
from scenarios.library import library_path
from scenarios.loader import load_scenario
from tests.campaign.test_reallocate import as_planned


def test_days_missing_before_the_as_of_date_are_named_per_channel():
    cafe = load_scenario(library_path("cafe-chain-q1"))
    current = Optimizer().optimize(cafe)
    rows = as_planned(current, 4)
    as_of = dt.date(2027, 2, 1)
    assert reallocate(cafe, rows, as_of).uncovered == ()
    # Facebook's export for week 4 stops on its fourth day (2027-01-28): 29 to 31 January are not in the ledger.
    last = dt.date(2027, 1, 28)
    cut = [
        replace(r, end=last, spend=r.spend * 4 / 7, impressions=r.impressions * 4 / 7, clicks=r.clicks * 4 / 7)
        if r.channel == "facebook" and r.end > last
        else r
        for r in rows
    ]
    assert any(r.end == last for r in cut)
    result = reallocate(cafe, cut, as_of)
    assert list(result.uncovered) == [{"channel": "facebook", "first": "2027-01-29", "last": "2027-01-31", "days": 3}]
    assert (
        "days before the as-of date that no ledger row covers, counted as nothing spent (import their exports if "
        "they were spent): facebook 2027-01-29 to 2027-01-31 (3 days)"
    ) in result.warnings
    assert result.to_dict()["uncovered_days"] == list(result.uncovered)
    # The as-of date a day later (a Tuesday inside week 5), with only Facebook's Monday imported: every
    # other channel the plan spends on in week 5 misses that Monday.
    later = reallocate(cafe, cut + as_planned_day(current, dt.date(2027, 2, 1), "facebook"), dt.date(2027, 2, 2))
    week5 = {a.channel for a in current.allocation if a.period == 5 and a.spend > 0} - {"facebook"}
    assert len(week5) >= 2
    assert sorted((g["channel"], g["first"], g["last"]) for g in later.uncovered) == sorted(
        [("facebook", "2027-01-29", "2027-01-31")] + [(c, "2027-02-01", "2027-02-01") for c in week5]
    )


def as_planned_day(current, day: dt.date, channel: str):
    """One day of week 5 for one channel's cells, at the plan's daily pace."""
    return [
        replace(r, start=day, end=day, spend=r.spend / 7, impressions=r.impressions / 7, clicks=r.clicks / 7)
        for r in as_planned(current, 5)
        if r.channel == channel and r.start == day
    ]


def test_the_json_totals_are_the_projection_the_ledger_for_the_past_the_plan_after():
    cafe = load_scenario(library_path("cafe-chain-q1"))
    current = Optimizer().optimize(cafe)
    # Reels converting half again as well; clicks a fifth above plan everywhere; as-of inside week 5.
    rows = [replace(r, clicks=r.clicks * 1.2) for r in as_planned(current, 5, {"instagram.reel": 1.5})]
    document = reallocate(cafe, rows, dt.date(2027, 2, 4)).to_dict()
    totals, past = document["totals"], document["past"]
    rest = document["allocation"]  # the remaining days only (the cut week's rest, then whole weeks)
    for key in ("impressions", "clicks"):
        assert totals[key] == pytest.approx(past[key] + sum(a[key] for a in rest), rel=1e-12)
    for key in ("spend", "conversions", "clicks", "reach", "profit"):
        assert totals[key] == pytest.approx(document["projection"]["projected"][key], rel=1e-12)
    assert totals["bounce_rate"] == pytest.approx(totals["bounces"] / totals["clicks"], rel=1e-12)
