"""On/off links capped by the maximum-share rules: the same plans, a tighter relaxation, never in elastic solves."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from campaign.app.common import load
from optimizer.approximation import initial_breakpoints, segments_of
from optimizer.backends import run_solver
from optimizer.decisions import capped_links
from optimizer.infeasible import _swap, with_limit
from optimizer.matrix import build_matrix
from optimizer.problem import build_problem
from scenarios import build_market


def solo(budget: float):
    scenario = load("cafe-chain-q1", "solo")
    return build_problem(scenario, build_market(scenario), None, budget)


def caps(rows) -> dict[str, float]:
    return {r.name: -float(r.switch_coef[0]) for r in rows if r.name.startswith("active.")}


def test_a_link_inside_a_capped_group_is_capped_at_its_share_of_the_budget_by_hand():
    problem = solo(13500.0)
    before, after = caps(problem.rows), caps(capped_links(problem.rows))
    # The solo variant: facebook at most 45 %, instagram 50 %, youtube 25 %, reels 40 % of spend; tiktok at most 6,000.
    assert after["active.channel.facebook"] == pytest.approx(0.45 * 13500)
    assert after["active.cell.facebook.feed_image"] == pytest.approx(0.45 * 13500)
    assert after["active.cell.facebook.reel"] == pytest.approx(0.40 * 13500)
    assert after["active.cell.instagram.reel"] == pytest.approx(0.40 * 13500)
    assert after["active.channel.instagram"] == pytest.approx(0.50 * 13500)
    assert after["active.cell.youtube.shorts"] == pytest.approx(0.25 * 13500)
    assert after["active.channel.tiktok"] == before["active.channel.tiktok"] == 6000.0
    assert all(after[name] <= before[name] for name in before)


def test_a_moved_share_limit_moves_the_cap_and_no_share_no_cap():
    problem = solo(13500.0)
    k = [r.name for r in problem.rows].index("channel.instagram.share.max")
    moved = _swap(problem, k, with_limit(problem.rows[k], 0.8, problem))
    assert caps(capped_links(moved.rows))["active.channel.instagram"] == pytest.approx(0.8 * 13500)
    rows = tuple(r for r in problem.rows if not r.name.endswith(".share.max"))
    assert caps(capped_links(rows)) == caps(rows)


def solved(problem, elastic=None):
    conv_bp, reach_bp = initial_breakpoints(problem, 16)
    conv, reach = segments_of(problem, conv_bp, reach_bp)
    matrix = build_matrix(problem, conv, reach, elastic, 1e-9, None)
    relaxed = dataclasses.replace(matrix, integer_cols=np.zeros(0, dtype=int))
    return matrix, run_solver(matrix, "highs"), run_solver(relaxed, "highs")


@pytest.mark.parametrize("budget", [13500.0, 16000.0, 20000.0])
def test_the_milp_optimum_is_the_same_and_the_relaxation_no_looser(budget, monkeypatch):
    problem = solo(budget)
    _, milp, relaxation = solved(problem)
    monkeypatch.setattr("optimizer.matrix.capped_links", tuple)  # the links as they were: capped by the budget
    _, milp_before, relaxation_before = solved(problem)
    # Both solved to a relative gap of 1e-9: the same optimum, as the plans meeting every row are the same.
    assert milp.objective == pytest.approx(milp_before.objective, rel=1e-8)
    assert relaxation.objective <= relaxation_before.objective + 1e-9 * abs(relaxation_before.objective)
    if budget == 13500.0:  # where the switches matter most, the root gap narrows: 17.1 % to 15.2 %
        assert relaxation.objective < 0.99 * relaxation_before.objective


def test_an_elastic_solve_keeps_the_budget_caps():
    problem = solo(12000.0)
    weights = {k: 1.0 for k, r in enumerate(problem.rows) if not r.internal}
    matrix, _, _ = solved(problem, weights)
    link = [r.name for r in problem.rows].index("active.channel.facebook")
    row = matrix.user_rows.start + link
    on_switch = matrix.switch_cols.start + problem.rows[link].switch_index[0]
    coefficient = matrix.values[(matrix.rows == row) & (matrix.cols == on_switch)]
    assert coefficient.tolist() == [-12000.0]
