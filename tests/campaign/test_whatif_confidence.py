"""`campaign whatif --confidence`: each option also planned at the confidence, as `optimize --confidence` plans it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from campaign import app
from campaign.cli import cli
from optimizer import ConfidenceUnreachableError

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios" / "library"


@pytest.fixture(scope="module")
def uncertain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The café scenario with every figure uncertain: a coefficient of variation of 10 %."""
    path = tmp_path_factory.mktemp("whatif-confidence") / "cafe-uncertain.yaml"
    text = (LIBRARY / "cafe-chain-q1.yaml").read_text(encoding="utf-8")
    path.write_text(text + "uncertainty:\n  relative: 0.1\n", encoding="utf-8")
    return path


def test_draws_without_confidence_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["whatif", "cafe-chain-q1", "--draws", "20"])
    assert result.exit_code == 2, result.output
    assert "--draws plans at a confidence" in result.output


def test_each_option_is_optimize_with_confidence(uncertain: Path) -> None:
    args = ["whatif", str(uncertain), "--sweep", "budget.total=12000:18000:6000", "--json"]
    result = CliRunner().invoke(cli, [*args, "--confidence", "0.9", "--draws", "20"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["confidence"] == 0.9
    rows = {r["name"]: r for r in doc["rows"]}
    direct = app.optimize_with_confidence(uncertain, 0.9, draws=20)
    base = rows["base"]["at_confidence"]
    assert base["reachable"] is True
    assert base["objective"] == pytest.approx(direct.planned.evaluation.expected, rel=1e-9)
    assert base["kpis"] == {c.name: pytest.approx(c.probability_met) for c in direct.planned.evaluation.kpis}
    assert min(base["kpis"].values()) >= 0.9
    low = rows["budget.total=12000"]["at_confidence"]
    assert low["reachable"] is False
    with pytest.raises(ConfidenceUnreachableError) as raised:
        app.optimize_with_confidence(uncertain, 0.9, budget=12000, draws=20)
    assert low["highest_confidence"] == pytest.approx(raised.value.highest)
    text = CliRunner().invoke(cli, [*args[:-1], "--confidence", "0.9", "--draws", "20"])
    assert f"not reachable (at most {100 * low['highest_confidence']:.1f} %)" in text.output
    # Each KPI's share under each option's plan at the confidence, read back from the text's own table.
    lines = text.output.splitlines()
    start = lines.index("Plans at 90 % confidence: the share of each option's drawn quarters meeting each KPI")
    header = lines[start + 2].split()
    assert header[0] == "option"
    shown = {}
    for line in lines[start + 4 :]:
        if not line.strip():
            break
        name, *shares = line.split()
        shown[name] = dict(zip(header[1:], shares[::2], strict=True))
    reachable = {n: r["at_confidence"]["kpis"] for n, r in rows.items() if r["at_confidence"]["reachable"]}
    assert set(shown) == set(reachable) == {"base", "budget.total=18000"}
    for name, kpis in reachable.items():
        assert {k: float(v) for k, v in shown[name].items()} == {k: round(100 * p, 1) for k, p in kpis.items()}
    # Without --confidence the document is as before.
    plain = json.loads(CliRunner().invoke(cli, args).stdout)
    assert "confidence" not in plain
    assert all("at_confidence" not in r for r in plain["rows"])
