"""Every use case of `campaign.app` called without click, against the command line's JSON as the oracle.

Each test runs one use case as a plain function and the matching command
through click's CliRunner with the same inputs, and asserts the result's
document equals what `--json` prints (wall-clock timings aside); the files
written and the progress reported are checked against what they must be.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import campaign.app as app
from campaign.app.defaults import TOLERANCE
from campaign.cli import cli
from optimizer import DEFAULT_TOLERANCE
from scenarios.errors import CampaignError, InfeasibleError, UsageError
from scenarios.library import library_path

CAFE = "cafe-chain-q1"
#: Meta exports of weeks 1 and 2, and of weeks 3 and 4.
FIRST = Path(__file__).parent / "exports" / "meta_placement.csv"
EXPORT = Path(__file__).parent / "reallocate" / "meta_weeks_3_4.csv"


def without_clock(value: Any) -> Any:
    """`value` without the wall-clock `seconds` entries, the only figures that differ from run to run."""
    if isinstance(value, dict):
        return {k: without_clock(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [without_clock(v) for v in value]
    return value


def as_json(document: Any) -> Any:
    """The document as the command line prints it and reads back (tuples as lists, NaN as NaN)."""
    return json.loads(json.dumps(document))


def printed(*args: str, code: int = 0) -> Any:
    """What `campaign ARGS --json` prints, as data (the oracle)."""
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == code, result.output + result.stderr
    return json.loads(result.stdout)


def same(document: Any, oracle: Any) -> None:
    assert without_clock(as_json(document)) == without_clock(oracle)


class Steps:
    """A progress callback that records every `(done, total)` report."""

    def __init__(self) -> None:
        self.reports: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.reports.append((done, total))

    def check(self, total: int) -> None:
        """Reports rise to `total` of `total`, never past it."""
        assert self.reports, "no progress was reported"
        assert all(t == total for _, t in self.reports)
        done = [d for d, _ in self.reports]
        assert done == sorted(done)
        assert done[0] > 0
        assert done[-1] == total


def test_scenarios_and_validate():
    assert as_json([s.to_dict() for s in app.scenarios()]) == printed("scenarios")["scenarios"]
    same(app.validate(CAFE).to_dict(), printed("validate", CAFE))


def test_optimize_with_overrides_and_output(tmp_path):
    done = app.optimize(CAFE, variant="lean", budget=15000, objective="profit", output=tmp_path / "app")
    oracle = printed("optimize", CAFE, "--variant", "lean", "--budget", "15000", "--objective", "profit")
    same(done.result.to_dict(), oracle)
    assert done.scenario.budget.total == 15000
    assert done.scenario.objective == "profit"
    assert sorted(p.name for p in done.written) == ["allocation.csv", "result.json", "scenario.yaml"]
    same(json.loads((tmp_path / "app" / "result.json").read_text()), oracle)


def test_an_infeasible_plan_carries_the_scenarios_caveats():
    oracle = printed("optimize", CAFE, "--budget", "1", code=3)
    with pytest.raises(app.InfeasiblePlanError) as caught:
        app.optimize(CAFE, budget=1)
    assert isinstance(caught.value, InfeasibleError)
    assert str(caught.value) == oracle["message"]
    assert caught.value.warnings == oracle["warnings"]
    assert [r.to_dict() for r in caught.value.relaxations] == oracle["relaxations"]


def test_frontier_reports_each_budget():
    steps = Steps()
    done = app.frontier(CAFE, start=6000, stop=30000, points=4, progress=steps)
    same(done.result.to_dict(), printed("frontier", CAFE, "--from", "6000", "--to", "30000", "--points", "4"))
    assert steps.reports == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_frontier_defaults_to_a_quarter_of_the_budget_up_to_twice_it():
    done = app.frontier(CAFE, points=3)
    budget = done.scenario.budget.total
    assert [p.budget for p in done.result.points] == pytest.approx([budget / 4, budget * 9 / 8, budget * 2])
    with pytest.raises(app.BadRangeError) as caught:
        app.frontier(CAFE, start=budget * 3)
    assert caught.value.option == "--from"
    assert "(twice the budget) is not above its start" in str(caught.value)


def test_simulate_the_optimizers_plan_a_plan_and_a_plan_file(tmp_path):
    steps = Steps()
    done = app.simulate(CAFE, runs=12, seed=5, progress=steps)
    oracle = printed("simulate", CAFE, "--runs", "12", "--seed", "5")
    same(done.result.to_dict(), oracle)
    steps.check(12)
    optimized = app.optimize(CAFE).result
    assert done.expected == optimized.totals
    # The optimizer's plan given as a Plan simulates the same quarters, with nothing expected of it.
    given = app.simulate(CAFE, plan=optimized.plan, runs=12, seed=5)
    same(given.result.to_dict(), oracle)
    assert given.expected is None
    plan = app.optimize(CAFE, variant="lean", output=tmp_path).written
    result_json = next(p for p in plan if p.name == "result.json")
    from_file = app.simulate(CAFE, variant="lean", plan=result_json, runs=8, crises=False)
    oracle = printed("simulate", CAFE, "--variant", "lean", "--plan", str(result_json), "--runs", "8", "--no-crisis")
    same(from_file.result.to_dict(), oracle)
    assert from_file.expected is None


def test_whatif_variants_and_a_sweep():
    steps = Steps()
    done = app.whatif(CAFE, variants=["lean"], sweeps=["budget.total=12000:18000:6000"], progress=steps)
    oracle = printed("whatif", CAFE, "--variants", "lean", "--sweep", "budget.total=12000:18000:6000")
    same(done.result.to_dict(), oracle)
    assert [row["name"] for row in oracle["rows"]][:2] == ["base", "lean"]
    steps.check(4)
    # No variants named: all of them without a sweep, none with one.
    assert len(app.whatif(CAFE).result.rows) == 1 + len(done.scenario.variants)


def test_a_plan_of_another_scenario_or_beyond_its_limits_is_refused():
    b2b = app.optimize("b2b-saas-leads").result.plan
    with pytest.raises(UsageError, match=r"^the plan is for the cells linkedin\.single_image, "):
        app.simulate(CAFE, plan=b2b, runs=2)
    cafe = app.optimize(CAFE).result.plan
    tripled = cafe.with_spend(cafe.spend * 3)
    message = f"plan: the plan spends {tripled.total:,.2f} EUR, more than the scenario's budget of 18,000.00 EUR"
    with pytest.raises(UsageError, match=f"^{re.escape(message)}"):
        app.pnl(CAFE, plan=tripled)


def test_pnl_with_bands_team_options_and_workbook(tmp_path):
    done = app.pnl(CAFE, simulate=6, seed=3, compare_team=True, xlsx=tmp_path / "q1.xlsx")
    oracle = printed("pnl", CAFE, "--simulate", "6", "--seed", "3", "--compare-team")
    same(done.to_dict(), oracle)
    assert done.workbook == tmp_path / "q1.xlsx"
    assert done.workbook.stat().st_size > 0


def test_actuals_import_show_and_reallocate(tmp_path):
    ledger = tmp_path / "app.sqlite"
    reports = app.import_actuals([FIRST, EXPORT], CAFE, ledger)
    files = [str(FIRST), str(EXPORT)]
    oracle = printed("actuals", "import", *files, "--scenario", CAFE, "--ledger", str(tmp_path / "cli.sqlite"))
    same([r.to_dict() for r in reports], oracle["imports"])
    shown = printed("actuals", "show", "--scenario", CAFE, "--ledger", str(ledger))
    same(app.show_actuals(CAFE, ledger).to_dict(), shown)
    done = app.reallocate(CAFE, dt.date(2027, 1, 27), ledger=ledger, max_change=0.3, exclude=["(?i)test"])
    args = ["--as-of", "2027-01-27", "--ledger", str(ledger), "--max-change", "0.3", "--exclude-campaign", "(?i)test"]
    same(done.result.to_dict(), printed("reallocate", CAFE, *args))
    with pytest.raises(UsageError, match="is not a regular expression"):
        app.reallocate(CAFE, dt.date(2027, 1, 27), ledger=ledger, exclude=["Display (test"])


def test_the_ledger_sits_beside_the_scenario_file_or_in_this_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # A bundled scenario's ledger is in the working folder; a scenario file's beside it.
    app.import_actuals([EXPORT], CAFE)
    assert (tmp_path / f"{CAFE}.ledger.sqlite").exists()
    copy = tmp_path / "own" / "cafe.yaml"
    copy.parent.mkdir()
    copy.write_text(library_path(CAFE).read_text(encoding="utf-8"), encoding="utf-8")
    app.import_actuals([EXPORT], copy)
    assert (copy.parent / f"{CAFE}.ledger.sqlite").exists()
    # Sums per cell: the export's rows that map onto each cell, added up.
    summary = app.show_actuals(copy)
    assert summary.path == copy.parent / f"{CAFE}.ledger.sqlite"
    assert summary.cells["instagram.reel"]["spend"] == 500.0
    assert summary.cells["facebook.feed_image"]["conversions"] == 30.0
    with pytest.raises(UsageError, match="no ledger yet"):
        app.reallocate(CAFE, dt.date(2027, 2, 1), ledger=tmp_path / "none.sqlite")


def test_report_writes_the_same_file_as_the_command(tmp_path):
    steps = Steps()
    written = app.report(CAFE, tmp_path / "app.html", simulate=10, seed=2, progress=steps)
    result = CliRunner().invoke(
        cli, ["report", CAFE, "--simulate", "10", "--seed", "2", "-o", str(tmp_path / "cli.html")]
    )
    assert result.exit_code == 0, result.output
    assert written == tmp_path / "app.html"
    # The day it was generated aside (a run may cross midnight), the two files are the same.
    day = re.compile(r"Generated \d{4}-\d\d-\d\d\.")
    assert day.sub("", written.read_text()) == day.sub("", (tmp_path / "cli.html").read_text())
    steps.check(10)


def test_the_command_lines_defaults_are_the_use_cases():
    # The tolerance is spelled out so the command line starts without the optimizer: it must be the optimizer's.
    assert TOLERANCE == DEFAULT_TOLERANCE
    pairs = [
        ("optimize", app.optimize, ["tolerance", "solver"]),
        ("frontier", app.frontier, ["points", "tolerance", "solver"]),
        ("reallocate", app.reallocate, ["max_change"]),
        ("report", app.report, ["simulate"]),
        ("whatif", app.whatif, ["simulate", "workers"]),
        ("simulate", app.simulate, ["workers"]),
        ("pnl", app.pnl, ["simulate", "workers"]),
    ]
    for command, function, names in pairs:
        options = {p.name: p.default for p in cli.commands[command].params}
        defaults = inspect.signature(function).parameters
        assert {n: options[n] for n in names} == {n: defaults[n].default for n in names}, command


def test_every_use_case_that_optimises_carries_the_caveats_of_an_infeasible_scenario(tmp_path):
    import yaml

    data = yaml.safe_load(library_path(CAFE).read_text(encoding="utf-8"))
    for channel in data["channels"].values():
        channel.setdefault("organic", {})["follow_rate"] = 0.0  # no new followers: the followers floor cannot hold
    path = tmp_path / "no-followers.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(app.InfeasiblePlanError) as optimizing:
        app.optimize(path)
    assert any("kpis.min_new_followers (5,000) cannot be met" in w for w in optimizing.value.warnings)
    for run in (
        lambda: app.simulate(path, runs=2),
        lambda: app.pnl(path),
        lambda: app.report(path, tmp_path / "report.html", simulate=2),
    ):
        with pytest.raises(app.InfeasiblePlanError) as caught:
            run()
        assert caught.value.warnings == optimizing.value.warnings
        assert str(caught.value) == str(optimizing.value)
    assert not (tmp_path / "report.html").exists()


def test_simulate_refuses_zero_runs_rather_than_running_the_scenarios_number():
    with pytest.raises(CampaignError, match="the number of runs must be a whole number of at least 1, got 0"):
        app.simulate(CAFE, runs=0)


def test_whatif_takes_one_variant_name_as_a_string():
    one = app.whatif(CAFE, variants="lean").result.to_dict()
    assert [row["name"] for row in one["rows"]] == ["base", "lean"]
    assert without_clock(one) == without_clock(app.whatif(CAFE, variants=["lean"]).result.to_dict())
