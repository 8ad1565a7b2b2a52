"""The KPI floors and caps as linear rows on spend, total conversions and paid reach."""

from __future__ import annotations

import numpy as np

from optimizer.rows import BOUNCE, CPA, ROAS, Row
from scenarios import Market, Scenario


def kpi_rows(scenario: Scenario, market: Market) -> list[Row]:
    k = scenario.kpis
    n = len(market.channel_of)
    cells = np.arange(n)
    imp = market.impressions_per_currency_unit
    organic_eng = float(market.organic.engagement.sum())
    organic_new = float(market.organic.new_followers.sum())
    rows = []
    cur = scenario.currency
    conv = scenario.business.conversion
    if k.min_reach is not None:
        rows.append(
            Row(
                "kpi.min_reach",
                ">=",
                k.min_reach,
                k.min_reach,
                cells,
                np.zeros(n),
                reach=np.ones(len(market.channels)),
                label="the reach floor",
                unit="people",
            )
        )
    if k.min_clicks is not None:
        rows.append(
            Row(
                "kpi.min_clicks",
                ">=",
                k.min_clicks,
                k.min_clicks,
                cells,
                imp * market.ctr,
                label="the clicks floor",
                unit="clicks",
            )
        )
    if k.min_engagement is not None:
        rows.append(
            Row(
                "kpi.min_engagement",
                ">=",
                k.min_engagement,
                k.min_engagement - organic_eng,
                cells,
                imp * market.engagement_rate,
                label="the engagement floor",
                unit="engagements",
            )
        )
    if k.min_new_followers is not None:
        follows_per_currency_unit = imp * market.engagement_rate * market.follow_rate[market.channel_of]
        rows.append(
            Row(
                "kpi.min_new_followers",
                ">=",
                k.min_new_followers,
                k.min_new_followers - organic_new,
                cells,
                follows_per_currency_unit,
                label="the new-followers floor",
                unit="followers",
            )
        )
    if k.min_conversions is not None:
        rows.append(
            Row(
                "kpi.min_conversions",
                ">=",
                k.min_conversions,
                k.min_conversions,
                cells,
                np.zeros(n),
                conversions=1.0,
                label=f"the {conv} target",
                unit=f"{conv}s",
            )
        )
    if k.max_cpa is not None:
        rows.append(
            Row(
                "kpi.max_cpa",
                "<=",
                k.max_cpa,
                0.0,
                cells,
                np.ones(n),
                conversions=-k.max_cpa,
                kind=CPA,
                label="the CPA cap",
                unit=cur,
            )
        )
    if k.min_roas is not None:
        rows.append(
            Row(
                "kpi.min_roas",
                "<=",
                k.min_roas,
                0.0,
                cells,
                np.full(n, k.min_roas),
                conversions=-market.value_per_conversion,
                kind=ROAS,
                label="the ROAS floor",
                unit="x",
            )
        )
    if k.max_bounce_rate is not None:
        coef = imp * market.ctr * (market.bounce_rate - k.max_bounce_rate)
        rows.append(
            Row(
                "kpi.max_bounce_rate",
                "<=",
                k.max_bounce_rate,
                0.0,
                cells,
                coef,
                kind=BOUNCE,
                label="the bounce-rate cap",
                unit="share",
            )
        )
    if k.max_negative_feedback is not None:
        rows.append(
            Row(
                "kpi.max_negative_feedback",
                "<=",
                k.max_negative_feedback,
                k.max_negative_feedback,
                cells,
                imp * market.negative_rate,
                label="the negative-feedback cap",
                unit="reports",
            )
        )
    return rows
