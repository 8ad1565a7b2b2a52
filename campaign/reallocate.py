"""Mid-campaign reallocation: spend to date fixed, the rest re-optimised on what the actuals taught.

Each cell's spend in each remaining period may move at most `max_change`
from the current plan (large edits restart the platforms' learning phase).
Among plans as good as the best (within the optimizer's tolerance), the one
closest to the current plan wins (`optimizer.reallocation`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from campaign import coverage, plausibility, reasons
from campaign.asof import FIELDS, RULE, PastActuals, past_actuals, unmatched, warnings
from optimizer import OptimizationResult, Optimizer, kpi_outlook, reoptimise, with_actuals, with_plan
from scenarios import (
    CellLearning,
    InfeasibleError,
    Plan,
    Scenario,
    UsageError,
    amount,
    build_market,
    by_period,
    derived,
    horizon,
    learn,
    updated_scenario,
)


@dataclass(frozen=True)
class Timeline:
    """Where `as_of` falls: `past` periods complete before it, and the period it cuts, if any.

    `current` is that period (0-based) with `days_past` of its `days` before
    `as_of`; None when `as_of` starts a period.
    """

    as_of: dt.date
    start: dt.date
    past: int
    current: int | None
    days_past: int
    days: int

    @property
    def share_left(self) -> float:
        """The share of the current period's days not yet spent (0 without one)."""
        return (self.days - self.days_past) / self.days if self.current is not None else 0.0

    def describe(self, unit: str) -> dict[str, Any] | None:
        """The current period, and how its remaining days are planned, for the JSON document."""
        if self.current is None:
            return None
        last = self.as_of + dt.timedelta(days=self.days - self.days_past - 1)
        left = self.days - self.days_past
        return {
            "period": self.current + 1,
            "days_past": self.days_past,
            "days": self.days,
            "rest": (
                f"{self.as_of} to {last}: the current plan's spend for {unit} {self.current + 1}, "
                f"{left}/{self.days} of it, at the learned rates"
            ),
        }


@dataclass(frozen=True)
class Reallocation:
    """The new plan and what changed, why, and what it means for the quarter's KPIs."""

    result: OptimizationResult
    as_of: dt.date
    past_periods: int
    changes: list[dict[str, Any]]
    learning: list[CellLearning]
    projection: dict[str, dict[str, float]]
    at_risk: list[dict[str, Any]]
    kpis_relaxed: bool
    timeline: Timeline
    actuals: PastActuals
    past: dict[str, float]
    warnings: list[str]
    suspects: list[dict[str, Any]]
    unit: str = "week"
    uncovered: tuple = ()
    #: The whole quarter's plan: the ledger's spend before `as_of` (and the cut period's rest as planned), the
    #: new plan after it.
    quarter: Plan | None = None

    def to_dict(self) -> dict[str, Any]:
        """The `reallocate --json` document: the optimize contract for the remaining periods, plus the changes.

        Allocation rows of the period `as_of` cuts hold its remaining days only
        (`share_of_period` < 1).
        """
        document = self.result.to_dict()
        document["allocation"] = [a for a in document["allocation"] if a["period"] > self.past_periods]
        t = self.timeline
        for row in document["allocation"]:
            row["share_of_period"] = t.share_left if t.current is not None and row["period"] == t.current + 1 else 1.0
        last = self.as_of - dt.timedelta(days=1)
        document |= {
            "as_of": self.as_of.isoformat(),
            "as_of_rule": RULE,
            "past_periods": self.past_periods,
            "past": {
                "first_day": t.start.isoformat(),
                "last_day": last.isoformat(),
                "periods": self.past_periods,
                "current_period": t.describe(self.unit),
                **self.past,
            },
            "split_rows": [_row_dict(row) | {"share": share} for row, share in self.actuals.split],
            "unused_rows": [_row_dict(row) for row in self.actuals.unused],
            "excluded_rows": [_row_dict(row) for row in self.actuals.excluded],
            "warnings": self.warnings,
            "uncovered_days": list(self.uncovered),
            "suspect_actuals": self.suspects,
            "changes": self.changes,
            "learning": [item.to_dict() for item in self.learning if item.spend > 0],
            "projection": self.projection,
            "at_risk": self.at_risk,
            "kpis_relaxed": self.kpis_relaxed,
        }
        return document


def _row_dict(row: Any) -> dict[str, Any]:
    return {
        "channel": row.channel,
        "format": row.format,
        "campaign": row.campaign,
        "start": row.start.isoformat(),
        "end": row.end.isoformat(),
        "spend": row.spend,
        "conversions": row.conversions,
    }


