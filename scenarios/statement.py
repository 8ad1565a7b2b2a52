"""The plan's P&L by calendar month, in the contribution-margin layout finance reads.

Costs are negative numbers, so every subtotal is the sum of the lines above
it. Revenue, orders and media spend fall on the days they happen (a
period's spend spread evenly over its days); production is spread evenly
over the horizon's days; monthly costs are charged by calendar month.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from scenarios.calendar import horizon
from scenarios.jsonable import finite
from scenarios.market import Market
from scenarios.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

#: The subtotals, each the sum of the lines since the previous one (and the previous subtotal).
SUBTOTALS = ("net_revenue", "cm1", "cm2", "media_total", "cm3", "marketing_contribution")

DEFINITIONS = {
    "gross_revenue": "orders × value per conversion, before returns: net revenue / (1 − returns rate)",
    "returns": "the share of gross revenue that comes back (business.returns_rate)",
    "net_revenue": "gross revenue less returns: conversions × business.value_per_conversion",
    "cogs": "cost of goods sold: net revenue × (1 − business.gross_margin)",
    "cm1": "contribution margin 1 (gross margin): net revenue − cost of goods",
    "fulfilment": "picking, packing and shipping: business.fulfilment_per_conversion per order",
    "payment_fees": "payment provider fees: business.payment_fee_rate × gross revenue",
    "cm2": "contribution margin 2: CM1 − fulfilment − payment fees",
    "media": "paid media spend per channel, on the days it is spent",
    "media_total": "all paid media",
    "cm3": "contribution margin 3 (after marketing media): CM2 − paid media",
    "content_production": "production of the cells used and the creatives they wear out, spread over the horizon",
    "agency": "business.monthly_costs.agency per calendar month (part months pro rata by days)",
    "team": "business.monthly_costs.team per calendar month (part months pro rata by days)",
    "tools": "business.monthly_costs.tools per calendar month (part months pro rata by days)",
    "marketing_contribution": "CM3 − content production − agency − team − tools: what social media adds to the "
    "business after all its costs (the optimizer's profit)",
    "roas": "net revenue / paid media",
    "roi": "marketing contribution / all marketing costs (media, production, agency, team, tools)",
    "cac": "all marketing costs / conversions (customer acquisition cost)",
    "payback_months": "months of CM2 per conversion, earned over business.value_months, that repay the CAC",
    "break_even_budget": "the smallest media budget whose optimal plan (under all the scenario's rules and KPIs) "
    "has a marketing contribution of zero or more; break_even_at_kpi_edge says when no smaller budget can meet "
    "the KPIs at all, so the budget that first meets them already pays for itself",
}


@dataclass(frozen=True)
class DailyPlan:
    """What a plan does day by day: media spend per channel (channels × days), orders and net revenue per day.

    `production` is the plan's production cost over the horizon (currency).
    """

    spend: np.ndarray
    orders: np.ndarray
    net_revenue: np.ndarray
    production: float


@dataclass(frozen=True)
class Statement:
    """A P&L: one value per month and a total for each line, the KPIs, and the definitions used.

    `conversions` are the plan's conversions (orders) in each month;
    `targets` the scenario's KPI targets against the plan's figures (`name`,
    `sense`, `target`, `value`, `met`).
    """

    scenario: str
    variant: str | None
    currency: str
    months: tuple[str, ...]
    lines: list[dict[str, Any]]
    kpis: dict[str, float | None]
    definitions: dict[str, str]
    conversions: tuple[float, ...] = ()
    targets: tuple[dict[str, Any], ...] = ()

    def line(self, name: str) -> dict[str, Any]:
        """The line called `name`."""
        return next(line for line in self.lines if line["name"] == name)

    def to_frame(self) -> pd.DataFrame:
        """The lines as a pandas DataFrame: one row per line (index: its name), a column per month, then `total`.

        Money in the statement's currency, costs negative; the label of each line is in the `label` column.
        """
        import pandas as pd  # only notebook users pay for importing pandas

        frame = pd.DataFrame(
            [[line["label"], *line["values"], line["total"]] for line in self.lines],
            index=pd.Index([line["name"] for line in self.lines], name="line"),
            columns=["label", *self.months, "total"],
        )
        return frame

    def to_dict(self) -> dict[str, Any]:
        """The `pnl --json` document."""
        return finite(
            {
                "scenario": self.scenario,
                "variant": self.variant,
                "currency": self.currency,
                "months": list(self.months),
                "lines": self.lines,
                "kpis": self.kpis,
                "definitions": self.definitions,
                "kpi_targets": list(self.targets),
            }
        )


def daily_plan(scenario: Scenario, market: Market, spend: np.ndarray, production: float) -> DailyPlan:
    """The expected day-by-day P&L inputs of `spend` (currency per slot, the market's order)."""
    h = horizon(scenario)
    cells, periods = len(market.cell_keys), market.periods
    per_day = 1.0 / h.days_in_period[h.period_of_day]
    slot_spend = np.asarray(spend, dtype=float).reshape(cells, periods)
    slot_conversions = market.curves.value(spend).reshape(cells, periods)
    cell_spend = slot_spend[:, h.period_of_day] * per_day
    channel_spend = np.zeros((len(market.channels), h.days))
    np.add.at(channel_spend, market.cell_channel, cell_spend)
    orders = (slot_conversions[:, h.period_of_day] * per_day).sum(axis=0) + market.carried_conversions / h.days
    return DailyPlan(channel_spend, orders, orders * market.value_per_conversion, production)


def statement(scenario: Scenario, daily: DailyPlan, variant: str | None = None) -> Statement:
    """The monthly P&L of a day-by-day plan."""
    h = horizon(scenario)
    b = scenario.business
    months = len(h.months)

    def monthly(per_day: np.ndarray) -> np.ndarray:
        return np.bincount(h.month_of_day, weights=per_day, minlength=months)

    net = monthly(daily.net_revenue)
    orders = monthly(daily.orders)
    gross = net / (1.0 - b.returns_rate)
    rows: list[tuple[str, str, np.ndarray]] = [
        ("gross_revenue", "Gross revenue", gross),
        ("returns", "Returns", net - gross),
        ("net_revenue", "Net revenue", net),
        ("cogs", "Cost of goods sold", -net * (1.0 - b.gross_margin)),
    ]
    rows.append(("cm1", "CM1 (gross margin)", rows[2][2] + rows[3][2]))
    fulfilment = -b.fulfilment_per_conversion * orders
    fees = -b.payment_fee_rate * gross
    rows += [("fulfilment", "Fulfilment", fulfilment), ("payment_fees", "Payment fees", fees)]
    rows.append(("cm2", "CM2", rows[4][2] + fulfilment + fees))
    media = [-monthly(daily.spend[j]) for j in range(daily.spend.shape[0])]
    channels = list(scenario.channels)
    rows += [(f"media.{name}", f"Media: {name}", values) for name, values in zip(channels, media, strict=True)]
    media_total = np.sum(media, axis=0) if media else np.zeros(months)
    rows.append(("media_total", "Paid media", media_total))
    cm2 = rows[7][2]
    rows.append(("cm3", "CM3", cm2 + media_total))
    production = -monthly(np.full(h.days, daily.production / h.days))
    costs = b.monthly_costs
    fixed = [(name, -getattr(costs, name) * h.month_share) for name in ("agency", "team", "tools")]
    rows.append(("content_production", "Content production", production))
    rows += [(name, name.capitalize(), values) for name, values in fixed]
    contribution = cm2 + media_total + production + sum(values for _, values in fixed)
    rows.append(("marketing_contribution", "Marketing contribution", contribution))
    lines = [
        {"name": name, "label": label, "values": [float(v) + 0.0 for v in values], "total": float(values.sum()) + 0.0}
        for name, label, values in rows
    ]
    totals = {name: float(values.sum()) + 0.0 for name, _, values in rows}
    spent = -totals["media_total"]
    marketing = spent - totals["content_production"] - sum(totals[n] for n in ("agency", "team", "tools"))
    conversions = float(orders.sum())
    cac = marketing / conversions if conversions > 0 else None
    cm2_per = totals["cm2"] / conversions if conversions > 0 else None
    kpis: dict[str, float | None] = {
        "roas": totals["net_revenue"] / spent if spent > 0 else None,
        "roi": totals["marketing_contribution"] / marketing if marketing > 0 else None,
        "cac": cac,
        "payback_months": b.value_months * cac / cm2_per if cac is not None and cm2_per and cm2_per > 0 else None,
        "break_even_budget": None,
        "break_even_at_kpi_edge": None,
    }
    by_month = tuple(float(v) for v in orders)
    return Statement(scenario.name, variant, scenario.currency, h.months, lines, kpis, dict(DEFINITIONS), by_month)
