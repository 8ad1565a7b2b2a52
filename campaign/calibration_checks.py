"""What `campaign calibrate` refuses, and the warnings it gives about a history and a fit (sentences, one each)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from scenarios import (
    LONGEST_ROW,
    MIN_WEEKS,
    CellFit,
    Scenario,
    Score,
    UsageError,
    WeeklyHistory,
    counted,
    did_you_mean,
    number,
    percent,
    stretch_in_spreads,
)

#: A stretch this many prior spreads from the scenario's curve is named in a warning.
FAR = 3.0
#: Held-out coverage below this, over at least `COVERAGE_WEEKS` cell-weeks, is named in a warning.
LOW_COVERAGE = 0.5
COVERAGE_WEEKS = 10
#: History ending more than this many weeks before the start is named in a warning.
OLD_WEEKS = 13
#: Partial weeks named one by one in the warning; the rest are counted.
PARTIAL_NAMED = 4
#: Variant keys that change what a calibrated cell's explicit curve no longer follows.
FIGURES = ("cpm", "ctr", "cvr", "audience", "in_market")
FACTORS = ("cpm_factor", "ctr_factor", "cvr_factor", "audience_share")


def check_history(scenario: Scenario, path: Path, rows: list[Any], history: WeeklyHistory) -> None:
    """Refuse a history calibration cannot use, saying why."""
    if not rows:
        raise UsageError(
            f"{path}: no rows of scenario '{scenario.name}' dated before its start ({scenario.start}); import past "
            "exports with 'campaign actuals import' (rows before the start are kept as history)"
        )
    known = {f"{r.channel}.{r.format}" for r in rows}
    cells = list(history.cells)
    if not known & set(cells):
        names = ", ".join(f"{c}{did_you_mean(c, cells)}" for c in sorted(known))
        raise UsageError(
            f"{path}: the history's rows belong to cells the scenario does not have ({names}); the scenario's cells "
            f"are {', '.join(cells)}"
        )
    if history.set_aside and not len(history.weeks):
        raise UsageError(
            f"{path}: each of the history's {history.set_aside} rows covers more than {LONGEST_ROW} days, so "
            "no week's figures can be told apart; export again with a Day or Week breakdown "
            "(Meta Ads Manager: Breakdown → By Time → Day)"
        )
    if not (history.weeks_per_cell >= MIN_WEEKS).any():
        weeks = ", ".join(f"{c} {int(w)}" for c, w in zip(cells, history.weeks_per_cell, strict=True) if w)
        detail = weeks or ("no whole week" if history.partial else "none in the dates given")
        if history.partial:
            left = counted(len(history.partial), "partial cell-week")
            detail += f"; {left} left out, with rows for fewer than 7 days"
        raise UsageError(
            f"{path}: every cell has fewer than {MIN_WEEKS} weeks of history ({detail}); calibration needs at least "
            f"{MIN_WEEKS} weeks of a cell, each with rows for all 7 days"
        )


def check_not_recalibrating(scenario: Scenario, ledger: Path, first: dt.date, last: dt.date) -> None:
    """Refuse to calibrate a calibrated scenario on weeks of the same ledger it was calibrated from."""
    done = scenario.calibration
    if done is None or done.ledger != ledger.name or done.last < first or last < done.first:
        return
    raise UsageError(
        f"scenario '{scenario.name}' is already calibrated from {done.ledger}, {done.first} to {done.last}: "
        "calibrating it again on those weeks would count them twice; calibrate the scenario it came from"
    )


def partial_weeks(history: WeeklyHistory) -> list[str]:
    """The weeks a cell's rows cover only in part: left out of the fit and the held-out check, with their days."""
    if not history.partial:
        return []
    groups: dict[tuple[dt.date, int], list[str]] = {}
    for cell, monday, days in sorted(history.partial, key=lambda p: (p[1], p[2], history.cells.index(p[0]))):
        groups.setdefault((monday, days), []).append(cell)
    with_rows = {c for c, w in zip(history.cells, history.weeks_per_cell, strict=True) if w}
    with_rows |= {cell for cell, _, _ in history.partial}
    named = [
        f"week of {monday}: only {days} of 7 days covered "
        f"({'every cell' if len(cells) > 1 and set(cells) == with_rows else ', '.join(cells)})"
        for (monday, days), cells in list(groups.items())[:PARTIAL_NAMED]
    ]
    if len(groups) > PARTIAL_NAMED:
        named.append(f"and {len(groups) - PARTIAL_NAMED} more")
    weeks = len({monday for _, monday, _ in history.partial})
    text = (
        f"{counted(weeks, 'partial week')} ({counted(len(history.partial), 'cell-week')}) left out of the fit and "
        f"the held-out check: a cell's week counts only when its rows cover all 7 days; {'; '.join(named)}"
    )
    return [text]


