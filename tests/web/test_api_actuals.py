"""Uploads: a preview that writes nothing and counts as the ledger will, the import, limits, and reallocate."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from campaign.cli import cli
from campaign.web.uploads import MAX_BYTES, MAX_FILES, safe_name
from tests.web.test_api_planning import timeless

EXPORTS = Path(__file__).parents[1] / "campaign" / "exports"
META = EXPORTS / "meta_placement.csv"


def upload(*paths: Path, name: str | None = None) -> list:
    return [("files", (name or p.name, p.read_bytes(), "text/csv")) for p in paths]


def everything(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones too) with its bytes."""
    return {
        str(Path(root, f).relative_to(folder)): Path(root, f).read_bytes()
        for root, _, files in os.walk(folder)
        for f in files
    }


def cli_doc(*args: str) -> dict:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_preview_maps_each_row_writes_nothing_and_counts_as_the_ledger_will(client, workspace, tmp_path):
    answer = client.post("/api/actuals/preview", data={"scenario": "cafe-chain-q1"}, files=upload(META))
    assert answer.status_code == 200, answer.text
    assert everything(workspace) == {}
    [preview] = answer.json()["previews"]
    assert preview["file"] == "meta_placement.csv"
    assert (preview["platform"], preview["currency"], preview["rows"]) == ("meta", "EUR", 4)
    # Every data row is either claimed by a cell or listed with the reason no rule claims it.
    lines = sorted([c["row"] for c in preview["claimed"]] + [u["row"] for u in preview["unmapped"]])
    assert lines == [3, 4, 5, 6]
    assert {c["row"]: c["cell"] for c in preview["claimed"]} == {
        3: "instagram.reel",
        4: "instagram.feed_image",
        5: "facebook.feed_image",
    }
    assert {c["row"]: c["spend"] for c in preview["claimed"]} == {3: 402.50, 4: 262.40, 5: 353.58}
    assert "Platform 'messenger'" in preview["unmapped"][0]["reason"]
    # Once imported, `actuals show` counts per cell exactly what the preview said.
    ledger = tmp_path / "ledger.sqlite"
    imported = cli_doc("actuals", "import", str(META), "--scenario", "cafe-chain-q1", "--ledger", str(ledger))
    shown = cli_doc("actuals", "show", "--scenario", "cafe-chain-q1", "--ledger", str(ledger))
    assert preview["cells"] == shown["cells"]
    assert preview["totals"] == imported["totals"]
    assert preview["unmapped"] == imported["unmapped"]


def test_an_import_is_the_commands_document_into_the_workspace_ledger_the_command_line_reads(client, workspace):
    answer = client.post("/api/actuals/import", data={"scenario": "cafe-chain-q1"}, files=upload(META))
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    kept = Path(doc["file"])
    assert kept.parent.parent == workspace.resolve() / "uploads"
    assert kept.read_bytes() == META.read_bytes()
    ledger = workspace / "cafe-chain-q1.ledger.sqlite"
    assert ledger.exists()
    expected = cli_doc(
        "actuals", "import", str(META), "--scenario", "cafe-chain-q1", "--ledger", str(ledger.with_suffix(".b"))
    )
    assert {**doc, "file": ""} == {**expected, "file": ""}
    # The same upload again adds nothing and says so; the ledger is the one `actuals show` finds in the folder.
    again = client.post("/api/actuals/import", data={"scenario": "cafe-chain-q1"}, files=upload(META)).json()
    assert (again["imported"], again["file"]) == (0, doc["file"])
    assert "already imported" in again["note"]
    previous = Path.cwd()
    os.chdir(workspace)
    try:
        shown = cli_doc("actuals", "show", "--scenario", "cafe-chain-q1")
    finally:
        os.chdir(previous)
    assert [i["file"] for i in shown["imports"]] == [doc["file"]]


def test_reallocate_reads_the_workspace_ledger_as_the_command_does(client, workspace):
    client.post("/api/actuals/import", data={"scenario": "cafe-chain-q1"}, files=upload(META))
    answer = client.post("/api/scenarios/cafe-chain-q1/reallocate", json={"as_of": "2027-01-18"})
    assert answer.status_code == 200, answer.text
    ledger = str(workspace / "cafe-chain-q1.ledger.sqlite")
    expected = cli_doc("reallocate", "cafe-chain-q1", "--as-of", "2027-01-18", "--ledger", ledger)
    assert timeless(answer.json()) == timeless(expected)


