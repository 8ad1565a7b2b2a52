"""Every bundled scenario loads, validates with all its variants, cites its figures, and solves."""

from __future__ import annotations

import pytest

from optimizer import Optimizer
from scenarios.checks import cell_keys
from scenarios.errors import ScenarioError
from scenarios.library import DEFAULT_SCENARIO, bundled_scenarios, library_path
from scenarios.loader import load_scenario

CORE = ("audience", "in_market", "cpm", "ctr", "cvr", "bounce_rate", "engagement_rate", "negative_feedback_rate")


def test_the_library_has_the_three_businesses():
    assert set(bundled_scenarios()) == {"cafe-chain-q1", "b2b-saas-leads", "fashion-holiday"}
    assert DEFAULT_SCENARIO in bundled_scenarios()


def test_bundled_scenario_shape(bundled):
    path, description = bundled_scenarios()[bundled]
    scenario = load_scenario(path)
    assert scenario.name == bundled
    assert description
    assert "\n" not in description
    assert len(scenario.channels) >= 4
    assert all(len(channel.formats) >= 3 for channel in scenario.channels.values())
    assert len(scenario.variants) >= 2
    assert scenario.kpis.model_dump(exclude_none=True)
    assert scenario.rules.channel_share or scenario.rules.format_share
    assert len(cell_keys(scenario)) >= 12


def test_every_core_figure_has_a_source(bundled):
    scenario = load_scenario(bundled_scenarios()[bundled][0])
    for name, channel in scenario.channels.items():
        missing = [key for key in CORE if key not in channel.sources]
        assert not missing, f"{bundled}: channels.{name} lacks sources for {missing}"
        assert all(text.strip() for text in channel.sources.values())
    assert "business.value_per_conversion" in scenario.sources


@pytest.mark.parametrize("variant", [None, 0, 1, 2])
def test_bundled_scenario_solves_with_every_kpi_met(bundled, variant):
    path = bundled_scenarios()[bundled][0]
    names = sorted(load_scenario(path).variants)
    if variant is not None and variant >= len(names):
        pytest.skip(f"{bundled} has {len(names)} variants")
    name = None if variant is None else names[variant]
    scenario = load_scenario(path, name)
    result = Optimizer().optimize(scenario, variant=name)
    assert result.status == "optimal"
    assert result.solver.approximation_error <= 1e-3
    assert all(k.met for k in result.kpis), [k for k in result.kpis if not k.met]
    assert result.totals["spend"] <= scenario.budget.total * (1 + 1e-9)
    assert any(c.binding for c in result.constraints)


def test_an_unknown_bundled_name_is_the_projects_own_error():
    with pytest.raises(ScenarioError) as caught:
        load_scenario(library_path("cafe-chain-q2"))
    assert str(caught.value) == (
        "cafe-chain-q2: 1 problem\n  - no bundled scenario of that name (did you mean 'cafe-chain-q1'?); "
        "bundled scenarios: b2b-saas-leads, cafe-chain-q1, fashion-holiday"
    )
    with pytest.raises(ScenarioError):
        library_path("../library/cafe-chain-q1")
