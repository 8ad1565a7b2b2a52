"""The community queue: comments, messages and mentions answered by the moderators in working hours."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np
import simpy

if TYPE_CHECKING:
    from simulation.state import Quarter

#: Comments and messages on ads arrive after the impression that prompted them: exponential, mean in hours.
MESSAGE_DELAY_HOURS = 3.0
#: Queue priorities: crisis mentions are answered first.
MENTION, MESSAGE, BLOCKED = 1, 2, 0
#: Messages per batch in the moderators' queue, and the arrival window a batch gathers (hours).
BATCH = 12
BATCH_HOURS = 0.25


def ask(
    s: Quarter, engagement: np.ndarray, now: float, mean_delay: float = MESSAGE_DELAY_HOURS, span: float = 0.0
) -> None:
    """Comments and messages that the engagement prompts.

    The engagement happens at a uniform time within `span` hours from
    `now`; its messages follow after an exponential delay. They reach the
    queue in batches: up to `BATCH` messages arriving within the same
    quarter hour, queued once the last of them is in, so a moderator
    never sits idle holding a batch.
    """
    count = s.rng.poisson(engagement.sum() * s.q.messages_per_engagement)
    if not count:
        return
    arrivals = np.sort(now + span * s.rng.random(count) + s.rng.exponential(mean_delay, count))
    arrivals = arrivals[arrivals < s.q.hours]
    windows = np.floor(arrivals / BATCH_HOURS)
    for window in np.unique(windows):
        group = arrivals[windows == window]
        for first in range(0, len(group), BATCH):
            s.env.process(answer(s, group[first : first + BATCH], MESSAGE))


def work(s: Quarter, t: float, hours: float) -> float:
    """When `hours` of work started at `t` are done, counting working hours only."""
    q = s.q
    while hours > 1e-12:
        t += s.until_open(t)
        step = min(hours, q.close_hour - t % 24.0)
        t += step
        hours -= step
    return t


def answer(
    s: Quarter, arrivals: np.ndarray, priority: int, replied: dict[str, float] | None = None
) -> Generator[simpy.Event, object, None]:
    """A batch of comments and messages (or one mention) queued for a moderator and answered in order.

    Someone whose message waited longer than their patience unfollows with
    `unfollow_if_ignored`; the followers a crisis costs are those whose
    mention went unanswered too long.
    """
    q = s.q
    yield s.env.timeout(arrivals[-1] - s.env.now)
    s.messages += len(arrivals)
    key = id(arrivals)
    s.pending[key] = (arrivals, replied is not None)
    with s.team.request(priority=priority) as slot:
        yield slot
        del s.pending[key]
        t = s.env.now
        replies = np.empty(len(arrivals))
        for i, at in enumerate(arrivals):
            t = work(s, max(t, at), q.minutes_per_reply / 60.0)
            replies[i] = t
        if replied is not None:
            replied["at"] = float(replies[0])  # the reply is out only then
        yield s.env.timeout(min(t, q.hours) - s.env.now)
    done = replies < q.hours
    waits = (replies - arrivals)[done]
    s.waits.extend(waits.tolist())
    if replied is not None and done[0]:
        s.mention_waits.append(float(waits[0]))
    # Waiting longer than the people's patience (answered late, or not before the horizon ends).
    ignored = int((np.minimum(replies, q.hours) - arrivals > q.patience_hours).sum())
    if ignored:
        s.unfollow(int((s.rng.random(ignored) < q.unfollow_if_ignored).sum()), replied is not None)
