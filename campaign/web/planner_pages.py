"""The planner's pages: the scenarios (bundled and the workspace's) and the plan page of a scenario.

`GET /` lists the scenarios (`app.scenarios`, `app.folder_scenarios`);
`GET /plan/{name}` calls `app.optimize` with the plain GET form's budget,
variant and objective and renders the document `optimize --json` prints:
the totals, the KPIs with their limits, what binds in the command line's
sentences, the spend per cell and week, the cells left empty with why, and the charts
`campaign report` draws for a plan (`campaign.plan_charts`), drawn while the
page renders so that their words and numbers are in the page's language.
Each KPI of the scenario has an on/off switch: the form lists every KPI
(``kpi``, hidden) and the ones switched on (``kpi_on``, checkboxes); the
others are left out (`app.optimize`'s `without_kpis`). The form works
without JavaScript; ``static/plan.js`` re-optimises in place.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from campaign import app
from campaign.options import MAX_AMOUNT, MIN_AMOUNT
from campaign.plan_charts import PlanTitles, plan_charts
from campaign.report import PlanWords
from campaign.web.page_kit import render
from campaign.web.planning import workspace
from scenarios import KPIS, OBJECTIVES, UsageError

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


def switched_off(listed: list[str], on: list[str]) -> tuple[str, ...]:
    """The KPIs the form lists but does not switch on (none when the form lists none: a first visit)."""
    return tuple(dict.fromkeys(name for name in listed if name not in on))


def kpi_switches(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Each KPI of the plan and each left out, in the catalogue's order, with whether it is on."""
    order = [kpi.name for kpi in KPIS]
    names = [k["name"] for k in document["kpis"]] + list(document["without_kpis"])
    ranked = sorted(dict.fromkeys(names), key=lambda n: order.index(n) if n in order else len(order))
    return [{"name": n, "on": n not in document["without_kpis"]} for n in ranked]


@router.get("/plan/{name:path}", response_class=HTMLResponse)
def plan(
    name: str,
    request: Request,
    budget: str | None = None,
    variant: str | None = None,
    objective: str | None = None,
    kpi: Annotated[list[str] | None, Query()] = None,
    kpi_on: Annotated[list[str] | None, Query()] = None,
) -> HTMLResponse:
    """The optimizer's plan for the form's budget, variant, objective and KPIs on (`campaign optimize`)."""
    if objective and objective not in OBJECTIVES:
        raise UsageError(f"objective {objective!r} is not one of {', '.join(OBJECTIVES)}")
    space = workspace(request)
    path = space.scenario(name)
    chosen = budget_of(budget)
    off = switched_off(kpi or [], kpi_on or [])
    done = app.optimize(path, variant or None, chosen, objective or None, store=space.store, without_kpis=off)
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
            "switches": kpi_switches(document),
            "words": PlanWords,
            "titles": PlanTitles,
            "charts": partial(plan_charts, done.scenario, done.result),
        },
    )