def timeline(scenario: Scenario, as_of: dt.date) -> Timeline:
    """Periods complete before `as_of` (the first day not yet spent) and the one it cuts; errors outside the horizon."""
    h = horizon(scenario)
    if h.start is None:
        raise UsageError(f"scenario '{scenario.name}' has no start date: reallocation needs one (start: YYYY-MM-DD)")
    last = h.start + dt.timedelta(days=h.days - 1)
    if as_of <= h.start:
        raise UsageError(f"--as-of {as_of} is not after the start of the horizon ({h.start}): nothing is spent yet")
    if as_of > last:
        raise UsageError(f"--as-of {as_of} is after the end of the horizon ({last}): nothing is left to reallocate")
    day = (as_of - h.start).days
    days = [np.flatnonzero(h.period_of_day == p) for p in range(scenario.periods.count)]
    past = int(sum(d.max() < day for d in days))
    period = int(h.period_of_day[day])
    first = int(days[period].min())
    if first == day:
        return Timeline(as_of, h.start, past, None, 0, 0)
    return Timeline(as_of, h.start, past, period, day - first, len(days[period]))


def elapsed_periods(scenario: Scenario, as_of: dt.date) -> int:
    """Periods complete before `as_of` (the first day not yet spent); errors outside the horizon."""
    return timeline(scenario, as_of).past


def reallocate(
    scenario: Scenario,
    rows: list[Any],
    as_of: dt.date,
    max_change: float = 0.2,
    variant: str | None = None,
    exclude: list[Any] | None = None,
) -> Reallocation:
    """Fix spend to date at the ledger's, learn the rates, and re-optimise the remaining periods.

    What counts as past follows `campaign.asof` (rows split by day at `as_of`); the
    period `as_of` cuts keeps the current plan's spend for its remaining days,
    pro rata, at the learned rates; re-optimisation starts with the next period.
    `exclude` holds compiled patterns: ledger rows whose campaign matches one are left out.
    """
    if not 0 <= max_change <= 10:
        raise UsageError(
            f"--max-change must be between 0 and 10 (a share of each cell's planned spend), got {max_change}"
        )
    clock = timeline(scenario, as_of)
    past = clock.past
    actuals = past_actuals(rows, as_of, exclude)
    no_match = unmatched(exclude or [], rows)
    market = build_market(scenario)
    current = Optimizer().optimize(scenario, variant=variant)
    plan = current.plan.spend
    gaps = coverage.uncovered(scenario, market, plan, rows, as_of)
    rows = actuals.rows  # from here on, only the days before as_of
    cut = market.period_of == clock.current if clock.current is not None else np.zeros(len(market.period_of), bool)
    # Each slot's share of its period's days spent: the curve the actuals are read against is scaled to them.
    past_share = np.where(market.period_of < past, 1.0, np.where(cut, 1.0 - clock.share_left, 0.0))
    learned = learn(scenario, market, rows, past_share)
    updated = updated_scenario(scenario, learned)
    cells, periods = len(market.cell_keys), market.periods
    spent = rows + actuals.spent  # the excluded rows' money was spent: it stays, without their conversions
    actual = {key: by_period(scenario, spent, market.cell_keys, key).ravel() for key in FIELDS}
    # The period as_of cuts: its days before as_of at the ledger's figures, the rest at the plan's spend, pro rata.
    rest = np.where(cut, plan * clock.share_left, 0.0)
    fixed = (market.period_of < past) | cut
    fixed_spend = actual["spend"] + rest
    lower = np.clip(plan * (1 - max_change), 0.0, None)
    upper = plan * (1 + max_change)
    lower = np.where(fixed, fixed_spend, lower)
    upper = np.where(fixed, fixed_spend, upper)
    _check_past(scenario, market, actual["spend"].reshape(cells, periods), fixed_spend, plan, past)
    # The days spent count at the conversions they actually brought, not at the model's; the rest of a
    # period cut by as_of at the learned model's: a share r of the period's days buys r · f(x / r),
    # and at the plan's pace (x = r · plan) that is r · f(plan).
    base = build_market(updated)
    rest_impressions = base.impressions(rest)
    remaining = {
        "spend": rest,
        "conversions": np.where(cut, clock.share_left * base.curves.value(plan), 0.0),
        "impressions": rest_impressions,
        "clicks": rest_impressions * base.ctr,
    }
    done = float(actual["conversions"].sum() + remaining["conversions"].sum())
    learned_market = with_actuals(base, fixed, done)
    start = np.where(fixed, fixed_spend, plan)
    notes: list[str] = []
    # The targets may not all be met any more within the move limits: then the objective alone is
    # planned for and the targets at risk are reported.
    moved = reoptimise(updated, learned_market, start, lower, upper, variant)
    relaxed = moved.relaxed
    if moved.result is None:
        # Not even the objective alone finds a plan within the limits (the rules themselves bind):
        # the current plan stands if it still meets them.
        # With no move allowed (--max-change 0) it stands whatever the past did to it, and the rules the
        # actuals pushed it over are named.
        if moved.broken and max_change > 0:
            raise InfeasibleError(
                "No plan for the remaining periods meets the rules within the move limits, and the current plan "
                "does not either; widen --max-change or review the rules."
            )
        if moved.broken:
            notes.append(
                "--max-change 0: the current plan stands unchanged, though the actuals before --as-of leave it "
                f"outside these rules: {', '.join(moved.broken)}"
            )
        result = current
    else:
        result = moved.result
    final = moved.spend
    result = with_plan(result, learned_market, final, cut, remaining)
    constraints = [c.to_dict() for c in result.constraints]
    changes = reasons.changes(scenario, market, learned_market, plan, final, fixed, learned, lower, upper, constraints)
    outlook = _outlook(learned_market, final, fixed, actual, remaining)
    result = replace(result, totals=dict(outlook.totals))  # the quarter's: the ledger's past, the plan after
    projection = {
        "original": {k: current.totals[k] for k in ("spend", "conversions", "clicks", "reach", "profit")},
        "projected": {k: outlook.totals[k] for k in ("spend", "conversions", "clicks", "reach", "profit")},
    }
    at_risk = [
        {"name": k.name, "target": k.target, "projected": k.value}
        for k in kpi_outlook(updated, learned_market, outlook)
        if not k.met
    ]
    summary = {key: float(actual[key].sum()) for key in FIELDS}
    suspect = plausibility.suspects(scenario, market, learned, rows)
    return Reallocation(
        result,
        as_of,
        past,
        changes,
        learned,
        projection,
        at_risk,
        relaxed,
        clock,
        actuals,
        summary,
        warnings(actuals, scenario.currency)
        + no_match
        + coverage.warning(gaps)
        + notes
        + [item["message"] for item in suspect],
        suspect,
        scenario.periods.unit,
        tuple(gaps),
        result.plan.with_spend(final),
    )


