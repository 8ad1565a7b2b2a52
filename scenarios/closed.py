"""The base of every scenario section, and the constrained number types the sections share."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Rate = Annotated[float, Field(ge=0.0, le=1.0)]
Money = Annotated[float, Field(ge=0.0)]
PositiveMoney = Annotated[float, Field(gt=0.0)]
Factor = Annotated[float, Field(gt=0.0)]


class Closed(BaseModel):
    """Base of every section: unknown keys and NaN/infinity are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
