"""Tampered and hostile plan files (`simulate --plan`, `pnl --plan`): every figure checked against the scenario's
own limits before anything runs, bounded size and nesting, and the tool's own plans always accepted.

Every refusal asserts exit 1, exactly one paragraph on stderr, no traceback, the JSON error document under
--json, and nothing written.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from campaign.cli import cli
from campaign.files import allocation_csv
from campaign.plans import MAX_PLAN_BYTES, read_plan
from optimizer import Optimizer
from scenarios.library import bundled_scenarios, library_path
from scenarios.loader import load_scenario
from scenarios.market_build import build_market
from tests.faults.refusals import assert_refused

SCENARIO = "cafe-chain-q1"


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str | None, dict[str, Any]]:
    """The optimizer's result.json of the café's base and of its `solo` variant (creatives and organic posts)."""
    found = {}
    for variant in (None, "solo"):
        out = tmp_path_factory.mktemp("plan")
        args = ["optimize", SCENARIO, "-o", str(out), *(["--variant", variant] if variant else [])]
        assert CliRunner().invoke(cli, args).exit_code == 0
        found[variant] = json.loads((out / "result.json").read_text(encoding="utf-8"))
    return found


def run(command: str, plan: Path, variant: str | None, as_json: bool, out: Path) -> Result:
    args = [command, SCENARIO, "--plan", str(plan), *(["--variant", variant] if variant else [])]
    args += ["--runs", "2", "-o", str(out)] if command == "simulate" else ["--xlsx", str(out / "pnl.xlsx")]
    return CliRunner().invoke(cli, [*args, *(["--json"] if as_json else [])])


def tampered(plans: dict, variant: str | None, change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    document = copy.deepcopy(plans[variant])
    change(document)
    return document


def move_to_week_one(document: dict[str, Any]) -> None:
    """All of facebook.reel's spend in week 1: the total stays, the week breaks its 2,500 EUR cap."""
    rows = [r for r in document["allocation"] if f"{r['channel']}.{r['format']}" == "facebook.reel"]
    total = sum(r["spend"] for r in rows)
    for r in rows:
        r["spend"] = total if r["period"] == 1 else 0.0


def content_row(cell: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def pick(document: dict[str, Any]) -> dict[str, Any]:
        return next(r for r in document["content"] if f"{r['channel']}.{r['format']}" == cell)

    return pick


REEL = content_row("instagram.reel")
CASES: list[tuple[str, str | None, Callable[[dict[str, Any]], Any], str]] = [
    ("content [1]", "solo", lambda d: d.update(content=[1]), "content row 1: not a row but the number 1"),
    ("content a dict", "solo", lambda d: d.update(content={"a": 1}), "'content' must be a list of rows"),
    (
        "100,000 posts a week",
        "solo",
        lambda d: REEL(d).update(organic_posts_per_week=100000),
        (
            "instagram.reel plans 100,000 organic posts a week; it may plan between 1 and 3 "
            "(its organic_posts min and max)"
        ),
    ),
    (
        "1e9 posts a week",
        "solo",
        lambda d: REEL(d).update(organic_posts_per_week=1e9),
        "instagram.reel plans 1,000,000,000 organic posts a week; it may plan between 1 and 3",
    ),
    (
        "posts on a format without organic posts",
        "solo",
        lambda d: d["content"].append(
            {"channel": "facebook", "format": "reel", "creatives": 0, "organic_posts_per_week": 2}
        ),
        "facebook.reel plans 2 organic posts a week; it may plan 0: its format plans no organic posts",
    ),
    (
        "creatives the impressions never wear out",
        "solo",
        lambda d: REEL(d).update(creatives=10**9),
        "instagram.reel plans 1,000,000,000 creatives; the plan's impressions there wear out",
    ),
    (
        "creatives on a cell without fatigue",
        "solo",
        lambda d: content_row("instagram.carousel")(d).update(creatives=5),
        "instagram.carousel plans 5 creatives; its format has no creative fatigue (no creatives), so it plans none",
    ),
    (
        "a content row twice",
        "solo",
        lambda d: d["content"].append(dict(REEL(d))),
        "instagram.reel is given twice",
    ),
    ("a channel that is a list", None, lambda d: d["allocation"][0].update(channel=["x"]), "must be names"),
    ("the weekly cap", None, move_to_week_one, "above the cap of 2,500.00 EUR per week (budget.per_period.max)"),
    (
        "a plan given twice over",
        None,
        lambda d: d.update(allocation=d["allocation"] * 2),
        "allocation row 170: facebook.feed_image in period 1 is given twice",
    ),
    (
        "a 5,000-digit spend",
        None,
        lambda d: d["allocation"][0].update(spend=10**5000),
        "spend must be a finite number of at least 0",
    ),
]


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize("command", ["simulate", "pnl"])
@pytest.mark.parametrize(("case", "variant", "change", "message"), CASES, ids=[c[0] for c in CASES])
def test_a_tampered_plan_is_refused_before_anything_runs(
    tmp_path, plans, command, as_json, case, variant, change, message
):
    plan = tmp_path / "result.json"
    document = tampered(plans, variant, change)
    text = json.dumps(document) if case != "a 5,000-digit spend" else _with_long_number(document)
    plan.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    assert_refused(run(command, plan, variant, as_json, out), message, as_json)
    assert list(out.iterdir()) == []


def _with_long_number(document: dict[str, Any]) -> str:
    import sys

    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return json.dumps(document)
    finally:
        sys.set_int_max_str_digits(limit)


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("deep.json", "[" * 200_000 + "]" * 200_000, "its JSON is nested too deeply"),
        ("deep-allocation.json", '{"allocation": ' + "[" * 200_000 + "]" * 200_000 + "}", "nested too deeply"),
        ("list.json", "[1, 2]", "not a plan: a result.json from optimize -o has an 'allocation' list"),
        ("latin.csv", "channel,format\n\xe9t\xe9", "cannot read the plan"),
        ("wide.csv", "channel,format,period,spend\n" + "x" * 200_000 + ",reel,1,5\n", "field larger than field"),
    ],
)
def test_a_plan_file_that_cannot_be_read_is_named(tmp_path, name, text, message, as_json):
    plan = tmp_path / name
    plan.write_bytes(text.encode("latin-1"))
    out = tmp_path / "out"
    out.mkdir()
    assert_refused(run("simulate", plan, None, as_json, out), message, as_json)
    assert list(out.iterdir()) == []


