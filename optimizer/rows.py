"""One linear constraint of the allocation problem, and the spend-bound rows every part uses.

A row is linear in spend per slot ``x``, total conversions ``F`` and paid
reach per channel ``R_j`` (and, for whole decisions, the switches).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scenarios import Market

#: How the user's number enters a row, for shadow prices per unit of it.
#: `RATIO`: a ratio KPI, its limit in the coefficients (`optimizer.kpi_rows`); `FREQUENCY`: a channel's frequency
#: cap, its right-hand side the impressions the limit allows.
RHS, RATIO, FREQUENCY, IF_ACTIVE = "rhs", "ratio", "frequency", "if_active"


@dataclass(frozen=True)
class Row:
    """One linear constraint ``a·x + conversions·F + reach·R  (sense)  rhs``.

    Parameters
    ----------
    name : str
        Stable identifier (``budget.total``, ``kpi.min_reach``, ``channel.tiktok.share.max``).
    sense : str
        ``"<="``, ``">="`` or ``"=="``.
    limit : float
        The user's number (a budget, a KPI floor, a CPA cap).
    rhs : float
        Right-hand side of the linear form.
    index, coef : arrays
        Sparse coefficients on cell spend.
    conversions : float
        Coefficient on total conversions.
    reach : float array (channels,) or None
        Coefficients on paid reach per channel.
    kind : str
        How `limit` enters the row (`RHS`, `RATIO`, `FREQUENCY`, `IF_ACTIVE`).
    label : str
        The constraint in words, for explanations.
    unit : str
        Unit of `limit` ("EUR", "people", "clicks", ...).
    switch_index, switch_coef : arrays or None
        Sparse coefficients on the problem's on/off switches (binaries).
    internal : bool
        A modelling row (a switch's link to its spend), neither reported nor relaxed.
    channel, audience : int, float
        For a frequency cap (`FREQUENCY`): the channel it caps and its audience ``A``; the
        right-hand side is ``A · g⁻¹(limit)`` impressions (`scenarios.kpis.frequency_room`).
    """

    name: str
    sense: str
    limit: float
    rhs: float
    index: np.ndarray
    coef: np.ndarray
    conversions: float = 0.0
    reach: np.ndarray | None = None
    kind: str = RHS
    label: str = ""
    unit: str = ""
    switch_index: np.ndarray | None = None
    switch_coef: np.ndarray | None = None
    internal: bool = False
    channel: int = -1
    audience: float = 0.0

    def __post_init__(self) -> None:
        if self.sense not in ("<=", ">=", "=="):
            raise ValueError(f"Row.sense must be '<=', '>=' or '==', got {self.sense!r}")
        if len(self.index) != len(self.coef):
            raise ValueError("Row.index and Row.coef must have the same length")

    def lhs(
        self, spend: np.ndarray, conversions: float, reach: np.ndarray, switches: np.ndarray | None = None
    ) -> float:
        """Value of the left-hand side at a plan (with its on/off switches, where the row has any)."""
        value = float(self.coef @ spend[self.index]) + self.conversions * conversions
        if self.reach is not None:
            value += float(self.reach @ reach)
        if self.switch_index is not None and switches is not None:
            value += float(self.switch_coef @ switches[self.switch_index])
        return value


def spend_bounds(name: str, what: str, index: np.ndarray, low: float, high: float, currency: str) -> list[Row]:
    """Rows ``NAME.min`` / ``NAME.max`` bounding the spend on the cells in `index` (none when unbounded)."""
    ones = np.ones(len(index))
    rows = []
    if low > 0:
        rows.append(
            Row(
                f"{name}.min",
                ">=",
                float(low),
                float(low),
                index,
                ones,
                label=f"the {what} minimum spend",
                unit=currency,
            )
        )
    if math.isfinite(high):
        rows.append(
            Row(
                f"{name}.max", "<=", float(high), float(high), index, ones, label=f"the {what} spend cap", unit=currency
            )
        )
    return rows


def cell_rows(market: Market, currency: str) -> list[Row]:
    """The cells' own spend bounds over the horizon, as rows (``cell.CHANNEL.FORMAT.min/max``)."""
    rows = []
    for c, cell in enumerate(market.cell_keys):
        slots = np.flatnonzero(market.cell_of == c)
        rows += spend_bounds(f"cell.{cell}", cell, slots, market.cell_lower[c], market.cell_upper[c], currency)
    return rows
