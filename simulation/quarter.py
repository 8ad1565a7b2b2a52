"""One replication of a quarter in SimPy: paid days, organic posts, the community queue and crises.

Time is in hours. Paid delivery is aggregated per cell and day (Poisson
impressions, binomial clicks and conversions whose means follow the market
model); posts, comments and messages, moderation, and crisis mentions are
discrete events. A crisis is a self-exciting cascade: each negative mention
draws candidate follow-ups after delays from the SEISMIC kernel; a
follow-up happens for sure while its parent still waits for a reply and
with probability `branching_answered / branching_ignored` once it has one,
so fast moderation lowers the branching ratio and waiting raises it.

Each process has its module: `delivery` (paid days), `organic` (posts),
`community` (the moderators' queue), `sales` (leads), `crisis` (onsets,
mentions, the playbook); `state` holds what they share and `results` reads
the replication off it.
"""

from __future__ import annotations

import numpy as np

from simulation.crisis import blocker, onsets
from simulation.delivery import paid
from simulation.inputs import QuarterInputs
from simulation.organic import posting
from simulation.results import Replication, result
from simulation.sales import selling
from simulation.state import Quarter

__all__ = ["Replication", "run_quarter"]


def run(s: Quarter) -> Replication:
    """Start the quarter's processes, run them to the horizon's end and read the replication off the state."""
    q = s.q
    s.env.process(paid(s))
    s.env.process(posting(s))
    if q.sales:
        s.env.process(selling(s))
    if s.crises:
        s.env.process(onsets(s))
        for _ in range(q.extra_moderators):
            s.env.process(blocker(s))
    s.env.run(until=q.hours)
    for arrivals, mention in s.pending.values():  # never reached a moderator
        ignored = int((q.hours - arrivals > q.patience_hours).sum())
        s.unfollow(int((s.rng.random(ignored) < q.unfollow_if_ignored).sum()), mention)
    if s.in_crisis:
        s.stats["hours"] += q.hours - s.crisis_started
    return result(s)


def run_quarter(q: QuarterInputs, seed: np.random.SeedSequence | int, crises: bool = True) -> Replication:
    """Simulate one quarter of `q` with the random stream of `seed`."""
    return run(Quarter(q, np.random.default_rng(seed), crises))
