"""`campaign frontier --confidence`: conversions at a confidence by budget and the least budget of each problem,
each checked by planning at that budget directly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from campaign import app
from campaign.cli import cli
from optimizer import ConfidenceUnreachableError

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios" / "library"
ARGS = ["--from", "9000", "--to", "18000", "--points", "3", "--confidence", "0.9", "--draws", "20"]


@pytest.fixture(scope="module")
def uncertain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The café scenario with every figure uncertain: a coefficient of variation of 10 %."""
    path = tmp_path_factory.mktemp("frontier-confidence") / "cafe-uncertain.yaml"
    text = (LIBRARY / "cafe-chain-q1.yaml").read_text(encoding="utf-8")
    path.write_text(text + "uncertainty:\n  relative: 0.1\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def document(uncertain: Path) -> dict:
    result = CliRunner().invoke(cli, ["frontier", str(uncertain), *ARGS, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "args", [["--draws", "20"], ["--seed", "3"], ["--confidence", "1"], ["--confidence", "0.9", "--draws", "5"]]
)
def test_bad_options_are_usage_errors(args: list[str]) -> None:
    result = CliRunner().invoke(cli, ["frontier", "cafe-chain-q1", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_without_confidence_the_document_is_unchanged(uncertain: Path, document: dict) -> None:
    plain = CliRunner().invoke(cli, ["frontier", str(uncertain), *ARGS[:6], "--json"])
    doc = json.loads(plain.stdout)
    assert "confidence" not in doc
    assert "least_budget" not in doc
    for mine, theirs in zip(document["points"], doc["points"], strict=True):
        assert {k: v for k, v in mine.items() if k != "at_confidence"} == theirs


def test_least_budgets_are_proven_by_planning_there(uncertain: Path, document: dict) -> None:
    least = document["least_budget"]
    resolution = least["resolution"]
    assert resolution == pytest.approx(90.0)  # 0.5 % of the scenario's 18,000 EUR
    ev = least["expected_value"]
    assert ev["budget"] - ev["infeasible_below"] <= resolution
    assert app.optimize(uncertain, budget=ev["budget"]).result.status == "optimal"
    with pytest.raises(app.InfeasiblePlanError):
        app.optimize(uncertain, budget=ev["infeasible_below"])
    # The quarters are drawn once, for the expected-value plan at the scenario's own budget.
    conf = document["confidence"]
    assert conf == {"level": 0.9, "draws": 20, "seed": 20270104, "source": "intervals", "noise_budget": 18000.0}
    loaded = app.optimize(uncertain).scenario
    quarters = app.draw_quarters(loaded, app.expected_value_plan(loaded), 20, 20270104)
    at = least["at_confidence"]
    assert at["budget"] - at["infeasible_below"] <= resolution
    assert at["budget"] > ev["budget"]
    planned = app.optimize_with_confidence(uncertain, 0.9, budget=at["budget"], quarters=quarters)
    assert all(k.probability_met >= 0.9 for k in planned.planned.evaluation.kpis)
    with pytest.raises(ConfidenceUnreachableError):
        app.optimize_with_confidence(uncertain, 0.9, budget=at["infeasible_below"], quarters=quarters)


def test_point_at_the_scenario_budget_is_optimize_with_confidence(uncertain: Path, document: dict) -> None:
    points = {p["budget"]: p for p in document["points"]}
    direct = CliRunner().invoke(cli, ["optimize", str(uncertain), "--confidence", "0.9", "--draws", "20", "--json"])
    expected = json.loads(direct.stdout)["expected"]["objective"]
    assert points[18000.0]["at_confidence"]["feasible"] is True
    assert points[18000.0]["at_confidence"]["conversions"] == pytest.approx(expected, rel=2e-3)
    # Below the least budget at the confidence no plan reaches it; the expected-value point is still there.
    below = points[13500.0]
    assert below["status"] == "optimal"
    assert below["at_confidence"] == {"feasible": False, "conversions": None, "gap": None}
    assert document["least_budget"]["at_confidence"]["budget"] > 13500.0


def test_text_states_both_least_budgets(uncertain: Path, document: dict) -> None:
    result = CliRunner().invoke(cli, ["frontier", str(uncertain), *ARGS])
    assert result.exit_code == 0, result.output
    least = document["least_budget"]
    at, ev = least["at_confidence"]["budget"], least["expected_value"]["budget"]
    assert (
        f"to meet every KPI in 90 % of quarters you need at least {at:,.0f} EUR, not {ev:,.0f} "
        "(the least budget whose expected figures meet them)"
    ) in result.output
    assert "bisection to 90 EUR" in result.output
