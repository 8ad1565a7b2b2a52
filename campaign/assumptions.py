"""The workbook's Assumptions sheet: every figure of the scenario with its value and, where given, its source.

The business figures the P&L's driver lines read (value per conversion,
gross margin, returns, fees, monthly costs) come first, at cells the P&L's
formulas reference, so a controller who changes one sees the P&L follow.
Then every other setting of the plan: horizon, budget, seasonality,
channels and formats, response curves, KPIs, rules and team. A figure's
source is the one the scenario gives for its key or for the closest key
above it (a channel's `sources.organic` covers each organic figure).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openpyxl.styles import Font

from campaign.sheets import put_row
from scenarios import Scenario

#: The P&L's driver figures, in the order they head the sheet.
DRIVERS = (
    "business.value_per_conversion",
    "business.gross_margin",
    "business.returns_rate",
    "business.fulfilment_per_conversion",
    "business.payment_fee_rate",
    "business.value_months",
    "business.monthly_costs.team",
    "business.monthly_costs.agency",
    "business.monthly_costs.tools",
)

#: The scenario's sections that hold the plan's assumptions, in sheet order.
SECTIONS = (
    "business",
    "currency",
    "start",
    "periods",
    "objective",
    "budget",
    "seasonality",
    "channels",
    "response",
    "kpis",
    "rules",
    "team",
)


def leaves(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Each set value under `node` (a JSON-like dump) by dotted path; list items as `key[1]`, `key[2]`, ..."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node, start=1):
            yield from leaves(value, f"{path}[{i}]")
    elif node is not None:
        yield path, node


def assumptions(scenario: Scenario) -> list[tuple[str, Any, str]]:
    """(key, value, source) of every figure of the plan, the P&L's drivers first."""
    data = scenario.model_dump(mode="json")
    found = dict(leaf for section in SECTIONS for leaf in leaves(data.get(section), section))
    found = {key: value for key, value in found.items() if not _is_source(key)}
    order = [key for key in DRIVERS if key in found] + [key for key in found if key not in DRIVERS]
    return [(key, found[key], source_of(scenario, key)) for key in order]


def _is_source(key: str) -> bool:
    """Sources are the third column, not figures (channels' `sources`, curves' `source`)."""
    parts = key.split(".")
    return (len(parts) > 2 and parts[0] == "channels" and parts[2] == "sources") or (
        parts[0] == "response" and parts[-1] == "source"
    )


def source_of(scenario: Scenario, key: str) -> str:
    """The scenario's source for `key`, or that of its closest parent key ("" when none is given)."""
    parts = key.split("[")[0].split(".")
    if parts[0] == "channels" and len(parts) > 2 and parts[1] in scenario.channels:
        given = scenario.channels[parts[1]].sources
        if parts[2] in given:
            return given[parts[2]]
    if parts[0] == "response" and len(parts) > 2:
        curve = scenario.response.get(f"{parts[1]}.{parts[2]}")
        if curve is not None and curve.source:
            return curve.source
    while parts:
        if ".".join(parts) in scenario.sources:
            return scenario.sources[".".join(parts)]
        parts.pop()
    return ""


def write_assumptions(sheet, scenario: Scenario) -> dict[str, str]:
    """Fill the Assumptions sheet; return the absolute cell of each driver figure by key."""
    put_row(sheet, ["Key", "Value", "Source"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    cells = {}
    for key, value, source in assumptions(scenario):
        put_row(sheet, [key, value, source])
        if key in DRIVERS:
            cells[key] = f"Assumptions!$B${sheet.max_row}"
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 14
    sheet.column_dimensions["C"].width = 100
    return cells
