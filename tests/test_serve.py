"""`kamerzoek serve` as it runs in production: several gunicorn processes with threads each,
every one of them following new commits; exit 3 without an index."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import pytest

from conftest import CORPUS, build, kamerzoek_exe
from live_server import LiveServer

pytestmark = pytest.mark.slow

NEW_WORD = "zwaluwstaartvlinderonderzoek"
ACCESS = re.compile(r'"GET (\S+) HTTP/[\d.]+" (\d+) .* pid=<?(\d+)>?')


def workers_of(server: LiveServer, expected: int | None = None) -> list[int]:
    """The server's worker processes (waiting up to 15 s for `expected` of them to have booted)."""
    deadline = time.monotonic() + 15
    while True:
        pids = sorted(p.pid for p in psutil.Process(server.process.pid).children())
        if expected is None or len(pids) >= expected or time.monotonic() > deadline:
            return pids
        time.sleep(0.1)


def total_for(server: LiveServer, word: str, tag: str) -> int:
    query = urllib.parse.urlencode({"q": word, "tag": tag})
    with urllib.request.urlopen(f"{server.url}/api/search?{query}", timeout=30) as response:
        assert response.status == 200
        return json.load(response)["total"]


def served_by(log: str, tag: str) -> dict[int, list[int]]:
    """pid -> statuses of the requests whose query carried tag, from the access log."""
    seen: dict[int, list[int]] = {}
    for path, status, pid in ACCESS.findall(log):
        if f"tag={tag}" in path:
            seen.setdefault(int(pid), []).append(int(status))
    return seen


def burst(server: LiveServer, word: str, tag: str, count: int = 24, clients: int = 6) -> list[int]:
    """count requests from several clients at once (each a new connection), so both workers get some."""
    totals, lock = [], threading.Lock()

    def client(n):
        for _ in range(n):
            got = total_for(server, word, tag)
            with lock:
                totals.append(got)

    threads = [threading.Thread(target=client, args=(count // clients,)) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return totals


def wait_for_workers(server: LiveServer, word: str, tag: str, workers: int, attempts: int = 10) -> dict:
    for _ in range(attempts):
        burst(server, word, tag)
        time.sleep(0.3)  # the access log is written after the answer
        seen = served_by(server.log(), tag)
        if len(seen) >= workers:
            return seen
    return served_by(server.log(), tag)


def test_every_worker_follows_a_commit_made_while_serving(tmp_path):
    folder = tmp_path / "docs"
    shutil.copytree(CORPUS, folder)
    index_dir = tmp_path / "index"
    build([folder], index_dir, workers=1)
    server = LiveServer(kamerzoek_exe(), index_dir, tmp_path / "serve.log", args=("--workers", "2", "--threads", "3"),
                        env={"KAMERZOEK_REFRESH": "0.2", "KAMERZOEK_ACCESS_LOG": "-"})
    try:
        pids = workers_of(server, 2)
        assert len(pids) == 2, pids
        # Every worker has opened its searchers on the old index and answers 0 for the new word.
        before = wait_for_workers(server, NEW_WORD, "before", 2)
        assert sorted(before) == pids, before
        assert all(status == 200 for statuses in before.values() for status in statuses)
        assert burst(server, NEW_WORD, "before-check") == [0] * 24

        (folder / "nieuw.txt").write_text(f"Nieuw onderzoek\n\nEen {NEW_WORD} in de Tweede Kamer.\n",
                                          encoding="utf-8")
        done = subprocess.run([kamerzoek_exe(), "index", str(folder), "--index", str(index_dir), "--quiet"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        time.sleep(1.0)  # more than the refresh interval of every thread

        after = wait_for_workers(server, NEW_WORD, "after", 2)
        assert sorted(after) == pids, after
        assert burst(server, NEW_WORD, "after-check") == [1] * 24
        assert workers_of(server) == pids, "no worker was replaced"
        assert "Traceback" not in server.log()
    finally:
        server.stop()


def test_workers_from_the_environment_and_the_default_of_one_per_core(corpus_index, tmp_path):
    server = LiveServer(kamerzoek_exe(), corpus_index, tmp_path / "env.log", env={"KAMERZOEK_SERVE_WORKERS": "3"})
    try:
        assert len(workers_of(server, 3)) == 3
        assert "3 processen" in server.log()
    finally:
        server.stop()
    env = {k: v for k, v in os.environ.items() if k != "KAMERZOEK_SERVE_WORKERS"}
    server = LiveServer(kamerzoek_exe(), corpus_index, tmp_path / "default.log", env=env)
    try:
        cores = len(os.sched_getaffinity(0))
        assert len(workers_of(server, cores)) == cores
        time.sleep(1)
        assert len(workers_of(server)) == cores, "not more than one per core either"
    finally:
        server.stop()
    assert not psutil.pid_exists(server.process.pid) or psutil.Process(server.process.pid).status() == "zombie"


def test_serve_without_an_index_exits_3_before_listening(tmp_path):
    done = subprocess.run([kamerzoek_exe(), "serve", "--index", str(tmp_path / "geen"), "--port", "0"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    assert done.stderr.startswith("Fout: geen index gevonden")
    assert "Traceback" not in done.stderr and "gunicorn" not in done.stderr.lower()


def test_stopping_the_server_stops_every_worker(corpus_index, tmp_path):
    server = LiveServer(kamerzoek_exe(), corpus_index, tmp_path / "stop.log", args=("--workers", "2"))
    pids = workers_of(server, 2)
    assert len(pids) == 2
    server.stop()
    assert server.process.returncode == 0
    deadline = time.monotonic() + 10
    while any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie" for p in pids):
        assert time.monotonic() < deadline, f"workers {pids} outlived the server"
        time.sleep(0.1)
