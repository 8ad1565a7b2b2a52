"""The finance pages: the plan's monthly P&L, the team options compared, and the downloads.

`GET /finance/{name}` calls `app.pnl` (the optimizer's plan, or the
scenario's adopted plan with ``plan=current``) and renders the table
`campaign pnl` prints, with links to the workbook and the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from campaign import app
from campaign.web.page_kit import N_, render
from campaign.web.planning import workspace

router = APIRouter(tags=["pages"], include_in_schema=False)

#: The P&L's lines as the page names them (translated); media lines are "Media: <channel>".
LINES = {
    "gross_revenue": N_("Gross revenue"),
    "returns": N_("Returns"),
    "net_revenue": N_("Net revenue"),
    "cogs": N_("Cost of goods sold"),
    "cm1": N_("CM1 (gross margin)"),
    "fulfilment": N_("Fulfilment"),
    "payment_fees": N_("Payment fees"),
    "cm2": N_("CM2"),
    "media_total": N_("Paid media"),
    "cm3": N_("CM3"),
    "content_production": N_("Content production"),
    "agency": N_("Agency"),
    "team": N_("Team"),
    "tools": N_("Tools"),
    "marketing_contribution": N_("Marketing contribution"),
}
#: The lines shown as subtotals.
SUBTOTALS = frozenset({"net_revenue", "cm1", "cm2", "cm3", "media_total", "marketing_contribution"})


def table(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The statement's lines for the template: name, label key (or media channel), values, total, subtotal."""
    rows = []
    for line in document["lines"]:
        name = line["name"]
        rows.append(
            {
                "name": name,
                "label": LINES.get(name),
                "channel": name.split(".", 1)[1] if name.startswith("media.") else None,
                "values": line["values"],
                "total": line["total"],
                "subtotal": name in SUBTOTALS,
            }
        )
    return rows


@router.get("/finance/{name:path}", response_class=HTMLResponse)
def finance(
    name: str, request: Request, variant: str | None = None, plan: str | None = None, team: bool = False
) -> HTMLResponse:
    """The monthly P&L of the optimizer's plan (or the adopted one), the team options if asked, the downloads."""
    space = workspace(request)
    chosen = Path("@current") if plan == "current" else None
    done = app.pnl(space.scenario(name), variant or None, chosen, compare_team=team, store=space.store)
    document = done.to_dict()
    return render(
        request,
        "finance.html",
        {
            "name": name,
            "variant": variant or "",
            "plan": "current" if chosen else "",
            "team": team,
            "statement": document,
            "rows": table(document),
            "options": done.team_options,
        },
    )
