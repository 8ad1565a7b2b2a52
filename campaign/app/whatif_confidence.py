"""Each option of `whatif --confidence` planned at the confidence, as `optimize --confidence` plans it."""

from __future__ import annotations

from typing import Any

from campaign.app.confidence import draw_quarters, expected_value_plan, plan_at
from campaign.whatif import Point
from optimizer import ConfidenceUnreachableError


def option_at_confidence(point: Point, confidence: float, draws: int, seed: int) -> dict[str, Any]:
    """The `at_confidence` of an option's row: its plan at `confidence` over `draws` quarters drawn for its own
    expected-value plan (`optimize --confidence` of that option), or the highest confidence a plan reaches."""
    scenario = point.scenario
    quarters = draw_quarters(scenario, expected_value_plan(scenario), draws, seed)
    try:
        at = plan_at(scenario, quarters, confidence)
    except ConfidenceUnreachableError as error:
        return {"reachable": False, "highest_confidence": error.highest, "objective": None, "kpis": None}
    evaluation = at.planned.evaluation
    return {
        "reachable": True,
        "highest_confidence": None,
        "objective": evaluation.expected,
        "kpis": {c.name: c.probability_met for c in evaluation.kpis},
    }
