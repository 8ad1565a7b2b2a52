"""The KPI catalogue is the one list: the schema's fields, the optimizer's rows and the README's KPI list follow it."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from optimizer.problem import build_problem
from scenarios import build_market
from scenarios.kpis import FIGURES, KPIS, kpi_of
from scenarios.kpis_schema import Kpis
from scenarios.loader import resolve
from tests.conftest import BASE, merged

README = Path(__file__).resolve().parents[2] / "README.md"

#: A limit for each KPI that random plans meet sometimes and break sometimes on the two-channel scenario.
LIMITS = {
    "min_reach": 150000.0,
    "min_clicks": 15000.0,
    "min_engagement": 20000.0,
    "min_new_followers": 1500.0,
    "min_conversions": 300.0,
    "max_cpa": 25.0,
    "min_roas": 1.2,
    "max_bounce_rate": 0.65,
    "max_negative_feedback": 1200.0,
    "max_frequency": 4.0,
}


def test_the_schema_has_one_field_per_catalogue_entry_in_its_order():
    assert list(Kpis.model_fields) == [k.name for k in KPIS]
    assert set(LIMITS) == {k.name for k in KPIS}


def test_every_kpi_limits_a_figure_the_totals_report():
    figures = {f.name for f in FIGURES}
    for kpi in KPIS:
        assert kpi.figure in figures
        assert kpi.sense in ("min", "max")
        assert kpi_of(f"kpi.{kpi.name}") is kpi


@pytest.mark.parametrize("kpi", KPIS, ids=lambda k: k.name)
def test_a_kpis_rows_hold_exactly_when_its_figure_meets_the_limit(kpi):
    # Random plans on the true model: the rows generated from the catalogue agree with the figure computed from
    # the totals (away from the limit itself, where round-off decides).
    limit = LIMITS[kpi.name]
    channels = {"channels": {"instagram": {"bounce_rate": 0.7}, "tiktok": {"bounce_rate": 0.5}}}
    scenario = resolve(merged(merged(BASE, channels), {"kpis": {kpi.name: limit}}), "<test>")
    market = build_market(scenario)
    rows = [r for r in build_problem(scenario, market).rows if r.name.startswith("kpi.")]
    assert rows
    assert all(kpi_of(r.name) is kpi for r in rows)
    rng = np.random.default_rng(11)
    both = set()
    for _ in range(300):
        spend = rng.uniform(0, 1, len(market.channel_of)) * rng.choice([2000.0, 10000.0, 40000.0])
        outcomes = market.outcomes(spend)
        value = kpi.value(outcomes.totals)
        if not math.isfinite(value) or abs(value - limit) <= 1e-6 * abs(limit):
            continue
        conversions = outcomes.totals["conversions"] - market.carried_conversions
        held = all(
            (r.lhs(spend, conversions, outcomes.reach) <= r.rhs)
            if r.sense == "<="
            else (r.lhs(spend, conversions, outcomes.reach) >= r.rhs)
            for r in rows
        )
        met = kpi.met(value, limit)
        assert held == met, (value, limit)
        both.add(met)
    assert both == {True, False}


def test_the_readme_lists_every_kpi():
    text = README.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `kpis` |"))
    names = [name for name in re.findall(r"`((?:min|max)_\w+)`", row) if name != "min_spend"]  # the objective
    assert names == [k.name for k in KPIS]
