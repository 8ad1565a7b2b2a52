"""The state of one simulated quarter that its SimPy processes share: followers, totals, queues, crisis flags.

Each process lives in its own module (`delivery`, `organic`, `community`,
`sales`, `crisis`) and `results` turns the state into a `Replication`; all
draw from the one random stream of the replication, in the order SimPy runs
them, so the same seed gives the same numbers.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import simpy

from simulation.crisis import draw_onsets
from simulation.inputs import QuarterInputs


class Quarter:
    """The state of one replication, and the audience's follows, churn and unfollows that every process changes."""

    def __init__(self, q: QuarterInputs, rng: np.random.Generator, crises: bool) -> None:
        self.q, self.rng, self.crises = q, rng, crises
        self.env = simpy.Environment()
        extra = q.extra_moderators if crises else 0
        self.team = simpy.PriorityResource(self.env, capacity=q.moderators + extra)
        self.followers = np.round(q.followers).astype(np.int64)
        self.gained = 0
        self.cells = len(q.cell_keys)
        self.shown = np.zeros(self.cells)  # impressions on each cell's current creative
        self.creatives_left = np.maximum(q.creatives - 1.0, 0.0)
        self.channel_impressions = np.zeros(len(q.channels))
        self.channel_daily = np.zeros((q.days, len(q.channels)))  # paid impressions per day and channel
        self.paid_hours = np.zeros(q.days, dtype=np.int64)  # hours of each day's paid delivery that ran
        self.totals = dict.fromkeys(
            ("impressions", "clicks", "conversions", "engagement", "negative_feedback", "bounces"), 0.0
        )
        self.in_crisis = False
        self.crisis_started = 0.0
        self.last_mention = -math.inf
        self.staffed = self.env.event()
        self.calm = self.env.event()
        self.onset_times = draw_onsets(q, rng) if crises else []
        self.stats = dict.fromkeys(
            ("crises", "hours", "followers_lost", "conversions_lost", "mentions", "ad_impressions"), 0.0
        )
        self.mention_waits: list[float] = []
        self.waits: list[float] = []
        self.messages = 0
        self.leads: deque[list] = deque()  # [arrival hour, leads] waiting for sales
        self.deals = 0
        self.worked = 0
        self.lead_wait = 0.0
        self.pending: dict[int, tuple[np.ndarray, bool]] = {}  # batches still waiting: arrivals, a mention?
        names = (
            "spend",
            "conversions",
            "clicks",
            "engagement",
            "bounces",
            "orders",
            "revenue",
            "followers",
            "new_followers",
            "negative_feedback",
            "mentions",
        )
        self.daily = {name: np.zeros(q.days) for name in names}

    # --- time ---------------------------------------------------------------------------------
    def until_open(self, t: float) -> float:
        """Hours from `t` until the team is at work (0 if it is)."""
        q = self.q
        wait = 0.0
        for _ in range(9):
            day, hour = divmod(t + wait, 24.0)
            weekday = (q.start_weekday + int(day)) % 7
            working_day = q.weekends or weekday < 5
            if working_day and q.open_hour <= hour < q.close_hour:
                return wait
            if working_day and hour < q.open_hour:
                wait += q.open_hour - hour
            else:
                wait += 24.0 - hour + q.open_hour
        return wait

    # --- the audience -------------------------------------------------------------------------
    def gain(self, engagement: np.ndarray) -> None:
        """Engaged people follow at the channel's follow rate."""
        new = self.rng.binomial(engagement, self.q.follow_rate)
        self.followers += new
        self.gained += int(new.sum())
        self.daily["new_followers"][min(int(self.env.now // 24), self.q.days - 1)] += new.sum()

    def churn(self, fraction: float = 1.0) -> None:
        """`fraction` of a day of follower churn (higher in a crisis)."""
        q = self.q
        daily = 1.0 - (1.0 - q.churn_per_week) ** (fraction / 7.0)
        rate = np.minimum(1.0, daily * (q.churn_factor if self.in_crisis else 1.0))
        lost = self.rng.binomial(self.followers, rate)
        if self.in_crisis:
            self.stats["followers_lost"] += float((self.followers * (rate - daily)).sum())
        self.followers -= lost

    def unfollow(self, count: int, crisis: bool) -> None:
        """People whose message waited too long leave, from channels in proportion to their followers."""
        if count <= 0 or self.followers.sum() <= 0:
            return
        lost = np.minimum(self.rng.multinomial(count, self.followers / self.followers.sum()), self.followers)
        self.followers -= lost
        if crisis:
            self.stats["followers_lost"] += float(lost.sum())
