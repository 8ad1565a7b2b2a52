"""Which rows bind at a plan, and the LP's duals cleaned of the rows that do not.

A row binds when it has no slack at the plan on the true curves, up to what
the curves' approximation accounts for: the LP sees conversions and reach on
chords, so a KPI floor it meets exactly can show that much slack on the true
curves. A row with more slack than that does not bind, whatever dual the LP
(degenerate vertices, plans polished off the vertex, rows held constant by
fixed on/off decisions) gave it: complementary slackness sets its dual to
zero before any explanation uses it.
"""

from __future__ import annotations

import numpy as np

from optimizer.problem import Problem, Row
from optimizer.pwl import Segments

#: Relative slack (of the row's scale) that counts as none: solver and polish round-off.
SLACK_TOLERANCE = 1e-6


def chain_values(segments: Segments, x: np.ndarray) -> np.ndarray:
    """The piecewise-linear chains of `segments` evaluated at `x` (one value per curve)."""
    filled = np.clip(x[segments.owner] - segments.start, 0.0, segments.width) * segments.slope
    values = np.bincount(segments.owner, weights=filled, minlength=len(x))
    return values + (segments.intercept if segments.intercept is not None else 0.0)


def row_scale(row: Row) -> float:
    """The size a row's slack is measured against (as the polish's feasibility test does)."""
    return max(1.0, abs(row.rhs), abs(row.limit), float(np.abs(row.coef).sum()) * 1e-3)


def row_slacks(
    problem: Problem,
    spend: np.ndarray,
    switches: np.ndarray | None,
    conv: Segments | None = None,
    reach: Segments | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's slack at `spend` on the true curves, and the slack the approximation accounts for.

    Slack is ``rhs − lhs`` for caps and ``lhs − rhs`` for floors (negative when
    broken; 0 for equalities). The allowance is what the row's conversions and
    reach terms differ between the true curves and the chains (`conv`, `reach`)
    at the same plan, plus round-off.
    """
    market = problem.market
    true_conv = float(market.curves.value(spend).sum())
    true_reach = market.reach(spend)
    conv_gap = 0.0
    if conv is not None and len(conv.owner):
        conv_gap = abs(true_conv - float(chain_values(conv, spend).sum()))
    reach_gap = np.zeros(len(true_reach))
    if reach is not None and len(reach.owner):
        impressions = np.bincount(market.channel_of, weights=market.impressions(spend), minlength=len(true_reach))
        reach_gap = np.abs(true_reach - chain_values(reach, impressions))
    slack = np.zeros(len(problem.rows))
    allowance = np.zeros(len(problem.rows))
    for k, row in enumerate(problem.rows):
        lhs = row.lhs(spend, true_conv, true_reach, switches)
        slack[k] = 0.0 if row.sense == "==" else (row.rhs - lhs if row.sense == "<=" else lhs - row.rhs)
        extra = abs(row.conversions) * conv_gap
        if row.reach is not None:
            extra += float(np.abs(row.reach) @ reach_gap)
        allowance[k] = extra + SLACK_TOLERANCE * row_scale(row)
    return slack, allowance


def clean_duals(shadow: np.ndarray, binding: np.ndarray) -> np.ndarray:
    """The duals with those of rows that do not bind set to zero (complementary slackness)."""
    return np.where(binding, np.asarray(shadow, dtype=float), 0.0)


def clean_link_duals(problem: Problem, cleaned: np.ndarray, link_shadow: np.ndarray, spend: np.ndarray) -> np.ndarray:
    """The reach links' duals (what one more impression of each channel is worth) from the cleaned duals.

    An impression is worth the price of its channel's reach (the objective's and the
    binding rows') times the reach curve's slope at the plan. The LP's own link duals are
    not used: at a degenerate vertex (a channel with no impressions) they can price reach
    that nothing values.
    """
    link = np.asarray(link_shadow, dtype=float).copy()
    if not problem.needs_reach:
        return link
    market = problem.market
    obj = problem.objective
    rho = obj.sign * obj.reach.astype(float).copy()
    for k, row in enumerate(problem.rows):
        if row.reach is not None:
            rho -= cleaned[k] * row.reach
    impressions = np.bincount(market.channel_of, weights=market.impressions(spend), minlength=len(link))
    return np.maximum(rho, 0.0) * np.exp(-impressions / market.audience)


def binding_rows(slack: np.ndarray, allowance: np.ndarray) -> np.ndarray:
    """Rows with no slack beyond the allowance."""
    return slack <= allowance
