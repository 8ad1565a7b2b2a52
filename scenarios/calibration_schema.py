"""The scenario's `calibration` section: where its figures came from and the posterior behind them.

`campaign calibrate -o FILE` writes it; the figures of the channels, formats
and curves already hold the posterior means, so the section changes no plan.
It keeps the uncertainty (90 % intervals and joint draws per cell) for
whatever draws from it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, model_validator

from scenarios.closed import Closed, Money

Positive = Annotated[float, Field(gt=0.0)]
Draws = Annotated[list[Positive], Field(min_length=1, max_length=5000)]


class Band(Closed):
    """A posterior's mean and 90 % interval (`low` ≤ `high`)."""

    mean: Positive
    low: Positive
    high: Positive

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self


class CellDraws(Closed):
    """Joint posterior draws of a cell: the i-th entries of the four lists belong together."""

    cpm: Draws
    ctr: Draws
    cvr: Draws
    stretch: Draws

    @model_validator(mode="after")
    def _aligned(self) -> CellDraws:
        lengths = {len(self.cpm), len(self.ctr), len(self.cvr), len(self.stretch)}
        if len(lengths) > 1:
            raise ValueError(f"cpm, ctr, cvr and stretch must have as many draws each, got {sorted(lengths)}")
        return self


class CellCalibration(Closed):
    """One calibrated cell: the weeks and spend behind it and its posterior.

    `saturation` is the weekly spend at which the cell reaches half its
    maximum conversions (currency); `stretch` how far the calibrated curve's
    spend axis is stretched against the scenario's before calibration.
    """

    weeks: Annotated[int, Field(ge=1)]
    spend: Money
    cpm: Band
    ctr: Band
    cvr: Band
    saturation: Band
    stretch: Band
    pooled_with: list[str] = []
    draws: CellDraws


class Calibration(Closed):
    """Where the calibrated figures came from: the ledger, the dates, the prior, and each cell's posterior."""

    ledger: str
    first: dt.date
    last: dt.date
    weeks: Annotated[int, Field(ge=1)]
    level: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.9
    channel_spread: Positive
    cell_spread: Positive
    saturation_spread: Positive
    cells: dict[str, CellCalibration]
