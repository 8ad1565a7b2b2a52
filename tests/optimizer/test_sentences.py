"""Every explanation sentence re-checked by re-solving with its limit moved, within the certified bounds.

A binding row's price must lie between the value function's one-sided slopes
(the optimum is concave in a right-hand side), each widened by what the
certified bounds leave open; a row with room must cost nothing when its limit
moves halfway through that room; an empty cell's stated loss must match a
small forced move. Rows that do not bind carry no dual, whatever the LP said.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from optimizer import Optimizer
from optimizer.approximation import initial_breakpoints, segments_of
from optimizer.assemble import assemble
from optimizer.engine import polished_outcomes
from optimizer.lp import solve_lp
from optimizer.problem import RHS
from optimizer.result import SolverReport
from scenarios.errors import InfeasibleError
from scenarios.loader import resolve
from tests.conftest import BASE, merged
from tests.optimizer.resolve import certified_value, forced, moved, problem_of

TOLERANCE = 1e-6


def scenario(**overlay):
    return resolve(merged(BASE, overlay), "<test>")


def reports(result):
    return {c.name: c for c in result.constraints}


def test_a_stray_dual_on_a_row_with_room_is_cleaned_before_it_explains_anything():
    # Reach floor far below what the plan reaches, team hours far from used up: neither binds.
    s = scenario(kpis={"min_reach": 50000.0}, team={"hours_per_week": 20, "hours_per_active_channel": 2})
    problem = problem_of(s)
    conv_bp, reach_bp = initial_breakpoints(problem, 64)
    conv, reach = segments_of(problem, conv_bp, reach_bp)
    solution = solve_lp(problem, conv, reach, "highs")
    outcomes = polished_outcomes(problem, solution)
    report = SolverReport("HiGHS", 0.0, 0.0, 0.0, 0, 1)
    clean = assemble(s, None, problem, solution, outcomes, report, conv, reach)
    names = [r.name for r in problem.rows]
    shadow = solution.shadow.copy()
    shadow[names.index("kpi.min_reach")] = -0.0002  # what a degenerate vertex can hand back
    shadow[names.index("team.hours")] = 0.05
    stray = replace(solution, shadow=shadow, link_shadow=solution.link_shadow + 0.0002)
    dirty = assemble(s, None, problem, stray, outcomes, report, conv, reach)
    for name in ("kpi.min_reach", "team.hours"):
        row = reports(dirty)[name]
        assert abs(row.value - row.limit) > 0.5 * row.limit
        assert not row.binding
        assert row.shadow_price == 0.0
        assert row.explanation.endswith("has room to spare")
    assert [z.to_dict() for z in dirty.zero_spend] == [z.to_dict() for z in clean.zero_spend]
    assert "tiktok.video" in {z.cell for z in dirty.zero_spend}


def test_binding_means_no_slack_in_text_and_json(two_channels):
    for overlay in ({"kpis": {"min_clicks": 30000.0}}, {"kpis": {"min_clicks": 100.0}}):
        result = Optimizer(tolerance=TOLERANCE).optimize(scenario(**overlay))
        for c in result.constraints:
            if c.value is None:
                continue
            tight = abs(c.value - c.limit) <= 1e-3 * max(1.0, abs(c.limit))
            assert c.binding == tight, c
            assert c.binding or c.shadow_price == 0.0, c


CASES = [
    {},
    {"kpis": {"min_clicks": 30000.0}},
    {"kpis": {"min_reach": 160000.0}},
    {"kpis": {"min_reach": 50000.0, "min_clicks": 100.0}},
    {"kpis": {"max_negative_feedback": 2500.0}},
    {"rules": {"channel_share": {"tiktok": {"min": 0.4}}}},
    {"channels": {"instagram": {"spend": {"max": 12000.0}}}},
    {"periods": {"count": 4, "unit": "week"}, "budget": {"per_period": {"max": 4000.0}}},
    {"periods": {"count": 3, "unit": "week"}, "seasonality": {"cvr": [1.0, 1.3, 0.8]}, "kpis": {"min_clicks": 9000.0}},
]


def slopes(problem, name, limit, step, base):
    """The certified bracket on the value function's derivative at `limit`: [right slope, left slope]."""
    up = certified_value(moved(problem, name, limit + step), TOLERANCE)
    down = certified_value(moved(problem, name, limit - step), TOLERANCE)
    right = (up.value - base.value - base.slack) / step
    left = (base.value + base.slack - down.value) / step
    return right, left


@pytest.mark.parametrize("overlay", CASES, ids=range(len(CASES)))
def test_every_row_sentence_holds_when_the_limit_is_moved(overlay):
    check_row_sentences(scenario(**overlay))


RATIO_CASES = [
    {"kpis": {"max_cpa": 25.0}},
    {"kpis": {"min_roas": 1.3}},
    {
        "channels": {"instagram": {"bounce_rate": 0.7}, "tiktok": {"bounce_rate": 0.5}},
        "kpis": {"max_bounce_rate": 0.65},
    },
    {"rules": {"channel_share": {"instagram": {"max": 0.3}}}},
    {"kpis": {"max_frequency": 8.0}},
]


