"""The P&L as a pandas DataFrame carries exactly the numbers of the `pnl --json` document."""

from __future__ import annotations

import numpy as np

from scenarios.loader import load_scenario
from scenarios.market_build import build_market
from scenarios.statement import daily_plan, statement


def test_the_frame_holds_every_line_month_and_total_of_the_document():
    scenario = load_scenario("cafe-chain-q1")
    market = build_market(scenario)
    spend = np.full(len(market.channel_of), scenario.budget.total / len(market.channel_of))
    sheet = statement(scenario, daily_plan(scenario, market, spend, 0.0))
    frame = sheet.to_frame()
    document = sheet.to_dict()
    assert list(frame.columns) == ["label", *document["months"], "total"]
    assert list(frame.index) == [line["name"] for line in document["lines"]]
    for line in document["lines"]:
        row = frame.loc[line["name"]]
        assert row["label"] == line["label"]
        assert [row[month] for month in document["months"]] == line["values"]
        assert row["total"] == line["total"]
    assert np.isclose(frame.loc["media_total", "total"], -float(spend.sum()), rtol=1e-12)
