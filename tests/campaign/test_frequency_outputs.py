"""max_frequency in every output: optimize, simulate, pnl, whatif and the report, each figure recomputed."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from campaign.cli import cli
from scenarios.formatting import significant
from tests.campaign.test_report import Tables
from tests.conftest import BASE, merged

#: The two-channel scenario over four weeks; a cap of 8 binds on instagram (25 impressions per person without it).
DATA = merged(BASE, {"periods": {"count": 4, "unit": "week"}, "kpis": {"max_frequency": 8.0, "min_clicks": 1000.0}})
AUDIENCE = {"instagram": 100000.0, "tiktok": 200000.0}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    file = tmp_path / "freq.yaml"
    file.write_text(yaml.safe_dump(DATA), encoding="utf-8")
    return file


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def line(text: str, start: str) -> list[str]:
    return next(row for row in text.splitlines() if row.startswith(start)).split()


def by_hand(allocation: list[dict]) -> float:
    """The highest channel frequency of an allocation: its impressions over A · (1 − e^(−I/A)) per channel."""
    shown = dict.fromkeys(AUDIENCE, 0.0)
    for row in allocation:
        shown[row["channel"]] += row["impressions"]
    return max(i / (a * -math.expm1(-i / a)) for i, a in ((shown[n], AUDIENCE[n]) for n in AUDIENCE) if i > 0)


def test_optimize_reports_the_frequency_and_its_cap(path):
    document = json.loads(run("optimize", str(path), "--json"))
    frequency = document["totals"]["frequency"]
    assert frequency == pytest.approx(by_hand(document["allocation"]), rel=1e-9)
    assert frequency == pytest.approx(8.0, rel=1e-6)
    status = next(k for k in document["kpis"] if k["name"] == "max_frequency")
    assert status == {"name": "max_frequency", "sense": "<=", "target": 8.0, "value": frequency, "met": True}
    caps = {c["name"]: c for c in document["constraints"] if c["name"].startswith("kpi.max_frequency.")}
    assert set(caps) == {"kpi.max_frequency.instagram", "kpi.max_frequency.tiktok"}
    assert caps["kpi.max_frequency.instagram"]["binding"]
    text = run("optimize", str(path))
    assert line(text, "max_frequency") == ["max_frequency", "<=", "8", significant(frequency), "met"]
    assert "kpi.max_frequency.instagram: raising the instagram frequency cap by 0.1 impressions per person" in text


def test_simulate_reports_the_frequency_and_the_chance_of_meeting_its_cap(path, tmp_path):
    out = tmp_path / "sim"
    document = json.loads(run("simulate", str(path), "--runs", "6", "--seed", "3", "--json", "-o", str(out)))
    with (out / "replications.csv").open(encoding="utf-8") as file:
        values = [float(row["frequency"]) for row in csv.DictReader(file)]
    assert len(values) == 6
    assert document["kpis"]["frequency"]["mean"] == pytest.approx(sum(values) / len(values))
    target = next(t for t in document["targets"] if t["name"] == "max_frequency")
    assert target["probability_met"] == pytest.approx(sum(v <= 8.0 * (1 + 1e-9) for v in values) / len(values))
    text = run("simulate", str(path), "--runs", "6", "--seed", "3")
    row = line(text, "frequency (highest channel)")
    assert row[3] == significant(document["kpis"]["frequency"]["mean"])
    assert line(text, "max_frequency")[:3] == ["max_frequency", "<=", "8"]


def test_pnl_lists_the_plans_kpi_targets_with_the_frequency(path):
    plan = json.loads(run("optimize", str(path), "--json"))
    document = json.loads(run("pnl", str(path), "--json"))
    targets = {t["name"]: t for t in document["kpi_targets"]}
    assert set(targets) == {"min_clicks", "max_frequency"}
    assert targets["max_frequency"]["value"] == pytest.approx(plan["totals"]["frequency"], rel=1e-12)
    assert targets["min_clicks"]["value"] == pytest.approx(plan["totals"]["clicks"], rel=1e-12)
    assert all(t["met"] for t in targets.values())
    text = run("pnl", str(path))
    assert line(text, "max_frequency") == ["max_frequency", "<=", "8", significant(plan["totals"]["frequency"]), "met"]


def column(text: str, header: str) -> dict[str, str]:
    """A right-aligned column of a text table: option name -> the cell that ends where `header` ends."""
    lines = text.splitlines()
    at = next(i for i, row in enumerate(lines) if header in row)
    end = lines[at].index(header) + len(header)
    return {row.split()[0]: row[:end].split()[-1] for row in lines[at + 2 :] if row.strip()}


def test_whatif_compares_options_on_the_frequency_cap(path, tmp_path):
    args = ("whatif", str(path), "--sweep", "kpis.max_frequency=4:8:4", "--simulate", "4", "--seed", "1")
    document = json.loads(run(*args, "--json", "-o", str(tmp_path / "out")))
    rows = document["rows"]
    assert [r["name"] for r in rows] == ["base", "kpis.max_frequency=4", "kpis.max_frequency=8"]
    assert [r["kpis"]["max_frequency"] for r in rows] == [True] * len(rows)
    for r in rows:
        assert 0.0 <= r["probabilities"]["max_frequency"] <= 1.0
    # Each option's frequency is optimize's for the scenario with that cap, and the allocation's by hand.
    for r, cap in zip(rows, (8.0, 4.0, 8.0), strict=True):
        capped = tmp_path / f"cap{cap:g}.yaml"
        capped.write_text(yaml.safe_dump(merged(DATA, {"kpis": {"max_frequency": cap}})), encoding="utf-8")
        plan = json.loads(run("optimize", str(capped), "--json"))
        assert r["frequency"] == pytest.approx(plan["totals"]["frequency"], rel=1e-9)
        assert r["frequency"] == pytest.approx(by_hand(plan["allocation"]), rel=1e-6)
        assert r["frequency"] <= cap * (1 + 1e-6)
        assert r["delta"]["frequency"] == pytest.approx(r["frequency"] - rows[0]["frequency"], abs=1e-12)
    assert rows[1]["frequency"] == pytest.approx(4.0, rel=1e-6)  # the tighter cap binds
    with (tmp_path / "out" / "whatif.csv").open(encoding="utf-8") as file:
        written = {row["name"]: row for row in csv.DictReader(file)}
    for r in rows:
        assert float(written[r["name"]]["frequency"]) == pytest.approx(r["frequency"], rel=1e-9)
    text = run(*args)
    assert "P(max_frequency)" in text
    shown = column(text, "frequency (highest channel)")
    assert shown == {r["name"]: significant(r["frequency"]) for r in rows}


def test_the_report_shows_the_frequency_in_its_kpis_and_its_simulated_quarter(path, tmp_path):
    page = tmp_path / "freq.html"
    run("report", str(path), "--simulate", "12", "-o", str(page))
    text = page.read_text(encoding="utf-8")
    plan = json.loads(run("optimize", str(path), "--json"))
    simulated = json.loads(run("simulate", str(path), "--runs", "12", "--json"))["kpis"]
    parser = Tables()
    parser.feed(text)
    kpis = next(t for t in parser.tables if t[0][:3] == ["KPI", "target", "plan"])
    row = next(r for r in kpis if r[0] == "max_frequency")
    assert row[1:4] == ["<= 8", significant(plan["totals"]["frequency"]), "met"]
    quarter = next(t for t in parser.tables if t[0] == ["figure", "target", "P5", "median", "P95"])
    shown = {r[0]: r[1:] for r in quarter[1:]}
    assert list(shown) == ["conversions", "clicks", "frequency (highest channel)"]
    spread = simulated["frequency"]
    assert shown["frequency (highest channel)"] == [
        "<= 8",
        significant(spread["p5"]),
        significant(spread["p50"]),
        significant(spread["p95"]),
    ]
    assert 'data-chart="band-frequency (highest channel)"' in text
