"""Absurd and hostile option values: every numeric option of every command is a bounded click type.

A bad value is a usage error: exit 2, one paragraph on stderr, no traceback, the JSON error document under
--json and nothing written. Limits that depend on the scenario (a sweep's key) exit 1 the same way. Schedulers
that never answer or have no workers, and Ctrl-C during a parallel run, stop within the promised time.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner, Result

from campaign.cli import cli
from campaign.options import EXIT_INTERRUPTED, MAX_AMOUNT, MIN_AMOUNT, FiniteFloat, Workers, usable_cpus
from scenarios.library import library_path
from scenarios.simulation_schema import MAX_RUNS
from scenarios.sweep import MAX_POINTS

SCENARIO = "cafe-chain-q1"
README = Path(__file__).resolve().parents[2] / "README.md"


def commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name), command


def numeric(option: click.Parameter) -> bool:
    kinds = (click.types.IntParamType, click.types.FloatParamType, FiniteFloat, Workers)
    return isinstance(option, click.Option) and isinstance(option.type, kinds)


NUMERIC = [(path, option) for path, command in commands() for option in command.params if numeric(option)]


def bounds(option: click.Option) -> tuple[float, float]:
    kind = option.type
    if isinstance(kind, Workers):
        return 1, usable_cpus()
    if isinstance(kind, FiniteFloat):
        return kind.low, kind.high  # type: ignore[return-value]
    return kind.min, kind.max  # type: ignore[attr-defined]


def required(path: tuple[str, ...], tmp_path: Path) -> list[str]:
    """The arguments a command needs besides the option under test."""
    extra = {
        ("reallocate",): ["--as-of", "2027-02-01", "--ledger", str(tmp_path / "l.sqlite")],
        ("report",): ["-o", str(tmp_path / "r.html")],
    }
    return [*path, SCENARIO, *extra.get(path, [])]


def has_json(path: tuple[str, ...]) -> bool:
    command = cli
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return any(p.name == "as_json" for p in command.params)


def assert_one_paragraph(result: Result, code: int, message: str, as_json: bool) -> None:
    """Exit `code`, one paragraph on stderr holding `message`, no traceback; the JSON error document under --json."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: ")
    assert result.stderr.endswith("\n")
    assert "\n" not in result.stderr.strip(), "more than one line"
    assert message in result.stderr, result.stderr
    if as_json:
        document = json.loads(result.stdout)
        assert document == {"status": "error", "message": result.stderr.removeprefix("Error: ").strip()}
    else:
        assert result.stdout == ""


def snapshot(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# -- Every numeric option is a bounded click type, and a value outside it is a usage error -----------------------


def test_every_numeric_option_has_a_bounded_type():
    assert {" ".join(path) for path, _ in NUMERIC} >= {"optimize", "frontier", "simulate", "whatif", "pnl", "report"}
    for path, option in NUMERIC:
        low, high = bounds(option)
        assert low is not None, f"{' '.join(path)} {option.opts[0]} has no lower bound"
        assert high is not None, f"{' '.join(path)} {option.opts[0]} has no upper bound"
        # The bounds themselves are accepted (the type converts them), so the range is exactly the stated one.
        for edge in (low, high):
            if isinstance(option.type, FiniteFloat) and option.type.low_open and edge == low:
                continue
            if isinstance(option.type, FiniteFloat) and option.type.high_open and edge == high:
                continue
            assert option.type.convert(str(edge), option, None) == edge


def bad_values(option: click.Option) -> list[str]:
    low, high = bounds(option)
    values = [str(high * 10 + 1), "ten"]
    if isinstance(option.type, FiniteFloat):
        values += [repr(low / 1e300) if low > 0 else str(low - 1), "nan", "inf", "-inf", "1e400"]
    else:
        values += [str(low - 1), "2.5"]
    return values


CASES = [(path, option, value) for path, option in NUMERIC for value in bad_values(option)]


@pytest.mark.parametrize(
    ("path", "option", "value"), CASES, ids=[f"{' '.join(p)} {o.opts[0]} {v}" for p, o, v in CASES]
)
def test_an_option_out_of_its_range_exits_two_with_one_paragraph(tmp_path, monkeypatch, path, option, value):
    monkeypatch.chdir(tmp_path)
    as_json = has_json(path)
    args = [*required(path, tmp_path), option.opts[0], value, *(["--json"] if as_json else [])]
    result = CliRunner().invoke(cli, args)
    assert_one_paragraph(result, 2, f"Error: Invalid value for '{option.opts[0]}': ", as_json)
    assert snapshot(tmp_path) == []


@pytest.mark.parametrize("as_json", [False, True])
def test_runs_above_the_schemas_cap_are_refused_up_front(tmp_path, as_json):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["simulate", SCENARIO, "--runs", "10000000", "-o", str(out), *(["--json"] if as_json else [])]
    )
    assert_one_paragraph(
        result, 2, f"Invalid value for '--runs': 10000000 is not in the range 1<=x<={MAX_RUNS}", as_json
    )
    assert not out.exists()
    # The scenario's own simulation.runs has the same cap.
    data = yaml.safe_load(library_path(SCENARIO).read_text(encoding="utf-8"))  # type: ignore[union-attr]
    data.setdefault("simulation", {})["runs"] = MAX_RUNS + 1
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    refused = CliRunner().invoke(cli, ["simulate", str(path)])
    assert refused.exit_code == 1
    assert f"simulation.runs: {MAX_RUNS + 1} is out of range: must be between 1 and {MAX_RUNS}" in refused.stderr
    assert CliRunner().invoke(cli, ["simulate", SCENARIO, "--runs", str(MAX_RUNS), "--workers", "0"]).exit_code == 2


