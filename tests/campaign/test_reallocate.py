"""Learning from actuals and reallocating the rest of the quarter."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from click.testing import CliRunner
from scipy import stats

from campaign.cli import cli
from campaign.ledger import Ledger, LedgerRow
from campaign.reallocate import reallocate
from optimizer import Optimizer
from scenarios.learning import learn
from scenarios.library import library_path
from scenarios.loader import load_scenario, resolve
from scenarios.market_build import build_market
from tests.campaign.test_reallocate_reasons import check_reasons
from tests.conftest import BASE, merged

START = dt.date(2027, 1, 4)


@pytest.fixture
def cafe():
    return load_scenario(library_path("cafe-chain-q1"))


def week(p: int) -> tuple[dt.date, dt.date]:
    return START + dt.timedelta(days=7 * (p - 1)), START + dt.timedelta(days=7 * p - 1)


def as_planned(result, weeks: int, scale: dict[str, float] | None = None) -> list[LedgerRow]:
    """Ledger rows that are exactly what the plan expected in its first `weeks` weeks (optionally scaled)."""
    scale = scale or {}
    rows = []
    for a in result.allocation:
        if a.period > weeks or a.spend <= 0:
            continue
        cell = f"{a.channel}.{a.format}"
        factor = scale.get(cell, 1.0)
        first, last = week(a.period)
        rows.append(
            LedgerRow(
                "generic",
                cell,
                "",
                "",
                first,
                last,
                a.channel,
                a.format,
                a.spend,
                a.impressions,
                a.clicks,
                a.conversions * factor,
            )
        )
    return rows


def test_posteriors_by_hand():
    scenario = resolve(merged(BASE, {"start": "2027-01-04", "periods": {"count": 4}}), "<test>")
    market = build_market(scenario)
    # 1,000 EUR on instagram.reel in week 1: 150,000 impressions, 1,800 clicks, 40 conversions.
    first, last = week(1)
    row = LedgerRow("generic", "x", "", "", first, last, "instagram", "reel", 1000, 150000, 1800, 40)
    item = next(i for i in learn(scenario, market, [row]) if i.cell == "instagram.reel")
    cpm0, ctr0, cvr0 = 7.5 * 1.1, 0.01 * 1.3, 0.03
    lam = (20000 + 150000) / (20000 / (1000 / cpm0) + 1000)
    assert item.cpm.mean == pytest.approx(1000 / lam)
    assert item.ctr.mean == pytest.approx((20000 * ctr0 + 1800) / (20000 + 150000))
    spend = [
        1000 if (c == market.cell_keys.index("instagram.reel") and t == 0) else 0 for c in range(4) for t in range(4)
    ]
    model = market.curves.value(spend).sum()
    # What the curve expects per click at that spend, times the clicks actually had.
    expected = 1800 * model / (1000 * 1000 / cpm0 * ctr0)
    m0 = 300 * cvr0
    assert item.cvr.mean == pytest.approx(cvr0 * (m0 + 40) / (m0 + expected))
    kappa = stats.gamma(m0 + 40, scale=1 / (m0 + expected))
    assert item.cvr.low == pytest.approx(cvr0 * kappa.ppf(0.05))
    assert item.cvr.high == pytest.approx(cvr0 * kappa.ppf(0.95))
    untouched = next(i for i in learn(scenario, market, [row]) if i.cell == "tiktok.video")
    assert untouched.cvr.mean == pytest.approx(untouched.cvr.plan)


def test_actuals_exactly_as_planned_keep_the_current_plan(cafe):
    current = Optimizer().optimize(cafe)
    result = reallocate(cafe, as_planned(current, 4), dt.date(2027, 2, 1))
    assert result.past_periods == 4
    assert result.changes == []
    for old, new in zip(current.allocation, result.result.allocation, strict=True):
        assert new.spend == pytest.approx(old.spend, rel=1e-9, abs=1e-9)


def test_past_spend_stays_and_moves_respect_the_limit(cafe):
    current = Optimizer().optimize(cafe)
    # Reels convert half again as well as planned; Facebook feed images half as well.
    rows = as_planned(current, 3, {"instagram.reel": 1.5, "facebook.feed_image": 0.5})
    result = reallocate(cafe, rows, dt.date(2027, 1, 25), max_change=0.2)
    assert result.past_periods == 3
    spent = {(r.channel, r.format, (r.start - START).days // 7 + 1): r.spend for r in rows}
    for new in result.result.allocation:
        if new.period <= 3:
            assert new.spend == pytest.approx(spent.get((new.channel, new.format, new.period), 0.0), abs=1e-9)
    old = {(a.channel, a.format, a.period): a.spend for a in current.allocation}
    for new in result.result.allocation:
        if new.period > 3:
            before = old[(new.channel, new.format, new.period)]
            assert before * 0.8 - 1e-6 <= new.spend <= before * 1.2 + 1e-6
    reels = [c for c in result.changes if c["format"] == "reel" and c["channel"] == "instagram"]
    feed = [c for c in result.changes if (c["channel"], c["format"]) == ("facebook", "feed_image")]

    def moved(changes):
        return sum(c["new_spend"] for c in changes) / sum(c["old_spend"] for c in changes) - 1

    # The cell that converts better gains against the one that converts worse.
    assert moved(reels) > moved(feed)
    for change in reels:
        # The observed rates beside the learned ones.
        assert "CVR 12.37 % (" in change["reason"]
    check_reasons(cafe, result, rows, dt.date(2027, 1, 25))
    assert moved(feed) < 0
    assert result.projection["projected"]["spend"] <= cafe.budget.total * (1 + 1e-6)


def test_the_cli_prints_the_contract_and_refuses_bad_dates(tmp_path, cafe):
    runner = CliRunner()
    ledger = tmp_path / "l.sqlite"
    current = Optimizer().optimize(cafe)
    with Ledger(ledger) as book:
        book.record(tmp_path / "x.csv", "h", "generic", "EUR", "cafe-chain-q1", as_planned(current, 2))
    args = ["reallocate", "cafe-chain-q1", "--ledger", str(ledger)]
    document = json.loads(runner.invoke(cli, [*args, "--as-of", "2027-01-18", "--json"]).stdout)
    assert {"allocation", "totals", "constraints", "changes", "as_of", "at_risk", "projection"} <= set(document)
    assert min(a["period"] for a in document["allocation"]) == 3
    for bad, message in [
        ("2027-01-04", "is not after the start of the horizon (2027-01-04)"),
        ("2026-12-01", "is not after the start of the horizon"),
        ("2027-05-01", "is after the end of the horizon (2027-04-04)"),
    ]:
        result = runner.invoke(cli, [*args, "--as-of", bad])
        assert result.exit_code == 1, result.output
        assert message in result.output
    # Not a date at all is a bad option value: a usage error.
    result = runner.invoke(cli, [*args, "--as-of", "1 Feb"])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--as-of': '1 Feb' is not a date; expected YYYY-MM-DD, such as 2027-02-01" in (
        result.output
    )
    missing = runner.invoke(
        cli, ["reallocate", "cafe-chain-q1", "--as-of", "2027-02-01", "--ledger", str(tmp_path / "no.sqlite")]
    )
    assert missing.exit_code == 1
    assert "no ledger yet" in missing.output
    assert math.isfinite(document["totals"]["conversions"])


@pytest.mark.parametrize(("name", "variant", "weeks"), [("fashion-holiday", None, 1), ("cafe-chain-q1", "lean", 6)])
def test_actuals_as_planned_keep_the_plan_in_other_scenarios(name, variant, weeks):
    scenario = load_scenario(library_path(name), variant)
    current = Optimizer().optimize(scenario, variant=variant)
    start = scenario.start
    rows = []
    for a in current.allocation:
        if a.period <= weeks and a.spend > 0:
            first = start + dt.timedelta(days=7 * (a.period - 1))
            rows.append(
                LedgerRow(
                    "generic",
                    "x",
                    "",
                    "",
                    first,
                    first + dt.timedelta(days=6),
                    a.channel,
                    a.format,
                    a.spend,
                    a.impressions,
                    a.clicks,
                    a.conversions,
                )
            )
    result = reallocate(scenario, rows, start + dt.timedelta(days=7 * weeks), variant=variant)
    assert result.changes == []


def test_targets_at_risk_are_judged_on_what_was_learned(cafe):
    current = Optimizer().optimize(cafe)
    poor = {f"{a.channel}.{a.format}": 0.2 for a in current.allocation}
    result = reallocate(cafe, as_planned(current, 4, poor), dt.date(2027, 2, 1))
    # A month of pre-orders at a fifth of the plan: the quarter's CPA and ROAS, counted with the actual
    # pre-orders so far, miss their targets.
    names = {r["name"] for r in result.at_risk}
    assert {"max_cpa", "min_roas"} <= names
    for risk in result.at_risk:
        assert risk["projected"] is not None


def test_a_ledger_with_gaps_or_overspent_weeks_is_refused(cafe):
    current = Optimizer().optimize(cafe)
    rows = [r for r in as_planned(current, 3) if r.start != week(2)[0]]
    with pytest.raises(Exception, match="the ledger has no actuals for week 2, before --as-of"):
        reallocate(cafe, rows, dt.date(2027, 1, 25))
    first, last = week(1)
    heavy = [*as_planned(current, 1), LedgerRow("generic", "y", "", "", first, last, "tiktok", "spark", 2600, 1, 0, 0)]
    with pytest.raises(Exception, match=r"is above budget\.per_period\.max"):
        reallocate(cafe, heavy, dt.date(2027, 1, 11))
