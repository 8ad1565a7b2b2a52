"""Actuals the scenario's model cannot explain: which conversions are suspect, and why.

Three checks per cell with actuals before --as-of:

- **beyond the curve**: more conversions than the cell's response curve can
  bring at any spend in the days it ran (its saturation level per period,
  pro rata to the days of each period its ledger rows cover);
- **learned CVR far from the observed one**: the learned CVR (the rate at
  low spend, read through the curve) is at least `FAR` times the observed
  conversions per click, or above 100 %: the curve saturates at the spend
  made, so the conversions are read as a much higher rate at low spend (or,
  above 100 % but below the observed rate, more conversions than clicks:
  they do not all follow the ads' clicks);
- **CPA outside the channel's range**: the observed cost per conversion is
  below a `FAR`-th of the cheapest, or above `FAR` times the dearest, planned
  cost per conversion at low spend (CPM / (1000 · CTR · CVR)) of the
  channel's formats.

Each finding names the campaigns behind the cell's conversions, so they can
be left out with `reallocate --exclude-campaign`.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from scenarios import CellLearning, amount, horizon, number, percent

#: How far (a factor) a figure may stray before it is suspect.
FAR = 3.0


def suspects(scenario, market, learned: list[CellLearning], rows: list[Any]) -> list[dict[str, Any]]:
    """The findings, one per cell and check; `rows` are the ledger's rows before --as-of."""
    saturation = market.curves.value(np.full(len(market.period_of), 1e18))
    by_channel: dict[str, list[float]] = {}
    for item in learned:
        low = _low_spend_cpa(item)
        if np.isfinite(low):
            by_channel.setdefault(item.cell.split(".", 1)[0], []).append(low)
    conv = f"{scenario.business.conversion}s"
    cur = scenario.currency
    out = []
    for c, item in enumerate(learned):
        if item.spend <= 0 or item.conversions <= 0:
            continue
        findings = []
        most = float(saturation @ _days_run(scenario, market, rows, c))
        if item.conversions > most * (1 + 1e-9):
            findings.append(
                (
                    "beyond_curve",
                    (
                        f"{number(item.conversions, 1)} {conv} observed, more than its curve can bring at any spend "
                        f"in the days it ran (at most {number(most, 1)}: it saturates below them; if they are real, "
                        "the cell's audience, audience_share or in_market is too small)"
                    ),
                )
            )
        observed_cvr = item.conversions / item.clicks if item.clicks > 0 else float("inf")
        if item.cvr.mean >= 1.0 or item.cvr.mean >= FAR * observed_cvr:
            head = (
                f"learned CVR {_pct(item.cvr.mean)} against {_pct(observed_cvr)} observed conversions per click "
                f"({number(item.cvr.mean / observed_cvr, 1)}×): "
            )
            if item.cvr.mean >= observed_cvr:
                why = (
                    "the curve saturates at the spend made, so these conversions read as a much higher rate at low "
                    "spend (if they are real, the cell's saturation is too low)"
                )
            else:
                why = (
                    "above 100 %, more conversions than clicks, so not all of them follow the ads' clicks "
                    "(view-through conversions or another result type?)"
                )
            findings.append(("learned_cvr", head + why))
        cpa = item.spend / item.conversions
        channel = item.cell.split(".", 1)[0]
        lows = by_channel.get(channel, [])
        if lows and (cpa < min(lows) / FAR or cpa > FAR * max(lows)):
            findings.append(
                (
                    "cpa",
                    (
                        f"CPA {amount(cpa, cur, minor=True)}, far outside {channel}'s planned range at low spend "
                        f"({amount(min(lows), cur, minor=True)} to {amount(max(lows), cur, minor=True)})"
                    ),
                )
            )
        if not findings:
            continue
        campaigns = _campaigns(rows, item.cell)
        named = ", ".join(f"'{name}' {number(n, 1)}" for name, n in campaigns[:3])
        hint = f"--exclude-campaign '{_pattern(campaigns[0][0])}'"
        for check, text in findings:
            if check == "cpa" and cpa > FAR * max(lows):
                advice = f"conversions may be missing (check the tracking and actuals.conversion_results): {named}"
            else:
                advice = (
                    f"suspect conversions from {named}; if they are not this scenario's {conv}, leave them out "
                    f"with {hint}"
                )
            out.append(
                {
                    "cell": item.cell,
                    "check": check,
                    "campaigns": [{"campaign": name, "conversions": n} for name, n in campaigns],
                    "message": f"{item.cell}: {text}; {advice}",
                }
            )
    return out


def _days_run(scenario, market, rows: list[Any], c: int) -> np.ndarray:
    """Per slot, the share of its period's days that cell `c`'s rows cover (zero outside the cell)."""
    h = horizon(scenario)
    covered = np.zeros(h.days, bool)
    cell = market.cell_keys[c]
    for row in rows:
        if f"{row.channel}.{row.format}" == cell:
            first = max((row.start - h.start).days, 0)
            covered[first : (row.end - h.start).days + 1] = True
    days = np.bincount(h.period_of_day[covered], minlength=market.periods) / h.days_in_period
    return np.where(market.cell_of == c, days[market.period_of], 0.0)


def _low_spend_cpa(item: CellLearning) -> float:
    """The planned cost per conversion at low spend: CPM / (1000 · CTR · CVR)."""
    rate = item.ctr.plan * item.cvr.plan
    return item.cpm.plan / (1000.0 * rate) if rate > 0 else float("inf")


def _campaigns(rows: list[Any], cell: str) -> list[tuple[str, float]]:
    """The campaigns behind a cell's conversions, most first."""
    totals: dict[str, float] = {}
    for row in rows:
        if f"{row.channel}.{row.format}" == cell:
            totals[row.campaign] = totals.get(row.campaign, 0.0) + row.conversions
    return sorted(((name, n) for name, n in totals.items() if n > 0), key=lambda pair: -pair[1])


def _pattern(name: str) -> str:
    """A regular expression matching `name`: its special characters escaped (spaces kept as they are)."""
    return re.sub(r"([.^$*+?{}\[\]\\|()])", r"\\\1", name)


def _pct(value: float) -> str:
    return percent(value, 2)
