"""The README's calibration example: its commands run, and their output is what the README shows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from campaign.cli import cli
from tests.test_readme import README, between, words_and_numbers

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The worked example's commands in a fresh folder (the ledger lands there, as for a user)."""
    folder = tmp_path_factory.mktemp("example")
    script = ROOT / "scripts" / "synthetic_history.py"
    made = subprocess.run(
        [sys.executable, str(script), "cafe-chain-q1", "--weeks", "26", "--seed", "1", "--out", "history"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    exports = [f"history/{name}" for name in ("meta_history.csv", "tiktok_history.csv", "google_ads_history.csv")]
    runner = CliRunner()
    old = Path.cwd()
    os.chdir(folder)
    try:
        results = {
            "import": runner.invoke(cli, ["actuals", "import", *exports, "--scenario", "cafe-chain-q1"]),
            "calibrate": runner.invoke(cli, ["calibrate", "cafe-chain-q1", "-o", "cafe-calibrated.yaml"]),
            "before": runner.invoke(cli, ["optimize", "cafe-chain-q1", "-o", "before"]),
            "after": runner.invoke(cli, ["optimize", "cafe-calibrated.yaml", "-o", "after"]),
        }
        for plan in ("before", "after"):
            args = ["pnl", "cafe-calibrated.yaml", "--plan", f"{plan}/result.json", "--json"]
            results[f"pnl-{plan}"] = runner.invoke(cli, args)
    finally:
        os.chdir(old)
    for name, result in results.items():
        assert result.exit_code == 0, (name, result.output)
    return results


def test_the_calibrate_lines_the_readme_shows_are_the_current_output(example):
    """Each line the README shows is a line of the output: its words exactly, its numbers within 1 % or one unit
    of their last printed digit (lines are matched by their first word)."""
    text = README.read_text(encoding="utf-8")
    block = between(text, "<!-- calibrate-output:start -->", "<!-- calibrate-output:end -->")
    shown = [line for line in block.strip().removeprefix("```text").removesuffix("```").splitlines() if line.strip()]
    output = example["calibrate"].output.splitlines()
    for want in shown:
        got = next(line for line in output if line.split()[:1] == want.split()[:1])
        want_words, want_numbers = words_and_numbers(want)
        got_words, got_numbers = words_and_numbers(got)
        assert got_words == want_words
        for (g, unit), (w, _) in zip(got_numbers, want_numbers, strict=True):
            assert abs(g - w) <= max(0.01 * abs(w), 1.001 * unit), (got, want)


def test_the_roas_of_both_plans_on_the_calibrated_figures_is_what_the_readme_says(example):
    text = README.read_text(encoding="utf-8")
    before = json.loads(example["pnl-before"].output)["kpis"]["roas"]
    after = json.loads(example["pnl-after"].output)["kpis"]["roas"]
    assert f"benchmark plan a ROAS of {before:.2f}" in text
    assert f"the calibrated plan {after:.2f}: {round(100 * (after / before - 1))} % more pre-orders" in text
