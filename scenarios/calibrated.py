"""The calibrated scenario: the input with each calibrated cell's figures and curve at the posterior, as plain data.

A calibrated cell gets format factors that give its posterior mean CPM, CTR
and CVR, and an explicit curve: the scenario's curve F, its spend axis
stretched by ρ and its height scaled so its initial slope follows the new
figures, ρ · r · F(x / ρ) with r = (CTR · CVR / CPM) / (CTR₀ · CVR₀ / CPM₀).
Every changed figure gets a `sources` entry naming the ledger, the dates and
the weeks behind it; the `calibration` section keeps the posterior.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from scenarios.calibration import LEVEL, CellFit, CellPrior, Prior
from scenarios.curves import EXPONENTIAL, HILL
from scenarios.schema import Scenario


@dataclass(frozen=True)
class Provenance:
    """Where the history came from: the ledger file and the dates and number of weeks read."""

    ledger: str
    first: dt.date
    last: dt.date
    weeks: int

    def describe(self, weeks: int) -> str:
        return f"{weeks} weeks of {self.ledger}, {self.first} to {self.last}"


def calibrated_data(scenario: Scenario, fits: list[CellFit], provenance: Provenance, prior: Prior) -> dict[str, Any]:
    """The scenario as a mapping (variants kept as they are) with every fitted cell calibrated."""
    data = scenario.model_dump(mode="json", exclude={"calibration"}, exclude_none=True)
    data.setdefault("response", {})
    data.setdefault("sources", {})
    for fit in fits:
        behind = provenance.describe(fit.weeks)
        source = (
            f"calibrated from {behind}: the scenario's curve with its spend axis stretched {fit.rho.mean:.3g}× "
            f"(90 % interval {fit.rho.low:.3g} to {fit.rho.high:.3g}) and its height following CPM, CTR and CVR"
        )
        set_figures(data, scenario, fit.prior, (fit.cpm.mean, fit.ctr.mean, fit.cvr.mean, fit.rho.mean), source)
        where = "channels.{}.formats.{}".format(*fit.cell.split(".", 1))
        for name, band in (("cpm", fit.cpm), ("ctr", fit.ctr), ("cvr", fit.cvr)):
            data["sources"][f"{where}.{name}_factor"] = (
                f"calibrated: {name.upper()} {band.mean:.4g} (90 % interval {band.low:.4g} to {band.high:.4g}) "
                f"from {behind}"
            )
    data["calibration"] = {
        "ledger": provenance.ledger,
        "first": provenance.first.isoformat(),
        "last": provenance.last.isoformat(),
        "weeks": provenance.weeks,
        "level": LEVEL,
        **prior.to_dict(),
        "cells": {fit.cell: _cell(fit) for fit in fits},
    }
    return data


def set_figures(
    data: dict[str, Any], scenario: Scenario, prior: CellPrior, figures: tuple[float, float, float, float], source: str
) -> None:
    """Set a cell's CPM, CTR, CVR (as format factors) and its curve ρ · r · F(x / ρ) in `data`, in place."""
    cpm, ctr, cvr, rho = figures
    channel, fmt = prior.cell.split(".", 1)
    ch = scenario.channels[channel]
    factors = data["channels"][channel]["formats"][fmt]
    factors.update(cpm_factor=cpm / ch.cpm, ctr_factor=ctr / ch.ctr, cvr_factor=cvr / ch.cvr)
    r = (ctr * cvr / cpm) / (prior.ctr * prior.cvr / prior.cpm)
    curve = prior.curve
    kind, top, scale = int(curve.kind[0]), float(curve.maximum[0]), float(curve.scale[0])
    if kind == EXPONENTIAL:
        new = {"curve": "exponential", "max": rho * r * top, "scale": rho * scale}
    elif kind == HILL:
        new = {"curve": "hill", "alpha": float(curve.alpha[0]), "half_saturation": rho * scale, "max": rho * r * top}
    else:
        xs, ys = curve.points[0]
        spend, conversions = [float(x) * rho for x in xs], [float(y) * rho * r for y in ys]
        new = {"curve": "points", "spend": spend, "conversions": conversions}
    data.setdefault("response", {})[prior.cell] = {**new, "source": source}


def _cell(fit: CellFit) -> dict[str, Any]:
    return {
        "weeks": fit.weeks,
        "spend": fit.spend,
        "cpm": fit.cpm.to_dict(),
        "ctr": fit.ctr.to_dict(),
        "cvr": fit.cvr.to_dict(),
        "saturation": fit.saturation.to_dict(),
        "stretch": fit.rho.to_dict(),
        "pooled_with": list(fit.pooled_with),
        "draws": {
            "cpm": [float(v) for v in fit.draws["cpm"]],
            "ctr": [float(v) for v in fit.draws["ctr"]],
            "cvr": [float(v) for v in fit.draws["cvr"]],
            "stretch": [float(v) for v in fit.draws["rho"]],
        },
    }
