"""Run independent tasks in order: in this process, on local worker processes, or on a Dask cluster.

Results always come back in task order, so the same tasks give the same
results wherever they ran. Monte Carlo chunks and what-if points both use it.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from scenarios import CampaignError


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
    yield from _on_processes(function, shared, tasks, args, min(workers, len(tasks)))


def _on_processes(function: Callable[..., Any], shared: Any, tasks: Sequence[Any], args: tuple, workers: int):
    """The tasks on `workers` spawned processes, in order; an interruption or error stops them at once.

    The workers ignore SIGINT: Ctrl-C reaches the whole process group, and
    only this process should answer it (by terminating them, not by waiting
    for every task still queued, as leaving the pool's `with` block would).
    """
    context = multiprocessing.get_context("spawn")
    # Started with SIGINT ignored, a spawned interpreter keeps ignoring it (also while it imports).
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN) if _main_thread() else None
    try:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_ignore_interrupts)
        futures = [pool.submit(function, shared, task, *args) for task in tasks]
    finally:
        if handler is not None:
            signal.signal(signal.SIGINT, handler)
    try:
        for future in futures:
            yield future.result()
    except BaseException:
        # Shut down first (the pool drops the queued tasks), then stop the tasks running now.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        raise
    pool.shutdown(wait=True)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
