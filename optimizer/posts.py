"""The organic plan: posts per week per cell, from the solver's decisions and the team's spare hours."""

from __future__ import annotations

import math

import numpy as np

from optimizer.problem import Problem


def planned_posts(problem: Problem, switches: np.ndarray) -> np.ndarray:
    """Organic posts per week per cell: each cell's minimum plus the extra posts switched on."""
    market = problem.market
    posts = np.zeros(len(market.cell_keys), dtype=int)
    if market.posts_min is None:
        return posts
    posts += market.posts_min.astype(int)
    for k, name in enumerate(problem.switches):
        if name.startswith("posts.") and switches[k] > 0.5:
            cell = name.removeprefix("posts.").rsplit(".", 1)[0]
            posts[market.cell_keys.index(cell)] += 1
    return posts


def fill_posts(problem: Problem, spend: np.ndarray, posts: np.ndarray) -> np.ndarray:
    """Give the team's spare weekly hours to more organic posts, the most engaging per hour first.

    Posts only add engagement and followers, so every row still holds; no
    objective values them, so without this step the solver's choice among
    equally good plans would be arbitrary. Each cell stays within its maximum.
    """
    market = problem.market
    if market.posts_max is None or not np.any(market.posts_max > posts):
        return posts
    # A market with organic posts has all of their arrays (`scenarios.market`).
    assert market.post_hours is not None
    assert market.post_engagement is not None
    row = next((r for r in problem.rows if r.name == "team.hours"), None)
    limit = row.limit if row is not None else math.inf
    posts = np.asarray(posts, dtype=int).copy()
    cells = np.arange(len(posts))
    while True:
        room = limit - market.team_hours(spend, posts)
        open_ = (posts < market.posts_max) & (market.post_hours <= room + 1e-9)
        if not open_.any():
            return posts
        gain = market.post_engagement[cells[open_], posts[open_]]
        per_hour = gain / np.maximum(market.post_hours[open_], 1e-12)
        posts[cells[open_][int(np.argmax(per_hour))]] += 1
