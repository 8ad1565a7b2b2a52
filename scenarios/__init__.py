"""The domain: scenario files, their schema, and the market model both engines share."""

from scenarios.actuals_schema import MappingRule
from scenarios.calendar import horizon
from scenarios.caveats import scenario_caveats
from scenarios.checks import cell_keys
from scenarios.curves import EXPONENTIAL, POINTS, Curves
from scenarios.errors import (
    CampaignError,
    InfeasibleError,
    Problem,
    ScenarioError,
    SolverError,
    UsageError,
    did_you_mean,
    printable,
)
from scenarios.formatting import (
    activate_locale,
    amount,
    counted,
    decimal,
    money,
    number,
    people,
    percent,
    short,
    signed,
    significant,
)
from scenarios.jsonable import finite
from scenarios.learning import CellLearning, by_period, learn, updated_scenario
from scenarios.library import DEFAULT_SCENARIO, bundled_scenarios, library_path
from scenarios.loader import load_scenario, override
from scenarios.market import Market, OrganicOutlook, Outcomes
from scenarios.market_build import build_market
from scenarios.patterns import MATCH_SECONDS, SlowPatternError, pattern_search
from scenarios.plan import ContentRow, Plan, SpendRow
from scenarios.schema import OBJECTIVES, Kpis, Scenario
from scenarios.simulation_schema import MAX_RUNS
from scenarios.statement import DailyPlan, Statement, daily_plan, statement
from scenarios.sweep import MAX_POINTS, SweepSpec, parse_spec, parse_sweep

__all__ = [
    "DEFAULT_SCENARIO",
    "EXPONENTIAL",
    "MATCH_SECONDS",
    "MAX_POINTS",
    "MAX_RUNS",
    "OBJECTIVES",
    "POINTS",
    "CampaignError",
    "CellLearning",
    "ContentRow",
    "Curves",
    "DailyPlan",
    "InfeasibleError",
    "Kpis",
    "MappingRule",
    "Market",
    "OrganicOutlook",
    "Outcomes",
    "Plan",
    "Problem",
    "Scenario",
    "ScenarioError",
    "SlowPatternError",
    "SolverError",
    "SpendRow",
    "Statement",
    "SweepSpec",
    "UsageError",
    "activate_locale",
    "amount",
    "build_market",
    "bundled_scenarios",
    "by_period",
    "cell_keys",
    "counted",
    "daily_plan",
    "decimal",
    "did_you_mean",
    "finite",
    "horizon",
    "learn",
    "library_path",
    "load_scenario",
    "money",
    "number",
    "override",
    "parse_spec",
    "parse_sweep",
    "pattern_search",
    "people",
    "percent",
    "printable",
    "scenario_caveats",
    "short",
    "signed",
    "significant",
    "statement",
    "updated_scenario",
]
