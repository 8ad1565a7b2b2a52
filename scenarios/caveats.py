"""Settings that are valid but make a figure structurally zero or a KPI target unreachable.

A default that silently zeroes a figure (no `follow_rate`, so ads win no
followers) is worth a sentence before anyone reads the plan. Each caveat
names the setting and says what follows from it, whatever the budget.
"""

from __future__ import annotations

from scenarios.schema import Channel, Scenario


def scenario_caveats(scenario: Scenario) -> list[str]:
    """Every caveat of a valid scenario, one sentence each, in a stable order."""
    return _followers(scenario) + _engagement(scenario) + _conversions(scenario) + _caps(scenario) + _team(scenario)


def _wins_followers(channel: Channel) -> bool:
    """New followers are engagement (paid or organic) times the follow rate."""
    engaged = channel.engagement_rate > 0 or _organic_engagement(channel)
    return channel.organic.follow_rate > 0 and engaged


def _organic_engagement(channel: Channel) -> bool:
    o = channel.organic
    posts = o.posts_per_week > 0 or any(
        f.organic_posts is not None and f.organic_posts.max > 0 for f in channel.formats.values()
    )
    return posts and o.reach_rate > 0 and o.engagement_rate > 0


def _followers(scenario: Scenario) -> list[str]:
    out = []
    target = scenario.kpis.min_new_followers
    for name, channel in scenario.channels.items():
        if channel.organic.follow_rate == 0 and (channel.followers > 0 or target):
            out.append(
                f"channels.{name}.organic.follow_rate is 0 (not set): {name}'s ads and posts win no new followers; "
                "set it to the new followers per engagement"
            )
    if target and not any(_wins_followers(c) for c in scenario.channels.values()):
        out.append(
            f"kpis.min_new_followers ({target:,g}) cannot be met: no channel has both a follow_rate and engagement "
            "(engagement_rate, or organic posts that reach and engage), so every plan wins 0 new followers"
        )
    return out


def _engagement(scenario: Scenario) -> list[str]:
    target = scenario.kpis.min_engagement
    if target and not any(c.engagement_rate > 0 or _organic_engagement(c) for c in scenario.channels.values()):
        return [
            (
                f"kpis.min_engagement ({target:,g}) cannot be met: no channel has an engagement_rate or organic posts "
                "that reach and engage, so every plan has 0 engagement"
            )
        ]
    return []


def _conversions(scenario: Scenario) -> list[str]:
    """Cells on the default curve convert nothing when the channel's CTR, CVR or in-market share is 0."""
    out = []
    for name, channel in scenario.channels.items():
        zero = [key for key in ("in_market", "ctr", "cvr") if getattr(channel, key) == 0]
        default = [f for f in channel.formats if f"{name}.{f}" not in scenario.response]
        if zero and default:
            cells = ", ".join(f"{name}.{f}" for f in default)
            verb = "bring" if len(default) > 1 else "brings"
            out.append(f"channels.{name}.{zero[0]} is 0: {cells} {verb} no conversions at any spend")
    converts = any(
        f"{name}.{f}" in scenario.response or all(getattr(channel, k) > 0 for k in ("in_market", "ctr", "cvr"))
        for name, channel in scenario.channels.items()
        for f in channel.formats
    )
    target = scenario.kpis.min_conversions
    if target and not converts:
        out.append(f"kpis.min_conversions ({target:,g}) cannot be met: no cell converts, so every plan has 0")
    clicks = scenario.kpis.min_clicks
    if clicks and all(c.ctr == 0 for c in scenario.channels.values()):
        out.append(f"kpis.min_clicks ({clicks:,g}) cannot be met: every channel's ctr is 0, so every plan has 0 clicks")
    return out


def _caps(scenario: Scenario) -> list[str]:
    """A cap on a figure that is 0 whatever the plan never binds."""
    out = []
    channels = scenario.channels.values()
    if scenario.kpis.max_bounce_rate is not None and all(c.bounce_rate == 0 for c in channels):
        out.append("kpis.max_bounce_rate is set but no channel has a bounce_rate: the bounce rate is 0 for every plan")
    if scenario.kpis.max_negative_feedback is not None and all(c.negative_feedback_rate == 0 for c in channels):
        out.append(
            "kpis.max_negative_feedback is set but no channel has a negative_feedback_rate: negative feedback is 0 "
            "for every plan"
        )
    return out


def _team(scenario: Scenario) -> list[str]:
    team = scenario.team
    if team is None or team.hours_per_week is not None:
        return []
    timed = team.hours_per_active_channel > 0 or any(
        c.organic.hours_per_post > 0
        or any(
            (f.creatives is not None and f.creatives.hours > 0)
            or (f.organic_posts is not None and f.organic_posts.hours_per_post > 0)
            for f in c.formats.values()
        )
        for c in scenario.channels.values()
    )
    if not timed:
        return []
    return ["team.hours_per_week is not set: the hours channels, posts and creatives take are not limited"]
