"""The P&L as an Excel workbook finance can open and audit: live formulas, the plan, the assumptions.

Input lines are numbers; every subtotal, total and KPI is a formula, so a
changed input recalculates the sheet. Written atomically like every output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from campaign.files import atomic
from scenarios.pnl import Statement
from scenarios.schema import Scenario

MONEY = "#,##0;[Red]-#,##0"
RATIO = "0.00"
PERCENT = "0.0%"

#: Each subtotal as the lines it adds up (names; `media.*` means every channel's media line).
FORMULAS = {
    "net_revenue": ("gross_revenue", "returns"),
    "cm1": ("net_revenue", "cogs"),
    "cm2": ("cm1", "fulfilment", "payment_fees"),
    "media_total": ("media.*",),
    "cm3": ("cm2", "media_total"),
    "marketing_contribution": ("cm3", "content_production", "agency", "team", "tools"),
}


def write_workbook(path: Path, statement: Statement, scenario: Scenario, plan: dict[str, Any]) -> None:
    """Write the P&L, plan and assumptions sheets to `path` (through a temporary file and a rename)."""
    book = Workbook()
    assumptions = _assumptions(book, scenario)
    _pnl_sheet(book.active, statement, plan, assumptions)
    _plan_sheet(book.create_sheet("Plan"), plan, scenario)
    book.move_sheet("Assumptions", offset=2)
    with atomic(path) as tmp:
        book.save(tmp)


def _pnl_sheet(sheet, statement: Statement, plan: dict[str, Any], assumptions: dict[str, str]) -> None:
    sheet.title = "P&L"
    months = len(statement.months)
    last = get_column_letter(1 + months)
    total_col = get_column_letter(2 + months)
    variant = f", variant {statement.variant}" if statement.variant else ""
    sheet["A1"] = f"{statement.scenario}{variant}: P&L by month ({statement.currency}; costs negative)"
    sheet["A1"].font = Font(bold=True)
    sheet.append([])
    sheet.append(["Line", *statement.months, "Total"])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    conversions = sum(r.get("conversions", 0.0) for r in plan["allocation"])
    rows: dict[str, int] = {}
    for line in statement.lines:
        row = sheet.max_row + 1
        rows[line["name"]] = row
        parts = FORMULAS.get(line["name"])
        if parts is None:
            sheet.append([line["label"], *line["values"]])
        else:
            names = [n for n in rows if n.startswith("media.")] if parts == ("media.*",) else list(parts)
            cells = []
            for m in range(months):
                col = get_column_letter(2 + m)
                cells.append("=" + "+".join(f"{col}{rows[n]}" for n in names) if names else 0)
            sheet.append([line["label"], *cells])
            for cell in sheet[row]:
                cell.font = Font(bold=True)
        sheet[f"{total_col}{row}"] = f"=SUM(B{row}:{last}{row})"
        for m in range(months + 1):
            sheet[f"{get_column_letter(2 + m)}{row}"].number_format = MONEY
    r = {name: f"{total_col}{row}" for name, row in rows.items()}
    costs = f"-({r['media_total']}+{r['content_production']}+{r['agency']}+{r['team']}+{r['tools']})"
    sheet.append([""])
    sheet.append(["Conversions", conversions])
    n = f"B{sheet.max_row}"
    sheet[n].number_format = "#,##0.0"
    cac = f"B{sheet.max_row + 3}"
    kpis = [
        ("ROAS", f"={r['net_revenue']}/-{r['media_total']}", RATIO),
        ("ROI", f"={r['marketing_contribution']}/({costs})", PERCENT),
        ("CAC", f"=({costs})/{n}", MONEY),
        ("CAC payback (months)", f"={assumptions['value_months']}*{cac}/({r['cm2']}/{n})", "0.0"),
        ("Break-even media budget (re-optimised by the tool)", statement.kpis.get("break_even_budget"), MONEY),
    ]
    for label, value, fmt in kpis:
        sheet.append([label, value])
        sheet[f"B{sheet.max_row}"].number_format = fmt
    sheet.append([""])
    sheet.append(["Definitions"])
    sheet[f"A{sheet.max_row}"].font = Font(bold=True)
    for name, text in statement.definitions.items():
        sheet.append([name, text])
    sheet.column_dimensions["A"].width = 34
    for m in range(months + 1):
        sheet.column_dimensions[get_column_letter(2 + m)].width = 14


def _plan_sheet(sheet, plan: dict[str, Any], scenario: Scenario) -> None:
    fields = ("channel", "format", "period", "spend", "conversions", "impressions", "clicks")
    sheet.append([f"Spend in {scenario.currency}; one row per cell and {scenario.periods.unit}"])
    sheet.append(list(fields))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in plan["allocation"]:
        sheet.append([row.get(f) for f in fields])
    end = sheet.max_row
    sheet.append(["total", "", "", f"=SUM(D3:D{end})", f"=SUM(E3:E{end})", f"=SUM(F3:F{end})", f"=SUM(G3:G{end})"])
    for row in sheet.iter_rows(min_row=3, min_col=4, max_col=7):
        for cell in row:
            cell.number_format = "#,##0.00"


def _assumptions(book: Workbook, scenario: Scenario) -> dict[str, str]:
    """The business values and their sources; returns the cell of each value by key."""
    sheet = book.create_sheet("Assumptions")
    sheet.append(["Key", "Value", "Source"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    b = scenario.business
    values = [
        ("value_per_conversion", b.value_per_conversion),
        ("gross_margin", b.gross_margin),
        ("returns_rate", b.returns_rate),
        ("fulfilment_per_conversion", b.fulfilment_per_conversion),
        ("payment_fee_rate", b.payment_fee_rate),
        ("value_months", b.value_months),
        ("monthly_costs.team", b.monthly_costs.team),
        ("monthly_costs.agency", b.monthly_costs.agency),
        ("monthly_costs.tools", b.monthly_costs.tools),
        ("budget.total", scenario.budget.total),
    ]
    cells = {}
    for key, value in values:
        path = key if key.startswith("budget") else f"business.{key}"
        sheet.append([path, value, _source(scenario, path)])
        cells[key.split(".")[-1] if key == "value_months" else key] = f"Assumptions!B{sheet.max_row}"
    for name, channel in scenario.channels.items():
        for key, text in channel.sources.items():
            sheet.append([f"channels.{name}.{key}", "", text])
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["C"].width = 100
    return cells


def _source(scenario: Scenario, path: str) -> str:
    """The scenario's source for `path`, or that of its closest parent key."""
    parts = path.split(".")
    while parts:
        key = ".".join(parts)
        if key in scenario.sources:
            return scenario.sources[key]
        parts.pop()
    return ""
