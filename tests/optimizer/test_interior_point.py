"""Large plain LPs are solved by the interior-point method with crossover: the same optimum and verdicts."""

from __future__ import annotations

import pytest

from optimizer import Optimizer
from optimizer import highs as highs_backend
from scenarios import InfeasibleError
from scenarios.loader import resolve
from tests.conftest import merged
from tests.scenarios.test_yaml_parsers import hill_scenario

CELLS = 1100  # one row per cell: above INTERIOR_POINT_ROWS


def solved(data: dict, monkeypatch: pytest.MonkeyPatch, interior_point: bool):
    rows = highs_backend.INTERIOR_POINT_ROWS if interior_point else 10**9
    monkeypatch.setattr(highs_backend, "INTERIOR_POINT_ROWS", rows)
    calls: list[str] = []
    run = highs_backend._run_interior_point
    monkeypatch.setattr(highs_backend, "_run_interior_point", lambda h: (calls.append("ipm"), run(h))[1])
    result = Optimizer().optimize(resolve(data, "hill.yaml"))
    assert bool(calls) == interior_point
    return result


def test_a_large_plan_is_the_simplex_plan(monkeypatch):
    data = merged(hill_scenario(CELLS), {"kpis": {"min_clicks": 200_000}})
    ipm = solved(data, monkeypatch, interior_point=True)
    simplex = solved(data, monkeypatch, interior_point=False)
    # Each plan is within its proven gap of the optimum, and below the other's proven bound on it.
    for plan, other in ((ipm, simplex), (simplex, ipm)):
        assert plan.solver.approximation_error <= plan.solver.tolerance
        assert plan.objective_value >= plan.solver.bound * (1 - plan.solver.approximation_error) * (1 - 1e-12)
        assert plan.objective_value <= other.solver.bound * (1 + 1e-12)
    assert [k.met for k in ipm.kpis] == [k.met for k in simplex.kpis] == [True]


def test_a_large_plan_no_budget_can_meet_gets_the_simplex_verdict(monkeypatch):
    data = merged(hill_scenario(CELLS), {"kpis": {"min_clicks": 10**12}})
    with pytest.raises(InfeasibleError) as ipm:
        solved(data, monkeypatch, interior_point=True)
    with pytest.raises(InfeasibleError) as simplex:
        solved(data, monkeypatch, interior_point=False)
    assert str(ipm.value) == str(simplex.value)
