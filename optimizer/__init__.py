"""The LP engine: allocate a paid budget across cells, certify the answer, explain it."""

from optimizer.backends import DEFAULT_SOLVER, SOLVERS
from optimizer.confidence import (
    Chance,
    ConfidencePlan,
    Evaluation,
    drawn_problems,
    evaluate,
    plan_with_confidence,
)
from optimizer.engine import DEFAULT_TOLERANCE, Optimizer
from optimizer.frontier import Frontier, FrontierResult, budget_grid
from optimizer.infeasible import Relaxation
from optimizer.problem import Problem, Row, build_problem
from optimizer.reachable import ConfidenceUnreachableError
from optimizer.reallocation import kpi_outlook, reoptimise, with_actuals, with_plan
from optimizer.result import (
    CellPlan,
    ConstraintReport,
    KpiStatus,
    OptimizationResult,
    SolverReport,
    ZeroSpend,
)
from optimizer.sample_lp import Draws

__all__ = [
    "DEFAULT_SOLVER",
    "DEFAULT_TOLERANCE",
    "SOLVERS",
    "CellPlan",
    "Chance",
    "ConfidencePlan",
    "ConfidenceUnreachableError",
    "ConstraintReport",
    "Draws",
    "Evaluation",
    "Frontier",
    "FrontierResult",
    "KpiStatus",
    "OptimizationResult",
    "Optimizer",
    "Problem",
    "Relaxation",
    "Row",
    "SolverReport",
    "ZeroSpend",
    "budget_grid",
    "build_problem",
    "drawn_problems",
    "evaluate",
    "kpi_outlook",
    "plan_with_confidence",
    "reoptimise",
    "with_actuals",
    "with_plan",
]
