"""Downloads: the P&L workbook and the HTML report as files, named after the scenario, nothing left behind."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from campaign.cli import cli
from campaign.web.downloads import file_name
from tests.web.conftest import write_scenario
from tests.web.test_api_planning import BASE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cells(workbook) -> dict:
    """Every sheet's cells by coordinate (formulas as written)."""
    return {
        sheet.title: {c.coordinate: c.value for row in sheet.iter_rows() for c in row if c.value is not None}
        for sheet in workbook.worksheets
    }


def test_the_workbook_is_the_one_pnl_xlsx_writes(client, workspace, tmp_path):
    answer = client.get("/api/scenarios/cafe-chain-q1/pnl.xlsx")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == XLSX
    assert answer.headers["content-disposition"] == 'attachment; filename="cafe-chain-q1-pnl.xlsx"'
    downloaded = load_workbook(io.BytesIO(answer.content))
    written = tmp_path / "q1.xlsx"
    result = CliRunner().invoke(cli, ["pnl", "cafe-chain-q1", "--xlsx", str(written)])
    assert result.exit_code == 0, result.output
    assert cells(downloaded) == cells(load_workbook(written))
    # The temporary folder it was written in is gone.
    assert os.listdir(workspace) == []


def test_the_workbook_of_an_adopted_plan(client, workspace, tmp_path):
    answer = client.post("/api/scenarios/cafe-chain-q1/optimize", json={"budget": 13000})
    client.post("/api/scenarios/cafe-chain-q1/plans", json={"run": int(answer.headers["X-Campaign-Run"])})
    downloaded = client.get("/api/scenarios/cafe-chain-q1/pnl.xlsx", params={"plan": "current"})
    assert downloaded.status_code == 200, downloaded.text
    result = CliRunner().invoke(cli, ["optimize", "cafe-chain-q1", "--budget", "13000", "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    written = tmp_path / "q1.xlsx"
    args = ["pnl", "cafe-chain-q1", "--plan", str(tmp_path / "o" / "result.json"), "--xlsx", str(written)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert cells(load_workbook(io.BytesIO(downloaded.content))) == cells(load_workbook(written))
    assert client.get("/api/scenarios/cafe-chain-q1/pnl.xlsx", params={"plan": "2"}).status_code == 404
    assert client.get("/api/scenarios/cafe-chain-q1/pnl.xlsx", params={"plan": "../x"}).status_code == 400


def test_the_report_is_html_named_after_a_workspace_file(client, workspace):
    write_scenario(workspace, BASE)
    answer = client.get("/api/scenarios/my-shop.yaml/report.html", params={"simulate": 10, "seed": 3})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["content-disposition"] == 'attachment; filename="my-shop-report.html"'
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.text.lstrip().lower().startswith("<!doctype html")
    assert sorted(os.listdir(workspace)) == ["my-shop.yaml"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [({"simulate": 0}, "simulate"), ({"seed": -1}, "seed"), ({"variant": "nope"}, "nope")],
)
def test_bad_report_options_are_400(client, params, fragment):
    answer = client.get("/api/scenarios/cafe-chain-q1/report.html", params={"simulate": 5, **params})
    assert answer.status_code == 400
    assert fragment in answer.json()["message"]


def test_an_unknown_scenario_is_404(client):
    assert client.get("/api/scenarios/nope/pnl.xlsx").status_code == 404
    assert client.get("/api/scenarios/nope/report.html").status_code == 404


@pytest.mark.parametrize(
    ("scenario", "name"),
    [
        ("cafe-chain-q1", "cafe-chain-q1-pnl.xlsx"),
        ("my-shop.YML", "my-shop-pnl.xlsx"),
        ('a"b;c\r\nd.yaml', "a_b_c__d-pnl.xlsx"),
        ("../../etc/passwd", "passwd-pnl.xlsx"),
        ("..", "scenario-pnl.xlsx"),
        ("Café ü.yaml", "Caf___-pnl.xlsx"),
    ],
)
def test_a_download_is_named_from_the_scenario_safely(scenario, name):
    assert file_name(scenario, "pnl", ".xlsx") == name
    assert Path(name).name == name
