"""Whole decisions: cells and channels on or off, creative counts, organic posts, and the team's hours."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from optimizer.rows import IF_ACTIVE, Row
from scenarios import Market, Scenario


def switch_rows(
    scenario: Scenario, market: Market, budget: float
) -> tuple[list[Row], tuple[str, ...], np.ndarray, np.ndarray]:
    """Whole decisions: cells and channels on or off, creatives, organic posts; their rules and hours.

    A cell switch y_c links to its spend by ``Σ x ≤ cap · y_c`` and ``Σ x ≥ minimum · y_c``; a
    channel switch w_j by ``Σ x ≤ cap · w_j``; a creative count n_c by ``impressions ≤ N · n_c``;
    a cell's k-th weekly organic post is a binary. Then ``Σ w ≤ max_active_channels`` and the
    team's weekly hours cover active channels, posts and creatives (spread over the weeks).
    Returns the rows, the switches' names, upper bounds and production costs (currency).
    """
    rules, team, cur = scenario.rules, scenario.team, scenario.currency
    rows: list[Row] = []
    names: list[str] = []
    upper: list[float] = []
    cost: list[float] = []
    hours: list[float] = []
    one = np.ones(1)

    def add(name: str, top: float = 1.0, price: float = 0.0, time: float = 0.0) -> np.ndarray:
        names.append(name)
        upper.append(top)
        cost.append(price)
        hours.append(time)
        return np.array([len(names) - 1])

    def horizon_cap(c: int, slots: np.ndarray) -> float:
        return float(min(market.cell_upper[c], market.channel_upper[market.channel_of[slots[0]]], budget))

    if rules.min_spend_if_active is not None or np.any(market.production_cost > 0):
        for c, cell in enumerate(market.cell_keys):
            slots = np.flatnonzero(market.cell_of == c)
            cap = horizon_cap(c, slots)
            k = add(f"cell.{cell}", price=float(market.production_cost[c]))
            rows.append(_link(f"cell.{cell}", slots, k, cap, cur))
            if rules.min_spend_if_active is None:
                continue
            floor = rules.min_spend_if_active
            rows.append(
                Row(
                    f"rules.min_spend_if_active.{cell}",
                    ">=",
                    floor,
                    0.0,
                    slots,
                    np.ones(len(slots)),
                    kind=IF_ACTIVE,
                    switch_index=k,
                    switch_coef=-floor * one,
                    label=f"the minimum spend of {cell} if used",
                    unit=cur,
                )
            )
    for c, cell in enumerate(market.cell_keys):
        per_creative = market.creative_impressions[c] if market.creative_impressions is not None else math.inf
        if not math.isfinite(per_creative):
            continue
        # A market with creative lifetimes has their costs and hours too (`scenarios.market`).
        assert market.creative_cost is not None
        assert market.creative_hours is not None
        slots = np.flatnonzero(market.cell_of == c)
        top = math.ceil(horizon_cap(c, slots) * float(market.impressions_per_currency_unit[slots].max()) / per_creative)
        price, weekly = float(market.creative_cost[c]), float(market.creative_hours[c]) / market.weeks
        k = add(f"creatives.{cell}", float(max(top, 1)), price, weekly)
        rows.append(
            Row(
                f"creatives.{cell}",
                "<=",
                0.0,
                0.0,
                slots,
                market.impressions_per_currency_unit[slots],
                switch_index=k,
                switch_coef=-per_creative * one,
                internal=True,
                label=f"the creatives {cell} needs",
                unit="impressions",
            )
        )
    if market.posts_max is not None:
        # A market with organic posts has all of their arrays (`scenarios.market`).
        assert market.posts_min is not None
        assert market.post_hours is not None
        for c, cell in enumerate(market.cell_keys):
            for post in range(int(market.posts_min[c]) + 1, int(market.posts_max[c]) + 1):
                add(f"posts.{cell}.{post}", time=float(market.post_hours[c]))
    channel_hours = team.hours_per_active_channel if team is not None else 0.0
    needs_channels = rules.max_active_channels is not None or channel_hours > 0
    channels = np.zeros(0, dtype=int)
    if needs_channels:
        for j, name in enumerate(market.channels):
            slots = np.flatnonzero(market.channel_of == j)
            cap = float(min(market.channel_upper[j], budget))
            k = add(f"channel.{name}", time=channel_hours)
            channels = np.append(channels, k)
            rows.append(_link(f"channel.{name}", slots, k, cap, cur))
    empty = np.zeros(0, dtype=int)
    if rules.max_active_channels is not None:
        limit = float(rules.max_active_channels)
        rows.append(
            Row(
                "rules.max_active_channels",
                "<=",
                limit,
                limit,
                empty,
                np.zeros(0),
                switch_index=channels,
                switch_coef=np.ones(len(channels)),
                label="the cap on active channels",
                unit="channels",
            )
        )
    time = np.array(hours, dtype=float)
    fixed = fixed_hours(market)
    if team is not None and team.hours_per_week is not None and (np.any(time > 0) or fixed > 0):
        timed = np.flatnonzero(time > 0)
        rows.append(
            Row(
                "team.hours",
                "<=",
                team.hours_per_week,
                team.hours_per_week - fixed,
                empty,
                np.zeros(0),
                switch_index=timed,
                switch_coef=time[timed],
                label="the team's weekly hours",
                unit="hours",
            )
        )
    return rows, tuple(names), np.array(upper, dtype=float), np.array(cost, dtype=float)


def _link(name: str, slots: np.ndarray, switch: np.ndarray, cap: float, currency: str) -> Row:
    """``Σ x ≤ cap · y``: the slots' spend only while their on/off switch is on (``active.NAME``)."""
    return Row(
        f"active.{name}",
        "<=",
        0.0,
        0.0,
        slots,
        np.ones(len(slots)),
        switch_index=switch,
        switch_coef=np.array([-cap]),
        internal=True,
        label=f"{name.split('.', 1)[1]} is on",
        unit=currency,
    )


