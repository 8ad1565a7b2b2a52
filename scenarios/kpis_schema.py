"""The `kpis` section of a scenario: one optional limit per entry of the KPI catalogue (`scenarios.kpis`)."""

from __future__ import annotations

from pydantic import Field, create_model

from scenarios.closed import Closed
from scenarios.kpis import KPIS, Kpi


def _kpi_field(kpi: Kpi) -> tuple[object, object]:
    """A KPI's field: its limit, None when unset, within the catalogue's range."""
    low, high = kpi.lowest, kpi.highest
    field = Field(None, description=kpi.meaning, gt=low if kpi.above else None, ge=None if kpi.above else low, le=high)
    return (float | None, field)


_KpiFields = create_model(  # type: ignore[call-overload]
    "_KpiFields", __base__=Closed, **{kpi.name: _kpi_field(kpi) for kpi in KPIS}
)


class Kpis(_KpiFields):  # type: ignore[misc,valid-type]
    """KPI floors and caps over the horizon: one optional field per entry of the catalogue (`scenarios.kpis`).

    Reach counts unique people reached by paid ads; new followers and
    engagement include the organic plan; bounce rate is the click-weighted
    average; CPA is paid spend per conversion; ROAS is revenue per unit of
    paid spend; frequency is paid impressions per person reached, capped in
    every channel.
    """

    def limits(self) -> list[tuple[Kpi, float]]:
        """The KPIs the scenario sets, in the catalogue's order, with their limits."""
        return [(kpi, float(getattr(self, kpi.name))) for kpi in KPIS if getattr(self, kpi.name) is not None]