def test_reallocate_without_a_ledger_or_with_a_bad_date_is_400(client):
    answer = client.post("/api/scenarios/cafe-chain-q1/reallocate", json={"as_of": "2027-01-18"})
    assert answer.status_code == 400
    assert "no ledger yet" in answer.json()["message"]
    answer = client.post("/api/scenarios/cafe-chain-q1/reallocate", json={"as_of": "1 Feb"})
    assert answer.status_code == 400
    assert answer.json()["message"].startswith("the request is not valid: as_of:")


def test_several_files_are_one_import_and_a_bad_one_imports_none_and_keeps_nothing(client, workspace):
    files = upload(META) + upload(EXPORTS / "unknown.csv")
    answer = client.post("/api/actuals/import", data={"scenario": "cafe-chain-q1"}, files=files)
    assert answer.status_code == 400
    assert "unknown.csv" in answer.json()["message"]
    assert "Nothing was imported from any of the 2 files" in answer.json()["message"]
    assert everything(workspace) == {}
    generic = EXPORTS / "generic.csv"
    answer = client.post("/api/actuals/import", data={"scenario": "cafe-chain-q1"}, files=upload(META, generic))
    assert answer.status_code == 200, answer.text
    assert [d["platform"] for d in answer.json()["imports"]] == ["meta", "generic"]


def test_a_preview_error_names_the_uploaded_file_not_where_it_was_read(client, workspace):
    answer = client.post(
        "/api/actuals/preview", data={"scenario": "cafe-chain-q1"}, files=upload(EXPORTS / "unknown.csv")
    )
    assert answer.status_code == 400
    message = answer.json()["message"]
    assert message.startswith("unknown.csv: ")
    assert str(workspace) not in message
    assert everything(workspace) == {}


def test_an_oversized_upload_is_413_and_nothing_is_written(client, workspace):
    big = [("files", ("big.csv", b"x" * (MAX_BYTES + 1), "text/csv"))]
    for route in ("preview", "import"):
        answer = client.post(f"/api/actuals/{route}", data={"scenario": "cafe-chain-q1"}, files=big)
        assert answer.status_code == 413
        assert answer.json()["message"].startswith("big.csv: larger than 20 MB")
    assert everything(workspace) == {}


def test_a_request_declaring_more_than_a_request_may_carry_is_413_before_it_is_read(client):
    answer = client.post(
        "/api/actuals/import",
        content=b"",
        headers={"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(51 * 1024 * 1024)},
    )
    assert answer.status_code == 413


def test_too_many_files_is_413(client, workspace):
    files = [("files", (f"e{i}.csv", META.read_bytes(), "text/csv")) for i in range(MAX_FILES + 1)]
    answer = client.post("/api/actuals/import", data={"scenario": "cafe-chain-q1"}, files=files)
    assert answer.status_code == 413
    assert everything(workspace) == {}


@pytest.mark.parametrize(
    ("data", "files", "fragment"),
    [
        ({}, "meta", "scenario: Field required"),
        ({"scenario": "cafe-chain-q1"}, None, "no file uploaded"),
        ({"scenario": "../x"}, "meta", "is not a scenario name"),
        ({"scenario": "cafe-chain-q1", "from": "2027-01-04"}, "meta", "'from' and 'to' go together"),
        ({"scenario": "cafe-chain-q1", "currency": "euro"}, "meta", "currency:"),
        ({"scenario": "cafe-chain-q1", "colour": "red"}, "meta", "colour: Extra inputs are not permitted"),
    ],
)
def test_bad_forms_are_400(client, workspace, data, files, fragment):
    sent = upload(META) if files else [("other", ("x.csv", b"a", "text/csv"))]
    answer = client.post("/api/actuals/preview", data=data, files=sent)
    assert answer.status_code == 400
    assert fragment in answer.json()["message"]
    assert everything(workspace) == {}


def test_an_unknown_scenario_in_a_form_is_404(client):
    answer = client.post("/api/actuals/preview", data={"scenario": "nope"}, files=upload(META))
    assert answer.status_code == 404


def test_a_form_that_is_not_multipart_is_400(client):
    answer = client.post("/api/actuals/import", json={"scenario": "cafe-chain-q1"})
    assert answer.status_code == 400


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("meta.csv", "meta.csv"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\evil.csv", "evil.csv"),
        (".hidden.csv", "hidden.csv"),
        ("a b;<c>.csv", "a_b__c_.csv"),
        ("", "export-3.csv"),
        ("..", "export-3.csv"),
    ],
)
def test_an_uploads_name_keeps_no_folder_and_no_unusual_character(given, kept):
    assert safe_name(given, 2) == kept
