"""The simulator: a quarter of paid delivery, organic posting, the community queue and crises, in SimPy.

`QuarterInputs.build` turns a scenario and a plan (`scenarios.Plan`) into plain arrays;
`run_quarter` simulates one replication; `MonteCarlo` runs many with
independent seeds, locally or on a Dask cluster, and summarises them.
"""

from simulation.executor import ordered_map
from simulation.inputs import QuarterInputs
from simulation.montecarlo import MonteCarlo, SimulationResult, split_spread, summarise
from simulation.quarter import Replication, run_quarter

__all__ = [
    "MonteCarlo",
    "QuarterInputs",
    "Replication",
    "SimulationResult",
    "ordered_map",
    "run_quarter",
    "split_spread",
    "summarise",
]
