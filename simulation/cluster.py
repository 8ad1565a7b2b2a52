"""Replications on a Dask distributed cluster (the optional `dask` extra).

The same chunks of seeds as a local run go to the cluster and come back in
order, so a cluster gives the same numbers as one process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from scenarios import CampaignError

#: How long to wait for a scheduler before giving up (seconds).
CONNECT_TIMEOUT = 5


def connect(scheduler: Any):
    """A `distributed.Client` for `scheduler` (an address or a client) with at least one worker.

    A scheduler that does not answer within CONNECT_TIMEOUT seconds (nothing
    listening, or a server that accepts and never speaks Dask's protocol), and
    one that has no worker within that time, are refused with what to do.
    """
    try:
        from distributed import Client
    except ImportError:
        raise CampaignError(
            "running on a Dask cluster needs the optional dask extra: pip install 'campaign-planner[dask]'"
        ) from None
    if isinstance(scheduler, Client):
        return scheduler
    try:
        client = _within(CONNECT_TIMEOUT, lambda: Client(str(scheduler), timeout=f"{CONNECT_TIMEOUT}s"))
    except ValueError as error:
        raise CampaignError(
            f"'{scheduler}' is not a Dask scheduler address ({error}); expected one such as tcp://host:8786"
        ) from None
    except (OSError, TimeoutError):
        raise CampaignError(
            f"the Dask scheduler at {scheduler} did not answer within {CONNECT_TIMEOUT} s; "
            "check the address (such as tcp://host:8786) and that the scheduler is running"
        ) from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError):
        client.close()
        raise CampaignError(
            f"the Dask scheduler at {scheduler} has no workers (none joined within {CONNECT_TIMEOUT} s), so "
            f"nothing would run; start one with 'dask worker {scheduler}', or leave out --scheduler"
        ) from None
    return client


def _within(seconds: float, make: Callable[[], Any]) -> Any:
    """`make()`, or TimeoutError when it has not returned after `seconds` (it is left to finish in the background).

    Dask's own timeout covers opening the connection, not a server that
    accepts it and never answers: the handshake would wait for ever.
    """
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = make()
        except BaseException as error:  # handed to the caller's thread
            box["error"] = error

    thread = threading.Thread(target=run, name="dask-connect", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TimeoutError(f"no answer within {seconds} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def map_on_cluster(
    scheduler: Any, function: Callable[..., Any], inputs: Any, chunks: list[Any], *args: Any
) -> Iterator[Any]:
    """`function(inputs, chunk, *args)` for each chunk on the cluster, yielded in chunk order."""
    client = connect(scheduler)
    owned = client is not scheduler
    try:
        shared = client.scatter(inputs, broadcast=True)
        futures = [client.submit(function, shared, chunk, *args, pure=False) for chunk in chunks]
        for future in futures:
            yield future.result()
    finally:
        if owned:
            client.close()
