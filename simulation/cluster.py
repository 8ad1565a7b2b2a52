"""Replications on a Dask distributed cluster (the optional `dask` extra).

The same chunks of seeds as a local run go to the cluster and come back in
order, so a cluster gives the same numbers as one process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from scenarios.errors import CampaignError

#: How long to wait for a scheduler before giving up (seconds).
CONNECT_TIMEOUT = 5


def connect(scheduler: Any):
    """A `distributed.Client` for `scheduler` (an address or a client); a clear error when it does not answer."""
    try:
        from distributed import Client
    except ImportError:
        raise CampaignError(
            "running on a Dask cluster needs the optional dask extra: pip install 'campaign-planner[dask]'"
        ) from None
    if isinstance(scheduler, Client):
        return scheduler
    try:
        return Client(str(scheduler), timeout=f"{CONNECT_TIMEOUT}s")
    except ValueError as error:
        raise CampaignError(
            f"'{scheduler}' is not a Dask scheduler address ({error}); expected one such as tcp://host:8786"
        ) from None
    except (OSError, TimeoutError):
        raise CampaignError(
            f"the Dask scheduler at {scheduler} did not answer within {CONNECT_TIMEOUT} s; "
            "check the address (such as tcp://host:8786) and that the scheduler is running"
        ) from None


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
