"""The use cases of the tool as plain functions: typed inputs in, typed results out, no command line.

`campaign.cli` parses options, calls one of these and renders its result;
a notebook or a test calls them directly. Errors are the project's
exceptions (`scenarios.errors`): `CampaignError` for bad input,
`InfeasibleError` when no plan meets every constraint. Long runs report
progress through an optional callback `progress(done, total)`.

The modules load on first use, so a command imports only what it runs.

>>> from campaign import app
>>> optimized = app.optimize("cafe-chain-q1", budget=12000)
>>> optimized.result.status, round(optimized.result.totals["spend"])
('optimal', 12000)
>>> optimized.scenario.budget.total  # the budget given is part of the scenario the plan belongs to
12000.0
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from campaign.app.actuals import (
        LedgerSummary,
        Previewed,
        Reallocated,
        import_actuals,
        preview_actuals,
        reallocate,
        show_actuals,
    )
    from campaign.app.authoring import (
        BadFileNameError,
        ExistingFileError,
        check_scenario_text,
        file_name_of,
        save_scenario,
    )
    from campaign.app.calibrating import Calibrated, calibrate
    from campaign.app.catalogue import Bundled, InFolder, Validated, folder_scenarios, scenarios, validate
    from campaign.app.common import BadRangeError, ChosenPlan, InfeasiblePlanError, Progress, plan_for
    from campaign.app.confidence import (
        AtConfidence,
        Confident,
        Quarters,
        draw_quarters,
        expected_value_plan,
        optimize_with_confidence,
        plan_at,
    )
    from campaign.app.curves import ImportedCurves, import_curves
    from campaign.app.finance import ProfitAndLoss, pnl
    from campaign.app.frontier_confidence import FrontierAtConfidence, TracedAtConfidence, frontier_with_confidence
    from campaign.app.planning import Optimized, Traced, frontier, optimize
    from campaign.app.reporting import report
    from campaign.app.saved import (
        NotStoredError,
        SavedPlans,
        adopt_plan,
        saved_plan,
        saved_plans,
        stored_run,
        stored_runs,
    )
    from campaign.app.simulating import Compared, Simulated, simulate, whatif

#: Where each public name lives.
WHERE = {
    "campaign.app.actuals": (
        "LedgerSummary",
        "Previewed",
        "Reallocated",
        "import_actuals",
        "preview_actuals",
        "reallocate",
        "show_actuals",
    ),
    "campaign.app.authoring": (
        "BadFileNameError",
        "ExistingFileError",
        "check_scenario_text",
        "file_name_of",
        "save_scenario",
    ),
    "campaign.app.calibrating": ("Calibrated", "calibrate"),
    "campaign.app.catalogue": ("Bundled", "InFolder", "Validated", "folder_scenarios", "scenarios", "validate"),
    "campaign.app.confidence": (
        "AtConfidence",
        "Confident",
        "Quarters",
        "draw_quarters",
        "expected_value_plan",
        "optimize_with_confidence",
        "plan_at",
    ),
    "campaign.app.frontier_confidence": ("FrontierAtConfidence", "TracedAtConfidence", "frontier_with_confidence"),
    "campaign.app.curves": ("ImportedCurves", "import_curves"),
    "campaign.app.common": ("BadRangeError", "ChosenPlan", "InfeasiblePlanError", "Progress", "plan_for"),
    "campaign.app.finance": ("ProfitAndLoss", "pnl"),
    "campaign.app.planning": ("Optimized", "Traced", "frontier", "optimize"),
    "campaign.app.reporting": ("report",),
    "campaign.app.saved": (
        "NotStoredError",
        "SavedPlans",
        "adopt_plan",
        "saved_plan",
        "saved_plans",
        "stored_run",
        "stored_runs",
    ),
    "campaign.app.simulating": ("Compared", "Simulated", "simulate", "whatif"),
}
_MODULE_OF = {name: module for module, names in WHERE.items() for name in names}
__all__ = [
    "AtConfidence",
    "BadFileNameError",
    "BadRangeError",
    "Bundled",
    "Calibrated",
    "ChosenPlan",
    "Compared",
    "Confident",
    "ExistingFileError",
    "FrontierAtConfidence",
    "ImportedCurves",
    "InFolder",
    "InfeasiblePlanError",
    "LedgerSummary",
    "NotStoredError",
    "Optimized",
    "Previewed",
    "ProfitAndLoss",
    "Progress",
    "Quarters",
    "Reallocated",
    "SavedPlans",
    "Simulated",
    "Traced",
    "TracedAtConfidence",
    "Validated",
    "adopt_plan",
    "calibrate",
    "check_scenario_text",
    "draw_quarters",
    "expected_value_plan",
    "file_name_of",
    "folder_scenarios",
    "frontier",
    "frontier_with_confidence",
    "import_actuals",
    "import_curves",
    "optimize",
    "optimize_with_confidence",
    "plan_at",
    "plan_for",
    "pnl",
    "preview_actuals",
    "reallocate",
    "report",
    "save_scenario",
    "saved_plan",
    "saved_plans",
    "scenarios",
    "show_actuals",
    "simulate",
    "stored_run",
    "stored_runs",
    "validate",
    "whatif",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'campaign.app' has no attribute {name!r}")
    return getattr(import_module(_MODULE_OF[name]), name)
