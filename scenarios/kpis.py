"""The KPI catalogue: every figure a plan is judged by and every KPI a scenario may set, in one place.

A *figure* is a horizon total (`spend`, `reach`, `cpa`, ...): the market
model (`scenarios.market`) and the simulator compute the base figures, and the
derived ones are computed from them here for both: bounce rate, CPA, ROAS
and frequency by `derived`, profit by `profit`. A *KPI* (`min_reach`, `max_cpa`, ...) is a
floor or cap on one figure: its entry says its sense, the unit of its limit,
the figure it limits, how the figure reads in words, and how the optimizer
writes it as linear rows (`form`):

- ``total``: the figure is linear in spend, total conversions and paid reach
  (`linear_figure`); the row is ``figure (sense) limit``.
- ``ratio``: the figure is `numerator` / `denominator`, both linear; a cap
  ``n / d ≤ L`` is the row ``n − L·d ≤ 0`` and a floor ``n / d ≥ L`` the row
  ``L·d − n ≤ 0``, exact whenever ``d > 0``.
- ``channel_cap``: the frequency of every channel, impressions ``I`` over
  paid reach ``R(I) = A · (1 − exp(−I / A))``. ``I / R(I) = g(I / A)`` with
  ``g(u) = u / (1 − e^(−u))``, which rises strictly from 1 (as u → 0) without
  bound (`frequency_room`), so ``I / R(I) ≤ F`` holds exactly when
  ``I ≤ A · g⁻¹(F)``: one linear row per channel on its spend, no
  approximation of the reach curve at all.

Adding a KPI is one entry of `KPIS` (and, for a new figure, one of
`FIGURES`); the schema, the optimizer's rows, the simulator's targets and every
output read them from here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scenarios.market import Market

#: How a figure is written: money in the currency's digits, a ratio with three significant digits,
#: whole people, or a plain number.
MONEY, RATIO, PEOPLE, COUNT = "money", "ratio", "people", "count"


@dataclass(frozen=True)
class Figure:
    """A horizon total: its key in the totals, its label in tables and how its numbers are written."""

    name: str
    label: str
    display: str = COUNT


#: The figures `optimize` and `simulate` report for a plan, in the order of the simulation's table.
#: Labels may name the scenario's ``{currency}`` and ``{conversion}``.
FIGURES: tuple[Figure, ...] = (
    Figure("spend", "spend ({currency})"),
    Figure("impressions", "impressions"),
    Figure("clicks", "clicks"),
    Figure("conversions", "{conversion}s"),
    Figure("reach", "paid reach", PEOPLE),
    Figure("frequency", "frequency (highest channel)", RATIO),
    Figure("engagement", "engagement"),
    Figure("new_followers", "new followers", PEOPLE),
    Figure("negative_feedback", "negative feedback"),
    Figure("bounce_rate", "bounce rate", RATIO),
    Figure("revenue", "revenue ({currency})"),
    Figure("profit", "profit ({currency})"),
    Figure("cpa", "CPA ({currency})", MONEY),
    Figure("roas", "ROAS", RATIO),
)


@dataclass(frozen=True)
class Linear:
    """A figure linear in the plan: ``spend · x + conversions · F + reach · Σ_j R_j + constant``.

    `spend` has one coefficient per slot (cell × period); `constant` is what
    no decision changes (the organic plan's engagement and followers).
    """

    spend: np.ndarray
    conversions: float = 0.0
    reach: float = 0.0
    constant: float = 0.0


def linear_figure(name: str, market: Market) -> Linear:
    """The figure `name` as a linear form on the market's slots (the optimizer's rows are built from it)."""
    imp = market.impressions_per_currency_unit
    zeros = np.zeros(len(market.channel_of))
    forms: dict[str, Callable[[], Linear]] = {
        "spend": lambda: Linear(np.ones(len(market.channel_of))),
        "conversions": lambda: Linear(zeros, conversions=1.0),
        "revenue": lambda: Linear(zeros, conversions=market.value_per_conversion),
        "reach": lambda: Linear(zeros, reach=1.0),
        "clicks": lambda: Linear(imp * market.ctr),
        "bounces": lambda: Linear(imp * market.ctr * market.bounce_rate),
        "engagement": lambda: Linear(imp * market.engagement_rate, constant=float(market.organic.engagement.sum())),
        "new_followers": lambda: Linear(
            imp * market.engagement_rate * market.follow_rate[market.channel_of],
            constant=float(market.organic.new_followers.sum()),
        ),
        "negative_feedback": lambda: Linear(imp * market.negative_rate),
    }
    return forms[name]()


@dataclass(frozen=True)
class Kpi:
    """One KPI a scenario may set under `kpis`.

    `name` is its key (``kpis.NAME``, the row ``kpi.NAME``); `sense` is
    ``min`` (a floor) or ``max`` (a cap); `figure` the total it limits;
    `unit` and `words` say its limit in sentences (``{currency}``,
    ``{conversion}`` and, for a channel cap, ``{channel}`` are filled in);
    `meaning` is what the figure is, for the schema; `lowest` the least
    limit (`above` it strictly) and `highest` the most; `form` how the
    optimizer writes it (``total``, ``ratio``, ``channel_cap``) with the
    `numerator` and `denominator` figures of a ratio.
    """

    name: str
    sense: str
    figure: str
    unit: str
    words: str
    meaning: str
    form: str = "total"
    numerator: str = ""
    denominator: str = ""
    lowest: float = 0.0
    above: bool = False
    highest: float | None = None

    @property
    def symbol(self) -> str:
        """The comparison the plan's figure must pass: ``>=`` for a floor, ``<=`` for a cap."""
        return ">=" if self.sense == "min" else "<="

    @property
    def display(self) -> str:
        """How the KPI's limit and figure are written (the figure's own way)."""
        return FIGURE_BY_NAME[self.figure].display

    def value(self, totals: Mapping[str, float]) -> float:
        """The plan's figure that the KPI limits, from its totals."""
        return float(totals[self.figure])

    def met(self, value: float, limit: float) -> bool:
        """Whether a figure meets the limit, within a relative 1e-6 (the solver's round-off)."""
        slack = 1e-6 * max(1.0, abs(limit))
        return value >= limit - slack if self.sense == "min" else value <= limit + slack

    def status(self, limit: float, totals: Mapping[str, float]) -> tuple[float | None, bool]:
        """The plan's figure and whether it meets `limit`; a ratio of a plan that spends nothing is None and met."""
        if self.form == "ratio" and totals["spend"] <= 0:
            return None, True
        value = self.value(totals)
        return value, self.met(value, limit)

    def say(self, text: str, currency: str, conversion: str, channel: str = "") -> str:
        """`unit` or `words` with the scenario's currency, conversion name and the channel filled in."""
        return text.format(currency=currency, conversion=conversion, channel=channel)


