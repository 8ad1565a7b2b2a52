"""scripts/synthetic_history.py: a scenario's synthetic past as exports that import back into the drawn weeks."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import yaml
from click.testing import CliRunner

from campaign.app.common import history_rows
from campaign.cli import cli
from scenarios.history import weekly
from scenarios.library import library_path
from scenarios.loader import load_scenario
from scenarios.synthetic import draw_truth, synthetic_history

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "synthetic_history.py"
CAFE = "cafe-chain-q1"


def script():
    spec = importlib.util.spec_from_file_location("synthetic_history", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def run(*args: str):
    return CliRunner().invoke(script(), list(args))


def cells_of(scenario) -> tuple[str, ...]:
    return tuple(f"{c}.{f}" for c, ch in scenario.channels.items() for f in ch.formats)


def test_the_exports_import_back_into_the_drawn_weeks_and_truth_json_holds_the_truth(tmp_path):
    out = tmp_path / "history"
    result = run(CAFE, "--weeks", "8", "--seed", "3", "--out", str(out))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # Eight weeks ending the Sunday before the café's start (Monday 2027-01-04).
    last, first = dt.date(2027, 1, 3), dt.date(2027, 1, 3) - dt.timedelta(days=8 * 7 - 1)
    assert lines[0] == f"8 weeks of synthetic history of '{CAFE}', {first} to {last}:"
    cafe = load_scenario(CAFE)
    truth = draw_truth(cafe, 3)
    document = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert document == {
        "scenario": CAFE,
        "seed": 3,
        "weeks": 8,
        "first": str(first),
        "last": str(last),
        "cells": json.loads(json.dumps(truth.to_dict())),
    }
    # Rows per file, from the scenario's first rules: Meta by week, TikTok and Google Ads by day.
    platform = {}
    for rule in cafe.actuals.mapping:
        platform.setdefault(f"{rule.channel}.{rule.format}", rule.platform)
    per_week = {"meta": 1, "tiktok": 7, "google": 7}
    names = {"meta": "meta_history.csv", "tiktok": "tiktok_history.csv", "google": "google_ads_history.csv"}
    for name, files in names.items():
        rows = sum(1 for cell in cells_of(cafe) if platform[cell] == name) * 8 * per_week[name]
        assert f"  {out / files}: {name} export, {rows} rows" in lines
    assert f"  {out / 'truth.json'}: the true figures of 13 cells" in lines
    assert not any("not written" in line for line in lines)  # every café cell has a rule
    # The command it prints imports the files: every row is history.
    command = shlex.split(lines[-1].removeprefix("Import them with: "))
    assert command[:3] == ["campaign", "actuals", "import"]
    ledger = tmp_path / "l.sqlite"
    imported = CliRunner().invoke(cli, [*command[1:], "--ledger", str(ledger), "--json"])
    assert imported.exit_code == 0, imported.output + imported.stderr
    assert all(r["history"]["rows"] == r["rows"] for r in json.loads(imported.stdout)["imports"])
    # The weeks read back are the drawn ones (seed + 1), whole counts exactly and spend to the cent.
    drawn = synthetic_history(cafe, truth, 8, last, 4)
    back = weekly(history_rows(ledger, cafe), drawn.cells)
    assert back.weeks == drawn.weeks
    assert back.weeks[0] == first
    for name in ("impressions", "clicks", "conversions"):
        np.testing.assert_array_equal(np.rint(getattr(back, name)), getattr(drawn, name))
    np.testing.assert_allclose(back.spend, drawn.spend, rtol=0, atol=0.005 + 1e-9)


def test_before_sets_the_last_sunday_and_a_scenario_with_cells_no_rule_names_says_so(tmp_path):
    out = tmp_path / "b2b"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "b2b-saas-leads", "--weeks", "2", "--before", "2026-10-01", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # 2026-10-01 is a Thursday: the history ends on Sunday 2026-09-27, its two weeks start on 2026-09-14.
    assert (
        result.stdout.splitlines()[0] == "2 weeks of synthetic history of 'b2b-saas-leads', 2026-09-14 to 2026-09-27:"
    )
    b2b = load_scenario("b2b-saas-leads")
    named = {f"{r.channel}.{r.format}" for r in b2b.actuals.mapping}
    left = [cell for cell in cells_of(b2b) if cell not in named]
    assert left
    assert f"  not written, no actuals.mapping rule names them: {', '.join(left)}" in result.stdout.splitlines()
    assert sorted(p.name for p in out.iterdir()) == ["linkedin_history.csv", "meta_history.csv", "truth.json"]


def test_bad_options_exit_2_and_bad_input_exits_1_writing_nothing(tmp_path):
    out = tmp_path / "x"
    for args in (["--weeks", "0"], ["--before", "2027-01-05"], ["--before", "soon"], ["--seed", "-1"]):
        result = run(CAFE, *args, "--out", str(out))
        assert result.exit_code == 2, (args, result.output)
    result = run(CAFE, "--before", "2027-01-05", "--out", str(out))
    assert "2027-01-05 is after the scenario's start (2027-01-04)" in result.output
    missing = tmp_path / "no" / "such"
    result = run(CAFE, "--out", str(missing))
    assert result.exit_code == 1
    assert f"{missing}: the folder {missing.parent} does not exist" in result.output
    result = run("no-such-scenario", "--out", str(out))
    assert result.exit_code == 1
    assert list(tmp_path.iterdir()) == []


def test_a_scenario_without_a_start_date_needs_before(tmp_path):
    data = yaml.safe_load(library_path(CAFE).read_text(encoding="utf-8"))
    del data["start"]
    path = tmp_path / "undated.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    result = run(str(path), "--out", str(out))
    assert result.exit_code == 2
    assert "has no start date: give the day the history ends before with --before DATE" in " ".join(
        result.output.split()
    )
    assert not out.exists()
    result = run(str(path), "--weeks", "1", "--before", "2026-01-01", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "1 week of synthetic history of 'cafe-chain-q1', 2025-12-22 to 2025-12-28:"
