"""`campaign calibrate`: from a ledger of weekly history to a calibrated scenario, and every refusal."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from campaign.cli import cli
from campaign.ledger import record_imports
from campaign.ledger_rows import Batch, LedgerRow
from scenarios import draw_truth, load_scenario, synthetic_history
from scenarios.history import WeeklyHistory

SCENARIO = load_scenario("cafe-chain-q1")
LIBRARY = Path(load_scenario.__code__.co_filename).parent / "library"


def rows_of(past: WeeklyHistory, days: int = 7) -> list[LedgerRow]:
    """One ledger row per cell and week (or per `days` days from each week's Monday)."""
    out = []
    for c, cell in enumerate(past.cells):
        channel, fmt = cell.split(".", 1)
        for w, monday in enumerate(past.weeks):
            if not past.observed[c, w]:
                continue
            end = monday + dt.timedelta(days=days - 1)
            figures = (past.spend[c, w], past.impressions[c, w], past.clicks[c, w], past.conversions[c, w])
            out.append(LedgerRow("generic", f"c-{cell}", "", "", monday, end, channel, fmt, *map(float, figures)))
    return out


def ledger_of(tmp_path: Path, rows: list[LedgerRow], name: str = "ledger.sqlite") -> Path:
    path = tmp_path / name
    record_imports(path, [Batch(tmp_path / "made.csv", "0" * 64, "generic", "EUR", SCENARIO.name, rows)])
    return path


@pytest.fixture(scope="module")
def past() -> WeeklyHistory:
    return synthetic_history(SCENARIO, draw_truth(SCENARIO, 11), 20, dt.date(2027, 1, 3), 111)


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_calibrate_prints_a_sentence_per_cell_and_writes_a_scenario_that_plans(tmp_path, past):
    ledger = ledger_of(tmp_path, rows_of(past))
    out = tmp_path / "calibrated.yaml"
    result = run("calibrate", "cafe-chain-q1", "--ledger", str(ledger), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "instagram.reel: 20 weeks, CPM " in result.output
    assert "borrows from instagram.feed_image" in result.output
    assert "Held out the last 2 weeks" in result.output
    assert f"Wrote {out}" in result.output
    written = load_scenario(out)
    assert set(written.calibration.cells) == set(past.cells)
    assert written.calibration.first == past.weeks[0]
    assert run("optimize", str(out), "--json").exit_code == 0


def test_the_json_document_matches_the_text_and_the_file(tmp_path, past):
    ledger = ledger_of(tmp_path, rows_of(past))
    out = tmp_path / "calibrated.yaml"
    result = run("calibrate", "cafe-chain-q1", "--ledger", str(ledger), "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["range"] == {"from": "2026-08-17", "to": "2027-01-03"}
    assert doc["holdout"]["weeks"] == 2
    cell = next(c for c in doc["cells"] if c["cell"] == "tiktok.in_feed")
    assert set(cell) >= {"cell", "weeks", "spend", "cpm", "ctr", "cvr", "curve", "pooled", "holdout"}
    assert cell["pooled"] is True
    assert cell["spend"] == pytest.approx(float(past.spend[past.cells.index("tiktok.in_feed")].sum()))
    written = yaml.safe_load(out.read_text(encoding="utf-8"))["calibration"]["cells"]["tiktok.in_feed"]
    assert written["cpm"] == cell["cpm"]
    assert written["weeks"] == cell["weeks"] == 20


def test_cells_without_history_keep_the_scenarios_figures_and_are_listed(tmp_path, past):
    rows = [r for r in rows_of(past) if r.channel != "youtube"]
    result = run("calibrate", "cafe-chain-q1", "--ledger", str(ledger_of(tmp_path, rows)), "--json")
    doc = json.loads(result.output)
    assert doc["kept"] == [c for c in past.cells if c.startswith("youtube.")]
    assert len(doc["kept"]) == 3
    stay = "no history, so the scenario's figures stay: youtube.in_stream, youtube.bumper, youtube.shorts"
    assert stay in doc["warnings"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: [], "no rows of scenario 'cafe-chain-q1' dated before its start (2027-01-04)"),
        (lambda p: rows_of(p.window(0, 1), days=30), "covers more than 7 days, so no week's figures can be told apart"),
        (lambda p: rows_of(p.window(19, 20)), "every cell has fewer than 2 weeks of history"),
    ],
)
def test_a_history_calibration_cannot_use_is_refused_and_nothing_is_written(tmp_path, past, make, message):
    rows = make(past)
    ledger = ledger_of(tmp_path, rows or [_this_quarter()])
    out = tmp_path / "calibrated.yaml"
    result = run("calibrate", "cafe-chain-q1", "--ledger", str(ledger), "-o", str(out))
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def _this_quarter() -> LedgerRow:
    day = dt.date(2027, 1, 4)
    return LedgerRow("generic", "c", "", "", day, day, "facebook", "feed_image", 10.0, 1000.0, 10.0, 1.0)


def test_history_of_cells_the_scenario_no_longer_has_is_refused_with_suggestions(tmp_path, past):
    rows = [r for r in rows_of(past) if r.channel == "tiktok"]
    ledger = ledger_of(tmp_path, rows)
    data = yaml.safe_load(LIBRARY.joinpath("cafe-chain-q1.yaml").read_text(encoding="utf-8"))
    data["channels"]["tiktok"]["formats"] = {"in_feed_video": {}}
    data["rules"] = {}
    data["sources"] = {}
    data["actuals"]["mapping"] = [m for m in data["actuals"]["mapping"] if m["channel"] != "tiktok"]
    scenario = tmp_path / "cafe-chain-q1.yaml"
    scenario.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = run("calibrate", str(scenario), "--ledger", str(ledger))
    assert result.exit_code == 1, result.output
    assert "tiktok.in_feed (did you mean 'tiktok.in_feed_video'?)" in result.output


def test_usage_errors_name_the_option(tmp_path, past):
    ledger = str(ledger_of(tmp_path, rows_of(past)))
    late = run("calibrate", "cafe-chain-q1", "--ledger", ledger, "--to", "2027-01-10")
    assert late.exit_code == 1
    assert "--to 2027-01-10 is not before the scenario's start (2027-01-04)" in late.output
    many = run("calibrate", "cafe-chain-q1", "--ledger", ledger, "--holdout-weeks", "19")
    assert many.exit_code == 1
    assert "--holdout-weeks 19 leaves 1 of the history's 20 weeks to fit" in many.output
    bad = run("calibrate", "cafe-chain-q1", "--ledger", ledger, "--holdout-weeks", "-1")
    assert bad.exit_code == 2
    missing = run("calibrate", "cafe-chain-q1", "--ledger", str(tmp_path / "none.sqlite"))
    assert missing.exit_code == 1
    assert "no ledger yet" in missing.output


def test_the_scenario_file_itself_is_never_overwritten(tmp_path, past):
    scenario = tmp_path / "cafe.yaml"
    shutil.copy(LIBRARY / "cafe-chain-q1.yaml", scenario)
    before = scenario.read_bytes()
    ledger = str(ledger_of(tmp_path, rows_of(past)))
    result = run("calibrate", str(scenario), "--ledger", ledger, "-o", str(scenario))
    assert result.exit_code == 1
    assert "is the scenario itself" in result.output
    assert scenario.read_bytes() == before


def test_the_use_case_without_click_gives_the_commands_document(tmp_path, past):
    from campaign import app

    ledger = ledger_of(tmp_path, rows_of(past))
    result = run("calibrate", "cafe-chain-q1", "--ledger", str(ledger), "--json", "--holdout-weeks", "3")
    direct = app.calibrate("cafe-chain-q1", ledger, holdout_weeks=3)
    assert json.loads(result.output) == json.loads(json.dumps(direct.to_dict()))


def test_from_and_to_choose_the_weeks_read(tmp_path, past):
    ledger = str(ledger_of(tmp_path, rows_of(past)))
    args = ["--from", "2026-09-07", "--to", "2026-11-29", "--json", "--holdout-weeks", "0"]
    doc = json.loads(run("calibrate", "cafe-chain-q1", "--ledger", ledger, *args).output)
    assert doc["range"] == {"from": "2026-09-07", "to": "2026-11-29"}
    assert doc["weeks"] == 12
    first = past.weeks.index(dt.date(2026, 9, 7))
    c = past.cells.index("facebook.reel")
    cell = next(x for x in doc["cells"] if x["cell"] == "facebook.reel")
    assert cell["spend"] == pytest.approx(float(past.spend[c, first : first + 12].sum()))
    assert doc["holdout"]["error"] is None
