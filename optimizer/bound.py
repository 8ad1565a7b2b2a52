"""A certified bound on the true optimum, from the LP's shadow prices.

For any multipliers ``s`` of the right sign, the Lagrangian

    L(s) = Σ_r s_r · rhs_r + max over the box of [objective − Σ_r s_r · row_r]

is an upper bound on the optimum of the problem on the *true* curves (weak
duality). Both are separable: one 1-D concave problem per slot
(``φ · f_c(x) + κ_c · x``) and one per channel for reach, solved exactly.
With the LP's shadow prices the bound is tight to second order, so
``(L − achieved) / scale`` certifies how far a plan can be from the optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer.problem import Problem
from scenarios import Curves


def reach_curves(problem: Problem) -> tuple[Curves, np.ndarray]:
    """Reach per channel as curves over impressions, and each channel's impression range."""
    market = problem.market
    audience = market.audience
    top = np.bincount(
        market.channel_of, weights=problem.upper * market.impressions_per_currency_unit, minlength=len(audience)
    )
    return Curves.exponential(audience, audience), top


def lagrangian_bound(
    problem: Problem, shadow: np.ndarray, link_shadow: np.ndarray, fixed_switches: np.ndarray | None = None
) -> float:
    """Upper bound on the max-sense objective over the true curves (with the switches held, if given)."""
    return lagrangian(problem, shadow, link_shadow, fixed_switches)[0]


@dataclass(frozen=True)
class Prices:
    """The Lagrangian's linear pieces at some multipliers (max-sense).

    The Lagrangian is ``constant + φ · Σ f_c(x_c) + κ · x + Σ_j [ρ_j R_j(t_j) − ν_j t_j] + π · y``
    with y the whole decisions (each between 0 and its upper bound).
    """

    constant: float
    phi: float
    kappa: np.ndarray
    rho: np.ndarray
    nu: np.ndarray
    switch: np.ndarray


def prices(problem: Problem, shadow: np.ndarray, link_shadow: np.ndarray) -> Prices:
    """Collect the multipliers (clamped to their valid signs) into per-cell and per-channel prices."""
    market = problem.market
    obj = problem.objective
    s = np.array(shadow, dtype=float)
    for k, row in enumerate(problem.rows):
        if row.sense == "<=":
            s[k] = max(s[k], 0.0)
        elif row.sense == ">=":
            s[k] = min(s[k], 0.0)
    nu = np.maximum(np.asarray(link_shadow, dtype=float), 0.0)
    kappa = obj.sign * obj.spend.astype(float).copy()
    phi = obj.sign * obj.conversions
    rho = obj.sign * obj.reach.astype(float).copy()
    switch = obj.sign * obj.switch if obj.switch is not None else np.zeros(len(problem.switches))
    switch = np.array(switch, dtype=float)
    constant = 0.0
    for k, row in enumerate(problem.rows):
        if s[k] == 0.0:
            continue
        constant += s[k] * row.rhs
        np.subtract.at(kappa, row.index, s[k] * row.coef)
        phi -= s[k] * row.conversions
        if row.reach is not None:
            rho -= s[k] * row.reach
        if row.switch_index is not None:
            np.subtract.at(switch, row.switch_index, s[k] * row.switch_coef)
    if problem.needs_reach:
        kappa = kappa + nu[market.channel_of] * market.impressions_per_currency_unit
    return Prices(constant, float(phi), kappa, rho, nu, switch)


def marginal_values(problem: Problem, shadow: np.ndarray, link_shadow: np.ndarray, spend: np.ndarray) -> np.ndarray:
    """Objective change per extra currency unit in each slot at `spend`, net of what that spend costs elsewhere.

    The derivative of the Lagrangian, on the true curves: what one more currency unit
    earns in the slot, minus the shadow prices of the budget, shares and KPI
    rows it uses. At the optimum it is zero in cells strictly inside their
    bounds, at most zero in empty cells and at least zero in capped ones.
    """
    p = prices(problem, shadow, link_shadow)
    return p.phi * problem.market.curves.derivative(spend) + p.kappa


def lagrangian(
    problem: Problem, shadow: np.ndarray, link_shadow: np.ndarray, fixed_switches: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """The Lagrangian's value at the given multipliers and the spend that attains it."""
    market = problem.market
    p = prices(problem, shadow, link_shadow)
    weight = np.full(len(p.kappa), p.phi)
    x = market.curves.best_response(weight, -p.kappa, problem.lower, problem.upper)
    total = p.constant + float(p.phi * market.curves.value(x).sum() + p.kappa @ x)
    if fixed_switches is None:
        total += float(np.maximum(p.switch, 0.0) @ problem.switch_bounds)  # each at 0 or its top, whichever pays
    else:
        total += float(p.switch @ fixed_switches)
    if problem.needs_reach:
        curves, top = reach_curves(problem)
        t = curves.best_response(p.rho, p.nu, np.zeros(len(market.channels)), top)
        total += float(p.rho @ curves.value(t) - p.nu @ t)
    return total, x
