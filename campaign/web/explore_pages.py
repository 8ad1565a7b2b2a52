"""The planner's what-if and frontier pages: variants and budget sweeps side by side, and the budget frontier.

`GET /whatif/{name}` and `GET /frontier/{name}` are plain GET forms; each
answers with the document the API's route builds (`planning.whatif`,
`planning.traced`, the use cases `app.whatif` and `app.frontier`) as a table.
Beside the what-if table, its charts (`campaign.whatif_chart`), drawn while the
page renders so that their words and numbers are in the page's language;
below the frontier's table, the report's frontier chart (`campaign.plan_charts`).
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from campaign.plan_charts import frontier_charts
from campaign.report import FrontierWords
from campaign.web import planning
from campaign.web.bodies import FrontierBody, WhatIfBody
from campaign.web.page_kit import render
from campaign.whatif_chart import Labels, whatif_charts

router = APIRouter(tags=["pages"], include_in_schema=False)
#: The columns of the what-if table, as `whatif` prints them.
COLUMNS = ("spend", "conversions", "cpa", "roas", "reach", "new_followers", "profit")


def given(text: str | None) -> str:
    """A form field's text, empty when left out."""
    return (text or "").strip()


@router.get("/whatif/{name:path}", response_class=HTMLResponse)
def whatif(name: str, request: Request, variants: str | None = None, sweep: str | None = None) -> HTMLResponse:
    """The base plan beside each variant (comma-separated names; empty: all) and each budget of a sweep."""
    names = [v.strip() for v in given(variants).split(",") if v.strip()]
    body = WhatIfBody.model_validate(
        {
            "variants": "all" if not names or names == ["all"] else names,
            "sweeps": [given(sweep)] if given(sweep) else [],
        }
    )
    document = planning.whatif(name, request, body)
    return render(
        request,
        "whatif.html",
        {
            "name": name,
            "variants": given(variants),
            "sweep": given(sweep),
            "result": document,
            "columns": COLUMNS,
            "labels": Labels,
            "charts": partial(whatif_charts, document, body.sweeps),
        },
    )


@router.get("/frontier/{name:path}", response_class=HTMLResponse)
def frontier(
    name: str,
    request: Request,
    start: str | None = None,
    stop: str | None = None,
    points: str | None = None,
    variant: str | None = None,
) -> HTMLResponse:
    """The best conversions, profit, reach and marginal CPA over a range of budgets (`campaign frontier`)."""
    fields = {"start": given(start), "stop": given(stop), "points": given(points), "variant": given(variant)}
    body = FrontierBody.model_validate({key: value for key, value in fields.items() if value})
    traced = planning.traced(name, request, body)
    charts = partial(frontier_charts, traced)
    context = {"name": name, **fields, "result": traced.to_dict(), "words": FrontierWords, "charts": charts}
    return render(request, "frontier.html", context)
