"""The text of `campaign frontier --confidence`: the frontier, the conversions at the confidence by budget, and the
least budget of each problem."""

from __future__ import annotations

from campaign.app.frontier_confidence import FrontierAtConfidence
from campaign.render.frontier import frontier
from campaign.render.tables import table
from scenarios import number, percent


def frontier_confident(done: FrontierAtConfidence) -> str:
    """The frontier's text, then the plan at the confidence beside the expected-value point at each budget and
    the least budget of each, with the resolution of their bisections."""
    result, q = done.result, done.quarters
    cur, conv, level = result.currency, f"{result.conversion}s", percent(done.confidence, 0)
    out = [frontier(result), ""]
    out.append(
        f"at {level} confidence: {number(q.draws)} drawn quarters (seed {q.seed}), each quarter's own randomness "
        f"simulated for the expected-value plan at {number(q.budget)} {cur}"
    )
    rows = [
        [
            number(p.budget),
            number(p.conversions, 1) if p.status == "optimal" else "infeasible",
            number(at.planned.evaluation.expected, 1) if at is not None else "not reachable",
        ]
        for p, at in zip(result.points, done.at_confidence, strict=True)
    ]
    headers = [f"budget ({cur})", f"{conv}: expected value", f"{conv}: every KPI in {level} of quarters (mean)"]
    out += [table(headers, rows, [True, True, True]), ""]
    ev, at_level = done.expected_value.budget, done.at_level.budget
    if at_level is None:
        out.append(f"no budget of this range meets every KPI in {level} of quarters: try larger budgets")
    elif ev is None:
        out.append(f"to meet every KPI in {level} of quarters you need at least {number(at_level)} {cur}")
    else:
        out.append(
            f"to meet every KPI in {level} of quarters you need at least {number(at_level)} {cur}, not "
            f"{number(ev)} (the least budget whose expected figures meet them)"
        )
    below = [b.below for b in (done.at_level, done.expected_value) if b.budget is not None and b.below is not None]
    if below:
        out.append(
            f"least budgets found by bisection to {number(done.resolution)} {cur}: a plan exists at each, none at "
            f"{' or '.join(number(b) for b in below)} {cur}, each less than {number(done.resolution)} {cur} below"
        )
    return "\n".join(out)
