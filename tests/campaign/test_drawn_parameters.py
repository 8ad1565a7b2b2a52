"""`whatif --simulate`, `pnl --simulate` and `report` draw uncertain figures as `simulate` does, with the same switch.

`data/whatif-cafe-chain-q1-simulate20-seed5.json` and `data/pnl-cafe-chain-q1-simulate20-seed5.json` are `campaign
whatif cafe-chain-q1 --simulate 20 --seed 5 --json` and `campaign pnl cafe-chain-q1 --simulate 20 --seed 5 --json` as
the version before these commands drew parameters printed them (commit b290d71; saved again when the optimizer's setup
for Hill curves and on/off rules changed its plans' figures by rounding, at most 1e-11 of a currency unit in a spend
and 1e-11 relative in any other figure, the simulated figures by at most 2e-15): a scenario without uncertainty must
still give them key for key, value for value but for the roundings the exact sum of the simulated spend removed
(`tests.conftest.SPEND_ROUNDING`). The scenario with an uncertain CVR is the bundled cafe-chain-q1 with Facebook's CVR
given as an interval around the same mean, so with `--fixed-parameters` every command must print exactly what it
prints for the bundled scenario. Every run is seeded, so the comparisons of drawn and fixed bands below are exact for
these seeds, not statistical.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from markupsafe import escape

from campaign.cli import cli
from scenarios.library import __file__ as library_init
from tests.conftest import SPEND_ROUNDING, assert_as_before

DATA = Path(__file__).parent / "data"
CAFE = Path(library_init).parent / "cafe-chain-q1.yaml"
FIGURE = "    cvr: 0.0921\n"
INTERVAL = "    cvr: {mean: 0.0921, low: 0.05, high: 0.15}\n"
DRAWN = {"drawn": True, "source": "intervals"}
FIXED = {"drawn": False, "source": "intervals"}
DRAWN_SENTENCE = (
    "Parameters drawn from the scenario's uncertainty section, one draw for each pair of quarters: "
    "the chances and bands include what is not known about the figures."
)
FIXED_SENTENCE = (
    "Parameters fixed at the figures' means (--fixed-parameters): "
    "the chances and bands are the quarter's own randomness only."
)
RUNS = ["--simulate", "20", "--seed", "5"]
#: The simulated P&L bands, whose media cost is the simulated spend (`tests.conftest.SPEND_ROUNDING`).
PNL_BANDS = ("lines/*/p10/*", "lines/*/p50/*", "lines/*/p90/*")


def cafe(tmp_path: Path, uncertain: bool) -> Path:
    """The bundled cafe-chain-q1, in a file; `uncertain`: Facebook's CVR an interval around the same mean."""
    text = CAFE.read_text(encoding="utf-8")
    assert text.count(FIGURE) >= 1
    path = tmp_path / ("uncertain.yaml" if uncertain else "plain.yaml")
    path.write_text(text.replace(FIGURE, INTERVAL, 1) if uncertain else text, encoding="utf-8")
    return path


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def whatif_json(*args: str) -> dict:
    return json.loads(run("whatif", *args, "--variants", "lean", *RUNS, "--json", "--quiet"))


def pnl_json(*args: str) -> dict:
    return json.loads(run("pnl", *args, *RUNS, "--json"))


def width(band: dict, low: str, high: str) -> float:
    return band[high] - band[low]


@pytest.mark.parametrize("switch", [[], ["--fixed-parameters"]])
def test_without_uncertainty_whatif_and_pnl_print_what_they_printed_before(switch):
    before = json.loads((DATA / "whatif-cafe-chain-q1-simulate20-seed5.json").read_text(encoding="utf-8"))
    now = json.loads(run("whatif", "cafe-chain-q1", *RUNS, *switch, "--json", "--quiet"))
    assert_as_before(now, before, SPEND_ROUNDING)
    before = json.loads((DATA / "pnl-cafe-chain-q1-simulate20-seed5.json").read_text(encoding="utf-8"))
    assert_as_before(json.loads(run("pnl", "cafe-chain-q1", *RUNS, *switch, "--json")), before, PNL_BANDS)


