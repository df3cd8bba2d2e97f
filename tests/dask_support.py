"""A real Dask cluster on loopback for the tests: `dask scheduler` and `dask worker` processes
from the project's environment, on free ports, stopped (with all their children) at the end."""
from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

DASK = str(Path(sys.executable).parent / "dask")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, folder: Path, workers: int = 2, nanny: bool = True, as_nobody: bool = False):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.count = workers
        self.nanny = nanny
        self.as_nobody = as_nobody
        self.scheduler: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    def _start(self, args: list[str], name: str, prefix: list[str] | None = None,
               env: dict | None = None) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")
        return subprocess.Popen((prefix or []) + args, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=self.folder, start_new_session=True,
                                env={**os.environ, **(env or {})})

    def start(self) -> "Cluster":
        self.scheduler = self._start(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
             "--dashboard-address", f"127.0.0.1:{free_port()}", "--no-show"], "scheduler")
        for n in range(1, self.count + 1):
            self.add_worker(f"w{n}")
        self.wait_for_workers(self.count)
        return self

    def add_worker(self, name: str) -> None:
        local = self.folder / name
        local.mkdir(exist_ok=True)
        prefix = []
        if self.as_nobody:
            os.chmod(local, 0o777)
            prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        args = [DASK, "worker", self.address, "--host", "127.0.0.1", "--nthreads", "1",
                "--nanny" if self.nanny else "--no-nanny", "--memory-limit", "0",
                "--no-dashboard", "--name", name, "--local-directory", str(local)]
        self.workers.append(self._start(args, name, prefix, env={"TMPDIR": str(local), "HOME": str(local)}))

    def client(self):
        from distributed import Client
        return Client(self.address, timeout=30, set_as_default=False)

    def wait_for_workers(self, n: int, timeout: float = 90) -> None:
        with self.client() as client:
            client.wait_for_workers(n, timeout=timeout)

    def worker_pids(self) -> dict[str, int]:
        """Worker address -> the pid of the process that runs its tasks."""
        with self.client() as client:
            return client.run(os.getpid)

    def processing(self) -> dict[str, list]:
        with self.client() as client:
            return {addr: list(keys) for addr, keys in client.processing().items()}

    def stop_scheduler(self) -> None:
        _stop(self.scheduler, signal.SIGKILL)

    def stop(self) -> None:
        for process in self.workers + [self.scheduler]:
            _stop(process, signal.SIGTERM)


def _stop(process: subprocess.Popen | None, sig) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass


def wait_until(condition, timeout: float, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s: {condition}")


def index_contents(index_dir: Path) -> dict[str, tuple]:
    """doc id -> (pages in the file, indexed page numbers with the sha-256 of each page's text)."""
    from indexer.store import Store

    with Store(index_dir).searcher() as searcher:
        texts: dict[str, list] = {}
        for fields in searcher.documents(kind="page"):
            digest = hashlib.sha256(fields["content"].encode("utf-8")).hexdigest()
            texts.setdefault(fields["doc_id"], []).append((fields["page"], digest))
        return {fields["doc_id"]: (fields["info"]["pages"], sorted(texts.get(fields["doc_id"], [])))
                for fields in searcher.documents(kind="doc")}


def pages_containing(index_dir: Path, word: str) -> list[int]:
    """The page numbers whose stored text has `word` (read from the index, not searched:
    a search on a machine this busy may stop at its time budget)."""
    from indexer.store import Store

    with Store(index_dir).searcher() as searcher:
        return sorted(f["page"] for f in searcher.documents(kind="page") if word in f["content"].split())