def test_a_budget_below_one_unit_of_currency_is_refused(tmp_path):
    for args in (["optimize", SCENARIO, "--budget", "1e-300"], ["frontier", SCENARIO, "--from", "1e-300"]):
        result = CliRunner().invoke(cli, [*args, "--json"])
        assert_one_paragraph(result, 2, "(one unit of the currency is the smallest amount worth planning)", True)
    assert MIN_AMOUNT == 1.0
    huge = CliRunner().invoke(cli, ["optimize", SCENARIO, "--budget", "1e13"])
    assert_one_paragraph(huge, 2, f"1e13 is not in the range 1 <= x <= {MAX_AMOUNT:g}", False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--from", "5000", "--to", "1000"],
            "Invalid value for '--to': the range's end 1,000.00 (--to) is not above its start 5,000.00 (--from)",
        ),
        (
            ["--from", "50000"],
            (
                "Invalid value for '--from': the range's end 36,000.00 (twice the budget) is not above its start "
                "50,000.00 (--from)"
            ),
        ),
    ],
)
def test_a_frontier_range_that_runs_backwards_is_a_usage_error(tmp_path, args, message):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["frontier", SCENARIO, *args, "-o", str(out), "--json"])
    assert_one_paragraph(result, 2, message, True)
    assert not out.exists()


def test_workers_are_capped_at_the_cpus_this_machine_lets_the_tool_use(tmp_path):
    cpus = usable_cpus()
    for command in (["simulate", SCENARIO], ["whatif", SCENARIO], ["pnl", SCENARIO]):
        result = CliRunner().invoke(cli, [*command, "--workers", str(cpus + 1), "--json"])
        assert_one_paragraph(
            result, 2, f"{cpus + 1} is not in the range 1<=x<={cpus}: this machine lets the tool use {cpus} CPU", True
        )


# -- Sweeps ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sweep", "message"),
    [
        ("budget.total=10000:30000:1e-320", f"more than {MAX_POINTS:,} points; at most {MAX_POINTS:,} are allowed"),
        ("budget.total=-1e308:1e308:1e300", f"more than {MAX_POINTS:,} points; at most {MAX_POINTS:,} are allowed"),
        ("budget.total=10000:30000:1e308", "'budget.total=10000:30000:1e308'"),
        ("budget.total=1e9:1.000000001e9:0.01", "STEP 0.01 is too small for FROM and TO"),
        ("budget.total=1e400:1e401:1", "FROM, TO and STEP must be finite numbers"),
        ("budget.total=nan:1:1", "FROM, TO and STEP must be finite numbers"),
    ],
)
def test_sweeps_that_overflow_or_never_end_are_usage_errors(tmp_path, sweep, message):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["whatif", SCENARIO, "--sweep", sweep, "-o", str(out), "--json"])
    if sweep.endswith(":1e308"):  # one point, 10000: a valid sweep, planned without overflow
        assert result.exit_code == 0, result.output
        assert [r["name"] for r in json.loads(result.stdout)["rows"]] == ["base", "budget.total=10000"]
        return
    assert_one_paragraph(result, 2, message, True)
    assert not out.exists()


def test_a_fractional_sweep_of_a_whole_number_key_is_refused_not_truncated(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["whatif", SCENARIO, "--sweep", "rules.max_active_channels=2:4:0.5", "-o", str(out), "--json"]
    )
    assert_one_paragraph(
        result,
        1,
        "--sweep 'rules.max_active_channels=2:4:0.5': rules.max_active_channels is a whole number, and the sweep "
        "reaches 2.5; give whole FROM and STEP, such as 2:4:1",
        True,
    )
    assert not out.exists()


# -- Currencies and scheduler addresses --------------------------------------------------------------------------


