"""Extraction on a Dask cluster (`kamerzoek index --dask tcp://HOST:PORT`).

The command stays the one index writer: tasks (whole files, page ranges of big PDFs)
run on the cluster's workers and their page texts come back here. On a worker each
task runs in a worker process of its own (`indexer.workers.WorkerPool`, one a worker
thread) with the same limits as a local run: the time limit, the memory limit,
a process that is killed when it overruns, OCR with OMP_THREAD_LIMIT=1.

A worker reads a file by its path when the path is there with the same size (shared
storage); otherwise the task answers "not here", and the client sends the bytes once
(scattered to the cluster) for that file and its page ranges.

A worker lost mid-task: the scheduler runs the task again on another worker once
(the client sets the scheduler's allowed-failures to 1 for the run and gives the scheduler
its own value back when it closes), then the file is `crashed`.
"""
from __future__ import annotations

import itertools
import os
import tempfile
import threading
import time
from dataclasses import replace
from typing import Callable, Iterator

from ..workers import Result, Task, WorkerPool

CONNECT_SECONDS = 8.0      # how long a scheduler may take to answer
LOST_SECONDS = 15.0        # how long the client waits for a scheduler that went away
NOT_HERE = "__not_here__"  # a task's answer when its file is not at its path on that worker


class ExecutorError(Exception):
    """The cluster cannot be reached or was lost (exit code 3)."""


# -- on the worker ---------------------------------------------------------------------------
_POOLS: dict[int, WorkerPool] = {}
_POOLS_LOCK = threading.Lock()


def _pool(memory_mb: int) -> WorkerPool:
    """One extraction process per worker thread, kept between tasks (pdfminer imported once,
    a big PDF's page tree walked once for all the ranges this worker reads)."""
    import multiprocessing

    # A worker under a nanny is a daemonic process, which multiprocessing forbids children;
    # ours die with it anyway (PR_SET_PDEATHSIG), so the flag is lifted for this process.
    current = multiprocessing.current_process()
    if current.daemon:
        current._config["daemon"] = False
    ident = threading.get_ident()
    with _POOLS_LOCK:
        pool = _POOLS.get(ident)
        if pool is None or pool.memory_mb != memory_mb:
            if pool is not None:
                pool.close()
            pool = _POOLS[ident] = WorkerPool(1, memory_mb)
    return pool


