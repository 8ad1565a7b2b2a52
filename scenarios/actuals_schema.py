"""The scenario's `actuals` section: how ad-platform exports map onto cells, and how much the plan's rates weigh."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from scenarios.closed import Closed

PLATFORMS = ("meta", "google", "linkedin", "tiktok", "generic")


class MappingRule(Closed):
    """Which scenario cell an export row belongs to.

    A row matches when every field given matches: `platform` (the export's
    platform), `platform_name` (Meta's Platform column, such as instagram),
    `placement` (Meta's Placement, such as Instagram Reels; case does not
    matter) and `campaign` (a regular expression searched in the campaign
    name). The first matching rule wins.
    """

    platform: Literal["meta", "google", "linkedin", "tiktok", "generic"]
    platform_name: str | None = None
    placement: str | None = None
    campaign: str | None = None
    channel: str
    format: str


class PriorStrength(Closed):
    """How much the scenario's own rates weigh against actuals, in pseudo-observations.

    `impressions` for CPM and CTR (as if the plan's rates had been seen over
    that many impressions), `clicks` for CVR.
    """

    impressions: Annotated[float, Field(gt=0.0)] = 20000.0
    clicks: Annotated[float, Field(gt=0.0)] = 300.0


class Actuals(Closed):
    """How ad-platform exports map onto the scenario, and how much its rates weigh against them.

    `conversion_columns` names the export columns whose sum is a row's
    conversions, on every row whatever its result type (such as "Messaging
    conversations started"); when empty, conversions are the platform's
    results or conversions column, and `conversion_results` lists Meta's
    `Result type` values that count (rows with other result types count their
    spend, impressions and clicks but no conversions).
    """

    mapping: list[MappingRule] = []
    conversion_columns: list[Annotated[str, Field(min_length=1)]] = []
    conversion_results: list[str] = []
    prior_strength: PriorStrength = PriorStrength()

    @model_validator(mode="after")
    def _one_conversion_rule(self) -> Actuals:
        if self.conversion_columns and self.conversion_results:
            raise ValueError(
                "give either conversion_columns (columns counted on every row) or conversion_results (the Result "
                "types whose Results count), not both"
            )
        return self
