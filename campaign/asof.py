"""The one rule for actuals around `--as-of` (the first day not yet spent).

- a ledger row that ends before `as_of` is past, whole;
- a row that starts before `as_of` and ends on or after it is split by day:
  its spend, impressions, clicks and conversions count pro rata to its days
  before `as_of` (said so in a warning naming the row);
- a row that starts on or after `as_of` is not used ("after the as-of date,
  not used");
- a row the user excludes (`--exclude-campaign`) keeps its spend, impressions
  and clicks before `as_of` (that money was spent) but not its conversions,
  and no rate is learned from it.

Spend, conversions and every other figure of the past come from these same
rows, so past spend and past conversions always cover the same days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from scenarios import amount, number, percent

#: The rule in one sentence, printed with every reallocation (README: "Actuals around --as-of").
RULE = (
    "--as-of is the first day not yet spent: a ledger row that ends before it counts whole; a row that spans it "
    "counts pro rata to its days before it (spend, impressions, clicks and conversions alike); a row that starts "
    "on or after it is not used"
)

FIELDS = ("spend", "impressions", "clicks", "conversions")


@dataclass(frozen=True)
class PastActuals:
    """The ledger's rows as far as they fall before `as_of`.

    `rows` are what counts as past: whole rows and the past share of split
    ones (their `end` moved to the day before `as_of`); `split` the rows
    that span `as_of`, each with the share of its days counted; `unused` the
    rows that start on or after `as_of`; `excluded` the rows left out on the
    user's request, and `spent` their share before `as_of` with no
    conversions: their money was spent, so it stays in the past, but their
    conversions are not counted and no rate is learned from them.
    """

    as_of: dt.date
    rows: list[Any]
    split: list[tuple[Any, float]]
    unused: list[Any]
    excluded: list[Any]
    spent: list[Any]


def past_actuals(rows: list[Any], as_of: dt.date, exclude: list[Any] | None = None) -> PastActuals:
    """Apply the rule to ledger rows; `exclude` holds compiled patterns matched against campaign names."""
    past, split, unused, excluded, spent = [], [], [], [], []
    for row in rows:
        if any(pattern.search(row.campaign) for pattern in exclude or ()):
            excluded.append(row)
            if row.start < as_of:
                share = min(1.0, (as_of - row.start).days / ((row.end - row.start).days + 1))
                cut = {field: getattr(row, field) * share for field in FIELDS} | {"conversions": 0.0}
                spent.append(replace(row, end=min(row.end, as_of - dt.timedelta(days=1)), **cut))
        elif row.end < as_of:
            past.append(row)
        elif row.start >= as_of:
            unused.append(row)
        else:
            days = (row.end - row.start).days + 1
            share = (as_of - row.start).days / days
            split.append((row, share))
            cut = {field: getattr(row, field) * share for field in FIELDS}
            past.append(replace(row, end=as_of - dt.timedelta(days=1), **cut))
    return PastActuals(as_of, past, split, unused, excluded, spent)


def describe(row: Any) -> str:
    """A ledger row in words: cell, campaign and dates."""
    return f"{row.channel}.{row.format} '{row.campaign}' {row.start} to {row.end}"


def unmatched(patterns: list[Any], rows: list[Any]) -> list[str]:
    """A warning for each --exclude-campaign pattern that matches no campaign of the ledger (a typo, most often)."""
    return [
        f"--exclude-campaign '{p.pattern}' matches no campaign in the ledger: nothing was excluded by it"
        for p in patterns
        if not any(p.search(row.campaign) for row in rows)
    ]


def warnings(past: PastActuals, currency: str) -> list[str]:
    """What the rule did to the ledger, in sentences (one per kind, naming the rows)."""
    out = []
    if past.split:
        named = "; ".join(f"{describe(row)} ({percent(share, 0)} of its days)" for row, share in past.split)
        out.append(f"rows spanning the as-of date, counted pro rata to their days before {past.as_of}: {named}")
    if past.unused:
        spend = sum(row.spend for row in past.unused)
        conversions = sum(row.conversions for row in past.unused)
        named = "; ".join(describe(row) for row in past.unused)
        out.append(
            f"{len(past.unused)} rows after the as-of date, not used ({amount(spend, currency, minor=True)}, "
            f"{number(conversions, 1)} conversions): {named}"
        )
    if past.excluded:
        conversions = sum(row.conversions for row in past.excluded)
        spend = sum(row.spend for row in past.spent)
        named = "; ".join(describe(row) for row in past.excluded)
        money = amount(spend, currency, minor=True)
        out.append(
            f"{len(past.excluded)} rows excluded on request: their {number(conversions, 1)} conversions are left out "
            f"and the rates learned without them; their spend before the as-of date ({money}) stays spent: {named}"
        )
    return out