def _check_past(scenario: Scenario, market, actual: np.ndarray, fixed: np.ndarray, plan: np.ndarray, past: int) -> None:
    """Refuse a ledger that leaves out whole past periods, or whose fixed spend breaks a period's cap."""
    unit = scenario.periods.unit
    planned = plan.reshape(actual.shape).sum(axis=0)
    spent = actual.sum(axis=0)
    for t in range(past):
        if planned[t] > 0 and spent[t] <= 0:
            raise UsageError(
                f"the ledger has no actuals for {unit} {t + 1}, before --as-of: import that {unit}'s exports, or "
                "give an earlier --as-of (spend to date is what the ledger says)"
            )
    cap = scenario.budget.per_period.max
    if cap is None:
        return
    for t, total in enumerate(fixed.reshape(actual.shape).sum(axis=0)):
        if total > cap * (1 + 1e-6):
            raise UsageError(
                f"the ledger's spend in {unit} {t + 1} ({amount(total, scenario.currency, minor=True)}"
                f"{'' if t < past else ', with the rest of the ' + unit + ' as planned'}) is above "
                f"budget.per_period.max ({amount(cap, scenario.currency, minor=True)}): no plan can meet that rule "
                "any more; raise it to re-optimise"
            )


def _outlook(market, spend: np.ndarray, fixed: np.ndarray, actual: dict, rest: dict):
    """The quarter's expected outcomes: the ledger's actuals for the days spent, the learned model after.

    `actual` holds the ledger's figures per slot (days before as_of), `rest` the remaining days
    of the period as_of cuts; the market counts the fixed slots at their actual conversions already.
    """
    outcomes = market.outcomes(spend)
    t = dict(outcomes.totals)
    for key, per_slot in (("impressions", outcomes.impressions), ("clicks", outcomes.clicks)):
        t[key] = float(per_slot[~fixed].sum() + actual[key].sum() + rest[key].sum())
    # Bounces follow the clicks: the ledger's for the days spent, at each cell's bounce rate.
    clicks = np.where(fixed, actual["clicks"] + rest["clicks"], outcomes.clicks)
    t["bounces"] = float(clicks @ market.bounce_rate)
    t["revenue"] = t["conversions"] * market.value_per_conversion
    t["gross_margin"] = t["revenue"] * market.gross_margin
    t["profit"] = market.profit(t["conversions"], t["spend"], t["production"])
    ratios = derived(t, market.channel_impressions(spend), outcomes.reach)
    t |= {key: ratios[key] for key in ("bounce_rate", "cpa", "roas")}
    return replace(outcomes, totals=t)
