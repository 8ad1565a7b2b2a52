"""The P&L workbook: every assumption with its value, driver lines as formulas on them, recalculated by LibreOffice.

The recalculation tests skip themselves where LibreOffice is not installed
(.ci/run installs it); the structure tests run everywhere.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import load_workbook

from campaign.cli import cli
from scenarios.loader import load_scenario
from tests.conftest import BASE

#: Every driver of the P&L is set (returns, fees, fulfilment, all three monthly costs, production), over two
#: part months, so each driver formula is exercised.
DRIVERS: dict[str, Any] = {
    "name": "drivers",
    "start": "2027-02-15",
    "periods": {"count": 4, "unit": "week"},
    "budget": {"total": 3000},
    "business": {
        "value_per_conversion": 40,
        "gross_margin": 0.5,
        "returns_rate": 0.2,
        "fulfilment_per_conversion": 3,
        "payment_fee_rate": 0.02,
        "value_months": 3,
        "monthly_costs": {"team": 800, "agency": 300, "tools": 50},
    },
    "channels": {
        "web": {
            "audience": 1e6,
            "in_market": 0.05,
            "cpm": 10,
            "ctr": 0.01,
            "cvr": 0.05,
            "formats": {"ad": {"production_cost": 200}},
        }
    },
    "response": {"web.ad": {"curve": "exponential", "max": 500, "scale": 4000}},
}

DRIVER_LINES = (
    "gross_revenue",
    "returns",
    "net_revenue",
    "cogs",
    "fulfilment",
    "payment_fees",
    "agency",
    "team",
    "tools",
)


def scenario_path(name: str) -> Path:
    return Path(__file__).resolve().parents[2] / "scenarios" / "library" / f"{name}.yaml"


def write_yaml(tmp_path: Path, data: dict[str, Any], name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def pnl(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["pnl", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def rows_of(sheet) -> dict[str, int]:
    """Row number of each label in column A."""
    return {sheet.cell(row, 1).value: row for row in range(1, sheet.max_row + 1)}


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.skip("LibreOffice is not installed here (.ci/run installs it): the recalculation is not checked")
    return found


def recalculated(book: Path, out: Path) -> dict[str, dict[str, list[str]]]:
    """Each sheet of `book` as LibreOffice recalculates it: label -> the cells after it."""
    subprocess.run(
        [
            soffice(),
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir",
            str(out),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    sheets = {}
    for sheet in ("P&L", "Assumptions"):
        with (out / f"{book.stem}-{sheet}.csv").open(encoding="utf-8") as handle:
            sheets[sheet] = {row[0]: row[1:] for row in csv.reader(handle) if row}
    return sheets


def assert_matches(sheet: dict[str, list[str]], document: dict[str, Any]) -> None:
    """The recalculated P&L equals the tool's document line by line, with conversions and CAC by month."""
    months = len(document["months"])
    lines = {line["name"]: line for line in document["lines"]}
    for line in document["lines"]:
        cells = sheet[line["label"]]
        assert [float(v) for v in cells[:months]] == pytest.approx(line["values"], abs=1e-6), line["name"]
        assert float(cells[months]) == pytest.approx(line["total"], abs=1e-6), line["name"]
    # Independently: conversions are net revenue / value per conversion; CAC the month's costs over them.
    value = lines["net_revenue"]["total"] / float(sheet["Conversions"][months])
    costs = [
        -sum(lines[n]["values"][m] for n in ("media_total", "content_production", "agency", "team", "tools"))
        for m in range(months)
    ]
    for m in range(months):
        conversions = float(sheet["Conversions"][m])
        assert conversions * value == pytest.approx(lines["net_revenue"]["values"][m], rel=1e-9)
        assert float(sheet["CAC (marketing costs / conversions)"][m]) == pytest.approx(costs[m] / conversions, rel=1e-9)
    kpis = document["kpis"]
    assert float(sheet["CAC (marketing costs / conversions)"][months]) == pytest.approx(kpis["cac"], rel=1e-9)
    assert float(sheet["CAC"][0]) == pytest.approx(kpis["cac"], rel=1e-9)
    assert float(sheet["ROAS"][0]) == pytest.approx(kpis["roas"], rel=1e-9)
    assert float(sheet["ROI"][0].rstrip("%")) / 100 == pytest.approx(kpis["roi"], rel=1e-9)
    assert float(sheet["CAC payback (months)"][0]) == pytest.approx(kpis["payback_months"], rel=1e-9)


