"""The text of `campaign calibrate`: a table of the fits, a sentence per cell, the held-out check, the warnings."""

from __future__ import annotations

import math

from campaign.render.tables import table
from scenarios import counted, digits_of, informs_saturation, money, number, percent


def calibration(result) -> str:
    """The whole report of a calibration."""
    currency = result.scenario.currency
    out = [
        (
            f"{result.scenario.name}: calibrated from {counted(len(result.history.weeks), 'full week')} of "
            f"{result.ledger.name} (Monday {result.first} to Sunday {result.last}); the scenario's figures are the "
            "prior."
        )
    ]
    rows = []
    for fit in result.fits:
        calibrated, prior = result.cell_scores.get(fit.cell, (None, None))
        rows.append(
            [
                fit.cell,
                str(fit.weeks),
                money(fit.spend, currency),
                _band(fit.cpm, lambda v: money(v, currency)),
                _band(fit.ctr, lambda v: percent(v, 2)),
                _band(fit.cvr, lambda v: percent(v, 1)),
                _band(fit.saturation, lambda v: _three(v, currency)),
                "-" if calibrated is None else f"{percent(calibrated.error, 0)} ({percent(prior.error, 0)})",
            ]
        )
    headers = [
        "cell",
        "weeks",
        f"spend ({currency})",
        f"CPM ({currency}, 90 %)",
        "CTR (90 %)",
        "CVR (90 %)",
        f"half-saturated at ({currency}/week, 90 %)",
        "held-out error (scenario's)",
    ]
    out += ["", table(headers, rows, [False, True, True, True, True, True, True, True]), ""]
    out += [sentence(fit, currency) for fit in result.fits]
    out += ["", held_out(result)]
    for warning in result.warnings:
        out.append(f"warning: {warning}")
    return "\n".join(out)


def sentence(fit, currency: str) -> str:
    """ "instagram.reel: 11 weeks, CPM 17,200 IDR (16,900–17,500), half-saturated around 1.2 M IDR a week"."""
    text = (
        f"{fit.cell}: {counted(fit.weeks, 'week')}, CPM {_three(fit.cpm.mean, currency)} {currency} "
        f"({_three(fit.cpm.low, currency)}–{_three(fit.cpm.high, currency)}), CTR {percent(fit.ctr.mean, 2)}, "
        f"CVR {percent(fit.cvr.mean, 1)}"
    )
    if not bool(fit.prior.curve.concave[0]):
        text += " (the scale of its S-shaped curve, not conversions per click at the spend seen)"
    if informs_saturation(fit):
        text += (
            f", half-saturated around {_three(fit.saturation.mean, currency)} {currency} a week "
            f"({_three(fit.saturation.low, currency)}–{_three(fit.saturation.high, currency)})"
        )
    else:
        text += ", saturation as the scenario's curve has it (the history does not narrow it down)"
    if fit.pooled_with:
        text += f"; borrows from {', '.join(fit.pooled_with)}"
    return text + "."


def held_out(result) -> str:
    """The held-out check in one sentence, or why there is none."""
    if not result.holdout_weeks:
        return "No weeks held out (--holdout-weeks 0): the predictions are not checked."
    calibrated, prior = result.overall
    if calibrated.error is None:
        return (
            f"The last {counted(result.holdout_weeks, 'week')} were held out, but no calibrated cell had spend "
            "and conversions in them: the predictions are not checked."
        )
    return (
        f"Held out the last {counted(result.holdout_weeks, 'week')} ({counted(calibrated.weeks, 'cell-week')}): "
        f"fitted on the weeks before, the calibrated figures predict weekly conversions with an error of "
        f"{percent(calibrated.error, 0)} ({percent(calibrated.coverage, 0)} of weeks inside the 90 % interval), "
        f"the scenario's figures {percent(prior.error, 0)} ({percent(prior.coverage, 0)}); weekly impressions "
        f"{percent(calibrated.impressions_error, 1)} ({percent(calibrated.impressions_coverage, 0)} inside) against "
        f"{percent(prior.impressions_error, 1)} ({percent(prior.impressions_coverage, 0)})."
    )


def _band(band, fmt) -> str:
    return f"{fmt(band.mean)} ({fmt(band.low)}–{fmt(band.high)})"


def _three(value: float, currency: str) -> str:
    """An amount to three significant digits, in the locale's digits, at most the currency's decimals."""
    if value <= 0 or not math.isfinite(value):
        return number(value)
    digits = min(max(2 - math.floor(math.log10(value)), 0), digits_of(currency))
    return number(round(value, 2 - math.floor(math.log10(value))), digits)
