"""One replication of a quarter in SimPy: paid days, organic posts, the community queue and crises.

Time is in hours. Paid delivery is aggregated per cell and day (Poisson
impressions, binomial clicks and conversions whose means follow the market
model); posts, comments and messages, moderation, and crisis mentions are
discrete events. A crisis is a self-exciting cascade: each negative mention
draws candidate follow-ups after delays from the SEISMIC kernel; a
follow-up happens for sure while its parent still waits for a reply and
with probability `branching_answered / branching_ignored` once it has one,
so fast moderation lowers the branching ratio and waiting raises it.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import simpy

from simulation.inputs import KERNEL_FLAT_HOURS, KERNEL_TAIL_THETA, QuarterInputs

#: Comments and messages on ads arrive after the impression that prompted them: exponential, mean in hours.
MESSAGE_DELAY_HOURS = 3.0
#: Queue priorities: crisis mentions are answered first.
MENTION, MESSAGE, BLOCKED = 1, 2, 0
#: Messages per batch in the moderators' queue, and the arrival window a batch gathers (hours).
BATCH = 12
BATCH_HOURS = 0.25

KPI_NAMES = (
    "spend",
    "impressions",
    "clicks",
    "conversions",
    "reach",
    "engagement",
    "new_followers",
    "negative_feedback",
    "bounce_rate",
    "revenue",
    "profit",
    "cpa",
    "roas",
)


@dataclass(frozen=True)
class Replication:
    """The KPIs of one simulated quarter, its crisis statistics and daily series.

    `kpis` maps names to horizon totals (as `optimize` reports them); `crisis`
    holds `crises` (count), `hours` (time in crisis), `response_hours` (mean
    wait of crisis mentions for a reply, NaN without crisis), `followers_lost`
    and `conversions_lost` (expected, against the same days without the
    crisis), `mentions` and `ad_impressions` (paid impressions shown during
    crises); `community` holds `messages`, `response_hours` (mean) and
    `unanswered` (share still waiting at the end); `daily` maps series names
    to one value per day.
    """

    kpis: dict[str, float]
    crisis: dict[str, float]
    community: dict[str, float]
    daily: dict[str, np.ndarray]


class _Quarter:
    """The state of one replication and its SimPy processes."""

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
        self.totals = dict.fromkeys(
            ("spend", "impressions", "clicks", "conversions", "engagement", "negative_feedback", "bounces"), 0.0
        )
        self.in_crisis = False
        self.crisis_started = 0.0
        self.last_mention = -math.inf
        self.staffed = self.env.event()
        self.calm = self.env.event()
        self.onset_times = self.draw_onsets() if crises else []
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

    # --- paid delivery ------------------------------------------------------------------------
    def paid(self):
        """Each day's delivery in one step; hour by hour on days a crisis is on or may start."""
        q = self.q
        for day in range(q.days):
            window = (24.0 * day, 24.0 * (day + 1))
            hourly = self.in_crisis or any(window[0] <= t < window[1] for t in self.onset_times)
            steps = 24 if hourly else 1
            for _ in range(steps):
                self.deliver(day, 1.0 / steps)
                yield self.env.timeout(24.0 / steps)
            self.daily["followers"][day] = self.followers.sum()

    def deliver(self, day: int, fraction: float) -> None:
        """`fraction` of day `day`'s paid delivery, starting now, under the reputation of the moment."""
        q, rng = self.q, self.rng
        t = q.period_of_day[day]
        paused = self.in_crisis and q.pause_ads
        share = 0.0 if paused else fraction / q.days_in_period[t]
        spend = q.unit_spend[:, t] * share
        expected = q.unit_conversions[:, t] * share
        hit = 1.0 - q.reputation_hit if self.in_crisis else 1.0
        fatigue = self.fatigue()
        impressions = rng.poisson(spend * q.impressions_per_unit[:, t])
        clicks = rng.binomial(impressions, np.minimum(1.0, q.ctr * hit * fatigue))
        # Conversions per click that make the mean the curve's value at the plan's spend (Poisson
        # where a curve promises more conversions than clicks).
        p = np.divide(expected, spend * q.impressions_per_unit[:, t] * q.ctr, out=np.zeros(self.cells), where=spend > 0)
        per_click = p <= 1.0
        converted = np.where(
            per_click,
            rng.binomial(clicks, np.where(per_click, p, 0.0) * hit),
            rng.poisson(np.where(per_click, 0.0, expected) * hit * hit * fatigue),
        )
        conversions = int(converted.sum()) + int(rng.poisson(q.carried_conversions * fraction / q.days))
        engagement = rng.binomial(impressions, q.engagement_rate)
        negative_rate = q.negative_rate * (q.churn_factor if self.in_crisis else 1.0)
        negative = rng.binomial(impressions, np.minimum(1.0, negative_rate))
        bounces = rng.binomial(clicks, q.bounce_rate)
        if self.in_crisis:
            base = q.unit_conversions[:, t].sum() * fraction / q.days_in_period[t]
            self.stats["conversions_lost"] += base - expected.sum() * hit * hit
            self.stats["ad_impressions"] += float(impressions.sum())
        self.shown += impressions
        self.channel_impressions += np.bincount(q.cell_channel, weights=impressions, minlength=len(q.channels))
        for key, value in (
            ("spend", spend.sum()),
            ("impressions", impressions.sum()),
            ("clicks", clicks.sum()),
            ("conversions", conversions),
            ("engagement", engagement.sum()),
            ("negative_feedback", negative.sum()),
            ("bounces", bounces.sum()),
        ):
            self.totals[key] += float(value)
        per_channel = np.bincount(q.cell_channel, weights=engagement, minlength=len(q.channels)).astype(np.int64)
        self.gain(per_channel)
        now, span = self.env.now, 24.0 * fraction
        self.ask(per_channel, now, span=span)
        self.churn(fraction)
        if q.sales and conversions:
            hours = max(1, round(span))
            for h, n in enumerate(rng.multinomial(conversions, np.full(hours, 1.0 / hours))):
                if n:
                    self.leads.append([now + h + 0.5, int(n)])
        self.daily["spend"][day] += spend.sum()
        self.daily["conversions"][day] += conversions
        if not q.sales:
            self.daily["orders"][day] += conversions
            self.daily["revenue"][day] += conversions * q.value_per_conversion
        self.daily["clicks"][day] += clicks.sum()
        self.daily["negative_feedback"][day] += negative.sum()

    def fatigue(self) -> np.ndarray:
        """CTR multiplier per cell: 1 until a creative has shown its impressions, then decaying; new ones reset it.

        As many of the plan's creatives as the impressions have worn out are swapped in at once.
        """
        q = self.q
        limited = np.isfinite(q.creative_impressions)
        per = np.where(limited, q.creative_impressions, 1.0)
        worn = np.where(limited, np.floor(self.shown / per), 0.0)
        swap = np.minimum(worn, self.creatives_left)
        self.shown -= swap * per
        self.creatives_left -= swap
        over = np.where(limited, self.shown / per - 1.0, 0.0)
        return np.exp(-np.maximum(over, 0.0))

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

    # --- organic posting ----------------------------------------------------------------------
    def posting(self):
        q, rng = self.q, self.rng
        weeks = math.ceil(q.days / 7)
        for week in range(weeks):
            posts = []  # (channel, decay index, engagement factor)
            for j in range(len(q.channels)):
                count = math.floor((week + 1) * q.fixed_posts[j]) - math.floor(week * q.fixed_posts[j])
                posts += [(j, k, 1.0) for k in range(count)]
            for c in range(self.cells):
                posts += [(q.cell_channel[c], k, q.cell_engagement_factor[c]) for k in range(q.cell_posts[c])]
            start = self.env.now
            for i, (j, k, factor) in enumerate(posts):
                at = start + 168.0 * (i + 0.5) / len(posts)
                if at >= q.hours:
                    break
                yield self.env.timeout(at - self.env.now)
                reach = rng.binomial(self.followers[j], min(1.0, q.reach_rate[j] * q.post_decay[j] ** k))
                engaged = rng.binomial(reach, min(1.0, q.organic_engagement[j] * factor))
                self.totals["engagement"] += engaged
                counts = np.zeros(len(q.channels), dtype=np.int64)
                counts[j] = engaged
                self.gain(counts)
                # A post collects half its engagement (and the comments with it) within its half-life.
                self.ask(counts, self.env.now, q.post_half_life[j] / math.log(2.0))
            next_week = start + 168.0
            if next_week >= q.hours:
                return
            yield self.env.timeout(next_week - self.env.now)

    # --- the community queue ------------------------------------------------------------------
    def ask(
        self, engagement: np.ndarray, now: float, mean_delay: float = MESSAGE_DELAY_HOURS, span: float = 0.0
    ) -> None:
        """Comments and messages that the engagement prompts.

        The engagement happens at a uniform time within `span` hours from
        `now`; its messages follow after an exponential delay. They reach the
        queue in batches: up to `BATCH` messages arriving within the same
        quarter hour, queued once the last of them is in, so a moderator
        never sits idle holding a batch.
        """
        count = self.rng.poisson(engagement.sum() * self.q.messages_per_engagement)
        if not count:
            return
        arrivals = np.sort(now + span * self.rng.random(count) + self.rng.exponential(mean_delay, count))
        arrivals = arrivals[arrivals < self.q.hours]
        windows = np.floor(arrivals / BATCH_HOURS)
        for window in np.unique(windows):
            group = arrivals[windows == window]
            for first in range(0, len(group), BATCH):
                self.env.process(self.answer(group[first : first + BATCH], MESSAGE))

    def work(self, t: float, hours: float) -> float:
        """When `hours` of work started at `t` are done, counting working hours only."""
        q = self.q
        while hours > 1e-12:
            t += self.until_open(t)
            step = min(hours, q.close_hour - t % 24.0)
            t += step
            hours -= step
        return t

    def answer(self, arrivals: np.ndarray, priority: int, replied: dict | None = None):
        """A batch of comments and messages (or one mention) queued for a moderator and answered in order.

        Someone whose message waited longer than their patience unfollows with
        `unfollow_if_ignored`; the followers a crisis costs are those whose
        mention went unanswered too long.
        """
        q = self.q
        yield self.env.timeout(arrivals[-1] - self.env.now)
        self.messages += len(arrivals)
        key = id(arrivals)
        self.pending[key] = (arrivals, replied is not None)
        with self.team.request(priority=priority) as slot:
            yield slot
            del self.pending[key]
            t = self.env.now
            replies = np.empty(len(arrivals))
            for i, at in enumerate(arrivals):
                t = self.work(max(t, at), q.minutes_per_reply / 60.0)
                replies[i] = t
            if replied is not None:
                replied["at"] = float(replies[0])  # the reply is out only then
            yield self.env.timeout(min(t, q.hours) - self.env.now)
        done = replies < q.hours
        waits = (replies - arrivals)[done]
        self.waits.extend(waits.tolist())
        if replied is not None and done[0]:
            self.mention_waits.append(float(waits[0]))
        # Waiting longer than the people's patience (answered late, or not before the horizon ends).
        ignored = int((np.minimum(replies, q.hours) - arrivals > q.patience_hours).sum())
        if ignored:
            self.unfollow(int((self.rng.random(ignored) < q.unfollow_if_ignored).sum()), replied is not None)

    def unfollow(self, count: int, crisis: bool) -> None:
        """People whose message waited too long leave, from channels in proportion to their followers."""
        if count <= 0 or self.followers.sum() <= 0:
            return
        lost = np.minimum(self.rng.multinomial(count, self.followers / self.followers.sum()), self.followers)
        self.followers -= lost
        if crisis:
            self.stats["followers_lost"] += float(lost.sum())

    # --- the sales hand-off ------------------------------------------------------------------
    def selling(self):
        """Each working hour the sales team works its share of `leads_per_day`, oldest leads first."""
        q, rng = self.q, self.rng
        per_hour = q.leads_per_day / (q.close_hour - q.open_hour)
        credit = 0.0
        while True:
            yield self.env.timeout(1.0)
            now = self.env.now
            if self.until_open(now - 1.0) > 0:
                continue  # the hour just past was outside working hours
            credit += per_hour
            ready = bool(self.leads) and self.leads[0][0] <= now
            if not ready:
                credit = min(credit, max(1.0, per_hour))  # idle time does not pile up
            while self.leads and credit >= 1.0 and self.leads[0][0] <= now:
                at, waiting = self.leads[0]
                take = min(waiting, int(credit))
                wait = now - at
                deals = int(rng.binomial(take, q.close_rate * 0.5 ** (wait / q.lead_half_life_hours)))
                self.deals += deals
                day = min(int(now // 24), q.days - 1)
                self.daily["orders"][day] += deals
                self.daily["revenue"][day] += deals * q.value_per_conversion / q.close_rate
                self.lead_wait += wait * take
                self.worked += take
                credit -= take
                if take == waiting:
                    self.leads.popleft()
                else:
                    self.leads[0][1] = waiting - take

    # --- crises -------------------------------------------------------------------------------
    def draw_onsets(self) -> list[float]:
        """Crisis onsets over the horizon: the scheduled ones and a Poisson process at the hazard rate."""
        q, rng = self.q, self.rng
        times = list(q.crisis_onsets)
        if q.crisis_rate_per_hour > 0:
            t = rng.exponential(1.0 / q.crisis_rate_per_hour)
            while t < q.hours:
                times.append(t)
                t += rng.exponential(1.0 / q.crisis_rate_per_hour)
        return sorted(times)

    def onsets(self):
        rng = self.rng
        for at in self.onset_times:
            yield self.env.timeout(max(0.0, at - self.env.now))
            self.stats["crises"] += 1
            if not self.in_crisis:
                self.begin()
            for delay in rng.exponential(1.0, rng.poisson(self.q.initial_mentions)):
                self.env.process(self.mention(self.env.now + delay))

    def begin(self) -> None:
        self.in_crisis = True
        self.crisis_started = self.env.now
        self.last_mention = self.env.now
        self.env.process(self.watch())
        if self.q.extra_moderators:
            self.env.process(self.staff(self.staffed))

    def staff(self, staffed: simpy.Event):
        """The playbook's extra moderators join `reaction_hours` after the onset."""
        yield self.env.timeout(self.q.reaction_hours)
        if not staffed.triggered:
            staffed.succeed()

    def watch(self):
        """End the crisis once `quiet_hours` pass without a mention."""
        while True:
            remaining = self.last_mention + self.q.quiet_hours - self.env.now
            if remaining <= 0:
                break
            yield self.env.timeout(remaining)
        self.in_crisis = False
        self.stats["hours"] += self.env.now - self.crisis_started
        staffed, calm = self.staffed, self.calm
        self.staffed, self.calm = self.env.event(), self.env.event()
        for event in (staffed, calm):
            if not event.triggered:
                event.succeed()

    def blocker(self):
        """An extra moderator: kept off the queue until a crisis is staffed, back off when it is over."""
        while True:
            with self.team.request(priority=BLOCKED) as slot:
                yield slot
                staffed, calm = self.staffed, self.calm  # the next crisis's events
                yield staffed
            yield calm

    def mention(self, at: float):
        """A negative mention: it joins the queue and draws follow-ups until answered (fewer after)."""
        q, rng = self.q, self.rng
        if at >= q.hours:
            return
        yield self.env.timeout(at - self.env.now)
        self.last_mention = self.env.now
        self.stats["mentions"] += 1
        day = min(int(self.env.now // 24), q.days - 1)
        self.daily["mentions"][day] += 1
        replied: dict[str, float] = {}
        self.env.process(self.answer(np.array([self.env.now]), MENTION, replied))
        keep_answered = q.branching_answered / q.branching_ignored if q.branching_ignored > 0 else 0.0
        for delay in np.sort(kernel_delays(rng, rng.poisson(q.branching_ignored))):
            if at + delay >= q.hours:
                return
            yield self.env.timeout(at + delay - self.env.now)
            if replied.get("at", math.inf) > self.env.now or rng.random() < keep_answered:
                self.env.process(self.mention(self.env.now))

    # --- the run ------------------------------------------------------------------------------
    def run(self) -> Replication:
        q = self.q
        self.env.process(self.paid())
        self.env.process(self.posting())
        if q.sales:
            self.env.process(self.selling())
        if self.crises:
            self.env.process(self.onsets())
            for _ in range(q.extra_moderators):
                self.env.process(self.blocker())
        self.env.run(until=q.hours)
        for arrivals, mention in self.pending.values():  # never reached a moderator
            ignored = int((q.hours - arrivals > q.patience_hours).sum())
            self.unfollow(int((self.rng.random(ignored) < q.unfollow_if_ignored).sum()), mention)
        if self.in_crisis:
            self.stats["hours"] += q.hours - self.crisis_started
        return self.result()

    def result(self) -> Replication:
        q, t = self.q, self.totals
        shown = 1.0 - np.exp(-self.channel_impressions / q.audience)
        reach = float(self.rng.binomial(np.round(q.audience).astype(np.int64), shown).sum())
        orders: float
        if q.sales:  # a deal is worth what a lead is worth when worked at once, over the close rate
            revenue = self.deals * q.value_per_conversion / q.close_rate
            orders = self.deals
        else:
            revenue = t["conversions"] * q.value_per_conversion
            orders = t["conversions"]
        kpis = {
            "spend": t["spend"],
            "impressions": t["impressions"],
            "clicks": t["clicks"],
            "conversions": t["conversions"],
            "reach": reach,
            "engagement": t["engagement"],
            "new_followers": float(self.gained),
            "negative_feedback": t["negative_feedback"],
            "bounce_rate": t["bounces"] / t["clicks"] if t["clicks"] > 0 else 0.0,
            "revenue": revenue,
            "profit": revenue * q.gross_margin
            - q.fees_per_conversion * orders
            - t["spend"]
            - q.production
            - q.fixed_costs,
            "cpa": t["spend"] / t["conversions"] if t["conversions"] > 0 else math.inf,
            "roas": revenue / t["spend"] if t["spend"] > 0 else 0.0,
            "final_followers": float(self.followers.sum()),
        }
        if q.sales:
            kpis["deals"] = float(self.deals)
            kpis["lead_response_hours"] = self.lead_wait / self.worked if self.worked else math.nan
            kpis["leads_waiting"] = float(sum(n for _, n in self.leads))
        crisis = {key: float(value) for key, value in self.stats.items()}
        crisis["response_hours"] = float(np.mean(self.mention_waits)) if self.mention_waits else math.nan
        within = np.array(self.mention_waits) <= q.response_target_hours
        crisis["within_target"] = float(within.sum() / self.stats["mentions"]) if self.stats["mentions"] else math.nan
        answered = len(self.waits)
        community = {
            "messages": float(self.messages),
            "response_hours": float(np.mean(self.waits)) if self.waits else math.nan,
            "unanswered": (self.messages - answered) / self.messages if self.messages else 0.0,
        }
        return Replication(kpis, crisis, community, self.daily)


def kernel_delays(rng: np.random.Generator, count: int) -> np.ndarray:
    """Delays (hours) of follow-up mentions from the SEISMIC kernel: flat, then a power-law tail."""
    theta = KERNEL_TAIL_THETA
    flat = rng.random(count) < theta / (1.0 + theta)
    tail = KERNEL_FLAT_HOURS * rng.random(count) ** (-1.0 / theta)
    return np.where(flat, KERNEL_FLAT_HOURS * rng.random(count), tail)


def run_quarter(q: QuarterInputs, seed: np.random.SeedSequence | int, crises: bool = True) -> Replication:
    """Simulate one quarter of `q` with the random stream of `seed`."""
    return _Quarter(q, np.random.default_rng(seed), crises).run()