def fixed_hours(market: Market) -> float:
    """Team hours per week no decision changes: the channels' fixed posting and each cell's minimum posts."""
    hours = market.fixed_post_hours
    if market.post_hours is not None:
        hours += float(market.post_hours @ market.posts_min)
    return hours


def with_posts(rows: list[Row], market: Market, switches: tuple[str, ...]) -> list[Row]:
    """Engagement and follower floors count the organic posts: their minimum as a constant, each extra as a switch."""
    posts = [(k, name.rsplit(".", 1)) for k, name in enumerate(switches) if name.startswith("posts.")]
    if market.posts_min is None or market.posts_max is None or not np.any(market.posts_max > 0):
        return rows
    assert market.post_engagement is not None  # set with the other organic-post arrays
    engagement, followers = market.organic_posts(market.posts_min)
    index = np.array([k for k, _ in posts], dtype=int)
    cells = np.array([market.cell_keys.index(cell.removeprefix("posts.")) for _, (cell, _) in posts], dtype=int)
    nth = np.array([int(post) - 1 for _, (_, post) in posts], dtype=int)
    gain = market.post_engagement[cells, nth] if len(cells) else np.zeros(0)
    follow = market.follow_rate[market.cell_channel[cells]] if len(cells) else np.zeros(0)
    out = []
    for row in rows:
        if row.name == "kpi.min_engagement":
            row = replace(row, rhs=row.rhs - float(engagement.sum()), switch_index=index, switch_coef=gain)
        elif row.name == "kpi.min_new_followers":
            row = replace(row, rhs=row.rhs - float(followers.sum()), switch_index=index, switch_coef=gain * follow)
        out.append(row)
    return out


def capped_links(rows: Sequence[Row]) -> tuple[Row, ...]:
    """The rows with each on/off link's cap lowered to what the maximum-share rules allow.

    A link ``Σ x ≤ cap · y`` over slots inside a group with ``Σ_group x ≤ s · Σ x`` (a channel's or a
    format's maximum share) needs no cap above ``s · B``, B the total budget: every plan spends at most
    B, so at most ``s · B`` in the group. The plans that meet every row are the same; the relaxation with
    fractional switches is tighter. Only for problems whose rows all hold: an elastic solve may break a
    share or the budget, so it keeps the caps as they are.
    """
    budget = next((r.limit for r in rows if r.name == "budget.total" and r.sense == "<="), None)
    if budget is None:
        return tuple(rows)
    groups = [
        (set(r.index[r.coef > 0].tolist()), r.limit * budget)
        for r in rows
        if r.name.endswith(".share.max") and r.sense == "<=" and r.rhs == 0.0 and 0.0 <= r.limit < 1.0
    ]
    if not groups:
        return tuple(rows)
    out = []
    for row in rows:
        if row.name.startswith("active.") and row.switch_coef is not None and len(row.switch_coef) == 1:
            cap = -float(row.switch_coef[0])
            slots = set(row.index.tolist())
            tight = min([cap, *(limit for group, limit in groups if slots <= group)])
            if tight < cap:
                row = replace(row, switch_coef=np.array([-tight]))
        out.append(row)
    return tuple(out)