def test_every_assumption_has_its_value_and_source(tmp_path):
    """The café's channel figures had a source but no value (46 rows); a scenario without sources had none."""
    book = tmp_path / "q1.xlsx"
    pnl("cafe-chain-q1", "--xlsx", str(book))
    sheet = load_workbook(book)["Assumptions"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert all(value is not None and value != "" for _, value, _ in rows)
    by_key = {key: (value, source) for key, value, source in rows}
    scenario = load_scenario(scenario_path("cafe-chain-q1"))
    for name, channel in scenario.channels.items():
        for key, text in channel.sources.items():
            covered = [k for k in by_key if k == f"channels.{name}.{key}" or k.startswith(f"channels.{name}.{key}.")]
            assert covered, f"channels.{name}.{key}"
            assert all(by_key[k][1] == text for k in covered)
        assert by_key[f"channels.{name}.cpm"][0] == channel.cpm
        assert by_key[f"channels.{name}.organic.follow_rate"][0] == channel.organic.follow_rate
        for fmt, spec in channel.formats.items():
            assert by_key[f"channels.{name}.formats.{fmt}.cpm_factor"][0] == spec.cpm_factor
    assert by_key["business.gross_margin"] == (0.62, scenario.sources["business.gross_margin"])
    assert by_key["seasonality.cvr[6]"][0] == scenario.seasonality.cvr[5]
    assert by_key["kpis.max_cpa"][0] == scenario.kpis.max_cpa
    # Sources are text cells, never formulas.
    assert {row[2].data_type for row in sheet.iter_rows(min_row=2) if row[2].value} == {"s"}

    plain = tmp_path / "plain.xlsx"
    pnl(str(write_yaml(tmp_path, BASE)), "--xlsx", str(plain))
    rows = [[cell.value for cell in row] for row in load_workbook(plain)["Assumptions"].iter_rows(min_row=2)]
    assert all(value is not None for _, value, _ in rows)
    assert {key: value for key, value, _ in rows}["channels.tiktok.cpm"] == 6.0
    assert len(rows) > 40
    # A source that looks like a formula stays text.
    odd = tmp_path / "odd.xlsx"
    pnl(str(write_yaml(tmp_path, {**BASE, "sources": {"business.gross_margin": "=1+1"}})), "--xlsx", str(odd))
    cells = {row[0].value: row[2] for row in load_workbook(odd)["Assumptions"].iter_rows(min_row=2)}
    assert cells["business.gross_margin"].data_type == "s"


def test_driver_lines_are_formulas_on_the_assumptions_and_panes_are_frozen(tmp_path):
    book = tmp_path / "drivers.xlsx"
    document = pnl(str(write_yaml(tmp_path, DRIVERS)), "--xlsx", str(book))
    workbook = load_workbook(book)
    assumptions = rows_of(workbook["Assumptions"])
    sheet = workbook["P&L"]
    rows = rows_of(sheet)
    labels = {line["name"]: line["label"] for line in document["lines"]}
    months = len(document["months"])
    assert months == 2
    for name in DRIVER_LINES:
        for m in range(months):
            formula = sheet.cell(rows[labels[name]], 2 + m).value
            assert str(formula).startswith("="), (name, formula)
    margin = f"Assumptions!$B${assumptions['business.gross_margin']}"
    assert margin in sheet.cell(rows["Cost of goods sold"], 2).value
    assert f"Assumptions!$B${assumptions['business.monthly_costs.team']}" in sheet.cell(rows["Team"], 3).value
    for label in ("Conversions", "CAC (marketing costs / conversions)"):
        assert label in rows
    assert str(sheet.cell(rows["CAC (marketing costs / conversions)"], 2).value).startswith("=")
    assert workbook["P&L"].freeze_panes == "B4"
    assert workbook["Plan"].freeze_panes == "C3"
    assert workbook["Assumptions"].freeze_panes == "B2"


@pytest.mark.parametrize("name", ["cafe-chain-q1", "drivers"])
def test_libreoffice_recalculation_equals_pnl_json_line_by_line(tmp_path, name):
    target = name if name != "drivers" else str(write_yaml(tmp_path, DRIVERS))
    book = tmp_path / "book.xlsx"
    document = pnl(target, "--xlsx", str(book))
    assert_matches(recalculated(book, tmp_path / "csv")["P&L"], document)


@pytest.mark.parametrize(("name", "margin"), [("cafe-chain-q1", 0.45), ("drivers", 0.7)])
def test_a_changed_gross_margin_on_the_assumptions_sheet_moves_the_pnl(tmp_path, name, margin):
    """A controller changes gross_margin on the Assumptions sheet; the recalculated P&L is the tool's at that margin."""
    data = yaml.safe_load(scenario_path(name).read_text(encoding="utf-8")) if name != "drivers" else dict(DRIVERS)
    book = tmp_path / "book.xlsx"
    before = pnl(str(write_yaml(tmp_path, data, "before.yaml")), "--xlsx", str(book))
    workbook = load_workbook(book)
    assumptions = workbook["Assumptions"]
    assumptions.cell(rows_of(assumptions)["business.gross_margin"], 2).value = margin
    workbook.save(book)
    data["business"] = {**data["business"], "gross_margin": margin}
    after = pnl(str(write_yaml(tmp_path, data, "after.yaml")))
    # The plan does not depend on the margin here (a conversions objective), so only the P&L moves.
    cogs = [line["total"] for doc in (before, after) for line in doc["lines"] if line["name"] == "cogs"]
    assert cogs[0] != pytest.approx(cogs[1])
    sheets = recalculated(book, tmp_path / "csv")
    assert_matches(sheets["P&L"], after)
    assert float(sheets["Assumptions"]["business.gross_margin"][0]) == margin


def test_the_plan_sheet_is_the_optimizers_allocation_whether_optimised_or_read_from_its_plan_file(tmp_path):
    """Each unit's row is the result.json's allocation row, figure for figure, also under --plan result.json."""
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["optimize", "cafe-chain-q1", "-o", str(out)]).exit_code == 0
    allocation = json.loads((out / "result.json").read_text(encoding="utf-8"))["allocation"]
    fields = ("channel", "format", "period", "spend", "conversions", "impressions", "clicks")
    expected = [tuple(row[name] for name in fields) for row in allocation]
    for args in ([], ["--plan", str(out / "result.json")]):
        book = tmp_path / f"book{len(args)}.xlsx"
        pnl("cafe-chain-q1", *args, "--xlsx", str(book))
        sheet = load_workbook(book)["Plan"]
        assert [c.value for c in sheet[2]] == list(fields)
        found = [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=3, max_row=2 + len(expected))]
        # The labels as written, the figures as the workbook stores them (15 significant digits).
        assert [row[:3] for row in found] == [row[:3] for row in expected], args
        assert [row[3:] for row in found] == [pytest.approx(row[3:], rel=1e-14) for row in expected], args
        total = sheet.cell(3 + len(expected), 4).value
        assert total == f"=SUM(D3:D{2 + len(expected)})"