def test_a_plan_file_larger_than_the_limit_or_not_a_file_is_refused_unread(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    big = tmp_path / "big.json"
    with big.open("wb") as handle:  # sparse: no disk space taken
        handle.truncate(MAX_PLAN_BYTES + 1)
    assert_refused(
        run("simulate", big, None, True, out), f"larger than {MAX_PLAN_BYTES:,} bytes, the most a plan file", True
    )
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    assert_refused(run("pnl", fifo, None, False, out), f"{fifo}: is not a regular file", False)
    assert list(out.iterdir()) == []


def test_the_tools_own_plans_pass_every_check(tmp_path):
    """Every bundled scenario and variant: optimize's result.json and allocation.csv read back unchanged."""
    for name in sorted(bundled_scenarios()):
        path = library_path(name)
        for variant in (None, *sorted(load_scenario(path).variants)):
            scenario = load_scenario(path, variant)
            market = build_market(scenario)
            result = Optimizer().optimize(scenario, variant=variant)
            document = result.to_dict()
            (tmp_path / "result.json").write_text(json.dumps(document), encoding="utf-8")
            (tmp_path / "allocation.csv").write_text(allocation_csv(result), encoding="utf-8")
            read = read_plan(tmp_path / "result.json", scenario, variant, market)
            assert read == result.plan
            assert list(read.rows()) == [
                tuple(r[k] for k in ("channel", "format", "period", "spend")) for r in document["allocation"]
            ]
            for row in document.get("content", []):
                c = market.cell_keys.index(f"{row['channel']}.{row['format']}")
                assert (read.posts[c], read.creatives[c]) == (row["organic_posts_per_week"], row["creatives"])
            from_csv = read_plan(tmp_path / "allocation.csv", scenario, variant, market)
            assert [r.spend for r in from_csv.rows()] == pytest.approx(
                [r["spend"] for r in document["allocation"]], abs=1e-6
            )


def test_a_plan_within_the_limits_but_changed_still_runs(tmp_path, plans):
    # One post a week fewer on reels (within 1 to 3) and one creative fewer: allowed, and simulated as given.
    document = tampered(plans, "solo", lambda d: REEL(d).update(organic_posts_per_week=1, creatives=0))
    plan = tmp_path / "result.json"
    plan.write_text(json.dumps(document), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["simulate", SCENARIO, "--variant", "solo", "--plan", str(plan), "--runs", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
