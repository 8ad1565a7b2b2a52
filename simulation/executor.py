"""Run independent tasks in order: in this process, on local worker processes, or on a Dask cluster.

Results always come back in task order, so the same tasks give the same
results wherever they ran. Monte Carlo chunks and what-if points both use it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from scenarios.errors import CampaignError


def ordered_map(
    function: Callable[..., Any],
    shared: Any,
    tasks: Sequence[Any],
    *args: Any,
    workers: int = 1,
    scheduler: Any = None,
) -> Iterator[Any]:
    """Yield `function(shared, task, *args)` for each task, in task order.

    `shared` goes to each worker once (scattered to a Dask cluster); `workers`
    local processes are started with `spawn` (HiGHS and forked children do
    not mix); `scheduler` is a Dask scheduler address or client.
    """
    if not isinstance(workers, int) or workers < 1:
        raise CampaignError(f"the number of workers must be at least 1, got {workers}")
    if scheduler is not None:
        from simulation.cluster import map_on_cluster

        yield from map_on_cluster(scheduler, function, shared, list(tasks), *args)
        return
    if workers == 1 or len(tasks) <= 1:
        for task in tasks:
            yield function(shared, task, *args)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context) as pool:
        futures = [pool.submit(function, shared, task, *args) for task in tasks]
        for future in futures:
            yield future.result()