#: The KPIs, in the order their rows and lines appear.
KPIS: tuple[Kpi, ...] = (
    Kpi("min_reach", "min", "reach", "people", "the reach floor", "people reached by paid ads, summed over channels"),
    Kpi("min_clicks", "min", "clicks", "clicks", "the clicks floor", "clicks on paid ads"),
    Kpi("min_engagement", "min", "engagement", "engagements", "the engagement floor", "engagements, paid plus organic"),
    Kpi(
        "min_new_followers",
        "min",
        "new_followers",
        "followers",
        "the new-followers floor",
        "followers won, paid plus organic",
    ),
    Kpi(
        "min_conversions",
        "min",
        "conversions",
        "{conversion}s",
        "the {conversion} target",
        "conversions (the target of `min_spend`)",
    ),
    Kpi(
        "max_cpa",
        "max",
        "cpa",
        "{currency}",
        "the CPA cap",
        "paid spend per conversion",
        form="ratio",
        numerator="spend",
        denominator="conversions",
        above=True,
    ),
    Kpi(
        "min_roas",
        "min",
        "roas",
        "x",
        "the ROAS floor",
        "revenue per unit of paid spend",
        form="ratio",
        numerator="revenue",
        denominator="spend",
    ),
    Kpi(
        "max_bounce_rate",
        "max",
        "bounce_rate",
        "share",
        "the bounce-rate cap",
        "bounces per click (click-weighted average)",
        form="ratio",
        numerator="bounces",
        denominator="clicks",
        highest=1.0,
    ),
    Kpi(
        "max_negative_feedback",
        "max",
        "negative_feedback",
        "reports",
        "the negative-feedback cap",
        "hides, reports and negative comments on paid ads",
    ),
    Kpi(
        "max_frequency",
        "max",
        "frequency",
        "impressions per person",
        "the {channel} frequency cap",
        "paid impressions per person reached, in each channel (the figure is the highest channel's)",
        form="channel_cap",
        lowest=1.0,
        above=True,  # a frequency of 1 or less allows no impressions at all (`frequency_room`)
    ),
)

