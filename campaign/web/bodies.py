"""The JSON bodies of the API's POST requests: the command line's options, with the same bounds.

Unknown keys are refused (a misspelt option must not be ignored); a body may
be left out where every key has a default.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from campaign.app.defaults import FRONTIER_POINTS, MAX_CHANGE, TOLERANCE
from campaign.options import MAX_AMOUNT, MAX_SEED, MIN_AMOUNT
from scenarios import KPIS, MAX_POINTS, MAX_RUNS, OBJECTIVES

Amount = Annotated[float, Field(ge=MIN_AMOUNT, le=MAX_AMOUNT, allow_inf_nan=False)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
Tolerance = Annotated[float, Field(ge=1e-7, le=0.5, allow_inf_nan=False)]
Objective = Literal[OBJECTIVES]  # type: ignore[valid-type]


class Body(BaseModel):
    """A request body: unknown keys refused."""

    model_config = ConfigDict(extra="forbid")


class OptimizeBody(Body):
    """`campaign optimize`: --variant, --budget, --objective, --tolerance, --without-kpi (a list)."""

    variant: str | None = None
    budget: Amount | None = None
    objective: Objective | None = None
    tolerance: Tolerance = TOLERANCE
    without_kpis: Annotated[list[str], Field(max_length=len(KPIS))] = []


class FrontierBody(Body):
    """`campaign frontier`: --variant, --from, --to, --points, --tolerance."""

    variant: str | None = None
    start: Amount | None = None
    stop: Amount | None = None
    points: Annotated[int, Field(ge=2, le=MAX_POINTS)] = FRONTIER_POINTS
    tolerance: Tolerance = TOLERANCE


class WhatIfBody(Body):
    """`campaign whatif`: --variants (names or "all"), --sweep KEY=FROM:TO:STEP, --simulate, --seed."""

    variants: list[str] | Literal["all"] | None = None
    sweeps: Annotated[list[str], Field(max_length=10)] = []
    simulate: Annotated[int, Field(ge=0, le=MAX_RUNS)] = 0
    seed: Seed | None = None
    fixed_parameters: bool = False


class SimulateBody(Body):
    """`campaign simulate`: --variant, --runs, --seed, --no-crisis (crises false), --fixed-parameters."""

    variant: str | None = None
    runs: Annotated[int, Field(ge=1, le=MAX_RUNS)] | None = None
    seed: Seed | None = None
    crises: bool = True
    fixed_parameters: bool = False


class PnlBody(Body):
    """`campaign pnl`: --variant, --simulate, --seed, --compare-team, --fixed-parameters."""

    variant: str | None = None
    simulate: Annotated[int, Field(ge=0, le=MAX_RUNS)] = 0
    seed: Seed | None = None
    compare_team: bool = False
    fixed_parameters: bool = False


class ReallocateBody(Body):
    """`campaign reallocate`: --as-of, --variant, --max-change, --exclude-campaign."""

    as_of: dt.date
    variant: str | None = None
    max_change: Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)] = MAX_CHANGE
    exclude: Annotated[list[str], Field(max_length=50)] = []


class ImportForm(Body):
    """The text fields of an upload: `actuals import`'s --scenario, --currency, --from, --to, --replace."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    scenario: str
    currency: Annotated[str, Field(pattern=r"^[A-Za-z]{3}$")] | None = None
    start: dt.date | None = Field(default=None, alias="from")
    stop: dt.date | None = Field(default=None, alias="to")
    replace: bool = False


#: The upload form as the OpenAPI page shows it (the routes read the form themselves, with limits).
UPLOAD_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["scenario", "files"],
                    "properties": {
                        "scenario": {"type": "string", "description": "The scenario the actuals belong to."},
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "currency": {"type": "string", "description": "The currency of exports that name none."},
                        "from": {"type": "string", "format": "date", "description": "First day of undated exports."},
                        "to": {"type": "string", "format": "date", "description": "Last day of undated exports."},
                        "replace": {"type": "boolean", "description": "Replace restated rows (import only)."},
                    },
                }
            }
        },
    }
}
