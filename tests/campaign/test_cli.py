"""The command line through click's CliRunner: exit codes, messages, files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from campaign.cli import cli
from scenarios.loader import load_scenario
from tests.conftest import BASE, merged

COMMANDS = [
    "scenarios",
    "validate",
    "optimize",
    "frontier",
    "simulate",
    "whatif",
    "pnl",
    "actuals",
    "reallocate",
    "curves",
    "plans",
    "serve",
]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write(tmp_path: Path, data: dict, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: campaign " in result.output


def test_group_help_lists_every_command(runner):
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


def test_scenarios_lists_the_library(runner):
    result = runner.invoke(cli, ["scenarios"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 3
    assert any(line.startswith("cafe-chain-q1") and line.endswith("(default)") for line in lines)
    listed = json.loads(runner.invoke(cli, ["scenarios", "--json"]).output)
    assert {s["name"] for s in listed["scenarios"]} == {"cafe-chain-q1", "b2b-saas-leads", "fashion-holiday"}


def test_validate_a_good_file(runner, tmp_path):
    path = write(tmp_path, merged(BASE, {"variants": {"lean": {"budget": {"total": 15000}}}}))
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0
    assert result.output == f"{path}: valid scenario 'two-channels': 2 channels, 4 cells, variants: lean\n"


def test_optimize_prints_an_explained_plan(runner):
    result = runner.invoke(cli, ["optimize", "cafe-chain-q1"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("cafe-chain-q1: maximise pre-orders; budget €18,000 over 13 weeks\n")
    assert "proven within" in out
    assert "Binding constraints" in out
    assert "one more EUR of budget buys" in out
    assert "KPIs" in out


def test_optimize_json_follows_the_contract(runner):
    result = runner.invoke(cli, ["optimize", "cafe-chain-q1", "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert {"scenario", "variant", "status", "objective", "totals", "allocation", "constraints", "solver"} <= doc.keys()
    assert (doc["scenario"], doc["variant"], doc["status"]) == ("cafe-chain-q1", None, "optimal")
    assert doc["objective"]["name"] == "conversions"
    assert doc["objective"]["value"] == pytest.approx(doc["totals"]["conversions"])
    for key in (
        "spend",
        "conversions",
        "impressions",
        "reach",
        "clicks",
        "new_followers",
        "revenue",
        "profit",
        "cpa",
        "roas",
    ):
        assert isinstance(doc["totals"][key], float), key
    row = doc["allocation"][0]
    assert set(row) == {"channel", "format", "period", "spend", "conversions", "impressions", "reach", "clicks"}
    assert sum(r["spend"] for r in doc["allocation"]) == pytest.approx(doc["totals"]["spend"])
    budget = next(c for c in doc["constraints"] if c["name"] == "budget.total")
    assert {"name", "sense", "limit", "value", "binding", "shadow_price"} <= budget.keys()
    assert budget["limit"] == 18000.0
    assert budget["binding"] is True
    assert {"name", "seconds", "approximation_error"} <= doc["solver"].keys()
    assert doc["solver"]["name"] == "HiGHS"
    assert doc["solver"]["approximation_error"] <= 1e-3


def test_optimize_overrides_variant_budget_and_objective(runner):
    lean = json.loads(runner.invoke(cli, ["optimize", "cafe-chain-q1", "--variant", "lean", "--json"]).stdout)
    assert lean["variant"] == "lean"
    budget = json.loads(runner.invoke(cli, ["optimize", "cafe-chain-q1", "--budget", "15000", "--json"]).stdout)
    assert budget["totals"]["spend"] <= 15000 * (1 + 1e-9)
    profit = json.loads(runner.invoke(cli, ["optimize", "cafe-chain-q1", "--objective", "profit", "--json"]).stdout)
    assert profit["objective"]["name"] == "profit"
    assert profit["objective"]["value"] == pytest.approx(profit["totals"]["profit"])


def test_json_stdout_is_clean_in_a_real_process():
    # HiGHS prints a banner on the process's stdout when first created: it must not reach --json output.
    done = subprocess.run(
        [sys.executable, "-m", "campaign", "optimize", "b2b-saas-leads", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scenario"] == "b2b-saas-leads"
    assert done.stderr == ""


def test_output_folder_gets_three_files_that_reproduce_the_run(runner, tmp_path):
    out = tmp_path / "plan"
    result = runner.invoke(cli, ["optimize", "cafe-chain-q1", "--variant", "lean", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["allocation.csv", "result.json", "scenario.yaml"]
    saved = json.loads((out / "result.json").read_text())
    printed = json.loads(result.stdout)
    assert saved == printed
    header = (out / "allocation.csv").read_text().splitlines()[0]
    assert header == "channel,format,period,spend,conversions,impressions,reach,clicks"
    resolved = (out / "scenario.yaml").read_text()
    assert "# variant: lean" in resolved
    again = json.loads(runner.invoke(cli, ["optimize", str(out / "scenario.yaml"), "--json"]).stdout)
    assert again["totals"]["conversions"] == pytest.approx(printed["totals"]["conversions"], rel=1e-9)
    assert load_scenario(out / "scenario.yaml").budget.total == 18000 * 0.8


def test_output_in_a_missing_folder_is_refused_before_any_work(runner, tmp_path):
    target = tmp_path / "missing" / "plan"
    result = runner.invoke(cli, ["optimize", "cafe-chain-q1", "-o", str(target)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {target}: the folder {target.parent} does not exist; create it first\n"
    assert not (tmp_path / "missing").exists()


def test_missing_scenario_suggests_a_bundled_name(runner):
    result = runner.invoke(cli, ["optimize", "cafe-chain"])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: cafe-chain: no such file, and no bundled scenario of that name (did you mean 'cafe-chain-q1'?)"
    )
    assert "Traceback" not in result.output


def test_unknown_variant_lists_the_valid_ones(runner):
    result = runner.invoke(cli, ["optimize", "cafe-chain-q1", "--variant", "lena"])
    assert result.exit_code == 1
    path = Path(result.stderr.split(":")[1].strip())
    assert result.stderr == (
        f"Error: {path}: unknown variant 'lena' (did you mean 'lean'?); "
        "the file defines 'lean', 'solo' or 'tiktok-push'\n"
    )


def test_bad_file_exits_one_with_every_problem(runner, tmp_path):
    data = merged(BASE, {"budget": {"total": -5}, "channels": {"tiktok": {"ctr": 1.5}}})
    path = write(tmp_path, data)
    for command in (["validate", str(path)], ["optimize", str(path)]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 1
        assert result.stderr == (
            f"Error: {path}: 2 problems\n"
            "  - budget.total: -5 is out of range: must be greater than 0\n"
            "  - channels.tiktok.ctr: 1.5 is out of range: a rate must be between 0 and 1\n"
        )


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (["optimize", "cafe-chain-q1", "--objective", "revenue"], "Invalid value for '--objective'"),
        (["optimize", "cafe-chain-q1", "--budget", "-5"], "Invalid value for '--budget'"),
        (["optimize", "cafe-chain-q1", "--budget", "0"], "Invalid value for '--budget'"),
        (["optimize", "cafe-chain-q1", "--tolerance", "2"], "Invalid value for '--tolerance'"),
        (["optimize", "cafe-chain-q1", "--budget", "inf"], "'inf' is not a finite number"),
        (["optimize", "cafe-chain-q1", "--budget", "nan"], "'nan' is not a finite number"),
        (["optimize", "cafe-chain-q1", "--tolerance", "nan"], "'nan' is not a finite number"),
        (["optimize"], "Missing argument 'SCENARIO'"),
        (["optimise", "cafe-chain-q1"], "No such command 'optimise'"),
    ],
)
def test_usage_errors_exit_two(runner, arguments, fragment):
    result = runner.invoke(cli, arguments)
    assert result.exit_code == 2
    assert fragment in result.stderr


def test_infeasible_exits_three_with_the_explanation(runner, tmp_path):
    path = write(tmp_path, merged(BASE, {"kpis": {"min_clicks": 40000}}))
    result = runner.invoke(cli, ["optimize", str(path)])
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.startswith("Error: No plan meets every constraint.")
    assert "kpi.min_clicks (the clicks floor): lower it from 40,000 to 31,515 clicks (21.2 %)" in result.stderr
    as_json = runner.invoke(cli, ["optimize", str(path), "--json"])
    assert as_json.exit_code == 3
    doc = json.loads(as_json.stdout)
    assert doc["status"] == "infeasible"
    assert {r["name"] for r in doc["relaxations"]} >= {"budget.total", "kpi.min_clicks"}


def test_python_dash_m_runs_the_cli():
    done = subprocess.run(
        [sys.executable, "-m", "campaign", "scenarios"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0
    assert "cafe-chain-q1" in done.stdout


def test_a_bad_scenario_writes_nothing(runner, tmp_path):
    path = write(tmp_path, merged(BASE, {"budget": {"total": 0}}))
    out = tmp_path / "plan"
    result = runner.invoke(cli, ["optimize", str(path), "-o", str(out)])
    assert result.exit_code == 1
    assert not out.exists()
    infeasible = write(tmp_path, merged(BASE, {"kpis": {"min_clicks": 40000}}), "infeasible.yaml")
    assert runner.invoke(cli, ["optimize", str(infeasible), "-o", str(out)]).exit_code == 3
    assert not out.exists()


def test_overrides_are_written_into_the_resolved_scenario(runner, tmp_path):
    out = tmp_path / "plan"
    first = runner.invoke(
        cli, ["optimize", "cafe-chain-q1", "--budget", "16000", "--objective", "profit", "-o", str(out), "--json"]
    )
    assert first.exit_code == 0, first.output
    again = runner.invoke(cli, ["optimize", str(out / "scenario.yaml"), "--json"])
    a, b = json.loads(first.stdout), json.loads(again.stdout)
    assert b["objective"]["name"] == "profit"
    assert b["totals"]["spend"] == pytest.approx(a["totals"]["spend"], rel=1e-9)
    assert b["objective"]["value"] == pytest.approx(a["objective"]["value"], rel=1e-9)


def test_output_files_get_ordinary_permissions(runner, tmp_path):
    import os

    out = tmp_path / "plan"
    assert runner.invoke(cli, ["optimize", "cafe-chain-q1", "-o", str(out)]).exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    for path in out.iterdir():
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_an_override_that_breaks_the_scenario_is_a_clear_error(runner, tmp_path):
    path = write(tmp_path, merged(BASE, {"business": {"value_per_conversion": 0.0}}))
    result = runner.invoke(cli, ["optimize", str(path), "--objective", "profit", "--json"])
    assert result.exit_code == 1
    message = (
        "--budget/--objective: 1 problem\n  - business.value_per_conversion: 0 is not valid when the objective "
        "is profit; expected a number greater than 0 (what one conversion is worth)"
    )
    assert message in result.stderr
    assert json.loads(result.stdout) == {"status": "error", "message": result.stderr.removeprefix("Error: ").rstrip()}


def test_frontier_prints_a_table_and_the_marked_budgets(runner):
    arguments = ["frontier", "b2b-saas-leads", "--from", "60000", "--to", "150000", "--points", "7"]
    result = runner.invoke(cli, arguments)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("b2b-saas-leads: best qualified leads by budget (7 budgets, ")
    assert lines[2].split()[:4] == ["budget", "(USD)", "spend", "(USD)"]
    assert "marginal CPA (USD)" in lines[2]
    assert any(line.startswith("profit peaks at a budget of ") for line in lines)
    # The marginal CPA stays under 200 USD here against 600 of revenue per lead: no budget passes it.
    assert "the marginal CPA stays below the revenue of a qualified lead up to the end of the range" in lines


def test_frontier_json_and_files(runner, tmp_path):
    out = tmp_path / "frontier"
    result = runner.invoke(cli, ["frontier", "b2b-saas-leads", "--points", "5", "--json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert len(doc["points"]) == 5
    assert {"budget", "conversions", "profit", "reach", "cpa", "marginal_cpa"} <= doc["points"][-1].keys()
    assert doc["profit_max_budget"] > 0
    assert sorted(p.name for p in out.iterdir()) == ["frontier.csv", "frontier.json", "scenario.yaml"]
    assert json.loads((out / "frontier.json").read_text()) == doc
    rows = (out / "frontier.csv").read_text().splitlines()
    assert rows[0] == "budget,status,spend,conversions,profit,reach,cpa,marginal_cpa,approximation_error,spends_budget"
    assert len(rows) == 6


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["--from", "30000", "--to", "10000"], 2, "the range's end 10,000.00 (--to) is not above its start 30,000.00"),
        (["--points", "1"], 2, "Invalid value for '--points'"),
        (["--to", "inf"], 2, "'inf' is not a finite number"),
    ],
)
def test_frontier_bad_ranges(runner, arguments, code, message):
    result = runner.invoke(cli, ["frontier", "b2b-saas-leads", *arguments])
    assert result.exit_code == code
    assert message in result.stderr


def test_the_solo_variant_plans_creatives_and_posts_within_the_hours(runner):
    result = runner.invoke(cli, ["optimize", "cafe-chain-q1", "--variant", "solo", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    content = {(c["channel"], c["format"]): c for c in document["content"]}
    assert set(content) == {("instagram", "reel"), ("instagram", "carousel")}
    reel_impressions = sum(
        a["impressions"] for a in document["allocation"] if (a["channel"], a["format"]) == ("instagram", "reel")
    )
    assert content[("instagram", "reel")]["creatives"] >= reel_impressions / 100_000
    assert 1 <= content[("instagram", "carousel")]["organic_posts_per_week"] <= 4
    assert document["totals"]["team_hours_per_week"] <= 20 + 1e-9
    human = runner.invoke(cli, ["optimize", "cafe-chain-q1", "--variant", "solo"]).output
    assert "Content plan" in human
    assert "of 20 hours a week" in human


def test_simulate_prints_the_contract_and_writes_its_files(runner, tmp_path):
    out = tmp_path / "sim"
    result = runner.invoke(cli, ["simulate", "cafe-chain-q1", "--runs", "30", "--seed", "7", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["scenario"] == "cafe-chain-q1"
    assert document["runs"] == 30
    assert document["seed"] == 7
    for kpi in ("conversions", "spend", "reach", "clicks", "new_followers", "profit"):
        assert set(document["kpis"][kpi]) == {"mean", "std", "p5", "p50", "p95"}
    names = {t["name"] for t in document["targets"]}
    assert "min_reach" in names
    assert all(0 <= t["probability_met"] <= 1 for t in document["targets"])
    assert {"probability", "followers_lost", "conversions_lost", "response_hours"} <= set(document["crisis"])
    written = sorted(p.name for p in out.iterdir())
    assert written == ["daily.csv", "replications.csv", "scenario.yaml", "simulation.json"]
    assert len((out / "replications.csv").read_text().splitlines()) == 31
    assert (out / "daily.csv").read_text().splitlines()[1].startswith("1,2027-01-04,")
    human = runner.invoke(cli, ["simulate", "cafe-chain-q1", "--runs", "20", "--no-crisis"]).output
    assert "20 simulated quarters" in human
    assert "no crises" in human
    assert "plan expects" in human


def test_simulate_runs_a_plan_file_from_optimize(runner, tmp_path):
    runner.invoke(cli, ["optimize", "cafe-chain-q1", "--variant", "lean", "-o", str(tmp_path / "plan")])
    for name in ("result.json", "allocation.csv"):
        result = runner.invoke(
            cli,
            ["simulate", "cafe-chain-q1", "--variant", "lean", "--plan", str(tmp_path / "plan" / name), "--runs", "10"],
        )
        assert result.exit_code == 0, result.output
        spend = next(line for line in result.output.splitlines() if line.startswith("spend (EUR)"))
        assert spend.split()[2:6] == ["14,400"] * 4  # the lean plan, spent in full in every run


def test_simulate_refuses_bad_plans_and_settings(runner, tmp_path):
    plan = tmp_path / "plan"
    runner.invoke(cli, ["optimize", "cafe-chain-q1", "-o", str(plan)])
    other = runner.invoke(cli, ["simulate", "b2b-saas-leads", "--plan", str(plan / "result.json"), "--runs", "5"])
    assert other.exit_code == 1
    assert "the plan is for scenario 'cafe-chain-q1', not 'b2b-saas-leads'" in other.output
    lines = (plan / "allocation.csv").read_text().splitlines()
    (tmp_path / "foreign.csv").write_text(lines[0] + "\n" + lines[1].replace("facebook", "facebok", 1) + "\n")
    foreign = runner.invoke(cli, ["simulate", "cafe-chain-q1", "--plan", str(tmp_path / "foreign.csv")])
    assert foreign.exit_code == 1
    assert "cell 'facebok.feed_image' is not in scenario 'cafe-chain-q1' (did you mean 'facebook.feed_image'?)" in (
        foreign.output
    )
    header, *rows = lines
    spend_at = header.split(",").index("spend")
    doubled = [",".join(str(float(v) * 2) if i == spend_at else v for i, v in enumerate(r.split(","))) for r in rows]
    (tmp_path / "double.csv").write_text("\n".join([header, *doubled]) + "\n")
    over = runner.invoke(cli, ["simulate", "cafe-chain-q1", "--plan", str(tmp_path / "double.csv")])
    assert over.exit_code == 1
    assert "the plan spends 36,000.00 EUR, more than the scenario's budget of 18,000.00 EUR" in over.output
    negative = runner.invoke(cli, ["simulate", "cafe-chain-q1", "--runs", "-5"])
    assert negative.exit_code == 2
    assert "Invalid value for '--runs': -5 is not in the range 1<=x<=100000" in negative.stderr
    nowhere = runner.invoke(cli, ["simulate", "cafe-chain-q1", "--runs", "5", "--scheduler", "tcp://127.0.0.1:1"])
    assert nowhere.exit_code == 1
    assert "the Dask scheduler at tcp://127.0.0.1:1 did not answer within 5 s" in nowhere.output
    assert "Traceback" not in nowhere.output


def test_simulate_checks_every_row_of_a_plan_file(runner, tmp_path):
    plan = tmp_path / "plan"
    runner.invoke(cli, ["optimize", "cafe-chain-q1", "--variant", "solo", "-o", str(plan)])
    document = json.loads((plan / "result.json").read_text())
    base = runner.invoke(cli, ["simulate", "cafe-chain-q1", "--plan", str(plan / "result.json"), "--runs", "2"])
    assert base.exit_code == 1
    assert "the plan is for variant 'solo', not none (the base); pass --variant to match it" in base.output

    def refused(change, message):
        broken = json.loads(json.dumps(document))
        change(broken)
        path = tmp_path / "broken.json"
        path.write_text(json.dumps(broken))
        result = runner.invoke(cli, ["simulate", "cafe-chain-q1", "--variant", "solo", "--plan", str(path)])
        assert result.exit_code == 1, result.output
        assert message in result.output
        assert "Traceback" not in result.output

    refused(
        lambda d: d["allocation"].append(dict(d["allocation"][0])), "facebook.feed_image in period 1 is given twice"
    )
    refused(lambda d: d["allocation"][0].update(period=1.5), "allocation row 1: period must be a whole number, got 1.5")
    refused(lambda d: d["allocation"][0].update(spend=True), "allocation row 1: spend must be a number, got True")
    refused(lambda d: d["allocation"][0].update(spend=-3), "spend must be a finite number of at least 0, got -3")
    refused(lambda d: d["content"][0].pop("creatives"), "content row 1: missing creatives")
    refused(lambda d: d["content"][0].update(creatives=-1), "content row 1: creatives must be a finite number")


def test_simulate_refuses_spend_while_a_channel_is_dark(runner, tmp_path):
    data = merged(BASE, {"periods": {"count": 4}, "channels": {"tiktok": {"blackout": [2]}}})
    scenario = write(tmp_path, data)
    rows = "channel,format,period,spend\ntiktok,video,2,100\n"
    (tmp_path / "plan.csv").write_text(rows)
    result = runner.invoke(cli, ["simulate", str(scenario), "--plan", str(tmp_path / "plan.csv")])
    assert result.exit_code == 1
    assert "tiktok.video spends 100 in period 2, when its channel is dark" in result.output


@pytest.mark.parametrize("quiet", [False, True])
def test_progress_bars_show_on_a_terminal_only_and_not_when_quiet(quiet):
    import os

    primary, secondary = os.openpty()
    args = [sys.executable, "-m", "campaign", "simulate", "cafe-chain-q1", "--runs", "30", "--json"]
    process = subprocess.run(
        args + (["--quiet"] if quiet else []), stdout=subprocess.PIPE, stderr=secondary, timeout=300, check=True
    )
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(primary)
    assert json.loads(process.stdout)["runs"] == 30  # stdout stays one JSON document
    assert (b"simulating" in shown) is not quiet


def test_no_progress_bar_when_stderr_is_not_a_terminal():
    args = [sys.executable, "-m", "campaign", "frontier", "cafe-chain-q1", "--points", "4"]
    process = subprocess.run(args, capture_output=True, timeout=300, check=True)
    assert process.stderr == b""
