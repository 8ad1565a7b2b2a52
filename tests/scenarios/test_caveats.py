"""Settings that zero a figure or put a KPI out of reach are named in a warning, and what each says is true."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from campaign.cli import cli
from scenarios.caveats import scenario_caveats
from scenarios.loader import load_scenario
from tests.conftest import BUNDLED

BASE: dict[str, Any] = {
    "name": "caveats",
    "periods": {"count": 4, "unit": "week"},
    "budget": {"total": 4000},
    "business": {"value_per_conversion": 40, "gross_margin": 0.5},
    "channels": {
        "instagram": {
            "audience": 150000,
            "in_market": 0.03,
            "cpm": 9.0,
            "ctr": 0.01,
            "cvr": 0.03,
            "engagement_rate": 0.02,
            "followers": 5000,
            "formats": {"reel": {}, "story": {}},
        },
        "facebook": {
            "audience": 120000,
            "in_market": 0.02,
            "cpm": 12.0,
            "ctr": 0.015,
            "cvr": 0.05,
            "engagement_rate": 0.01,
            "organic": {"follow_rate": 0.05},
            "formats": {"feed": {}},
        },
    },
}


def deep(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in overlay.items():
        out[key] = deep(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def scenario_file(tmp_path: Path, **overlay: Any) -> Path:
    path = tmp_path / "caveats.yaml"
    path.write_text(yaml.safe_dump(deep(BASE, overlay)), encoding="utf-8")
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def optimize_json(path: Path) -> dict[str, Any]:
    result = run("optimize", str(path), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_team_without_weekly_hours_is_valid_and_limits_no_hours(tmp_path):
    """`team: {moderators: 1}` was refused with 'team.hours_per_week: is required but missing'."""
    with_team = scenario_file(tmp_path, team={"moderators": 1})
    assert run("validate", str(with_team)).exit_code == 0
    assert load_scenario(with_team).team.hours_per_week is None
    planned = optimize_json(with_team)
    without = optimize_json(scenario_file(tmp_path))
    assert planned["totals"] == pytest.approx(without["totals"], rel=1e-9)
    assert not [c for c in planned["constraints"] if c["name"].startswith("team")]
    assert planned["warnings"] == without["warnings"]


def test_team_hours_that_nothing_limits_are_named(tmp_path):
    spread = {"instagram": {"spend": {"min": 100}}}
    path = scenario_file(tmp_path, team={"hours_per_active_channel": 5}, channels=spread)
    warning = "team.hours_per_week is not set: the hours channels, posts and creatives take are not limited"
    planned = optimize_json(path)
    assert warning in planned["warnings"]
    # True: no row limits them, and the two active channels take 10 hours; 5 hours a week leave one channel.
    assert not [c for c in planned["constraints"] if c["name"].startswith("team")]
    assert planned["totals"]["team_hours_per_week"] == pytest.approx(10)
    capped = scenario_file(tmp_path, team={"hours_per_active_channel": 5, "hours_per_week": 5}, channels=spread)
    limited = optimize_json(capped)
    assert limited["totals"]["team_hours_per_week"] == pytest.approx(5)
    assert limited["totals"]["conversions"] < planned["totals"]["conversions"]


def test_followers_without_a_follow_rate_win_no_one_and_say_so(tmp_path):
    """A channel with followers but no organic.follow_rate won no followers from ads, silently."""
    path = scenario_file(tmp_path, channels={"facebook": {"spend": {"max": 1}}})
    warning = (
        "channels.instagram.organic.follow_rate is 0 (not set): instagram's ads and posts win no new followers; "
        "set it to the new followers per engagement"
    )
    planned = optimize_json(path)
    assert planned["warnings"] == [warning]
    instagram = sum(r["spend"] for r in planned["allocation"] if r["channel"] == "instagram")
    assert instagram > 3000
    assert planned["totals"]["engagement"] > 0
    # Facebook's one unit of spend is all the followers there are: 1000/12 impressions x 1 % engagement x 5 %.
    facebook = sum(r["impressions"] for r in planned["allocation"] if r["channel"] == "facebook")
    assert planned["totals"]["new_followers"] == pytest.approx(facebook * 0.01 * 0.05, rel=1e-9)
    text = run("optimize", str(path))
    assert f"warning: {warning}" in text.output
    checked = run("validate", str(path), "--json")
    assert json.loads(checked.output)["warnings"] == [warning]
    simulated = run("simulate", str(path), "--runs", "3", "--no-crisis", "--quiet", "--json")
    assert json.loads(simulated.stdout)["warnings"] == [warning]
    # With a follow rate the warning goes.
    fixed = scenario_file(tmp_path, channels={"instagram": {"organic": {"follow_rate": 0.05}}})
    assert optimize_json(fixed)["warnings"] == []


@pytest.mark.parametrize(
    ("overlay", "warning", "row"),
    [
        (
            {"kpis": {"min_new_followers": 100}, "channels": {"facebook": {"organic": {"follow_rate": 0}}}},
            "kpis.min_new_followers (100) cannot be met: no channel has both a follow_rate and engagement",
            "kpi.min_new_followers",
        ),
        (
            {
                "kpis": {"min_engagement": 100},
                "channels": {"instagram": {"engagement_rate": 0}, "facebook": {"engagement_rate": 0}},
            },
            "kpis.min_engagement (100) cannot be met",
            "kpi.min_engagement",
        ),
        (
            {"kpis": {"min_conversions": 10}, "channels": {"instagram": {"cvr": 0}, "facebook": {"in_market": 0}}},
            "kpis.min_conversions (10) cannot be met: no cell converts, so every plan has 0",
            "kpi.min_conversions",
        ),
    ],
)
def test_an_unreachable_kpi_is_named_and_is_infeasible(tmp_path, overlay, warning, row):
    path = scenario_file(tmp_path, **overlay)
    assert any(w.startswith(warning) for w in scenario_caveats(load_scenario(path)))
    result = run("optimize", str(path), "--json")
    assert result.exit_code == 3
    document = json.loads(result.stdout)
    assert any(w.startswith(warning) for w in document["warnings"])
    assert row in [r["name"] for r in document["relaxations"]]
    assert "warning: " + warning in result.stderr


def test_a_channel_that_cannot_convert_is_named_and_converts_nothing(tmp_path):
    path = scenario_file(tmp_path, channels={"facebook": {"cvr": 0, "spend": {"min": 500}}})
    planned = optimize_json(path)
    assert planned["warnings"] == [
        (
            "channels.instagram.organic.follow_rate is 0 (not set): instagram's ads and posts win no new followers; "
            "set it to the new followers per engagement"
        ),
        "channels.facebook.cvr is 0: facebook.feed brings no conversions at any spend",
    ]
    rows = [r for r in planned["allocation"] if r["channel"] == "facebook"]
    assert sum(r["spend"] for r in rows) >= 500 - 1e-6
    assert sum(r["conversions"] for r in rows) == 0


def test_a_cap_on_a_figure_that_is_always_zero_is_named(tmp_path):
    path = scenario_file(tmp_path, kpis={"max_bounce_rate": 0.5, "max_negative_feedback": 10})
    planned = optimize_json(path)
    assert (
        "kpis.max_bounce_rate is set but no channel has a bounce_rate: the bounce rate is 0 for every plan"
        in (planned["warnings"])
    )
    assert any(w.startswith("kpis.max_negative_feedback is set") for w in planned["warnings"])
    assert planned["totals"]["bounce_rate"] == 0
    assert planned["totals"]["negative_feedback"] == 0


@pytest.mark.parametrize("name", BUNDLED)
def test_the_bundled_scenarios_have_no_caveats(name):
    path = Path(__file__).resolve().parents[2] / "scenarios" / "library" / f"{name}.yaml"
    scenario = load_scenario(path)
    assert scenario_caveats(scenario) == []
    for variant in scenario.variants:
        assert scenario_caveats(load_scenario(path, variant)) == []