def test_whatif_draws_parameters_unless_fixed_and_says_so(tmp_path):
    plain = whatif_json(str(cafe(tmp_path, False)))
    fixed = whatif_json(str(cafe(tmp_path, True)), "--fixed-parameters")
    drawn = whatif_json(str(cafe(tmp_path, True)))
    assert [row.pop("parameters") for row in fixed["rows"]] == [FIXED, FIXED]
    assert fixed == plain
    assert [row["parameters"] for row in drawn["rows"]] == [DRAWN, DRAWN]
    for drawn_row, fixed_row in zip(drawn["rows"], fixed["rows"], strict=True):
        # The same plans: only the simulated figures move.
        assert drawn_row["spend"] == fixed_row["spend"]
        assert drawn_row["conversions"] == fixed_row["conversions"]
        assert width(drawn_row["simulated"]["conversions"], "p5", "p95") > width(
            fixed_row["simulated"]["conversions"], "p5", "p95"
        )
    text = run("whatif", str(cafe(tmp_path, True)), "--variants", "lean", *RUNS, "--quiet")
    assert text.rstrip().endswith(DRAWN_SENTENCE)
    assert "P(max_cpa)" in text
    text = run("whatif", str(cafe(tmp_path, True)), "--variants", "lean", *RUNS, "--fixed-parameters", "--quiet")
    assert text.rstrip().endswith(FIXED_SENTENCE)
    assert "Parameters" not in run("whatif", str(cafe(tmp_path, False)), "--variants", "lean", *RUNS, "--quiet")


def test_pnl_bands_draw_parameters_unless_fixed_and_say_so(tmp_path):
    plain = pnl_json(str(cafe(tmp_path, False)))
    fixed = pnl_json(str(cafe(tmp_path, True)), "--fixed-parameters")
    drawn = pnl_json(str(cafe(tmp_path, True)))
    assert fixed.pop("parameters") == FIXED
    assert fixed == plain
    assert drawn.pop("parameters") == DRAWN

    def band(document: dict) -> dict:
        line = next(line for line in document["lines"] if line["name"] == "marketing_contribution")
        return {q: line[q]["total"] for q in ("p10", "p90")}

    assert width(band(drawn), "p10", "p90") > width(band(fixed), "p10", "p90")
    lines = run("pnl", str(cafe(tmp_path, True)), *RUNS).splitlines()
    assert lines[1] == DRAWN_SENTENCE
    assert run("pnl", str(cafe(tmp_path, True)), *RUNS, "--fixed-parameters").splitlines()[1] == FIXED_SENTENCE
    assert "Parameters" not in run("pnl", str(cafe(tmp_path, False)), *RUNS)
    assert "Parameters" not in run("pnl", str(cafe(tmp_path, True)))  # not simulated: no bands, no sentence


def report(tmp_path: Path, scenario: str, *switch: str) -> str:
    output = tmp_path / f"report{len(list(tmp_path.iterdir()))}.html"
    run("report", scenario, "--simulate", "20", "--seed", "5", *switch, "-o", str(output), "--quiet")
    return output.read_text(encoding="utf-8")


def test_report_draws_parameters_unless_fixed_and_says_so(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    plain = report(out, str(cafe(tmp_path, False)))
    assert report(out, str(cafe(tmp_path, False)), "--fixed-parameters") == plain
    assert "Parameters" not in plain
    fixed = report(out, str(cafe(tmp_path, True)), "--fixed-parameters")
    note = f'<p class="note">{escape(FIXED_SENTENCE)}</p>'
    assert note in fixed
    assert fixed.replace(note, "") == plain
    drawn = report(out, str(cafe(tmp_path, True)))
    note = f'<p class="note">{escape(DRAWN_SENTENCE)}</p>'
    assert note in drawn
    assert drawn.replace(note, "") != plain  # the chances and bands moved


@pytest.mark.parametrize("command", ["simulate", "whatif", "pnl", "report"])
def test_every_simulating_command_documents_the_switch(command):
    assert "--fixed-parameters" in run(command, "--help")
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith(f"| `campaign {command} "))
    assert "[--fixed-parameters]" in row