def _local_copy(task: Task, data: bytes, sha: str, root: str) -> str:
    """The sent bytes as a file on this worker (kept for the file's other page ranges)."""
    folder = os.path.join(root, "kamerzoek-dask", sha)
    path = os.path.join(folder, os.path.basename(task.path))
    if not (os.path.isfile(path) and os.path.getsize(path) == len(data)):
        os.makedirs(folder, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
        _forget_old_copies(os.path.dirname(folder), keep=folder)
    return path


def _forget_old_copies(root: str, keep: str, most: int = 8) -> None:
    try:
        folders = sorted((os.path.join(root, n) for n in os.listdir(root)), key=os.path.getmtime)
    except OSError:
        return
    import shutil
    for folder in folders[:-most]:
        if folder != keep:
            shutil.rmtree(folder, ignore_errors=True)


def run_on_worker(task: Task, size: int, sha: str, memory_mb: int, data: bytes | None = None) -> Result:
    """A Dask task: extract in this worker's extraction process, with the task's limits."""
    try:
        from distributed import get_worker
        worker = get_worker()
        name, root = worker.address, worker.local_directory
    except (ImportError, ValueError):
        name, root = f"pid {os.getpid()}", tempfile.gettempdir()
    if data is not None:
        path = _local_copy(task, data, sha, root)
    else:
        try:
            ok = os.path.getsize(task.path) == size and os.access(task.path, os.R_OK)
        except OSError:
            ok = False
        if not ok:
            return Result(task, reason=NOT_HERE, worker=name)
        path = task.path
    pool = _pool(memory_mb)
    pool.submit(replace(task, path=path))
    result = next(iter(pool.results()))
    result.task = task
    result.worker = name
    return result


def _set_allowed_failures(dask_scheduler=None, count: int = 1) -> int:
    previous = dask_scheduler.allowed_failures
    dask_scheduler.allowed_failures = count
    return previous


# -- on the client ---------------------------------------------------------------------------
class DaskExecutor:
    """Tasks as Dask futures; results in the order they complete."""

    def __init__(self, address: str, memory_mb: int, files: dict[str, tuple[str, int]]):
        """:param files: task path -> (content hash, size), to check a worker's copy and send bytes."""
        try:
            from distributed import Client
        except ImportError as e:
            raise ExecutorError("--dask vraagt om de pakketten dask en distributed "
                                "(pip install 'kamerzoek[dask]')") from e
        self.address = address
        self.memory_mb = memory_mb
        self.files = files
        try:
            self.client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as e:
            raise ExecutorError(f"de Dask-scheduler op {address} antwoordt niet ({_brief(e)})") from e
        self._allowed_before: int | None = None
        try:
            self._allowed_before = self.client.run_on_scheduler(_set_allowed_failures, count=1)
        except Exception:  # a scheduler that refuses: its own setting applies
            pass
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        self.dashboard = self.client.dashboard_link or ""
        self._futures: dict = {}            # future -> task
        self._queued: list[tuple[Task, int]] = []
        self._bytes: dict[str, object] = {}  # content hash -> scattered bytes (a future)
        self._first = itertools.count(1)
        self._keys = itertools.count(1)
        self._run = os.urandom(4).hex()
        self._started = False

    def __enter__(self) -> "DaskExecutor":
        return self

    def __exit__(self, *exc) -> None:
        """The run's tasks are over (or it failed): nothing of it stays on the cluster.
        The connection stays until close()."""
        self._cancel()

    def submit(self, task: Task, first: bool = False) -> None:
        priority = next(self._first) if first else 0
        if self._started:
            self._send(task, priority)
        else:
            self._queued.append((task, priority))

    def start(self) -> None:
        """Sends what was queued, the largest files first: the scheduler hands each worker thread
        a task ahead, so a big file sent last would keep one worker busy while the rest idle."""
        self._started = True
        queued, self._queued = self._queued, []
        queued.sort(key=lambda item: (-item[1], -self.files[item[0].path][1]))
        for rank, (task, priority) in enumerate(queued):
            self._send(task, priority or -rank)

    def _send(self, task: Task, priority: int) -> None:
        from distributed import CancelledError
        sha, size = self.files[task.path]
        data = self._bytes.get(sha)
        try:
            pages = f"-p{task.page_range[0]}-{task.page_range[1]}" if task.page_range else ""
            key = f"kamerzoek-{sha[:16]}{pages}-{self._run}-{next(self._keys)}"  # the dashboard names the file
            future = self.client.submit(run_on_worker, task, size, sha, self.memory_mb, data,
                                        key=key, pure=False, priority=priority)
        except (CancelledError, OSError, RuntimeError) as e:
            raise self._lost(e) from e
        self._futures[future] = task

    def _send_bytes(self, task: Task) -> None:
        sha, _ = self.files[task.path]
        if sha not in self._bytes:
            try:
                with open(task.path, "rb") as handle:
                    data = handle.read()
                self._bytes[sha] = self.client.scatter(data, broadcast=False, hash=False)
            except OSError:
                raise
            except Exception as e:
                raise self._lost(e) from e
        self._send(task, 1_000_000)  # it was waiting already: ahead of the rest

    def as_completed(self, tick: Callable[[], None] | None = None) -> Iterator[Result]:
        lost_since = None
        last_tick = time.monotonic()
        while self._futures:
            done = [f for f in self._futures if f.done()]
            if not done:
                time.sleep(0.02)
            if tick and (done or time.monotonic() - last_tick >= 0.5):
                tick()
                last_tick = time.monotonic()
            if self.client.status != "running":
                lost_since = lost_since or time.monotonic()
                if time.monotonic() - lost_since > LOST_SECONDS:
                    raise self._lost(None)
                continue
            lost_since = None
            for future in done:
                task = self._futures.pop(future)
                result = self._result_of(future, task)
                if result is None:
                    continue
                if result.reason == NOT_HERE:
                    try:
                        self._send_bytes(task)
                    except OSError as e:
                        yield Result(task, reason="damaged", message=f"kan niet worden gelezen: {e.strerror}")
                    continue
                yield result

    def _result_of(self, future, task: Task) -> Result | None:
        from distributed import CancelledError
        try:
            from distributed.scheduler import KilledWorker
        except ImportError:  # pragma: no cover - older layouts
            KilledWorker = ()  # type: ignore[assignment]
        if future.status == "cancelled":
            raise self._lost(None)
        try:
            return future.result(timeout=30)
        except KilledWorker:
            return Result(task, reason="crashed",
                          message="het uitleesproces op het cluster ging twee keer verloren")
        except CancelledError as e:
            raise self._lost(e) from e
        except (OSError, TimeoutError) as e:
            raise self._lost(e) from e
        except Exception as e:  # the task itself failed (a bug, a worker without kamerzoek)
            return Result(task, reason="crashed", message=f"taak mislukt op het cluster: {_brief(e)}"[:200])

    def _lost(self, error: Exception | None) -> ExecutorError:
        detail = f" ({_brief(error)})" if error else ""
        return ExecutorError(f"de verbinding met de Dask-scheduler op {self.address} is verbroken{detail}; "
                             "wat al was vastgelegd blijft in de index, een nieuwe run maakt het af")

    def _cancel(self) -> None:
        try:
            if self._futures:
                self.client.cancel(list(self._futures), force=True)
        except Exception:
            pass
        self._futures.clear()
        self._bytes.clear()

    def close(self) -> None:
        """Cancels what is left, gives a shared scheduler back its own allowed-failures, disconnects."""
        self._cancel()
        if self._allowed_before is not None:
            try:
                self.client.run_on_scheduler(_set_allowed_failures, count=self._allowed_before)
            except Exception:
                pass
        try:
            self.client.close(timeout=5)
        except Exception:
            pass


def _brief(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:160]