def test_a_currency_code_in_lower_case_is_read_in_capitals(tmp_path):
    export = tmp_path / "tiktok.csv"
    export.write_text(
        "Campaign name,Date,Cost,Impressions,Clicks (destination),Conversions\nspring,2027-01-11,84.20,10395,138,4\n",
        encoding="utf-8",
    )
    ledger = tmp_path / "l.sqlite"
    args = ["actuals", "import", str(export), "--scenario", SCENARIO, "--ledger", str(ledger), "--json"]
    result = CliRunner().invoke(cli, [*args, "--currency", "eur"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["currency"] == "EUR"
    ledger.unlink()
    bad = CliRunner().invoke(cli, [*args, "--currency", "euro"])
    assert_one_paragraph(bad, 2, "'euro' is not a three-letter ISO 4217 currency code, such as EUR or USD", True)
    assert not ledger.exists()


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("tcp://127.0.0.1:99999", "the port '99999' is not a port number (1 to 65535)"),
        ("tcp://127.0.0.1:http", "the port 'http' is not a port number (1 to 65535)"),
        ("127.0.0.1:0", "the port 0 is not a port number (1 to 65535)"),
        ("gopher://127.0.0.1:8786", "unknown scheme 'gopher'"),
        ("tcp://:8786", "names no host"),
    ],
)
def test_an_invalid_scheduler_address_says_what_is_wrong(tmp_path, address, message):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["simulate", SCENARIO, "--scheduler", address, "-o", str(out), "--json"])
    assert_one_paragraph(result, 2, message, True)
    assert not out.exists()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server that accepts connections and never says a word; yields its port."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def test_a_scheduler_that_accepts_and_never_answers_is_refused(tmp_path, silent_server):
    # In a child process with a generous timeout: before the fix the handshake waited for ever.
    out = tmp_path / "out"
    address = f"tcp://127.0.0.1:{silent_server}"
    args = [sys.executable, "-m", "campaign", "simulate", SCENARIO, "--runs", "5", "--scheduler", address]
    process = subprocess.run([*args, "-o", str(out), "--json"], capture_output=True, text=True, timeout=120)
    assert process.returncode == 1, process.stderr
    message = f"the Dask scheduler at {address} did not answer within 5 s"
    assert process.stderr.startswith(f"Error: {message}"), process.stderr
    assert process.stderr.count("\n") == 1, process.stderr
    assert json.loads(process.stdout)["status"] == "error"
    assert not out.exists()


def test_a_scheduler_without_workers_says_so(tmp_path):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        result = CliRunner().invoke(
            cli, ["simulate", SCENARIO, "--runs", "5", "--scheduler", address, "-o", str(out), "--json"]
        )
    assert_one_paragraph(
        result,
        1,
        f"the Dask scheduler at {address} has no workers (none joined within 5 s), so nothing would run; "
        f"start one with 'dask worker {address}', or leave out --scheduler",
        True,
    )
    assert not out.exists()


# -- Ctrl-C ------------------------------------------------------------------------------------------------------


def alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


LONG_RUNS = {  # each takes far longer than the test waits
    "simulate": ["simulate", SCENARIO, "--runs", str(MAX_RUNS)],
    "whatif": ["whatif", SCENARIO, "--sweep", "budget.total=10000:30000:100", "--simulate", "200"],
}


@pytest.mark.parametrize("workers", sorted({1, min(2, usable_cpus())}))
@pytest.mark.parametrize("command", sorted(LONG_RUNS))
def test_ctrl_c_stops_a_parallel_run_and_its_workers(tmp_path, command, workers):
    out = tmp_path / "out"
    args = [sys.executable, "-m", "campaign", *LONG_RUNS[command], "--quiet", "--json"]
    process = subprocess.Popen(
        [*args, "--workers", str(workers), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        time.sleep(8)  # imported, planned and running
        assert process.poll() is None, process.communicate()
        os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
        # Before the fix the pool finished every queued task first (102 s for 1,000 runs); 60 s is ample.
        stdout, stderr = process.communicate(timeout=60)
        for _ in range(100):  # the workers are gone too
            if not alive(process.pid):
                break
            time.sleep(0.1)
        gone = not alive(process.pid)
    finally:
        if alive(process.pid):  # a failed run leaves nothing behind either
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == EXIT_INTERRUPTED, stderr
    assert stderr == "Error: interrupted (Ctrl-C); the run stopped before it finished\n"
    assert json.loads(stdout) == {
        "status": "error",
        "message": "interrupted (Ctrl-C); the run stopped before it finished",
    }
    assert gone
    assert not out.exists()


# -- The README states these limits ------------------------------------------------------------------------------


def test_the_readme_states_the_limits():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Security and failure behaviour") :]
    section = section[: section.index("\n## ", 5)]
    for fact in (f"{MAX_RUNS:,}", f"{MAX_POINTS:,}", "130", "5 s", "65535", "ISO 4217"):
        assert fact in section, fact
