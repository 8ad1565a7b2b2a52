"""Actuals around --as-of: one rule for what is past, and a projection that adds up."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from click.testing import CliRunner

from campaign.cli import cli
from campaign.ledger import LedgerRow
from campaign.reallocate import reallocate
from optimizer import Optimizer
from scenarios.learning import learn, updated_scenario
from scenarios.library import library_path
from scenarios.loader import load_scenario, resolve
from scenarios.market_build import build_market
from tests.campaign.test_reallocate import START, as_planned
from tests.conftest import BASE, merged

EXPORTS = "tests/campaign/exports"


@pytest.fixture(scope="module")
def cafe():
    return load_scenario(library_path("cafe-chain-q1"))


@pytest.fixture(scope="module")
def current(cafe):
    return Optimizer().optimize(cafe)


def _cut(row: LedgerRow, share: float, as_of: dt.date) -> LedgerRow:
    """The past share of a row, by hand."""
    return LedgerRow(
        row.platform,
        row.campaign,
        row.platform_name,
        row.placement,
        row.start,
        as_of - dt.timedelta(days=1),
        row.channel,
        row.format,
        row.spend * share,
        row.impressions * share,
        row.clicks * share,
        row.conversions * share,
    )


def test_rows_after_the_as_of_date_are_not_used(cafe, current):
    # Weeks 1 to 6 in the ledger, the later weeks converting twice as well; --as-of is the start of week 4.
    early = as_planned(current, 3)
    late = [
        r
        for r in as_planned(current, 6, dict.fromkeys(build_market(cafe).cell_keys, 2.0))
        if r.start >= START + dt.timedelta(days=21)
    ]
    as_of = dt.date(2027, 1, 25)
    full = reallocate(cafe, early + late, as_of)
    only = reallocate(cafe, early, as_of)
    assert full.projection == only.projection
    assert full.changes == only.changes
    unused = [w for w in full.warnings if "after the as-of date, not used" in w]
    assert len(unused) == 1
    assert unused[0].startswith(f"{len(late)} rows after the as-of date, not used (")
    for row in late:
        assert f"{row.channel}.{row.format} '{row.campaign}' {row.start} to {row.end}" in unused[0]
    assert full.to_dict()["unused_rows"] == [
        {
            "channel": r.channel,
            "format": r.format,
            "campaign": r.campaign,
            "start": r.start.isoformat(),
            "end": r.end.isoformat(),
            "spend": r.spend,
            "conversions": r.conversions,
        }
        for r in late
    ]


def test_a_mid_period_as_of_date_splits_rows_by_day_and_plans_the_rest_of_the_period(cafe, current):
    rows = as_planned(current, 4, {"instagram.reel": 1.5})
    as_of = dt.date(2027, 1, 27)  # Wednesday of week 4: two of its seven days are spent
    result = reallocate(cafe, rows, as_of)
    assert result.past_periods == 3
    # By hand: weeks 1 to 3 whole, two sevenths of week 4.
    week4 = START + dt.timedelta(days=21)
    past = [r if r.start < week4 else _cut(r, 2 / 7, as_of) for r in rows]
    market = build_market(cafe)
    plan = np.array([a.spend for a in current.allocation])
    covered = np.where(market.period_of < 3, 1.0, np.where(market.period_of == 3, 2 / 7, 0.0))
    learned = build_market(updated_scenario(cafe, learn(cafe, market, past, covered)))
    period = market.period_of
    new = np.array([a.spend for a in result.result.allocation])
    # The rest of week 4 keeps the current plan's spend for its five days, at the learned rates.
    rest = np.where(period == 3, plan * 5 / 7, 0.0)
    future = period >= 4
    spend = sum(r.spend for r in past) + rest.sum() + new[future].sum()
    conversions = (
        sum(r.conversions for r in past)
        + float((5 / 7 * learned.curves.value(plan))[period == 3].sum())
        + float(learned.curves.value(np.where(future, new, 0.0))[future].sum())
        + learned.carried_conversions
    )
    clicks = sum(r.clicks for r in past) + float(
        (learned.impressions(rest + np.where(future, new, 0)) * learned.ctr).sum()
    )
    projected = result.projection["projected"]
    assert projected["spend"] == pytest.approx(spend, rel=1e-9)
    assert projected["conversions"] == pytest.approx(conversions, rel=1e-9)
    assert projected["clicks"] == pytest.approx(clicks, rel=1e-9)
    # Week 4 is not re-spent: its days before --as-of at the ledger's figures, the rest as planned.
    week4_rows = [a for a in result.result.allocation if a.period == 4]
    assert sum(a.spend for a in week4_rows) == pytest.approx(rest.sum(), rel=1e-9)
    split = [w for w in result.warnings if w.startswith("rows spanning the as-of date")]
    assert len(split) == 1
    assert "instagram.reel 'instagram.reel' 2027-01-25 to 2027-01-31 (29 % of its days)" in split[0]
    document = result.to_dict()
    assert document["past"]["first_day"] == "2027-01-04"
    assert document["past"]["last_day"] == "2027-01-26"
    assert document["past"]["spend"] == pytest.approx(sum(r.spend for r in past), rel=1e-12)
    assert document["past"]["conversions"] == pytest.approx(sum(r.conversions for r in past), rel=1e-12)
    assert document["past"]["current_period"] == {
        "period": 4,
        "days_past": 2,
        "days": 7,
        "rest": "2027-01-27 to 2027-01-31: the current plan's spend for week 4, 5/7 of it, at the learned rates",
    }


def test_an_as_of_date_after_the_ledger_still_counts_spend_and_conversions_of_the_same_days(cafe, current):
    # Three weeks of actuals, --as-of at the start of week 4: nothing after the ledger is counted.
    rows = as_planned(current, 3)
    result = reallocate(cafe, rows, dt.date(2027, 1, 25))
    past = result.to_dict()["past"]
    assert past["spend"] == pytest.approx(sum(r.spend for r in rows))
    assert past["conversions"] == pytest.approx(sum(r.conversions for r in rows))
    assert result.warnings == []


# A second Meta export in the same format as the fixture, for weeks 3 and 4.
SECOND = "tests/campaign/reallocate/meta_weeks_3_4.csv"

# The mapped rows of the two Meta exports by hand: (first day, last day, spend, conversions); the messenger
# rows map to no cell and the account totals are dropped.
META = [
    (dt.date(2027, 1, 4), dt.date(2027, 1, 17), 402.50 + 262.40 + 353.58, 31 + 19 + 37),
    (dt.date(2027, 1, 18), dt.date(2027, 1, 31), 500.00 + 300.00 + 400.00, 40 + 20 + 30),
]


@pytest.mark.parametrize(
    ("as_of", "shares", "current_period"),
    [
        (dt.date(2027, 1, 8), (4 / 14, 0.0), {"period": 1, "days_past": 4, "days": 7}),  # inside the first rows
        (dt.date(2027, 1, 18), (1.0, 0.0), None),  # after the first rows, before the second
        (dt.date(2027, 1, 27), (1.0, 9 / 14), {"period": 4, "days_past": 2, "days": 7}),  # inside the second
    ],
)
def test_real_meta_exports_around_the_as_of_date(tmp_path, as_of, shares, current_period):
    ledger = tmp_path / "cafe.ledger.sqlite"
    runner = CliRunner()
    for file in (f"{EXPORTS}/meta_placement.csv", SECOND):
        imported = runner.invoke(
            cli, ["actuals", "import", file, "--scenario", "cafe-chain-q1", "--ledger", str(ledger)]
        )
        assert imported.exit_code == 0, imported.output
    args = ["reallocate", "cafe-chain-q1", "--ledger", str(ledger), "--as-of", as_of.isoformat()]
    run = runner.invoke(cli, [*args, "--json"])
    assert run.exit_code == 0, run.output
    document = json.loads(run.stdout)
    past = document["past"]
    # Past spend and past conversions come from the same days of the same rows.
    assert past["spend"] == pytest.approx(
        sum(s * share for (_, _, s, _), share in zip(META, shares, strict=True)), rel=1e-9
    )
    assert past["conversions"] == pytest.approx(
        sum(c * share for (*_, c), share in zip(META, shares, strict=True)), rel=1e-9
    )
    assert past["last_day"] == (as_of - dt.timedelta(days=1)).isoformat()
    if current_period is None:
        assert past["current_period"] is None
    else:
        assert {k: past["current_period"][k] for k in current_period} == current_period
    # The projection is the past actuals plus the plan for the rest.
    rest = document["allocation"]
    projected = document["projection"]["projected"]
    assert projected["spend"] == pytest.approx(past["spend"] + sum(a["spend"] for a in rest), rel=1e-9)
    assert projected["conversions"] == pytest.approx(
        past["conversions"] + sum(a["conversions"] for a in rest), rel=1e-9
    )
    unused = [row for (first, *_), share in zip(META, shares, strict=True) if share == 0.0 for row in [first]]
    assert {r["start"] for r in document["unused_rows"]} == {d.isoformat() for d in unused}
    split = {r["start"]: r["share"] for r in document["split_rows"]}
    assert split == {first.isoformat(): share for (first, *_), share in zip(META, shares, strict=True) if 0 < share < 1}
    human = runner.invoke(cli, args)
    assert human.exit_code == 0, human.output
    assert f"Past: 2027-01-04 to {as_of - dt.timedelta(days=1)}" in human.output
    headers = {
        "2027-01-08": "(0 weeks and 4 days spent, the rest of week 1 and 12 weeks to go)",
        "2027-01-18": "(2 weeks spent, 11 to go)",
        "2027-01-27": "(3 weeks and 2 days spent, the rest of week 4 and 9 weeks to go)",
    }
    assert human.output.splitlines()[0] == f"cafe-chain-q1: reallocation as of {as_of} {headers[as_of.isoformat()]}"
    assert (
        "Rule: --as-of is the first day not yet spent: a ledger row that ends before it counts whole;" in human.output
    )
    if unused:
        assert "3 rows after the as-of date, not used (€1,200.00, 90.0 conversions)" in human.output


def test_excluded_campaigns_are_left_out_of_the_past(tmp_path):
    ledger = tmp_path / "cafe.ledger.sqlite"
    runner = CliRunner()
    for file in (f"{EXPORTS}/meta_placement.csv", SECOND):
        runner.invoke(cli, ["actuals", "import", file, "--scenario", "cafe-chain-q1", "--ledger", str(ledger)])
    args = ["reallocate", "cafe-chain-q1", "--ledger", str(ledger), "--as-of", "2027-02-01"]
    run = runner.invoke(cli, [*args, "--exclude-campaign", "REELS$", "--json"])
    assert run.exit_code == 0, run.output
    document = json.loads(run.stdout)
    excluded = document["excluded_rows"]
    assert [(r["campaign"], r["start"]) for r in excluded] == [
        ("Q1 pre-orders - reels", "2027-01-04"),
        ("Q1 pre-orders - reels", "2027-01-18"),
    ]
    reels = sum(r["spend"] for r in excluded)
    assert reels > 0
    # The excluded campaign's money was spent: it stays in the past; only its conversions are left out.
    assert document["past"]["spend"] == pytest.approx(262.40 + 353.58 + 300.00 + 400.00 + reels)
    assert document["past"]["conversions"] == pytest.approx(19 + 37 + 20 + 30)
    assert not any("matches no campaign" in w for w in document["warnings"])
    typo = json.loads(runner.invoke(cli, [*args, "--exclude-campaign", "REELZ$", "--json"]).stdout)
    assert (
        "--exclude-campaign 'REELZ$' matches no campaign in the ledger: nothing was excluded by it" in typo["warnings"]
    )
    assert typo["excluded_rows"] == []
    everything = json.loads(runner.invoke(cli, [*args, "--json"]).stdout)
    assert everything["past"]["spend"] == pytest.approx(document["past"]["spend"])
    assert everything["past"]["clicks"] == pytest.approx(document["past"]["clicks"])
    assert everything["past"]["conversions"] == pytest.approx(document["past"]["conversions"] + 71)
    assert (
        "2 rows excluded on request: their 71.0 conversions are left out and the rates learned without them; "
        f"their spend before the as-of date (€{reels:,.2f}) stays spent: instagram.reel 'Q1 pre-orders - reels'"
    ) in "\n".join(document["warnings"])
    bad = runner.invoke(cli, [*args, "--exclude-campaign", "Display (test"])
    assert bad.exit_code == 1
    assert bad.stderr.strip() == (
        "Error: --exclude-campaign 'Display (test' is not a regular expression (missing ), unterminated subpattern "
        "at position 8); escape special characters, such as 'Display \\(test\\)'"
    )


def test_the_days_of_a_cut_period_are_read_against_the_curve_scaled_to_them():
    scenario = resolve(merged(BASE, {"start": "2027-01-04", "periods": {"count": 4}}), "<test>")
    market = build_market(scenario)
    # 600 EUR on instagram.reel over the first three days of week 1: 90,000 impressions, 1,100 clicks, 30 conversions.
    row = LedgerRow(
        "generic", "x", "", "", START, START + dt.timedelta(days=2), "instagram", "reel", 600, 90000, 1100, 30
    )
    covered = np.where(market.period_of == 0, 3 / 7, 0.0)
    item = next(i for i in learn(scenario, market, [row], covered) if i.cell == "instagram.reel")
    reel = market.cell_keys.index("instagram.reel") * 4
    # By hand: three sevenths of week 1 buy 3/7 · f(600 · 7/3) on week 1's curve.
    spend = np.zeros(len(market.period_of))
    spend[reel] = 600 * 7 / 3
    model = 3 / 7 * market.curves.value(spend)[reel]
    cpm0, ctr0, cvr0 = 7.5 * 1.1, 0.01 * 1.3, 0.03
    expected = 1100 * model / (600 * 1000 / cpm0 * ctr0)
    m0 = 300 * cvr0
    assert item.cvr.mean == pytest.approx(cvr0 * (m0 + 30) / (m0 + expected))
