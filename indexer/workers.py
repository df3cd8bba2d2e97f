"""Extraction in worker processes, each with a time limit and a memory limit per task.

One poisonous file (a page that takes minutes, a stream that inflates to
gigabytes, a crash in a C library) costs one worker, which is replaced; the run
goes on. Workers die with their parent (PR_SET_PDEATHSIG) and never touch the
index; the lock descriptors they inherit by forking die with them, so a killed
run never leaves a lock held.
"""
from __future__ import annotations

import ctypes
import faulthandler
import importlib
import multiprocessing
import os
import pkgutil
import resource
import signal
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import wait as wait_for
from typing import Any, Callable, Iterator

from . import extract as extract_package
from .extract import ExtractionError, extract, pdf_page_count

PR_SET_PDEATHSIG = 1


@dataclass
class Task:
    key: Any                      # the caller's handle for the result
    path: str
    password: str | None = None
    ocr: bool = False
    page_range: tuple[int, int] | None = None
    split_above: int = 0          # for PDFs: report the page count instead when it exceeds this
    timeout: float = 300.0        # seconds this task may take at most
    deadline: float = 0.0         # wall clock (time.time()) by which the whole file must be done;
                                  # 0: the task's start plus its timeout


@dataclass
class Result:
    task: Task
    extraction: Any = None        # Extraction on success
    page_count: int = 0           # set when the task asks for a split
    reason: str = ""              # failure reason code (indexer.reasons)
    message: str = ""
    seconds: float = 0.0
    started: float = 0.0          # wall clock when the task began (a big PDF's limit counts from here)
    worker: str = ""              # which worker ran it


def stop_margin(timeout: float) -> float:
    """How long before its deadline a reader stops beginning pages, so that what it read
    comes back before the task is stopped."""
    return min(1.0, 0.05 * timeout)


def deadline_of(task: Task, started: float) -> float:
    return task.deadline or started + task.timeout


def _die_with_parent(parent_pid: int) -> None:
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:  # not Linux: the parent's cleanup still kills workers
        pass
    # The parent may have died between the fork and the prctl: then no signal will come.
    if os.getppid() != parent_pid:
        os._exit(0)


def _limit_memory(memory_mb: int) -> None:
    if memory_mb <= 0:
        return
    try:
        with open("/proc/self/statm") as handle:
            current = int(handle.read().split()[0]) * resource.getpagesize()
    except OSError:
        current = 0
    limit = current + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_task(task: Task, path: str | None = None, worker: str = "") -> Result:
    """Read one file or page range in this process (a worker's, on this machine or a cluster's).

    path: where the file is here, when not at task.path (bytes the client sent)."""
    started, wall = time.monotonic(), time.time()
    path = path or task.path
    stop_at = deadline_of(task, wall) - stop_margin(task.timeout)

    def result(**fields) -> Result:
        return Result(task, seconds=time.monotonic() - started, started=wall, worker=worker, **fields)

    try:
        if task.split_above and path.lower().endswith(".pdf") and task.page_range is None:
            count = pdf_page_count(path, password=task.password)
            if count > task.split_above:
                return result(page_count=count)
        extraction = extract(path, password=task.password, ocr=task.ocr,
                             page_range=task.page_range, stop_at=stop_at)
        return result(extraction=extraction)
    except ExtractionError as e:
        return result(reason=e.reason, message=e.message)
    except MemoryError:
        return result(reason="too_large", message="geheugenlimiet bereikt")
    except RecursionError:
        return result(reason="damaged", message="te diep geneste structuur")
    except Exception as e:  # a bug or a library failure we did not foresee: one line, not a traceback
        detail = traceback.format_exception_only(type(e), e)[-1].strip()
        return result(reason="damaged", message=detail[:200])


def _preload_readers() -> None:
    """Import every reader (pdfminer and the rest) before forking: each worker inherits them,
    so a file's time limit measures reading it, not a fresh worker's imports."""
    for module in pkgutil.iter_modules(extract_package.__path__):
        try:
            importlib.import_module(f"{extract_package.__name__}.{module.name}")
        except Exception:  # a reader that cannot load fails its files in the worker, with a reason
            pass


def _worker_main(conn, memory_mb: int, parent_pid: int) -> None:
    _die_with_parent(parent_pid)
    # A worker that crashes is reported in one line by the parent; no stack dump on stderr.
    faulthandler.disable()
    # A group of its own, so that a worker stopped for its time limit takes the
    # pdftoppm and tesseract processes it started (for OCR) with it.
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    _limit_memory(memory_mb)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        result = run_task(task, worker=f"pid {os.getpid()}")
        try:
            _send_result(conn, result)
        except MemoryError:
            conn.send(Result(task, reason="too_large", message="resultaat te groot"))
        except (BrokenPipeError, OSError):
            return


PAGES_PER_MESSAGE = 200    # a long text crosses the pipe in parts of this many pages


