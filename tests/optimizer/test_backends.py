"""One contract battery, run against every LP backend."""

from __future__ import annotations

import pytest

from optimizer import SOLVERS, Optimizer
from scenarios.errors import InfeasibleError
from scenarios.loader import resolve
from tests.conftest import BASE, merged

KPIS = {"min_clicks": 25000.0, "min_reach": 120000.0, "max_cpa": 30.0}


@pytest.fixture(params=SOLVERS)
def solver(request: pytest.FixtureRequest) -> str:
    return request.param


def scenario(**overlay):
    return resolve(merged(BASE, overlay), "<test>")


def test_backends_agree_on_the_optimum(solver):
    s = scenario(kpis=KPIS)
    reference = Optimizer(solver="highs").optimize(s)
    result = Optimizer(solver=solver).optimize(s)
    assert result.solver.name == {"highs": "HiGHS", "cbc": "CBC"}[solver]
    assert result.totals["conversions"] == pytest.approx(reference.totals["conversions"], rel=1e-3)
    assert result.solver.approximation_error <= 1e-3


def test_backends_agree_on_shadow_prices(solver):
    s = scenario(kpis=KPIS)
    reference = {c.name: c for c in Optimizer(solver="highs").optimize(s).constraints}
    for c in Optimizer(solver=solver).optimize(s).constraints:
        assert c.binding == reference[c.name].binding, c.name
        assert c.shadow_price == pytest.approx(reference[c.name].shadow_price, rel=0.02, abs=1e-7), c.name


@pytest.mark.parametrize("kpis", [{}, KPIS])
def test_backends_agree_on_empty_cells(solver, kpis):
    s = scenario(kpis=kpis)
    reference = {z.cell: z.loss_per_100 for z in Optimizer(solver="highs").optimize(s).zero_spend}
    found = {z.cell: z.loss_per_100 for z in Optimizer(solver=solver).optimize(s).zero_spend}
    assert found.keys() == reference.keys()
    for cell, loss in found.items():
        assert loss == pytest.approx(reference[cell], rel=0.05), cell


def test_backends_explain_the_same_infeasibility(solver):
    s = scenario(kpis={"min_clicks": 40000.0})
    with pytest.raises(InfeasibleError) as caught:
        Optimizer(solver=solver).optimize(s)
    fixes = {r.name: r.relaxed_limit for r in caught.value.relaxations}
    assert fixes["kpi.min_clicks"] == pytest.approx(31515.15, rel=1e-3)
