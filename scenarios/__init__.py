"""The domain: scenario files, their schema, and the market model both engines share."""

from scenarios.curves import Curves
from scenarios.errors import (
    CampaignError,
    InfeasibleError,
    Problem,
    ScenarioError,
    SolverError,
    UsageError,
)
from scenarios.library import bundled_scenarios, library_path
from scenarios.loader import load_scenario
from scenarios.market import Market, OrganicOutlook, Outcomes, build_market
from scenarios.schema import OBJECTIVES, Scenario

__all__ = [
    "OBJECTIVES",
    "CampaignError",
    "Curves",
    "InfeasibleError",
    "Market",
    "OrganicOutlook",
    "Outcomes",
    "Problem",
    "Scenario",
    "ScenarioError",
    "SolverError",
    "UsageError",
    "build_market",
    "bundled_scenarios",
    "library_path",
    "load_scenario",
]
