"""The organic plan rolled forward: each channel's followers week by week under its fixed posting.

The market model takes this as fixed input (`scenarios.market`): the
engagement and new followers of the channels' own posts, and the follower
base each week that the optimizer's extra posts reach.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios.schema import Scenario


@dataclass(frozen=True)
class OrganicOutlook:
    """Expected organic results per channel over the horizon.

    Attributes are arrays with one value per channel: `reach` (person-reaches,
    summed over weeks), `engagement` (engagements), `new_followers` (gross
    followers won), `churned` (followers lost), `final_followers`;
    `followers` has one row per channel and one column per week: the
    followers at the start of each week.
    """

    reach: np.ndarray
    engagement: np.ndarray
    new_followers: np.ndarray
    churned: np.ndarray
    final_followers: np.ndarray
    followers: np.ndarray


def organic_outlook(scenario: Scenario) -> OrganicOutlook:
    """Roll each channel's followers forward week by week under its organic plan.

    Each week: reach = followers × reach rate × (1 + d + … + d^(p−1)) for p
    posts with extra-post decay d; engagement = reach × engagement rate; new
    followers = engagement × follow rate; churn = followers × weekly churn.
    """
    weeks = max(1, round(scenario.periods.weeks))
    names = list(scenario.channels)
    reach = np.zeros(len(names))
    engagement = np.zeros(len(names))
    new = np.zeros(len(names))
    churned = np.zeros(len(names))
    final = np.zeros(len(names))
    by_week = np.zeros((len(names), weeks))
    for j, name in enumerate(names):
        channel = scenario.channels[name]
        o = channel.organic
        posts = o.posts_per_week
        d = o.extra_post_decay
        reach_per_follower = o.reach_rate * (posts if d >= 1.0 else (1.0 - d**posts) / (1.0 - d))
        followers = channel.followers
        for w in range(weeks):
            by_week[j, w] = followers
            r = followers * reach_per_follower
            e = r * o.engagement_rate
            gained = e * o.follow_rate
            lost = followers * o.churn_per_week
            reach[j] += r
            engagement[j] += e
            new[j] += gained
            churned[j] += lost
            followers += gained - lost
        final[j] = followers
    return OrganicOutlook(reach, engagement, new, churned, final, by_week)
