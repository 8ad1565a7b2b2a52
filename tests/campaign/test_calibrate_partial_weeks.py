"""`campaign calibrate` on a history that starts on a Thursday and ends on a Tuesday: the partial first and last
weeks are left out, named in a warning, and the fit is the one on the whole weeks alone."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from campaign.ledger_rows import LedgerRow
from tests.campaign.test_calibrate import ledger_of, past, run  # noqa: F401 (past is a fixture)

FIRST, LAST = dt.date(2026, 8, 20), dt.date(2026, 12, 29)  # a Thursday and a Tuesday


def daily_rows(history) -> list[LedgerRow]:
    """Each week's figures as seven rows of a day, one seventh each, from FIRST to LAST."""
    out = []
    for c, cell in enumerate(history.cells):
        channel, fmt = cell.split(".", 1)
        for w, monday in enumerate(history.weeks):
            figures = [float(a[c, w]) / 7 for a in (history.spend, history.impressions, history.clicks)]
            figures.append(float(history.conversions[c, w]) / 7)
            for d in range(7):
                day = monday + dt.timedelta(days=d)
                if FIRST <= day <= LAST:
                    out.append(LedgerRow("generic", f"c-{cell}", "", "", day, day, channel, fmt, *figures))
    return out


def test_the_partial_first_and_last_weeks_are_left_out_and_named(tmp_path, past):  # noqa: F811
    assert FIRST.weekday() == 3
    assert LAST.weekday() == 1
    rows = daily_rows(past)
    ledger = ledger_of(tmp_path, rows)
    doc = json.loads(run("calibrate", "cafe-chain-q1", "--ledger", str(ledger), "--json").output)
    # The whole weeks, by hand: Monday 2026-08-24 (after Thursday 2026-08-20) to Sunday 2026-12-27 (before the
    # Monday of Tuesday 2026-12-29), 18 weeks.
    first, last = dt.date(2026, 8, 24), dt.date(2026, 12, 27)
    assert doc["range"] == {"from": str(first), "to": str(last)}
    assert doc["weeks"] == (last - first).days // 7 + 1 == 18
    for cell in doc["cells"]:
        assert cell["weeks"] == 18
        spend = sum(r.spend for r in rows if f"{r.channel}.{r.format}" == cell["cell"] and first <= r.start <= last)
        assert cell["spend"] == pytest.approx(spend, rel=1e-12)
    # A whole week's sum, by hand: the seven rows of facebook.reel's week of 2026-09-07.
    monday = dt.date(2026, 9, 7)
    week = [r for r in rows if (r.channel, r.format) == ("facebook", "reel") and 0 <= (r.start - monday).days < 7]
    assert len(week) == 7
    w, c = past.weeks.index(monday), past.cells.index("facebook.reel")
    assert sum(r.spend for r in week) == pytest.approx(float(past.spend[c, w]), rel=1e-12)
    cells = len(past.cells)
    assert doc["warnings"][0] == (
        f"2 partial weeks ({2 * cells} cell-weeks) left out of the fit and the held-out check: a cell's week counts "
        "only when its rows cover all 7 days; week of 2026-08-17: only 4 of 7 days covered (every cell); "
        "week of 2026-12-28: only 2 of 7 days covered (every cell)"
    )
    # The fit and the held-out check are those of the whole weeks' rows alone.
    whole = [r for r in rows if first <= r.start <= last]
    alone = json.loads(
        run("calibrate", "cafe-chain-q1", "--ledger", str(ledger_of(tmp_path, whole, "whole.sqlite")), "--json").output
    )
    assert alone["warnings"] == doc["warnings"][1:]
    assert {k: v for k, v in alone.items() if k not in ("ledger", "warnings")} == {
        k: v for k, v in doc.items() if k not in ("ledger", "warnings")
    }
    text = run("calibrate", "cafe-chain-q1", "--ledger", str(ledger)).output
    assert f"calibrated from 18 full weeks of {ledger.name} (Monday {first} to Sunday {last})" in text
    assert "warning: 2 partial weeks" in text


def test_a_history_of_partial_weeks_only_is_refused_saying_so(tmp_path, past):  # noqa: F811
    rows = [r for r in daily_rows(past) if r.start.weekday() != 2]  # no Wednesday: no week is whole
    result = run("calibrate", "cafe-chain-q1", "--ledger", str(ledger_of(tmp_path, rows)))
    assert result.exit_code == 1
    weeks = len({r.start - dt.timedelta(days=r.start.weekday()) for r in rows}) * len(past.cells)
    assert (
        f"every cell has fewer than 2 weeks of history (no whole week; {weeks} partial cell-weeks left out, with rows "
        "for fewer than 7 days); calibration needs at least 2 weeks of a cell, each with rows for all 7 days"
    ) in " ".join(result.output.split())
