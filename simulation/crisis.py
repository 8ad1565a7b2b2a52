"""Crises: onsets, the self-exciting cascade of negative mentions (SEISMIC kernel), and the playbook."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np
import simpy

from simulation.community import BLOCKED, MENTION, answer
from simulation.inputs import KERNEL_FLAT_HOURS, KERNEL_TAIL_THETA, QuarterInputs

if TYPE_CHECKING:
    from simulation.state import Quarter


def draw_onsets(q: QuarterInputs, rng: np.random.Generator) -> list[float]:
    """Crisis onsets over the horizon: the scheduled ones and a Poisson process at the hazard rate."""
    times = list(q.crisis_onsets)
    if q.crisis_rate_per_hour > 0:
        t = rng.exponential(1.0 / q.crisis_rate_per_hour)
        while t < q.hours:
            times.append(t)
            t += rng.exponential(1.0 / q.crisis_rate_per_hour)
    return sorted(times)


def onsets(s: Quarter) -> Generator[simpy.Event, object, None]:
    """Each crisis onset: the crisis begins (unless one is on) with its initial mentions."""
    rng = s.rng
    for at in s.onset_times:
        yield s.env.timeout(max(0.0, at - s.env.now))
        s.stats["crises"] += 1
        if not s.in_crisis:
            begin(s)
        for delay in rng.exponential(1.0, rng.poisson(s.q.initial_mentions)):
            s.env.process(mention(s, s.env.now + delay))


def begin(s: Quarter) -> None:
    """A crisis is on: its watch starts, and the playbook's extra moderators are called."""
    s.in_crisis = True
    s.crisis_started = s.env.now
    s.last_mention = s.env.now
    s.env.process(watch(s))
    if s.q.extra_moderators:
        s.env.process(staff(s, s.staffed))


def staff(s: Quarter, staffed: simpy.Event) -> Generator[simpy.Event, object, None]:
    """The playbook's extra moderators join `reaction_hours` after the onset."""
    yield s.env.timeout(s.q.reaction_hours)
    if not staffed.triggered:
        staffed.succeed()


def watch(s: Quarter) -> Generator[simpy.Event, object, None]:
    """End the crisis once `quiet_hours` pass without a mention."""
    while True:
        remaining = s.last_mention + s.q.quiet_hours - s.env.now
        if remaining <= 0:
            break
        yield s.env.timeout(remaining)
    s.in_crisis = False
    s.stats["hours"] += s.env.now - s.crisis_started
    staffed, calm = s.staffed, s.calm
    s.staffed, s.calm = s.env.event(), s.env.event()
    for event in (staffed, calm):
        if not event.triggered:
            event.succeed()


def blocker(s: Quarter) -> Generator[simpy.Event, object, None]:
    """An extra moderator: kept off the queue until a crisis is staffed, back off when it is over."""
    while True:
        with s.team.request(priority=BLOCKED) as slot:
            yield slot
            staffed, calm = s.staffed, s.calm  # the next crisis's events
            yield staffed
        yield calm


def mention(s: Quarter, at: float) -> Generator[simpy.Event, object, None]:
    """A negative mention: it joins the queue and draws follow-ups until answered (fewer after)."""
    q, rng = s.q, s.rng
    if at >= q.hours:
        return
    yield s.env.timeout(at - s.env.now)
    s.last_mention = s.env.now
    s.stats["mentions"] += 1
    day = min(int(s.env.now // 24), q.days - 1)
    s.daily["mentions"][day] += 1
    replied: dict[str, float] = {}
    s.env.process(answer(s, np.array([s.env.now]), MENTION, replied))
    keep_answered = q.branching_answered / q.branching_ignored if q.branching_ignored > 0 else 0.0
    for delay in np.sort(kernel_delays(rng, rng.poisson(q.branching_ignored))):
        if at + delay >= q.hours:
            return
        yield s.env.timeout(at + delay - s.env.now)
        if replied.get("at", math.inf) > s.env.now or rng.random() < keep_answered:
            s.env.process(mention(s, s.env.now))


def kernel_delays(rng: np.random.Generator, count: int) -> np.ndarray:
    """Delays (hours) of follow-up mentions from the SEISMIC kernel: flat, then a power-law tail."""
    theta = KERNEL_TAIL_THETA
    flat = rng.random(count) < theta / (1.0 + theta)
    tail = KERNEL_FLAT_HOURS * rng.random(count) ** (-1.0 / theta)
    return np.where(flat, KERNEL_FLAT_HOURS * rng.random(count), tail)
