"""The typed plan: its constructors, its production cost by hand, and each of its checks against the scenario."""

from __future__ import annotations

import dataclasses
import math
import pickle
from typing import Any

import numpy as np
import pytest

from optimizer import Optimizer
from scenarios.errors import UsageError
from scenarios.loader import resolve
from scenarios.market_build import build_market
from scenarios.plan import ContentRow, Plan, SpendRow
from scenarios.schema import Scenario
from tests.conftest import BASE, merged

SOURCE = "plan.json"
CELLS = "instagram.reel, instagram.image, tiktok.video, tiktok.spark"
#: Reels wear out one creative per 100,000 impressions and may post 1 to 3 times a week.
CONTENT = {
    "channels": {
        "instagram": {
            "formats": {
                "reel": {
                    "creatives": {"impressions_per_creative": 100000, "cost": 50},
                    "organic_posts": {"min": 1, "max": 3},
                    "production_cost": 500,
                },
                "image": {"production_cost": 300},
            }
        }
    }
}


def scenario(**overlay: Any) -> Scenario:
    """The two-channel scenario over four weeks, with `overlay` merged in."""
    return resolve(merged(merged(BASE, {"periods": {"count": 4, "unit": "week"}}), overlay), "<test>")


def rows(**weekly: list[float]) -> list[dict[str, Any]]:
    """Allocation rows as a result.json holds them: `instagram_reel=[w1, w2, w3, w4]` and so on."""
    return [
        {"channel": key.split("_")[0], "format": key.split("_")[1], "period": t, "spend": amount}
        for key, spends in weekly.items()
        for t, amount in enumerate(spends, start=1)
    ]


def read(s: Scenario, allocation: list[Any], content: Any = ()) -> Plan:
    return Plan.from_rows(SOURCE, s, build_market(s), allocation, content)


# Reels at 1,000 EUR a week: 4,000 EUR at a CPM of 7.5 × 1.1 buys 4,000,000 / 8.25 = 484,848 impressions,
# which wear out ceil(4.85) = 5 creatives of 100,000 impressions each.
REELS = rows(instagram_reel=[1000.0] * 4)


def test_of_defaults_to_each_cells_least_posts_and_the_creatives_its_impressions_wear_out():
    s = scenario(**CONTENT)
    market = build_market(s)
    spend = np.zeros(16)
    spend[:4] = 1000.0
    plan = Plan.of(market, spend)
    assert plan.cells == ("instagram.reel", "instagram.image", "tiktok.video", "tiktok.spark")
    assert plan.periods == 4
    assert plan.posts.tolist() == [1, 0, 0, 0]
    assert plan.creatives.tolist() == [5.0, 0.0, 0.0, 0.0]
    assert plan.total == 4000.0
    assert plan.by_cell.tolist() == [[1000.0] * 4, [0.0] * 4, [0.0] * 4, [0.0] * 4]


def test_rows_label_each_unit_and_read_back_to_the_same_plan():
    s = scenario(**CONTENT)
    market = build_market(s)
    plan = Plan.of(market, np.arange(16.0), posts=[3, 0, 0, 0], creatives=[9, 0, 0, 0])
    labelled = list(plan.rows())
    assert labelled[0] == SpendRow("instagram", "reel", 1, 0.0)
    assert labelled[5] == SpendRow("instagram", "image", 2, 5.0)
    assert labelled[-1] == SpendRow("tiktok", "spark", 4, 15.0)
    content = [ContentRow("instagram", "reel", 9, 3)]
    assert Plan.from_labelled(market, labelled, content) == plan
    # Cell-periods without a row spend nothing; cells without a content row take the defaults.
    only = Plan.from_labelled(market, [SpendRow("tiktok", "video", 2, 7.0)])
    assert only.spend.tolist() == [0.0] * 9 + [7.0] + [0.0] * 6
    assert only.posts.tolist() == [1, 0, 0, 0]


def test_a_plan_read_from_rows_is_the_plan_of_its_figures():
    s = scenario(**CONTENT)
    market = build_market(s)
    content = [{"channel": "instagram", "format": "reel", "creatives": 4, "organic_posts_per_week": 2}]
    plan = read(s, REELS, content)
    expected = np.zeros(16)
    expected[:4] = 1000.0
    assert plan == Plan.of(market, expected, posts=[2, 0, 0, 0], creatives=[4, 0, 0, 0])
    # CSV fields are strings.
    text = [{k: str(v) for k, v in row.items()} for row in REELS]
    assert read(s, text) == Plan.of(market, expected)


