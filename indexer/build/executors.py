"""Where extraction runs: one small interface that the build loop drives.

The shape is that of `concurrent.futures` and Dask's `Client`: tasks are submitted,
results are taken as they complete (each carries its task, so the caller knows which),
and tasks may be submitted while results are being taken (the chunks of a big PDF).
The time and memory limits travel with the task, wherever it runs.

Implementations: `LocalExecutor`, the worker processes of this machine.
"""
from __future__ import annotations

import os
from typing import Callable, Iterator, Protocol

from ..workers import Result, Task, WorkerPool


class Executor(Protocol):
    workers: int          # how many tasks run at once

    def submit(self, task: Task, first: bool = False) -> None:
        """Queue a task; `first`: ahead of the tasks already queued."""

    def start(self) -> None:
        """Begin running the queued tasks while the caller does other work."""

    def as_completed(self, tick: Callable[[], None] | None = None) -> Iterator[Result]:
        """Results as they complete, until every submitted task has its result;
        `tick` is called at least once a second meanwhile."""

    def close(self) -> None:
        """Stop every worker this executor started."""

    def __enter__(self) -> "Executor": ...

    def __exit__(self, *exc) -> None: ...


class LocalExecutor:
    """Extraction in worker processes on this machine (`indexer.workers.WorkerPool`)."""

    def __init__(self, workers: int, memory_mb: int):
        self.workers = max(1, workers)
        self._pool = WorkerPool(self.workers, memory_mb)

    def __enter__(self) -> "LocalExecutor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def submit(self, task: Task, first: bool = False) -> None:
        if first:
            self._pool.submit_first(task)
        else:
            self._pool.submit(task)

    def start(self) -> None:
        self._pool.start()

    def as_completed(self, tick: Callable[[], None] | None = None) -> Iterator[Result]:
        return self._pool.results(tick=tick)

    def close(self) -> None:
        self._pool.close()


def local_workers(requested: int) -> int:
    """Worker processes for a local run at most: as asked, or one a core (started as tasks need them)."""
    return requested or os.cpu_count() or 1
