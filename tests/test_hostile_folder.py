"""The hostile folder (tests/hostile_folder.py) indexed as the user nobody, then every route
of the web app requested for every document: each file indexed or named with its expected
reason, exit 1, no traceback, no 500, nothing from outside the folder, every process under
its memory limit, and a rerun that changes nothing."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import psutil
import pytest

import hostile_folder
from conftest import kamerzoek_exe
from live_server import LiveServer

TIMEOUT_S = 15
MEMORY_MB = 1024
MAIN_LIMIT_MB = 500      # the indexer's own process
SERVER_LIMIT_MB = 1024


class Peak:
    """Highest resident memory of a process and its children, sampled while it runs."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.peaks: dict[int, tuple[int, str]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                processes = [self.root] + self.root.children(recursive=True)
            except psutil.Error:
                processes = []
            for p in processes:
                try:
                    rss = p.memory_info().rss
                    name = " ".join(p.cmdline()[:3])
                except psutil.Error:
                    continue
                if rss > self.peaks.get(p.pid, (0, ""))[0]:
                    self.peaks[p.pid] = (rss, name)
            time.sleep(0.05)

    def stop(self) -> dict[int, tuple[int, str]]:
        self._stop.set()
        self._thread.join(5)
        return self.peaks


def run_index(base: Path, index: Path) -> tuple[subprocess.CompletedProcess, dict]:
    command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", kamerzoek_exe(), "index",
               "--index", str(index), "--json", "--workers", "2", "--timeout", str(TIMEOUT_S),
               "--memory", str(MEMORY_MB), str(base / "docs")]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # setpriv execs the indexer in its own process: the sampled root is the indexer itself.
    peak = Peak(proc.pid)
    out, err = proc.communicate(timeout=600)
    peaks = peak.stop()
    return subprocess.CompletedProcess(command, proc.returncode, out, err), {"root": proc.pid, "peaks": peaks}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = Path(tempfile.mkdtemp(prefix="kamerzoek-hostile-", dir="/tmp"))
    base.chmod(0o777)
    try:
        table = hostile_folder.make(base)
        index = base / "index"
        first, peaks = run_index(base, index)
        yield {"base": base, "docs": base / "docs", "index": index, "table": table, "first": first,
               "peaks": peaks, "report": json.loads(first.stdout)}
    finally:
        subprocess.run(["chmod", "-R", "u+rwx", str(base)], check=False)
        shutil.rmtree(base, ignore_errors=True)


def relative(hostile, path: str) -> bytes:
    return os.path.relpath(os.fsencode(path), os.fsencode(hostile["docs"]))


def test_every_file_is_indexed_or_named_with_its_reason(hostile):
    first, report, table = hostile["first"], hostile["report"], hostile["table"]
    assert first.returncode == 1, first.stderr
    assert b"Traceback" not in first.stderr and first.stderr == b"", first.stderr
    added = {relative(hostile, p) for p in report["added"]}
    reasons = {relative(hostile, u["path"]): u["reason"] for u in report["unreadable"]}
    for name, expected in table.items():
        if expected.outcome == "ignored":
            assert name not in added and name not in reasons, (name, expected.what)
        elif expected.allows("indexed") and name in added:
            continue
        else:
            assert name in reasons and expected.allows(reasons[name]), (name, expected.what, reasons.get(name))
    assert added | set(reasons) <= set(table), (added | set(reasons)) - set(table)
    assert report["ignored"] >= 2  # the FIFO and the socket


def test_the_indexer_stays_within_its_memory(hostile):
    peaks, root = hostile["peaks"]["peaks"], hostile["peaks"]["root"]
    assert root in peaks, "the indexer was not sampled"
    for pid, (rss, name) in peaks.items():
        limit = MAIN_LIMIT_MB if pid == root else MEMORY_MB
        assert rss < limit * 2**20, f"{name} (pid {pid}) reached {rss / 2**20:.0f} MB, limit {limit} MB"


def search(hostile, q: str) -> dict:
    from indexer.search import SearchRequest, search as run_search
    from indexer.store import Store
    with Store(hostile["index"]).searcher() as searcher:
        return run_search(searcher, SearchRequest(q=q, per_page=50))


def test_what_is_indexed_is_found_and_nothing_from_outside(hostile):
    for name, expected in hostile["table"].items():
        for word in expected.words:
            assert search(hostile, word)["total"] >= 1, (name, word)
    for word in (hostile_folder.MARKER, hostile_folder.DTD_WORD, "lolz", "ENTITY"):
        assert search(hostile, word)["total"] == 0, word


def documents(index: Path) -> list[dict]:
    from indexer.store import Store
    return [{"doc_id": r["doc_id"], "pages": (r.get("info") or {}).get("pages") or 1,
             "format": (r.get("info") or {}).get("format")} for r in Store(index).documents()]


def fetch(url: str, peak: Peak | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_every_route_for_every_document(hostile, tmp_path):
    word = hostile_folder.CONTENT_WORD
    server = LiveServer(kamerzoek_exe(), hostile["index"], tmp_path / "serve.log")
    peak = Peak(server.process.pid)
    try:
        routes = ["/", f"/?q={word}", f"/api/search?q={word}", f"/export.csv?q={word}", f"/export.json?q={word}",
                  f"/feed.atom?q={word}", "/status", "/api/status", "/help"]
        docs = documents(hostile["index"])
        assert len(docs) >= 6
        for doc in docs:
            base = f"/document/{doc['doc_id']}"
            pages = doc["pages"]
            shown = sorted({1, pages, (pages + 1) // 2})  # long documents: first, last and one in between
            routes += [base, f"{base}?q={quote(word)}", f"/original/{doc['doc_id']}"]
            routes += [f"{base}?q={quote(word)}&page={n}#p{n}" for n in shown]
            routes += [f"{base}/page/{n}?q={quote(word)}" for n in shown]
            if doc["format"] == "pdf":
                routes.append(f"{base}/page/1.jpg?w=800")
        for route in routes:
            status, body = fetch(server.url + route)
            assert status in (200, 404), (route, status, body[:300])
            if status == 404:
                assert "/page/" in route, (route, body[:300])  # only a page view of a page without text
            assert hostile_folder.MARKER.encode() not in body, route
            if not route.startswith("/original/"):  # the original file holds its DTD, of course
                assert hostile_folder.DTD_WORD.encode() not in body, route
    finally:
        peaks = peak.stop()
        server.stop()
    log = server.log()
    assert "Traceback" not in log, log[-3000:]
    for pid, (rss, name) in peaks.items():
        assert rss < SERVER_LIMIT_MB * 2**20, f"{name} reached {rss / 2**20:.0f} MB"


def test_a_rerun_changes_nothing(hostile):
    again, _ = run_index(hostile["base"], hostile["index"])
    assert again.returncode == 1 and b"Traceback" not in again.stderr, again.stderr
    first, second = hostile["report"], json.loads(again.stdout)
    for key in ("added", "changed", "removed", "moved"):
        assert second[key] == [], (key, second[key])
    assert (second["documents_total"], second["pages_total"]) == (first["documents_total"], first["pages_total"])
    # A partly read document stays as it was indexed; every other failure is named again.
    named = {(u["path"], u["reason"]) for u in first["unreadable"] if u["reason"] != "partial"}
    assert {(u["path"], u["reason"]) for u in second["unreadable"]} == named
