"""Platform exports written from a weekly history import back into the same weekly history."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from campaign.app.common import history_rows
from campaign.cli import cli
from campaign.exports import read_export
from campaign.synthetic_exports import literals, split, write_exports
from scenarios.errors import UsageError
from scenarios.history import WeeklyHistory, weekly
from scenarios.library import library_path
from scenarios.loader import load_scenario, resolve

CAFE = "cafe-chain-q1"


def small_history(cells: tuple[str, ...], seed: int = 5) -> WeeklyHistory:
    """Five weeks before the café's start: spend with many decimals, whole counts, some weeks without figures."""
    rng = np.random.default_rng(seed)
    weeks = tuple(dt.date(2026, 11, 30) + dt.timedelta(days=7 * w) for w in range(5))
    shape = (len(cells), len(weeks))
    spend = rng.uniform(20.0, 1400.0, shape)
    spend[0, 0] = 100.125  # exactly half a cent (a binary fraction): written as 100.12, half to even
    impressions = rng.integers(2_000, 200_000, shape).astype(float)
    clicks = np.floor(impressions * rng.uniform(0.002, 0.02, shape))
    conversions = np.floor(clicks * rng.uniform(0.0, 0.1, shape))
    observed = rng.random(shape) > 0.2
    observed[:, -1] = True
    observed[0, 0] = True
    zero = np.where(observed, 1.0, 0.0)
    return WeeklyHistory(cells, weeks, spend * zero, impressions * zero, clicks * zero, conversions * zero, observed)


def test_exports_of_a_history_import_back_into_the_same_weekly_figures(tmp_path):
    cafe = load_scenario(CAFE)
    cells = tuple(f"{c}.{f}" for c, ch in cafe.channels.items() for f in ch.formats)
    history = small_history(cells)
    folder = tmp_path / "exports"
    folder.mkdir()
    paths = write_exports(history, cafe, folder)
    # One file per platform the cells' first rules name: Meta, TikTok and Google Ads for the café.
    assert sorted(read_export(p).platform for p in paths) == ["google", "meta", "tiktok"]
    ledger = tmp_path / "l.sqlite"
    args = ["actuals", "import", *map(str, paths), "--scenario", CAFE, "--ledger", str(ledger), "--json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output + result.stderr
    reports = json.loads(result.stdout)["imports"]
    assert all(r["unmapped"] == [] for r in reports)
    assert all(r["history"]["rows"] == r["rows"] for r in reports)  # every row is before 2027-01-04
    back = weekly(history_rows(ledger, cafe), cells)
    assert back.weeks == history.weeks
    assert back.set_aside == 0
    np.testing.assert_array_equal(back.observed, history.observed)
    # Whole counts come back exactly: `weekly` spreads a week's row over its seven days, so up to float error.
    for name in ("impressions", "clicks", "conversions"):
        np.testing.assert_array_equal(np.rint(getattr(back, name)), getattr(history, name))
        np.testing.assert_allclose(getattr(back, name), getattr(history, name), rtol=1e-12, atol=0)
    # Spend to the cent, half to even as Python rounds the float.
    np.testing.assert_allclose(back.spend, history.spend, rtol=0, atol=0.005 + 1e-9)
    assert back.spend[0, 0] == pytest.approx(100.12, abs=1e-9)
    cents = np.vectorize(lambda x: round(x, 2))(history.spend)
    np.testing.assert_allclose(back.spend, cents, rtol=0, atol=1e-9)


def test_a_day_breakdown_splits_each_week_exactly():
    for total in (0, 6, 7, 100, 12345):
        parts = split(total)
        assert sum(parts) == total
        assert max(parts) - min(parts) <= 1
        assert parts == sorted(parts, reverse=True)


def test_campaign_names_come_from_the_patterns_alternatives():
    assert literals("(?i)youtube|video") == ["youtube", "video"]
    assert literals("(?i)carousel") == ["carousel"]
    assert literals(r"^Q1 \d+$") == []


def test_a_cell_that_an_earlier_rule_always_claims_cannot_be_written(tmp_path):
    data = yaml.safe_load(library_path(CAFE).read_text(encoding="utf-8"))
    data["actuals"]["mapping"] = [
        {"platform": "meta", "platform_name": "instagram", "channel": "instagram", "format": "reel"},
        {
            "platform": "meta",
            "platform_name": "instagram",
            "campaign": "(?i)carousel",
            "channel": "instagram",
            "format": "carousel",
        },
    ]
    scenario = resolve(data, "<test>")
    history = small_history(("instagram.reel", "instagram.carousel"))
    with pytest.raises(UsageError, match=r"actuals.mapping\[1\] claims for instagram.carousel escapes the rules"):
        write_exports(history, scenario, tmp_path)
    assert list(Path(tmp_path).iterdir()) == []


def test_rows_that_map_onto_another_cell_are_caught_and_nothing_is_left(tmp_path, monkeypatch):
    import campaign.synthetic_exports as module

    cafe = load_scenario(CAFE)
    chosen = module.series

    def wrong(cell, index, rule, scenario):
        if cell == "instagram.carousel":  # in the Reels placement, which the reel rule before it claims
            return module.Series(cell, "meta", "History - carousel", "instagram", "Instagram Reels")
        return chosen(cell, index, rule, scenario)

    monkeypatch.setattr(module, "series", wrong)
    history = small_history(("instagram.reel", "instagram.carousel"))
    with pytest.raises(UsageError, match=r"map onto instagram\.reel, not instagram\.carousel"):
        write_exports(history, cafe, tmp_path)
    assert list(tmp_path.iterdir()) == []
