"""One contract battery, run against every LP backend and checked against exact optima, not backend against backend."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from optimizer import DEFAULT_SOLVER, SOLVERS, Optimizer
from optimizer.approximation import initial_breakpoints, segments_of
from optimizer.lp import LinearModel, solve_lp
from scenarios.curves import EXPONENTIAL
from scenarios.errors import InfeasibleError
from scenarios.loader import resolve
from scenarios.market_build import build_market
from tests.conftest import BASE, merged
from tests.optimizer.resolve import moved, problem_of
from tests.oracles import budget_and_floor_optimum

KPIS = {"min_clicks": 25000.0, "min_reach": 120000.0, "max_cpa": 30.0}


@pytest.fixture(params=SOLVERS)
def solver(request: pytest.FixtureRequest) -> str:
    return request.param


def scenario(**overlay):
    return resolve(merged(BASE, overlay), "<test>")


FLOOR = 30000.0  # clicks: binds in BASE, where the budget alone buys fewer


def floor_oracle(s):
    """The exact optimum of a one-period scenario under its budget and a clicks floor (tests/oracles.py)."""
    market = build_market(s)
    assert np.all(market.curves.kind == EXPONENTIAL)
    assert market.periods == 1
    clicks = market.impressions_per_currency_unit * market.ctr
    exact = budget_and_floor_optimum(market.curves.maximum, market.curves.scale, clicks, s.budget.total, FLOOR)
    return market, clicks, exact


def test_each_backend_reaches_the_exact_optimum(solver):
    s = scenario(kpis={"min_clicks": FLOOR})
    _, _, exact = floor_oracle(s)
    assert exact.floor_price > 0  # the floor binds
    result = Optimizer(solver=solver, tolerance=1e-4).optimize(s)
    assert result.solver.name == {"highs": "HiGHS", "cbc": "CBC"}[solver]
    assert result.totals["conversions"] == pytest.approx(exact.value, rel=1e-4)
    assert result.totals["conversions"] <= exact.value * (1 + 1e-9)
    assert result.solver.bound >= exact.value * (1 - 1e-9)


def test_each_backend_meets_its_certificate_under_several_kpis(solver):
    # No closed form with a reach floor and a CPA cap: the plan must meet every KPI and its own proven gap.
    result = Optimizer(solver=solver).optimize(scenario(kpis=KPIS))
    assert all(k.met for k in result.kpis)
    assert result.solver.approximation_error <= 1e-3
    assert result.totals["conversions"] >= result.solver.bound * (1 - result.solver.approximation_error) - 1e-9


def test_each_backends_shadow_prices_are_the_exact_multipliers(solver):
    # A piecewise-linear model's prices are the slopes of segments beside the optimum: at tolerance 1e-4
    # they lie within 1 % of the exact Lagrange multipliers λ (budget) and μ (clicks floor).
    s = scenario(kpis={"min_clicks": FLOOR})
    _, _, exact = floor_oracle(s)
    prices = {c.name: c for c in Optimizer(solver=solver, tolerance=1e-4).optimize(s).constraints}
    assert prices["budget.total"].binding
    assert prices["kpi.min_clicks"].binding
    assert prices["budget.total"].shadow_price == pytest.approx(exact.budget_price, rel=0.01)
    # Raising the floor by one click costs μ conversions.
    assert prices["kpi.min_clicks"].shadow_price == pytest.approx(-exact.floor_price, rel=0.01)


def test_each_backend_prices_the_empty_cells_at_their_first_order_cost(solver):
    # 100 currency units forced into an empty cell earn 100·f'(0) and cost 100·(λ − μ·c) of the others' conversions.
    s = scenario(kpis={"min_clicks": FLOOR})
    market, clicks, exact = floor_oracle(s)
    empty = {market.cell_keys[i] for i in np.flatnonzero(exact.spend == 0)}
    cost = 100.0 * (exact.budget_price - exact.floor_price * clicks - market.curves.derivative(np.zeros(len(clicks))))
    found = {z.cell: z.loss_per_100 for z in Optimizer(solver=solver, tolerance=1e-4).optimize(s).zero_spend}
    assert found.keys() == empty
    for cell, loss in found.items():
        assert loss == pytest.approx(cost[market.cell_keys.index(cell)], abs=0.01 * 100.0 * exact.budget_price), cell


def test_backends_explain_the_same_infeasibility(solver):
    s = scenario(kpis={"min_clicks": 40000.0})
    with pytest.raises(InfeasibleError) as caught:
        Optimizer(solver=solver).optimize(s)
    fixes = {r.name: r.relaxed_limit for r in caught.value.relaxations}
    # The most clicks 20,000 EUR buy: all of it on instagram.reel, 1000 / (7.5 · 1.1) impressions per EUR at 1.3 %.
    assert fixes["kpi.min_clicks"] == pytest.approx(31515.15, rel=1e-3)


def test_a_backends_session_re_solves_as_a_fresh_solve_would(solver):
    # LinearModel keeps one model in the backend's session and moves only row bounds: each re-solve must
    # agree with solving the moved problem from scratch.
    s = scenario(kpis={"min_clicks": FLOOR})
    problem = problem_of(s)
    conv, reach = segments_of(problem, *initial_breakpoints(problem, 32))
    model = LinearModel(problem, conv, reach, solver)
    for budget in (s.budget.total, 0.8 * s.budget.total, 1.2 * s.budget.total):
        smaller = moved(problem, "budget.total", budget)
        warm, cold = model.solve(smaller), solve_lp(smaller, conv, reach, solver)
        assert warm.status == cold.status
        if cold.status == "optimal":
            assert warm.value == pytest.approx(cold.value, rel=1e-9)
            np.testing.assert_allclose(warm.shadow, cold.shadow, rtol=1e-6, atol=1e-9)


def test_no_code_branches_on_a_solver_name():
    # What differs between solvers lives in their backends (optimizer/backends.py): nothing else compares a
    # solver's name to pick behaviour.
    root = Path(__file__).resolve().parents[2]
    found = []
    for package in ("optimizer", "campaign", "simulation"):
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Compare):
                    operands = [node.left, *node.comparators]
                    if any(isinstance(o, ast.Constant) and o.value in SOLVERS for o in operands):
                        found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not found, found


def test_the_command_line_offers_the_registered_solvers():
    # campaign/cli.py starts without loading the optimizer, so it spells the choices out: they must be the registry's.
    from campaign.cli import cli

    options = [p for c in cli.commands.values() for p in c.params if p.name == "solver"]
    assert {(tuple(p.type.choices), p.default) for p in options} == {(SOLVERS, DEFAULT_SOLVER)}


def test_a_badly_scaled_infeasible_plan_is_explained_not_left_unsolved():
    """HiGHS's dual simplex ends this LP with status Unknown; the backend settles it with the primal simplex,
    and CBC agrees it is infeasible."""
    from scenarios.loader import load_scenario

    scenario = load_scenario(Path(__file__).parent / "data" / "badly_scaled_infeasible.yaml")
    for solver in SOLVERS:
        with pytest.raises(InfeasibleError, match="lower it from 5,000"):
            Optimizer(solver=solver).optimize(scenario)