def test_the_optimizers_plan_is_its_allocation_and_content():
    s = scenario(**CONTENT)
    result = Optimizer().optimize(s)
    market = build_market(s)
    assert result.plan.spend.tolist() == [a.spend for a in result.allocation]
    for row in result.content:
        c = market.cell_keys.index(f"{row.channel}.{row.format}")
        assert (result.plan.posts[c], result.plan.creatives[c]) == (row.organic_posts_per_week, row.creatives)
    assert result.plan == Plan.from_labelled(market, result.allocation, result.content)


def test_a_plan_is_frozen_and_keeps_its_own_copies():
    market = build_market(scenario())
    spend = np.zeros(16)
    plan = Plan.of(market, spend)
    spend[0] = 5.0
    assert plan.spend[0] == 0.0
    with pytest.raises(ValueError, match="read-only"):
        plan.spend[0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.periods = 2  # type: ignore[misc]
    assert plan != Plan.of(market, np.full(16, 1.0))
    assert plan != "a plan"
    assert plan.with_spend(np.full(16, 1.0)) == Plan.of(market, np.full(16, 1.0))
    copy = pickle.loads(pickle.dumps(plan))  # as a worker process receives it
    assert copy == plan
    assert not copy.spend.flags.writeable


@pytest.mark.parametrize(
    ("spend", "posts", "message"),
    [
        (np.zeros(15), [0] * 4, r"Plan.spend must have one value per cell and period \(4 × 4\)"),
        (np.zeros(16), [0] * 3, r"Plan.posts must have one value per cell \(4\)"),
    ],
)
def test_a_plan_of_the_wrong_shape_is_a_programming_error(spend, posts, message):
    with pytest.raises(ValueError, match=message):
        Plan(("instagram.reel", "instagram.image", "tiktok.video", "tiktok.spark"), 4, spend, posts, [0.0] * 4)


def test_production_is_each_cell_used_and_its_creatives_by_hand():
    s = scenario(**CONTENT)
    market = build_market(s)
    spend = np.zeros(16)
    spend[:4] = 1000.0  # reels used: 500, and 5 creatives at 50
    spend[4] = 1e-12  # images not used: a rounding error spends nothing
    assert Plan.of(market, spend).production(market) == 500.0 + 5 * 50.0
    assert Plan.of(market, spend, creatives=[2, 0, 0, 0]).production(market) == 500.0 + 2 * 50.0
    assert Plan.of(market, np.zeros(16)).production(market) == 0.0


# Each check, the rows that break it, and its whole message (the figures worked out by hand).
ROW_CASES: list[tuple[str, dict[str, Any], list[Any], Any, str]] = [
    (
        "a row without period and spend",
        {},
        [{"channel": "instagram", "format": "reel"}],
        (),
        "allocation row 1: missing period, spend; each row needs channel, format, period, spend",
    ),
    (
        "a row that is not a row",
        {},
        [5],
        (),
        "allocation row 1: missing channel, format, period, spend; each row needs channel, format, period, spend",
    ),
    (
        "a channel that is a number",
        {},
        [{"channel": 1, "format": "reel", "period": 1, "spend": 1}],
        (),
        "allocation row 1: channel and format must be names, got 1 and 'reel'",
    ),
    (
        "a cell not in the scenario",
        {},
        rows(instagram_reels=[1.0]),
        (),
        (
            f"allocation row 1: cell 'instagram.reels' is not in scenario 'two-channels' (did you mean "
            f"'instagram.reel'?); the plan must come from the same scenario (its cells: {CELLS})"
        ),
    ),
    (
        "a period that is not whole",
        {},
        [{"channel": "instagram", "format": "reel", "period": "1.5", "spend": 1}],
        (),
        "allocation row 1: period must be a whole number, got '1.5'",
    ),
    (
        "negative spend",
        {},
        rows(instagram_reel=[-5]),
        (),
        "allocation row 1: spend must be a finite number of at least 0, got -5",
    ),
    (
        "negative spend from a CSV",
        {},
        [{"channel": "instagram", "format": "reel", "period": "1", "spend": "-5"}],
        (),
        "allocation row 1: spend must be a finite number of at least 0, got '-5'",
    ),
    (
        "infinite spend",
        {},
        rows(instagram_reel=[math.inf]),
        (),
        "allocation row 1: spend must be a finite number of at least 0, got inf",
    ),
    ("spend that is true", {}, rows(instagram_reel=[True]), (), "allocation row 1: spend must be a number, got True"),
    ("spend that is a word", {}, rows(instagram_reel=["x"]), (), "allocation row 1: spend must be a number, got 'x'"),
    (
        "a period after the horizon",
        {},
        rows(instagram_reel=[1.0] * 5),
        (),
        "allocation row 5: period 5 is outside the horizon of 4 periods",
    ),
    (
        "a cell-period given twice",
        {},
        rows(instagram_reel=[1.0]) * 2,
        (),
        "allocation row 2: instagram.reel in period 1 is given twice",
    ),
    (
        "spend while the channel is dark",
        {"channels": {"tiktok": {"flight": {"start": 2}}}},
        rows(tiktok_video=[100.0]),
        (),
        "allocation row 1: tiktok.video spends 100 in period 1, when its channel is dark",
    ),
    (
        "more than the budget",
        {},
        rows(instagram_reel=[20001.0]),
        (),
        "the plan spends 20,001.00 EUR, more than the scenario's budget of 20,000.00 EUR",
    ),
    (
        "above the weekly cap",
        {"budget": {"total": 20000, "per_period": {"max": 6000}}},
        rows(instagram_reel=[7000.0]),
        (),
        "the plan spends 7,000.00 EUR in week 1, above the cap of 6,000.00 EUR per week (budget.per_period.max)",
    ),
    (
        "below the weekly floor",
        {"budget": {"total": 20000, "per_period": {"min": 1000}}},
        rows(instagram_reel=[1000.0, 500.0]),
        (),
        "the plan spends 500.00 EUR in week 2, below the floor of 1,000.00 EUR per week (budget.per_period.min)",
    ),
    (
        "above a channel's maximum",
        {"channels": {"tiktok": {"spend": {"max": 1000}}}},
        rows(tiktok_video=[1000.0], tiktok_spark=[500.0]),
        (),
        "the plan spends 1,500.00 EUR on channel tiktok, above its maximum of 1,000.00 EUR (channels.tiktok.spend.max)",
    ),
    (
        "below a channel's minimum",
        {"channels": {"tiktok": {"spend": {"min": 1000}}}},
        rows(instagram_reel=[1000.0]),
        (),
        "the plan spends 0.00 EUR on channel tiktok, below its minimum of 1,000.00 EUR (channels.tiktok.spend.min)",
    ),
    (
        "above a cell's maximum",
        {"channels": {"instagram": {"formats": {"reel": {"spend": {"max": 100}}}}}},
        rows(instagram_reel=[60.0, 60.0]),
        (),
        (
            "the plan spends 120.00 EUR on cell instagram.reel, above its maximum of 100.00 EUR "
            "(channels.instagram.formats.reel.spend.max)"
        ),
    ),
    (
        "below a cell's minimum",
        {"channels": {"instagram": {"formats": {"image": {"spend": {"min": 100}}}}}},
        rows(instagram_image=[99.0]),
        (),
        (
            "the plan spends 99.00 EUR on cell instagram.image, below its minimum of 100.00 EUR "
            "(channels.instagram.formats.image.spend.min)"
        ),
    ),
    (
        "content that is not a list",
        CONTENT,
        REELS,
        {"a": 1},
        "'content' must be a list of rows (channel, format, creatives, posts per week)",
    ),
    (
        "a content row that is not a row",
        CONTENT,
        REELS,
        ["reel"],
        "content row 1: not a row but a string; each row has channel, format, creatives, organic_posts_per_week",
    ),
    (
        "a content row without its figures",
        CONTENT,
        REELS,
        [{"channel": "instagram", "format": "reel"}],
        "content row 1: missing creatives, organic_posts_per_week",
    ),
    (
        "a content row twice",
        CONTENT,
        REELS,
        [{"channel": "instagram", "format": "reel", "creatives": 5, "organic_posts_per_week": 1}] * 2,
        "content row 2: instagram.reel is given twice",
    ),
    (
        "more posts than the format's maximum",
        CONTENT,
        REELS,
        [{"channel": "instagram", "format": "reel", "creatives": 5, "organic_posts_per_week": 4}],
        (
            "content row 1: instagram.reel plans 4 organic posts a week; it may plan between 1 and 3 "
            "(its organic_posts min and max)"
        ),
    ),
    (
        "posts on a format without organic posts",
        CONTENT,
        REELS,
        [{"channel": "instagram", "format": "image", "creatives": 0, "organic_posts_per_week": 2}],
        (
            "content row 1: instagram.image plans 2 organic posts a week; it may plan 0: its format plans no "
            "organic posts (no organic_posts)"
        ),
    ),
    (
        "more creatives than the impressions wear out",
        CONTENT,
        REELS,
        [{"channel": "instagram", "format": "reel", "creatives": 6, "organic_posts_per_week": 1}],
        "content row 1: instagram.reel plans 6 creatives; the plan's impressions there wear out 5",
    ),
    (
        "creatives on a format without fatigue",
        CONTENT,
        REELS,
        [{"channel": "instagram", "format": "image", "creatives": 1, "organic_posts_per_week": 0}],
        (
            "content row 1: instagram.image plans 1 creatives; its format has no creative fatigue (no creatives), "
            "so it plans none"
        ),
    ),
    (
        "production above its budget",
        merged(CONTENT, {"budget": {"total": 20000, "production": 600}}),
        REELS,
        (),
        "the plan's production costs 750.00 EUR, more than the production budget of 600.00 EUR (budget.production)",
    ),
    (
        "spend and production above the budget",
        CONTENT,
        rows(instagram_reel=[4900.0] * 4),
        [{"channel": "instagram", "format": "reel", "creatives": 0, "organic_posts_per_week": 1}],
        (
            "the plan's spend and production cost 20,100.00 EUR (production 500.00), more than the budget of "
            "20,000.00 EUR (budget.total, which production counts against without a budget.production)"
        ),
    ),
    (
        "more hours than the team has",
        {"team": {"hours_per_week": 10, "hours_per_active_channel": 6}},
        rows(instagram_reel=[10.0], tiktok_video=[10.0]),
        (),
        (
            "the plan takes 12.0 hours a week (active channels, organic posts, creatives), more than the team's 10.0 "
            "(team.hours_per_week)"
        ),
    ),
]


@pytest.mark.parametrize(
    ("case", "overlay", "allocation", "content", "message"), ROW_CASES, ids=[c[0] for c in ROW_CASES]
)
def test_each_check_names_the_source_the_row_the_figure_and_the_limit(case, overlay, allocation, content, message):
    with pytest.raises(UsageError) as error:
        read(scenario(**overlay), allocation, content)
    assert str(error.value) == f"{SOURCE}: {message}"


def test_the_rows_are_checked_in_order_and_each_row_cell_first():
    # Row 1 names an unknown cell and a bad period; row 2 breaks the budget: row 1's cell is named.
    allocation = [{"channel": "x", "format": "y", "period": "z", "spend": 1}, *rows(instagram_reel=[1e9])]
    with pytest.raises(UsageError, match=r"allocation row 1: cell 'x\.y' is not in scenario"):
        read(scenario(), allocation)
    # The spend is checked before the content.
    with pytest.raises(UsageError, match="more than the scenario's budget"):
        read(scenario(), rows(instagram_reel=[1e9]), {"a": 1})


def test_check_holds_any_plan_to_the_scenarios_limits():
    s = scenario(team={"hours_per_week": 10, "hours_per_active_channel": 6})
    market = build_market(s)
    spend = np.zeros(16)
    spend[0] = 10.0
    Plan.of(market, spend).check(SOURCE, s, market)  # one channel: 6 hours
    spend[8] = 10.0
    with pytest.raises(UsageError, match=r"^optimizer: the plan takes 12\.0 hours a week"):
        Plan.of(market, spend).check("optimizer", s, market)
    with pytest.raises(UsageError, match=r"^optimizer: the plan spends 40,000\.00 EUR, more than"):
        Plan.of(market, np.full(16, 2500.0)).check("optimizer", s, market)