def _send_result(conn, result: Result) -> None:
    """The result, its pages in parts: one pickle of a 200 MB text would be held twice
    (the bytes and the pages) by the receiving process, the one that writes the index."""
    extraction = result.extraction
    if extraction is None or len(extraction.pages) <= PAGES_PER_MESSAGE:
        conn.send(result)
        return
    pages = extraction.pages
    extraction.pages = []
    parts = -(-len(pages) // PAGES_PER_MESSAGE)
    conn.send((result, parts))
    for start in range(0, len(pages), PAGES_PER_MESSAGE):
        conn.send(pages[start:start + PAGES_PER_MESSAGE])


def _receive_result(conn) -> Result:
    message = conn.recv()
    if not isinstance(message, tuple):
        return message
    result, parts = message
    for _ in range(parts):
        part = conn.recv()
        if isinstance(part, Result):  # the worker ran out of memory while sending
            return part
        result.extraction.pages.extend(part)
    return result


class _Worker:
    def __init__(self, context, memory_mb: int):
        parent_conn, child_conn = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child_conn, memory_mb, os.getpid()),
                                       daemon=True)
        self.process.start()
        child_conn.close()
        self.conn = parent_conn
        self.task: Task | None = None
        self.deadline = 0.0
        self.limit = 0.0

    def assign(self, task: Task) -> None:
        self.task = task
        limit = task.timeout
        if task.deadline:  # a chunk of a big file: what is left of the file's time
            limit = max(0.0, min(limit, task.deadline - time.time()))
        self.limit = limit
        self.deadline = time.monotonic() + limit
        self.conn.send(task)

    def kill(self) -> None:
        # Only a live worker is signalled (exitcode reaps it when it has ended), so its pid
        # cannot have been given to an unrelated process; its group holds its OCR helpers.
        if self.process.exitcode is None:
            pid = self.process.pid
            try:
                if os.getpgid(pid) == pid:
                    os.killpg(pid, signal.SIGKILL)
                else:
                    self.process.kill()  # forked, not yet in a group of its own
            except OSError:
                pass
        self.process.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """A fixed number of extraction processes fed from a queue of tasks."""

    def __init__(self, workers: int, memory_mb: int = 2048):
        self.size = max(1, workers)
        self.memory_mb = memory_mb
        self._context = multiprocessing.get_context("fork")
        self._workers: list[_Worker] = []
        self._queue: list[Task] = []

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def submit(self, task: Task) -> None:
        self._queue.append(task)

    def submit_first(self, task: Task) -> None:
        self._queue.insert(0, task)

    def start(self) -> None:
        """Hand out the first tasks now, so the workers read while the caller does other work."""
        self._fill()

    def pending(self) -> int:
        return len(self._queue) + sum(1 for w in self._workers if w.task is not None)

    def results(self, tick: Callable[[], None] | None = None) -> Iterator[Result]:
        """Yield results as they come until the queue is empty and every worker idle.

        Tasks may be submitted while iterating (the split of a big PDF)."""
        while self._queue or any(w.task for w in self._workers):
            self._fill()
            busy = [w for w in self._workers if w.task is not None]
            now = time.monotonic()
            timeout = max(0.0, min(w.deadline for w in busy) - now) if busy else 0.0
            ready = wait_for([w.conn for w in busy], timeout=min(timeout, 1.0))
            if tick:
                tick()
            for worker in busy:
                if worker.conn in ready:
                    yield self._collect(worker)
                elif time.monotonic() >= worker.deadline:
                    task = worker.task
                    self._replace(worker)
                    yield Result(task, reason="timeout", message=f"na {task.timeout:.0f} s gestopt",
                                 seconds=worker.limit)

    def _collect(self, worker: _Worker) -> Result:
        task = worker.task
        try:
            result = _receive_result(worker.conn)
        except (EOFError, OSError):
            code = worker.process.exitcode
            worker.process.join(timeout=1)
            code = worker.process.exitcode if code is None else code
            self._replace(worker)
            reason = "too_large" if code == -signal.SIGKILL else "crashed"
            return Result(task, reason=reason, message=f"uitleesproces gestopt (code {code})")
        worker.task = None
        if result.reason == "too_large":
            # Memory after a MemoryError is fragmented and may be half-held: start clean.
            self._replace(worker)
        return result

    def _fill(self) -> None:
        if not self._workers:
            _preload_readers()
        # Started as tasks need them (the chunks of a big PDF may need more than the files did).
        busy = sum(1 for w in self._workers if w.task is not None)
        while len(self._workers) < min(self.size, busy + len(self._queue)):
            self._workers.append(_Worker(self._context, self.memory_mb))
        for worker in self._workers:
            if worker.task is None and self._queue:
                task = self._queue.pop(0)
                try:
                    worker.assign(task)
                except (BrokenPipeError, OSError):
                    self._queue.insert(0, task)
                    self._replace(worker)

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        index = self._workers.index(worker)
        self._workers[index] = _Worker(self._context, self.memory_mb)

    def close(self) -> None:
        for worker in self._workers:
            try:
                worker.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        for worker in self._workers:
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                worker.kill()
        self._workers.clear()
