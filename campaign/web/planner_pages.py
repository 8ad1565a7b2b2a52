"""The planner's pages: the scenarios (bundled and the workspace's) and the plan page of a scenario.

`GET /` lists the scenarios (`app.scenarios`, `app.folder_scenarios`);
`GET /plan/{name}` calls `app.optimize` with the plain GET form's budget,
variant and objective and renders the document `optimize --json` prints:
the totals, the KPIs with their limits, what binds in the command line's
sentences, the spend per cell and week, and the cells left empty with why.
The form works without JavaScript; ``static/plan.js`` re-optimises in place.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from campaign import app
from campaign.options import MAX_AMOUNT, MIN_AMOUNT
from campaign.web.page_kit import render
from campaign.web.planning import workspace
from scenarios import OBJECTIVES, UsageError

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def scenario_list(request: Request) -> HTMLResponse:
    """The bundled scenarios and the workspace's scenario files, each with its description and a plan link."""
    found = app.folder_scenarios(workspace(request).folder)
    return render(
        request,
        "scenarios.html",
        {"bundled": [s.to_dict() for s in app.scenarios()], "own": [s.to_dict() for s in found]},
    )


def budget_of(text: str | None) -> float | None:
    """The form's budget: empty is the scenario's own; else a number within the command line's bounds."""
    if text is None or not text.strip():
        return None
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        value = float("nan")
    if not MIN_AMOUNT <= value <= MAX_AMOUNT:
        raise UsageError(f"budget {text!r} is not a number from {MIN_AMOUNT:g} to {MAX_AMOUNT:g}")
    return value


def spend_table(document: dict[str, Any]) -> tuple[list[int], list[dict[str, Any]]]:
    """The spend per cell (channel.format) and period, zero where the plan puts nothing: the periods and rows."""
    periods = sorted({row["period"] for row in document["allocation"]})
    cells: dict[str, dict[int, float]] = {}
    for row in document["allocation"]:
        spent = cells.setdefault(f"{row['channel']}.{row['format']}", {})
        spent[row["period"]] = spent.get(row["period"], 0.0) + row["spend"]
    rows = [
        {"cell": cell, "spend": [spent.get(p, 0.0) for p in periods], "total": sum(spent.values())}
        for cell, spent in sorted(cells.items())
    ]
    return periods, rows


@router.get("/plan/{name:path}", response_class=HTMLResponse)
def plan(
    name: str,
    request: Request,
    budget: str | None = None,
    variant: str | None = None,
    objective: str | None = None,
) -> HTMLResponse:
    """The optimizer's plan for the form's budget, variant and objective (`campaign optimize`)."""
    if objective and objective not in OBJECTIVES:
        raise UsageError(f"objective {objective!r} is not one of {', '.join(OBJECTIVES)}")
    space = workspace(request)
    path = space.scenario(name)
    chosen = budget_of(budget)
    done = app.optimize(path, variant or None, chosen, objective or None, store=space.store)
    document = done.result.to_dict()
    periods, rows = spend_table(document)
    return render(
        request,
        "plan.html",
        {
            "name": name,
            "budget": "" if chosen is None else f"{chosen:g}",
            "variant": variant or "",
            "objective": objective or "",
            "objectives": OBJECTIVES,
            "result": document,
            "periods": periods,
            "rows": rows,
            "binding": [c for c in document["constraints"] if c.get("binding")],
        },
    )
