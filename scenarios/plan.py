"""A plan: spend per cell and period, organic posts per week and creatives per cell, in the market's order.

The optimizer returns one (`OptimizationResult.plan`), a plan file given
with `--plan` is read into one (`Plan.from_rows`, which checks it against
the scenario as it goes), and the simulator, the P&L, the workbook, the
report and reallocation take one. Its arrays are read-only copies.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import numpy as np

from scenarios.market import Market
from scenarios.plan_checks import allocation_spend, check_content, check_spend, content_decisions
from scenarios.schema import Scenario


class SpendRow(NamedTuple):
    """One cell's spend in one period (1-based), as labelled rows name it."""

    channel: str
    format: str
    period: int
    spend: float


class ContentRow(NamedTuple):
    """One cell's whole-number decisions: creatives over the horizon, organic posts per week."""

    channel: str
    format: str
    creatives: int
    organic_posts_per_week: int


class Spending(Protocol):
    """Anything labelled like a `SpendRow` (the optimizer's `CellPlan` among them)."""

    @property
    def channel(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def period(self) -> int: ...
    @property
    def spend(self) -> float: ...


class Content(Protocol):
    """Anything labelled like a `ContentRow` (the optimizer's `ContentPlan` among them)."""

    @property
    def channel(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def creatives(self) -> int: ...
    @property
    def organic_posts_per_week(self) -> int: ...


def _frozen(values: Any, dtype: type) -> np.ndarray:
    array: np.ndarray = np.array(values, dtype=dtype)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Plan:
    """Spend per slot (a cell in one period, cell-major: slot = cell × periods + period), posts and creatives per cell.

    `cells` are the keys ``channel.format`` in the market's order; `spend`
    is in the scenario's currency, `posts` organic posts per week (whole),
    `creatives` creatives over the horizon (whole numbers, as floats).
    """

    cells: tuple[str, ...]
    periods: int
    spend: np.ndarray
    posts: np.ndarray
    creatives: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.cells)
        object.__setattr__(self, "cells", tuple(self.cells))
        object.__setattr__(self, "spend", _frozen(self.spend, float))
        object.__setattr__(self, "posts", _frozen(self.posts, int))
        object.__setattr__(self, "creatives", _frozen(self.creatives, float))
        if self.periods < 1:
            raise ValueError(f"Plan needs at least one period, got {self.periods}")
        if self.spend.shape != (n * self.periods,):
            raise ValueError(f"Plan.spend must have one value per cell and period ({n} × {self.periods})")
        for name in ("posts", "creatives"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"Plan.{name} must have one value per cell ({n})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Plan):
            return NotImplemented
        return (
            self.cells == other.cells
            and self.periods == other.periods
            and np.array_equal(self.spend, other.spend)
            and np.array_equal(self.posts, other.posts)
            and np.array_equal(self.creatives, other.creatives)
        )

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[Plan], tuple[Any, ...]]:
        """Pickled through the constructor, so a copy in another process is read-only too."""
        return Plan, (self.cells, self.periods, self.spend, self.posts, self.creatives)

    @classmethod
    def of(cls, market: Market, spend: Any, posts: Any | None = None, creatives: Any | None = None) -> Plan:
        """The plan of `spend` per slot in `market`; each cell posts its minimum and makes the creatives its
        impressions wear out unless `posts` / `creatives` say otherwise."""
        spend = np.asarray(spend, dtype=float)
        if posts is None:
            posts = market.posts_min if market.posts_min is not None else np.zeros(len(market.cell_keys), dtype=int)
        if creatives is None:
            creatives = market.creatives_needed(spend)
        return cls(market.cell_keys, market.periods, spend, posts, creatives)

    @classmethod
    def from_labelled(cls, market: Market, allocation: Iterable[Spending], content: Iterable[Content] = ()) -> Plan:
        """The plan of labelled rows that name cells of `market` (the optimizer's own, trusted).

        Cell-periods without a row spend nothing; cells without a content row
        post their minimum and make the creatives their impressions wear out.
        """
        index = {key: c for c, key in enumerate(market.cell_keys)}
        spend = np.zeros(len(market.cell_keys) * market.periods)
        for row in allocation:
            spend[index[f"{row.channel}.{row.format}"] * market.periods + int(row.period) - 1] = float(row.spend)
        plan = cls.of(market, spend)
        posts, creatives = plan.posts.copy(), plan.creatives.copy()
        for entry in content:
            c = index[f"{entry.channel}.{entry.format}"]
            posts[c], creatives[c] = int(entry.organic_posts_per_week), float(entry.creatives)
        return cls(market.cell_keys, market.periods, spend, posts, creatives)

    @classmethod
    def from_rows(
        cls,
        source: str,
        scenario: Scenario,
        market: Market,
        allocation: Sequence[Any],
        content: Any = (),
    ) -> Plan:
        """The plan of rows as a plan file holds them (mappings of JSON or CSV values), checked against the
        scenario's limits; a UsageError naming `source`, the row, the figure and the limit otherwise.

        `allocation` rows have channel, format, period and spend; `content`
        (a list) rows channel, format, creatives and organic_posts_per_week.
        """
        spend = allocation_spend(source, allocation, market, scenario.name)
        check_spend(source, spend, scenario, market)
        posts, creatives = content_decisions(source, content, market, scenario.name, spend)
        plan = cls(market.cell_keys, market.periods, spend, posts, creatives)
        plan.check_content(source, scenario, market)
        return plan

    def check(self, source: str, scenario: Scenario, market: Market) -> None:
        """A UsageError unless the plan keeps the scenario's budgets, bounds and team hours."""
        check_spend(source, self.spend, scenario, market)
        self.check_content(source, scenario, market)

    def check_content(self, source: str, scenario: Scenario, market: Market) -> None:
        """A UsageError unless the plan's production costs and the team's weekly hours fit the scenario."""
        check_content(source, scenario, market, self.spend, self.posts, self.creatives, self.production(market))

    def with_spend(self, spend: Any) -> Plan:
        """The same content decisions with other spend per slot."""
        return Plan(self.cells, self.periods, spend, self.posts, self.creatives)

    @property
    def by_cell(self) -> np.ndarray:
        """Spend as a (cells, periods) table."""
        return self.spend.reshape(len(self.cells), self.periods)

    @property
    def total(self) -> float:
        """Spend over the horizon."""
        return float(self.spend.sum())

    def rows(self) -> Iterator[SpendRow]:
        """One labelled row per cell and period, in the plan's order."""
        for c, cell in enumerate(self.cells):
            channel, fmt = cell.split(".", 1)
            for t in range(self.periods):
                yield SpendRow(channel, fmt, t + 1, float(self.spend[c * self.periods + t]))

    def production(self, market: Market) -> float:
        """What the plan's content costs (currency): each cell used, and the creatives it plans."""
        used = self.spend.reshape(len(market.cell_keys), market.periods).sum(axis=1) > 1e-9
        cost = float(market.production_cost @ used)
        if market.creative_cost is not None:
            cost += float(market.creative_cost @ self.creatives)
        return cost
