"""The scenario's `simulation` section: Monte Carlo runs, the community queue, the crisis model, the sales hand-off.

Rates are fractions in [0, 1], times in hours; the optimizer reads none of it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from scenarios.closed import Closed, Rate

#: The most replications of one simulation: each keeps about 10 kB of daily series (100,000 take about 2 GB).
MAX_RUNS = 100_000


class Playbook(Closed):
    """What the team does when a crisis breaks.

    `pause_ads` stops paid delivery while the crisis lasts; `extra_moderators`
    join `reaction_hours` after the onset; replies within
    `response_target_hours` are what the playbook aims for (reported).
    """

    pause_ads: bool = False
    extra_moderators: Annotated[int, Field(ge=0, le=100)] = 0
    reaction_hours: Annotated[float, Field(ge=0.0)] = 4.0
    response_target_hours: Annotated[float, Field(gt=0.0)] = 1.0


class Crisis(Closed):
    """A firestorm: negative mentions as a self-exciting cascade.

    Onsets come at `rate_per_quarter` (a Poisson hazard over 13 weeks) and in
    the scheduled `onset_weeks` (1-based). Each starts with
    `initial_mentions` negative posts; each mention draws further mentions,
    on average `branching_ignored` while it waits for a reply and
    `branching_answered` once answered, after delays from the SEISMIC memory
    kernel (flat for 5 minutes, then a power-law tail of exponent 1.23).
    While it lasts (until `quiet_hours` pass without a mention) paid CTR and
    CVR fall by `reputation_hit` and follower churn is `churn_factor` times
    higher.
    """

    rate_per_quarter: Annotated[float, Field(ge=0.0, le=52.0)] = 0.3
    onset_weeks: list[Annotated[int, Field(ge=1)]] = []
    initial_mentions: Annotated[float, Field(ge=1.0, le=100000.0)] = 30.0
    branching_ignored: Annotated[float, Field(ge=0.0, le=10.0)] = 0.9
    branching_answered: Annotated[float, Field(ge=0.0, le=10.0)] = 0.3
    reputation_hit: Rate = 0.3
    churn_factor: Annotated[float, Field(ge=1.0, le=100.0)] = 3.0
    quiet_hours: Annotated[float, Field(gt=0.0, le=2000.0)] = 24.0
    playbook: Playbook = Playbook()


class Community(Closed):
    """Comments and messages that need a reply.

    `messages_per_engagement` of all engagements (paid and organic) ask for
    a reply; a message unanswered after `patience_hours` costs a follower
    with probability `unfollow_if_ignored`.
    """

    messages_per_engagement: Rate = 0.035
    patience_hours: Annotated[float, Field(gt=0.0)] = 24.0
    unfollow_if_ignored: Rate = 0.3


class Sales(Closed):
    """Leads handed to a sales team: conversions are leads that still have to close.

    The team works `leads_per_day` leads (first come, first served) in the
    team's working hours; a lead worked at once closes with `close_rate`,
    and the rate halves for every `half_life_hours` it waits. A deal is
    worth `business.value_per_conversion / close_rate`, so leads worked at
    once earn what the optimizer counts.
    """

    close_rate: Annotated[float, Field(gt=0.0, le=1.0)]
    leads_per_day: Annotated[float, Field(gt=0.0)]
    half_life_hours: Annotated[float, Field(gt=0.0)] = 24.0


class Simulation(Closed):
    """Monte Carlo settings: `runs` replications, the community, the crisis model and the sales hand-off."""

    runs: Annotated[int, Field(ge=1, le=MAX_RUNS)] = 500
    community: Community = Community()
    crisis: Crisis = Crisis()
    sales: Sales | None = None