KPI_BY_NAME: dict[str, Kpi] = {k.name: k for k in KPIS}
FIGURE_BY_NAME: dict[str, Figure] = {f.name: f for f in FIGURES}


def kpi_of(name: str) -> Kpi:
    """The catalogue's entry of a KPI name (``max_cpa``, or a row's ``kpi.max_cpa`` / ``kpi.max_frequency.tiktok``)."""
    key = name.removeprefix("kpi.").split(".", 1)[0]
    return KPI_BY_NAME[key]


def display_of(name: str) -> str | None:
    """How the numbers of a KPI or figure `name` are written, None when the catalogue does not know it."""
    key = name.removeprefix("kpi.").split(".", 1)[0]
    if key in KPI_BY_NAME:
        return KPI_BY_NAME[key].display
    figure = FIGURE_BY_NAME.get(key)
    return figure.display if figure is not None else None


# --- the derived figures, computed once for the optimizer's totals and the simulator's --------------------------
def frequency_room(limit: float) -> float:
    """``u = g⁻¹(limit)`` for ``g(u) = u / (1 − e^(−u))``: a channel's impressions may reach ``u`` times its audience.

    ``u / (1 − e^(−u)) = F`` ⇔ ``(u − F) · e^(u − F) = −F e^(−F)``, so
    ``u = F + W₀(−F e^(−F))`` on Lambert's principal branch (the other
    branch gives ``u = 0``). 0 for ``F ≤ 1``: every impression then reaches
    someone new, which only no impressions at all achieve.
    """
    from scipy.special import lambertw

    if limit <= 1.0:
        return 0.0
    return float(limit + lambertw(-limit * math.exp(-limit), 0).real)


def frequency_at(room: float) -> float:
    """``g(u) = u / (1 − e^(−u))``: the frequency of a channel whose impressions are `room` times its audience."""
    if room < 1e-12:
        return 1.0
    return room / -math.expm1(-room)


def frequency_slope(room: float) -> float:
    """``d g⁻¹ / dF`` at ``u = room``: ``1 / g'(u)``, with ``g'(u) = (1 − e^(−u) − u e^(−u)) / (1 − e^(−u))²``."""
    if room < 1e-6:
        return 2.0  # g(u) = 1 + u/2 + O(u²) near 0
    e = math.exp(-room)
    return (1.0 - e) ** 2 / (1.0 - e - room * e)


def channel_frequency(impressions: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Paid impressions per person reached, per channel (0 where nobody was reached)."""
    impressions, reach = np.asarray(impressions, dtype=float), np.asarray(reach, dtype=float)
    return np.divide(impressions, reach, out=np.zeros(len(reach)), where=reach > 0)


def profit(
    revenue: float,
    orders: float,
    spend: float,
    production: float,
    gross_margin: float,
    fees_per_order: float,
    fixed_costs: float,
) -> float:
    """Profit after fixed costs: gross margin on revenue, less fees per order, paid spend, production, fixed costs."""
    return revenue * gross_margin - fees_per_order * orders - spend - production - fixed_costs


def derived(base: Mapping[str, float], channel_impressions: np.ndarray, channel_reach: np.ndarray) -> dict[str, float]:
    """The ratio figures of base totals (`spend`, `conversions`, `clicks`, `bounces`, `revenue`) and per-channel reach.

    CPA is infinite without conversions; ROAS and the bounce rate are 0
    without spend or clicks; frequency is the highest channel's.
    """
    clicks, spend, conversions = base["clicks"], base["spend"], base["conversions"]
    frequency = channel_frequency(channel_impressions, channel_reach)
    return {
        "bounce_rate": base["bounces"] / clicks if clicks > 0 else 0.0,
        "cpa": spend / conversions if conversions > 0 else math.inf,
        "roas": base["revenue"] / spend if spend > 0 else 0.0,
        "frequency": float(frequency.max()) if len(frequency) else 0.0,
    }
