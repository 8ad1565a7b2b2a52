"""The domain: scenario files, their schema, and the market model both engines share."""

from scenarios.actuals_schema import MappingRule
from scenarios.calendar import horizon
from scenarios.calibrated import Provenance, calibrated_data
from scenarios.calibration import (
    MIN_WEEKS,
    PRIOR,
    CellFit,
    cell_priors,
    informs_saturation,
    posteriors,
    stretch_in_spreads,
)
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
    digits_of,
    money,
    number,
    people,
    percent,
    short,
    signed,
    significant,
)
from scenarios.history import LONGEST_ROW, WeeklyHistory, monday, weekly
from scenarios.holdout import Score, held_out, overall_score
from scenarios.jsonable import finite
from scenarios.kpis import (
    COUNT,
    FIGURE_BY_NAME,
    FIGURES,
    KPIS,
    MONEY,
    PEOPLE,
    RATIO,
    Figure,
    Kpi,
    Linear,
    channel_frequency,
    derived,
    display_of,
    frequency_at,
    frequency_room,
    frequency_slope,
    kpi_of,
    linear_figure,
    profit,
)
from scenarios.kpis_schema import Kpis
from scenarios.learning import CellLearning, by_period, learn, updated_scenario
from scenarios.library import DEFAULT_SCENARIO, bundled_scenarios, library_path
from scenarios.loader import load_scenario, override, parse_yaml, read_text, resolve
from scenarios.market import Market, OrganicOutlook, Outcomes
from scenarios.market_build import build_market
from scenarios.patterns import MATCH_SECONDS, SlowPatternError, pattern_search
from scenarios.plan import ContentRow, Plan, SpendRow
from scenarios.schema import OBJECTIVES, Scenario
from scenarios.simulation_schema import MAX_RUNS
from scenarios.statement import DailyPlan, Statement, daily_plan, statement
from scenarios.sweep import MAX_POINTS, SweepSpec, parse_spec, parse_sweep
from scenarios.synthetic import Truth, draw_truth, synthetic_history, true_scenario
from scenarios.uncertainty import Fitted, ParameterDraw, draw_parameters, drawn_market, fit_interval, fit_relative
from scenarios.uncertainty import source as uncertainty_source
from scenarios.uncertainty_schema import Interval, Uncertainty

__all__ = [
    "COUNT",
    "DEFAULT_SCENARIO",
    "EXPONENTIAL",
    "FIGURES",
    "FIGURE_BY_NAME",
    "KPIS",
    "LONGEST_ROW",
    "MATCH_SECONDS",
    "MAX_POINTS",
    "MAX_RUNS",
    "MIN_WEEKS",
    "MONEY",
    "OBJECTIVES",
    "PEOPLE",
    "POINTS",
    "PRIOR",
    "RATIO",
    "CampaignError",
    "CellFit",
    "CellLearning",
    "ContentRow",
    "Curves",
    "DailyPlan",
    "Figure",
    "Fitted",
    "InfeasibleError",
    "Interval",
    "Kpi",
    "Kpis",
    "Linear",
    "MappingRule",
    "Market",
    "OrganicOutlook",
    "Outcomes",
    "ParameterDraw",
    "Plan",
    "Problem",
    "Provenance",
    "Scenario",
    "ScenarioError",
    "Score",
    "SlowPatternError",
    "SolverError",
    "SpendRow",
    "Statement",
    "SweepSpec",
    "Truth",
    "Uncertainty",
    "UsageError",
    "WeeklyHistory",
    "activate_locale",
    "amount",
    "build_market",
    "bundled_scenarios",
    "by_period",
    "calibrated_data",
    "cell_keys",
    "cell_priors",
    "channel_frequency",
    "counted",
    "daily_plan",
    "decimal",
    "derived",
    "did_you_mean",
    "digits_of",
    "display_of",
    "draw_parameters",
    "draw_truth",
    "drawn_market",
    "finite",
    "fit_interval",
    "fit_relative",
    "frequency_at",
    "frequency_room",
    "frequency_slope",
    "held_out",
    "horizon",
    "informs_saturation",
    "kpi_of",
    "learn",
    "library_path",
    "linear_figure",
    "load_scenario",
    "monday",
    "money",
    "number",
    "overall_score",
    "override",
    "parse_spec",
    "parse_sweep",
    "parse_yaml",
    "pattern_search",
    "people",
    "percent",
    "posteriors",
    "printable",
    "profit",
    "read_text",
    "resolve",
    "scenario_caveats",
    "short",
    "signed",
    "significant",
    "statement",
    "stretch_in_spreads",
    "synthetic_history",
    "true_scenario",
    "uncertainty_source",
    "updated_scenario",
    "weekly",
]
