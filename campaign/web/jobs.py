"""Background jobs: a long use case run in a thread, its progress polled, its result kept, cancellable.

A job reports progress through the use case's `progress(done, total)` callback;
cancelling sets a flag that the next progress report turns into `Cancelled`,
so the run stops between two units of work. At most `limit` jobs run at once
and at most `kept` finished ones are remembered (the oldest forgotten first).
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from campaign.app.common import InfeasiblePlanError, infeasible_document
from campaign.web.errors import BusyError, UnknownJobError
from scenarios import CampaignError, InfeasibleError

#: A job's work: given the progress callback, return the result document.
Work = Callable[[Callable[[int, int], None]], dict[str, Any]]


class Cancelled(Exception):  # noqa: N818 - a signal, not an error
    """Raised inside a job's thread at its next progress report once the job is cancelled."""


@dataclass
class Job:
    """One run: its status (running, done, failed, cancelled), progress, and result or error document."""

    id: str
    #: The scenario and variant it runs (named in an infeasible document).
    scenario: str = ""
    variant: str | None = None
    status: str = "running"
    done: int = 0
    total: int = 0
    result: dict[str, Any] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    def to_dict(self) -> dict[str, Any]:
        """The `GET /api/jobs/{id}` document."""
        return {"job": self.id, "status": self.status, "done": self.done, "total": self.total, "result": self.result}


class Jobs:
    """The server's jobs, guarded by one lock."""

    def __init__(self, limit: int = 2, kept: int = 50) -> None:
        self.limit = limit
        self.kept = kept
        self.lock = threading.Lock()
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self.threads: dict[str, threading.Thread] = {}

    def start(self, work: Work, total: int, scenario: str = "", variant: str | None = None) -> Job:
        """Run `work` in a new thread; `BusyError` when `limit` jobs are already running."""
        with self.lock:
            running = sum(1 for j in self.jobs.values() if j.status == "running")
            if running >= self.limit:
                raise BusyError(
                    f"{running} jobs are running, as many as the server runs at once; "
                    "wait for one to finish or cancel one (DELETE /api/jobs/ID)"
                )
            job = Job(uuid.uuid4().hex, scenario, variant, total=total)
            self.jobs[job.id] = job
            self._forget_old()
        thread = threading.Thread(target=self._run, args=(job, work), name=f"job-{job.id}", daemon=True)
        self.threads[job.id] = thread
        thread.start()
        return job

    def _forget_old(self) -> None:
        finished = [key for key, j in self.jobs.items() if j.status != "running"]
        for key in finished[: max(0, len(self.jobs) - self.kept)]:
            del self.jobs[key]
            self.threads.pop(key, None)

    def _run(self, job: Job, work: Work) -> None:
        def progress(done: int, total: int) -> None:
            with self.lock:
                job.done, job.total = done, total
            if job.cancel.is_set():
                raise Cancelled

        try:
            result = work(progress)
        except Cancelled:
            outcome, document = "cancelled", None
        except InfeasibleError as error:
            warnings = error.warnings if isinstance(error, InfeasiblePlanError) else None
            outcome, document = "failed", infeasible_document(error, job.scenario, job.variant, warnings)
        except CampaignError as error:
            outcome, document = "failed", {"status": "error", "message": str(error)}
        except Exception as error:  # a bug must not leave the job running for ever
            outcome, document = "failed", {"status": "error", "message": f"the run failed: {error!r}"}
        else:
            outcome, document = "done", result
        with self.lock:
            job.status, job.result = outcome, document

    def get(self, key: str) -> Job:
        """The job `key`, or `UnknownJobError`."""
        with self.lock:
            if key not in self.jobs:
                raise UnknownJobError(
                    f"no job '{key}': it never ran here, or was forgotten (the server keeps its last {self.kept} "
                    "finished jobs)"
                )
            return self.jobs[key]

    def cancel(self, key: str) -> Job:
        """Ask job `key` to stop at its next progress report (a finished job stays as it is)."""
        job = self.get(key)
        job.cancel.set()
        return job

    def wait(self, key: str, timeout: float | None = None) -> Job:
        """The job `key` once its thread has ended (or `timeout` seconds passed)."""
        thread = self.threads.get(key)
        if thread is not None:
            thread.join(timeout)
        return self.get(key)