def kept_cells(scenario: Scenario, history: WeeklyHistory, kept: list[str]) -> list[str]:
    """Why each cell kept the scenario's figures, grouped by reason."""
    weeks = dict(zip(history.cells, history.weeks_per_cell, strict=True))
    partial = {cell for cell, _, _ in history.partial}
    zero = [c for c in kept if _rate_zero(scenario, c)]
    none = [c for c in kept if c not in zero and weeks[c] == 0 and c not in partial]
    few = [c for c in kept if c not in zero and c not in none and weeks[c] < MIN_WEEKS]
    out = []
    if none:
        out.append(f"no history, so the scenario's figures stay: {', '.join(none)}")
    if few:
        out.append(f"fewer than {MIN_WEEKS} weeks of history, so the scenario's figures stay: {', '.join(few)}")
    if zero:
        out.append(
            f"CTR or CVR is 0 in the scenario, which calibration cannot scale, so its figures stay: {', '.join(zero)}"
        )
    if history.set_aside:
        out.append(
            f"{history.set_aside} rows cover more than {LONGEST_ROW} days and were not used (no Day or Week breakdown)"
        )
    return out


def _rate_zero(scenario: Scenario, cell: str) -> bool:
    channel, fmt = cell.split(".", 1)
    ch = scenario.channels[channel]
    f = ch.formats[fmt]
    return ch.ctr * f.ctr_factor == 0 or ch.cvr * f.cvr_factor == 0


def unclicked(history: WeeklyHistory, fits: list[CellFit]) -> list[str]:
    """Conversions in weeks without clicks or spend (view-through, late attribution): not counted, CVR is per click."""
    out = []
    for fit in fits:
        c = history.cells.index(fit.cell)
        lost = history.observed[c] & ((history.clicks[c] <= 0) | (history.spend[c] <= 0)) & (history.conversions[c] > 0)
        if lost.any():
            out.append(
                f"{fit.cell}: {number(float(history.conversions[c][lost].sum()), 1)} conversions in "
                f"{int(lost.sum())} weeks without clicks or spend are not counted (CVR is conversions per click)"
            )
    return out


def far_stretched(fits: list[CellFit]) -> list[str]:
    """Cells whose history asks for a curve far from the scenario's, or a CVR above 100 %."""
    out = []
    for fit in fits:
        z = stretch_in_spreads(fit)
        if abs(z) > FAR:
            way = "later" if z > 0 else "sooner"
            out.append(
                f"{fit.cell}: the history saturates far {way} than the scenario's curve ({number(fit.rho.mean, 2)}× "
                f"its spend, {number(abs(z), 1)} prior spreads away); check the channel's audience and in_market"
            )
        if fit.cvr.mean > 1:
            out.append(f"{fit.cell}: CVR {percent(fit.cvr.mean, 0)} is above 100 %: the curve's shape does not fit")
    return out


def coverage(overall: tuple[Score, Score]) -> list[str]:
    """Held-out weeks that fell inside their 90 % intervals far less often than 90 %."""
    calibrated = overall[0]
    out = []
    for what, share in (("conversions", calibrated.coverage), ("impressions", calibrated.impressions_coverage)):
        if share is not None and calibrated.weeks >= COVERAGE_WEEKS and share < LOW_COVERAGE:
            out.append(
                f"only {percent(share, 0)} of the held-out weeks' {what} fell inside the 90 % interval: the weeks "
                "vary more than counting noise, so the intervals are too narrow for this history"
            )
    return out


def old_history(scenario: Scenario, last: dt.date) -> list[str]:
    """History that ends long before the quarter."""
    assert scenario.start is not None
    gap = (scenario.start - last).days // 7
    if gap <= OLD_WEEKS:
        return []
    return [f"the history ends {number(gap)} weeks before the scenario's start ({last}): prices may have moved since"]


def variants(scenario: Scenario, fits: list[CellFit]) -> list[str]:
    """Variants that set figures a calibrated cell's explicit curve no longer follows."""
    calibrated = {f.cell for f in fits}
    out = []
    for name, overlay in scenario.variants.items():
        keys = []
        channels = overlay.get("channels")
        for channel, change in (channels if isinstance(channels, dict) else {}).items():
            if not isinstance(change, dict) or not any(c.startswith(f"{channel}.") for c in calibrated):
                continue
            keys += [f"channels.{channel}.{k}" for k in FIGURES if k in change]
            formats = change.get("formats")
            for fmt, factors in (formats if isinstance(formats, dict) else {}).items():
                if f"{channel}.{fmt}" in calibrated and isinstance(factors, dict):
                    keys += [f"channels.{channel}.formats.{fmt}.{k}" for k in FACTORS if k in factors]
        response = overlay.get("response")
        keys += [f"response.{c}" for c in (response if isinstance(response, dict) else {}) if c in calibrated]
        if keys:
            out.append(
                f"variant '{name}' sets {', '.join(keys)}: the calibrated cells have explicit curves, so the variant "
                "changes their impressions and clicks but not their conversions"
            )
    return out


def worse(cells: dict[str, tuple[Score, Score]], absolute: dict[str, tuple[float, float, float]]) -> list[str]:
    """Cells whose calibrated figures predicted the held-out conversions worse than the scenario's by more than
    twice the Poisson standard deviation of those conversions (a difference noise alone rarely makes)."""
    out = []
    for cell, (calibrated, prior) in cells.items():
        missed, missed_prior, actual = absolute[cell]
        if missed - missed_prior > 2.0 * np.sqrt(actual + 1.0):
            out.append(
                f"{cell}: the calibrated figures predict the held-out weeks' conversions worse than the scenario's "
                f"(error {percent(calibrated.error, 0)} against {percent(prior.error, 0)})"
            )
    return out
