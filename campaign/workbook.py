"""The P&L as an Excel workbook finance can open and audit: live formulas, the plan, the assumptions.

The plan's figures are the only pasted numbers: conversions and media spend
per month, content production, and the share of each month's fixed costs
the horizon carries. Revenue, returns, cost of goods, fulfilment, payment
fees, agency, team and tools are formulas over those rows and the figures
on the Assumptions sheet, and every subtotal, total and KPI (CAC by month
among them) is a formula too: a controller who changes the gross margin on
the Assumptions sheet sees the P&L follow. Each sheet's headings stay in
view (frozen panes). Text from the scenario is written as text, never as a
formula. Written atomically like every output.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from campaign.assumptions import write_assumptions
from campaign.files import atomic
from campaign.sheets import Formula, put
from scenarios import Market, Plan, Scenario, Statement, horizon

MONEY = "#,##0;[Red]-#,##0"
RATIO = "0.00"
PERCENT = "0.0%"

#: Each subtotal as the lines it adds up (names; `media.*` means every channel's media line).
FORMULAS = {
    "cm1": ("net_revenue", "cogs"),
    "cm2": ("cm1", "fulfilment", "payment_fees"),
    "media_total": ("media.*",),
    "cm3": ("cm2", "media_total"),
    "marketing_contribution": ("cm3", "content_production", "agency", "team", "tools"),
}

#: The driver lines: each month's value as a formula over the month's cells ({name}: that line's or row's cell
#: in the same column) and the Assumptions figures ({business.KEY}).
DRIVERS = {
    "net_revenue": "={conversions}*{business.value_per_conversion}",
    "gross_revenue": "={net_revenue}/(1-{business.returns_rate})",
    "returns": "={net_revenue}-{gross_revenue}",
    "cogs": "=-{net_revenue}*(1-{business.gross_margin})",
    "fulfilment": "=-{business.fulfilment_per_conversion}*{conversions}",
    "payment_fees": "=-{business.payment_fee_rate}*{gross_revenue}",
    "agency": "=-{business.monthly_costs.agency}*{month_share}",
    "team": "=-{business.monthly_costs.team}*{month_share}",
    "tools": "=-{business.monthly_costs.tools}*{month_share}",
}

#: Rows below the statement, per month: (name, label).
EXTRA_ROWS = (
    ("conversions", "Conversions"),
    ("marketing_costs", "Marketing costs (media, production, agency, team, tools)"),
    ("cac", "CAC (marketing costs / conversions)"),
    ("month_share", "Share of the month's fixed costs in the horizon"),
)
COSTS = ("media_total", "content_production", "agency", "team", "tools")


def write_workbook(path: Path, statement: Statement, scenario: Scenario, plan: Plan, market: Market) -> None:
    """Write the P&L, plan and assumptions sheets to `path` (through a temporary file and a rename)."""
    book = Workbook()
    assumptions = write_assumptions(book.create_sheet("Assumptions"), scenario)
    _pnl_sheet(book.active, statement, assumptions, horizon(scenario).month_share)
    _plan_sheet(book.create_sheet("Plan"), plan, market, scenario)
    book.move_sheet("Assumptions", offset=2)
    with atomic(path, "the workbook") as tmp:
        book.save(tmp)


def _pnl_sheet(sheet, statement: Statement, assumptions: dict[str, str], month_share: Any) -> None:
    sheet.title = "P&L"
    months = len(statement.months)
    last = get_column_letter(1 + months)
    total_col = get_column_letter(2 + months)
    variant = f", variant {statement.variant}" if statement.variant else ""
    put(sheet["A1"], f"{statement.scenario}{variant}: P&L by month ({statement.currency}; costs negative)")
    sheet["A1"].font = Font(bold=True)
    header = 3
    for column, text in enumerate(["Line", *statement.months, "Total"], start=1):
        put(sheet.cell(header, column), text)
    for cell in sheet[header]:
        cell.font = Font(bold=True)
    # Row numbers first: the driver formulas point at lines further down (net revenue at conversions).
    rows = {line["name"]: header + 1 + i for i, line in enumerate(statement.lines)}
    below = header + len(statement.lines) + 2
    rows |= {name: below + i for i, (name, _) in enumerate(EXTRA_ROWS)}
    values = {line["name"]: line["values"] for line in statement.lines}
    values["conversions"] = list(statement.conversions)
    values["month_share"] = [float(v) for v in month_share]
    labels = {line["name"]: line["label"] for line in statement.lines} | dict(EXTRA_ROWS)
    for name, row in rows.items():
        put(sheet.cell(row, 1), labels[name])
        for m in range(months):
            col = get_column_letter(2 + m)
            put(sheet.cell(row, 2 + m), _month_cell(name, col, rows, values, assumptions, m))
        total = _month_cell(name, total_col, rows, values, assumptions, -1) if name == "cac" else None
        total = total or Formula(f"=SUM(B{row}:{last}{row})")
        put(sheet.cell(row, 2 + months), total)
        fmt = {"conversions": "#,##0.0", "month_share": "0.000", "cac": "#,##0.00"}.get(name, MONEY)
        for m in range(months + 1):
            sheet.cell(row, 2 + m).number_format = fmt
        if name in FORMULAS:
            for cell in sheet[row]:
                cell.font = Font(bold=True)
    r = {name: f"{total_col}{row}" for name, row in rows.items()}
    row = rows[EXTRA_ROWS[-1][0]] + 2
    kpis = [
        ("ROAS", Formula(f"={r['net_revenue']}/-{r['media_total']}"), RATIO),
        ("ROI", Formula(f"={r['marketing_contribution']}/{r['marketing_costs']}"), PERCENT),
        ("CAC", Formula(f"={r['cac']}"), MONEY),
        (
            "CAC payback (months)",
            Formula(f"={assumptions['business.value_months']}*{r['cac']}/({r['cm2']}/{r['conversions']})"),
            "0.0",
        ),
        ("Break-even media budget (re-optimised by the tool)", statement.kpis.get("break_even_budget"), MONEY),
    ]
    for label, value, fmt in kpis:
        put(sheet.cell(row, 1), label)
        put(sheet.cell(row, 2), value)
        sheet.cell(row, 2).number_format = fmt
        row += 1
    row += 1
    put(sheet.cell(row, 1), "Definitions")
    sheet.cell(row, 1).font = Font(bold=True)
    for name, text in statement.definitions.items():
        row += 1
        put(sheet.cell(row, 1), name)
        put(sheet.cell(row, 2), text)
    sheet.freeze_panes = f"B{header + 1}"
    sheet.column_dimensions["A"].width = 48
    for m in range(months + 1):
        sheet.column_dimensions[get_column_letter(2 + m)].width = 14


def _month_cell(
    name: str, col: str, rows: dict[str, int], values: dict[str, list[float]], assumptions: dict[str, str], m: int
) -> Any:
    """One month's cell of a line: a subtotal or driver formula, or the plan's value for an input line."""
    if name in FORMULAS:
        parts = FORMULAS[name]
        names = [n for n in rows if n.startswith("media.")] if parts == ("media.*",) else list(parts)
        return Formula("=" + "+".join(f"{col}{rows[n]}" for n in names)) if names else 0
    if name in DRIVERS:
        fields = {key: f"{col}{row}" for key, row in rows.items()} | assumptions
        return Formula(re.sub(r"\{([\w.]+)\}", lambda match: fields[match.group(1)], DRIVERS[name]))
    if name == "marketing_costs":
        return Formula("=-(" + "+".join(f"{col}{rows[n]}" for n in COSTS) + ")")
    if name == "cac":
        return Formula(
            f'=IF({col}{rows["conversions"]}>0,{col}{rows["marketing_costs"]}/{col}{rows["conversions"]},"")'
        )
    return values[name][m]


def _plan_sheet(sheet, plan: Plan, market: Market, scenario: Scenario) -> None:
    """One row per slot: its spend and what the market's curves and rates say it buys."""
    fields = ("channel", "format", "period", "spend", "conversions", "impressions", "clicks")
    put(sheet["A1"], f"Spend in {scenario.currency}; one row per cell and {scenario.periods.unit}")
    for column, name in enumerate(fields, start=1):
        put(sheet.cell(2, column), name)
        sheet.cell(2, column).font = Font(bold=True)
    conversions = market.curves.value(plan.spend)
    impressions = market.impressions(plan.spend)
    clicks = impressions * market.ctr
    row = 2
    for slot, entry in enumerate(plan.rows()):
        row = 3 + slot
        values = (*entry, float(conversions[slot]), float(impressions[slot]), float(clicks[slot]))
        for column, value in enumerate(values, start=1):
            put(sheet.cell(row, column), value)
    end, row = row, row + 1
    put(sheet.cell(row, 1), "total")
    for letter in "DEFG":
        put(sheet[f"{letter}{row}"], Formula(f"=SUM({letter}3:{letter}{end})"))
    for cells in sheet.iter_rows(min_row=3, min_col=4, max_col=7):
        for cell in cells:
            cell.number_format = "#,##0.00"
    sheet.freeze_panes = "C3"
