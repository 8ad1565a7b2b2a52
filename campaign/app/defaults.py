"""The use cases' defaults, in a module light enough for the command line to read when it starts."""

from __future__ import annotations

#: Budgets of a frontier.
FRONTIER_POINTS = 20
#: Largest accepted proven gap to the true optimum, a fraction: the optimizer's own default (a test checks it).
TOLERANCE = 1e-3
#: Largest move of a cell's spend in a period when reallocating, as a share of the current plan.
MAX_CHANGE = 0.2
#: Simulated quarters behind the report's bands.
REPORT_RUNS = 200
#: Drawn quarters a plan at a confidence is made over.
CONFIDENCE_DRAWS = 200