@pytest.mark.parametrize("overlay", RATIO_CASES, ids=range(len(RATIO_CASES)))
def test_every_ratio_row_sentence_holds_when_the_limit_is_moved(overlay):
    # The optimum need not be concave in a ratio's limit: its price is checked by a central difference.
    s = scenario(**overlay)
    result = Optimizer(tolerance=TOLERANCE).optimize(s)
    problem = problem_of(s)
    base = certified_value(problem, TOLERANCE)
    rows = {r.name: r for r in problem.rows}
    ratios = [c for c in result.constraints if c.name in rows and c.binding and rows[c.name].kind != RHS]
    shares = [c for c in result.constraints if c.name.endswith(".share.max") and c.binding]
    assert ratios or shares
    for c in ratios or shares:
        step = 2e-3 * abs(c.limit)
        up = certified_value(moved(problem, c.name, c.limit + step), TOLERANCE)
        down = certified_value(moved(problem, c.name, c.limit - step), TOLERANCE)
        slope = (up.value - down.value) / (2 * step)
        fuzz = (up.slack + down.slack + 2 * TOLERANCE * abs(base.value)) / (2 * step)
        assert c.shadow_price == pytest.approx(slope, rel=0.02, abs=fuzz), c
    check_row_sentences(s)


@settings(max_examples=6, deadline=None)
@given(
    budget=st.floats(5000.0, 60000.0),
    clicks=st.one_of(st.none(), st.floats(1000.0, 40000.0)),
    reach=st.one_of(st.none(), st.floats(20000.0, 250000.0)),
    cap=st.one_of(st.none(), st.floats(2000.0, 20000.0)),
)
def test_row_sentences_hold_on_random_scenarios(budget, clicks, reach, cap):
    overlay = {"budget": {"total": budget}, "kpis": {}}
    if clicks is not None:
        overlay["kpis"]["min_clicks"] = clicks
    if reach is not None:
        overlay["kpis"]["min_reach"] = reach
    if cap is not None:
        overlay["channels"] = {"instagram": {"spend": {"max": cap}}}
    s = scenario(**overlay)
    try:
        Optimizer(tolerance=TOLERANCE).optimize(s)
    except InfeasibleError:
        assume(False)
    check_row_sentences(s)


def check_row_sentences(s):
    """Each binding right-hand-side row's price lies in the certified bracket; each row with room costs nothing."""
    result = Optimizer(tolerance=TOLERANCE).optimize(s)
    problem = problem_of(s)
    base = certified_value(problem, TOLERANCE)
    rows = {r.name: r for r in problem.rows}
    scale = max(1.0, abs(base.value))
    checked = 0
    for c in result.constraints:
        row = rows.get(c.name)
        if row is None or c.value is None:
            continue  # a cell's own box (checked as a variable bound elsewhere)
        if c.binding and row.kind == RHS:
            step = 1e-3 * max(1.0, abs(c.limit))
            right, left = slopes(problem, c.name, c.limit, step, base)
            # Round-off of two certified solves, per unit of the step.
            fuzz = 4 * TOLERANCE * scale / step
            assert right - fuzz <= c.shadow_price <= left + fuzz, (c, right, left)
            checked += 1
        elif not c.binding:
            assert c.shadow_price == 0.0
            room = c.limit - c.value
            half = c.limit - 0.5 * room
            there = certified_value(moved(problem, c.name, half), TOLERANCE)
            assert abs(there.value - base.value) <= there.slack + base.slack + 2 * TOLERANCE * scale, c
            checked += 1
    assert checked
    return checked


@pytest.mark.parametrize("overlay", CASES[:4], ids=range(4))
def test_every_empty_cell_sentence_holds_when_money_is_forced_in(overlay):
    s = scenario(**overlay)
    result = Optimizer(tolerance=TOLERANCE).optimize(s)
    problem = problem_of(s)
    market = problem.market
    base = certified_value(problem, TOLERANCE)
    for z in result.zero_spend:
        cell = market.cell_keys.index(z.cell)
        slots = np.flatnonzero(market.cell_of == cell)
        step = 20.0
        losses = []
        for slot in slots:
            there = certified_value(forced(problem, int(slot), step), TOLERANCE)
            if there.value is not None:
                losses.append((base.value - there.value) / step)
        per_currency_unit = min(losses)
        # Concave in the forced amount: the first currency unit costs at most the average over the step.
        assert z.loss_per_100 / 100 <= per_currency_unit + (base.slack + 2 * TOLERANCE * abs(base.value)) / step
        assert z.loss_per_100 / 100 == pytest.approx(per_currency_unit, rel=0.05)


def test_a_channel_with_no_impressions_does_not_lend_its_cells_reach_nothing_values():
    # With channel switches, the LP's vertex prices TikTok's reach although no row binds on reach;
    # that stray price made tiktok.spark vanish from the empty cells and halved tiktok.video's cost.
    s = scenario(kpis={"min_reach": 50000.0}, team={"hours_per_week": 20, "hours_per_active_channel": 2})
    result = Optimizer(tolerance=TOLERANCE).optimize(s)
    problem = problem_of(s)
    market = problem.market
    base = certified_value(problem, TOLERANCE)
    empty = {z.cell: z.loss_per_100 for z in result.zero_spend}
    assert set(empty) == {"tiktok.video", "tiktok.spark"}
    for cell, loss in empty.items():
        there = certified_value(forced(problem, market.cell_keys.index(cell), 20.0), TOLERANCE)
        assert loss == pytest.approx((base.value - there.value) / 20.0 * 100, rel=0.05)
