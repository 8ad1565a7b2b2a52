"""Organic posting: each post reaches a binomial share of the current followers, who engage and comment."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np
import simpy

from simulation.community import ask

if TYPE_CHECKING:
    from simulation.state import Quarter


def posting(s: Quarter) -> Generator[simpy.Event, object, None]:
    """The organic posts of each week, spread evenly over it: the channels' fixed plan and the plan's extra posts."""
    q, rng = s.q, s.rng
    weeks = math.ceil(q.days / 7)
    for week in range(weeks):
        posts = []  # (channel, decay index, engagement factor)
        for j in range(len(q.channels)):
            count = math.floor((week + 1) * q.fixed_posts[j]) - math.floor(week * q.fixed_posts[j])
            posts += [(j, k, 1.0) for k in range(count)]
        for c in range(s.cells):
            posts += [(q.cell_channel[c], k, q.cell_engagement_factor[c]) for k in range(q.cell_posts[c])]
        start = s.env.now
        for i, (j, k, factor) in enumerate(posts):
            at = start + 168.0 * (i + 0.5) / len(posts)
            if at >= q.hours:
                break
            yield s.env.timeout(at - s.env.now)
            reach = rng.binomial(s.followers[j], min(1.0, q.reach_rate[j] * q.post_decay[j] ** k))
            engaged = rng.binomial(reach, min(1.0, q.organic_engagement[j] * factor))
            s.totals["engagement"] += engaged
            s.daily["engagement"][min(int(s.env.now // 24), q.days - 1)] += engaged
            counts = np.zeros(len(q.channels), dtype=np.int64)
            counts[j] = engaged
            s.gain(counts)
            # A post collects half its engagement (and the comments with it) within its half-life.
            ask(s, counts, s.env.now, q.post_half_life[j] / math.log(2.0))
        next_week = start + 168.0
        if next_week >= q.hours:
            return
        yield s.env.timeout(next_week - s.env.now)
