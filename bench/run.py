"""Kamerzoek beside SQLite FTS5 on the same pages: build, reindex, queries, HTTP, memory, cold start.

    python bench/run.py --size 10000            # the quick size (make bench)
    python bench/run.py --size 100000           # the reported size (make bench SIZE=100000)

The corpus comes from bench/generate.py (deterministic from --seed). Both engines index the
same pages from the same extraction cache; extraction itself (pdfminer in Kamerzoek's worker
processes against poppler's pdftotext) is measured on a sample of real PDFs from ../shared.
Every figure is printed for both with their ratio, and the table is appended to bench/RESULTS.md
with the date, the machine and the commit. Machines here are noisy: compare ratios.
"""
from __future__ import annotations

import argparse
import heapq
import http.client
import json
import os
import platform
import random
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = Path(os.environ.get("KAMERZOEK_SHARED") or ROOT.parent / "shared")  # the real PDFs
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/ is not a package)
import machine as machine_info  # noqa: E402

FTS_TOKENIZER = "unicode61 remove_diacritics 2"
FTS_SNIPPET_TOKENS = 24
PAGES_PER_DOC_ROWIDS = 1000   # FTS5 rowid = document serial * 1000 + page
COMMIT_DOCUMENTS = 200        # both engines commit after this many documents
WARMUP_QUERIES = ["kabinet", "dreigingsbeeld terrorisme", '"Tweede Kamer"', "radicalis*", "type:motie moskee"]


# -- small helpers ------------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def peak_rss_mb() -> float:
    """This process's peak resident set (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def machine() -> dict:
    cpu = machine_info.cpu_model()
    ram = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    commit = machine_info.git_commit(ROOT)
    poppler = "absent"
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-v"], capture_output=True, text=True)
        poppler = (out.stderr or out.stdout).splitlines()[0].split()[-1] if (out.stderr or out.stdout) else "?"
    return {"nproc": os.cpu_count() or 1, "cpu": cpu, "ram_gib": ram, "commit": commit,
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "pdftotext": poppler}


def run_child(mode: str, **params) -> dict:
    """Run one measurement in a fresh process (its own peak memory); its last stdout line is JSON."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--params", json.dumps(params)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"child {mode} failed ({out.returncode}):\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- the baseline: SQLite FTS5, one row per page, incremental by path, size and mtime --------
def fts_connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(db), check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS pages USING fts5(content, doc_id UNINDEXED, "
                 f"page UNINDEXED, type UNINDEXED, title UNINDEXED, tokenize='{FTS_TOKENIZER}')")
    conn.execute("CREATE TABLE IF NOT EXISTS files (serial INTEGER PRIMARY KEY, path TEXT UNIQUE, "
                 "size INTEGER, mtime REAL, sha TEXT)")
    return conn


def fts_index(db: Path, roots: list[Path], cache_dir: Path) -> dict:
    """Bring the FTS5 table in line with the placeholder files: new and changed files only."""
    from indexer.cache import TextCache, file_sha256

    cache = TextCache(cache_dir)
    conn = fts_connect(db)
    known = {path: (serial, size, mtime) for serial, path, size, mtime in
             conn.execute("SELECT serial, path, size, mtime FROM files")}
    seen = set()
    written = pages = 0
    for root in roots:
        for path in sorted(Path(root).rglob("*.txt")):
            key = str(path)
            seen.add(key)
            st = path.stat()
            old = known.get(key)
            if old and old[1] == st.st_size and old[2] == st.st_mtime:
                continue
            sha = file_sha256(path)
            extraction = cache.get(sha)
            meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            if old:
                serial = old[0]
                conn.execute("DELETE FROM pages WHERE rowid BETWEEN ? AND ?",
                             (serial * PAGES_PER_DOC_ROWIDS, serial * PAGES_PER_DOC_ROWIDS + 999))
                conn.execute("UPDATE files SET size=?, mtime=?, sha=? WHERE serial=?",
                             (st.st_size, st.st_mtime, sha, serial))
            else:
                serial = conn.execute("INSERT INTO files (path, size, mtime, sha) VALUES (?, ?, ?, ?)",
                                      (key, st.st_size, st.st_mtime, sha)).lastrowid
            rows = [(serial * PAGES_PER_DOC_ROWIDS + p.number, p.text, sha[:16], p.number,
                     meta.get("type"), meta.get("title")) for p in extraction.pages if p.text.strip()]
            conn.executemany("INSERT INTO pages (rowid, content, doc_id, page, type, title) "
                             "VALUES (?, ?, ?, ?, ?, ?)", rows)
            written += 1
            pages += len(rows)
            if written % COMMIT_DOCUMENTS == 0:
                conn.commit()
    for key, (serial, _, _) in known.items():
        if key not in seen:
            conn.execute("DELETE FROM pages WHERE rowid BETWEEN ? AND ?",
                         (serial * PAGES_PER_DOC_ROWIDS, serial * PAGES_PER_DOC_ROWIDS + 999))
            conn.execute("DELETE FROM files WHERE serial=?", (serial,))
    conn.commit()
    conn.close()
    return {"documents": written, "pages": pages}


FTS_SQL = ("SELECT doc_id, page, title, snippet(pages, 0, '<mark>', '</mark>', ' … ', {n}) FROM pages "
           "WHERE pages MATCH ? {where} ORDER BY rank LIMIT 10")


def fts_search(conn: sqlite3.Connection, match: str, doc_type: str | None = None) -> list:
    """The baseline's answer: the top 10 pages by bm25, each with a snippet()."""
    if doc_type:
        sql = FTS_SQL.format(n=FTS_SNIPPET_TOKENS, where="AND type = ?")
        return conn.execute(sql, (match, doc_type)).fetchall()
    return conn.execute(FTS_SQL.format(n=FTS_SNIPPET_TOKENS, where=""), (match,)).fetchall()


def fts_wsgi_app(db: Path):
    """The baseline's HTTP API: /api/search?q=MATCH&type=T as JSON, one connection per thread."""
    local = threading.local()

    def app(environ, start_response):
        args = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = sqlite3.connect(str(db), check_same_thread=False)
        try:
            rows = fts_search(conn, args.get("q", [""])[0], (args.get("type") or [None])[0])
            body = json.dumps({"results": [{"doc_id": d, "page": p, "title": t, "snippet": s}
                                           for d, p, t, s in rows]}, ensure_ascii=False).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        except sqlite3.Error as e:
            body = json.dumps({"error": str(e)}).encode()
            start_response("400 Bad Request", [("Content-Type", "application/json"),
                                               ("Content-Length", str(len(body)))])
        return [body]

    return app


# -- children: one measurement each, in a fresh process ---------------------------------------
def child(mode: str, params: dict) -> dict:
    if mode == "kz-build":
        from indexer.build import Options, build_index
        from indexer.store import Store

        store = Store(Path(params["index"]))
        started, cpu = time.perf_counter(), time.process_time()
        report = build_index([Path(p) for p in params["paths"]], store,
                             Options(workers=params.get("workers", 0)))
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "cpu": time.process_time() - cpu, "pages": report.pages_indexed, "documents": report.documents_indexed,
                "unchanged": report.unchanged, "changed": len(report.changed), "added": len(report.added),
                "unreadable": len(report.unreadable), "pages_total": report.pages_total,
                "documents_total": report.documents_total, "peak_mb": peak_rss_mb()}
    if mode == "fts-build":
        started, cpu = time.perf_counter(), time.process_time()
        done = fts_index(Path(params["db"]), [Path(p) for p in params["paths"]], Path(params["cache"]))
        return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu, **done,
                "peak_mb": peak_rss_mb()}
    if mode == "fts-pdf-build":
        started = time.perf_counter()
        pages = fts_index_pdfs(Path(params["db"]), params["files"], params["workers"])
        return {"seconds": time.perf_counter() - started, "pages": pages, "peak_mb": peak_rss_mb()}
    if mode == "fts-serve":
        from waitress import serve
        serve(fts_wsgi_app(Path(params["db"])), host="127.0.0.1", port=params["port"],
              threads=params.get("threads", 8), ident="fts5-baseline", _quiet=True)
        return {}
    if mode == "kz-cold":
        # A fresh process: import, open the index, answer one query as the web app would.
        started = params["started"]
        from indexer.search import SearchRequest, search
        from indexer.store import Store
        with Store(Path(params["index"])).searcher() as s:
            search(s, SearchRequest(params["q"]))
        return {"seconds": time.time() - started}
    if mode == "fts-cold":
        started = params["started"]
        conn = sqlite3.connect(params["db"])
        fts_search(conn, params["q"])
        return {"seconds": time.time() - started}
    raise SystemExit(f"unknown child mode {mode}")


# -- extraction on real PDFs ------------------------------------------------------------------
def pick_sample(budget_pages: int) -> list[tuple[str, int]]:
    """Readable text PDFs from ../shared (no problem files), in a fixed order, up to a page budget."""
    from indexer.extract import ExtractionError, pdf_page_count

    roots = [SHARED / "corpus" / "parliamentary", SHARED / "corpus" / "government", SHARED / "fixtures" / "pdf"]
    candidates = []
    for root in roots:
        if root.is_dir():
            candidates += sorted(p for p in root.rglob("*.pdf") if "hard" not in p.relative_to(root).parts)
    chosen, total = [], 0
    for path in candidates:
        try:
            pages = pdf_page_count(path)
        except (ExtractionError, OSError):
            continue
        if pages and total + pages <= budget_pages:
            chosen.append((str(path), pages))
            total += pages
    return chosen


def _chunks(sample: list[tuple[str, int]], size: int) -> list[tuple[str, int, int]]:
    out = []
    for path, pages in sample:
        for first in range(1, pages + 1, size):
            out.append((path, first, min(pages, first + size - 1)))
    return out


def schedule_bound(task_seconds: list[float], workers: int) -> float:
    """The speed-up `workers` can reach on these tasks, handed out in this order to whichever
    worker is free first: what the task sizes allow, whatever else runs on the machine."""
    if not task_seconds:
        return float("nan")
    free = [0.0] * workers
    for seconds in task_seconds:
        heapq.heapreplace(free, free[0] + seconds)
    return sum(task_seconds) / max(free) if max(free) else float("nan")


def pdfminer_rate(sample, workers: int) -> dict:
    """Kamerzoek's extraction: pdfminer in its WorkerPool, big files split by page ranges as build does."""
    from indexer.build import SPLIT_PAGES
    from indexer.workers import Task, WorkerPool

    pages = failed = 0
    chunks = _chunks(sample, SPLIT_PAGES)
    task_seconds = [0.0] * len(chunks)
    started = time.perf_counter()
    with WorkerPool(workers) as pool:
        for n, (path, first, last) in enumerate(chunks):
            pool.submit(Task(key=n, path=path, page_range=(first, last), timeout=600))
        for result in pool.results():
            task_seconds[result.task.key] = result.seconds
            if result.reason:
                failed += 1
            else:
                pages += len(result.extraction.pages)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "pages": pages, "failed": failed, "rate": pages / seconds if seconds else 0,
            "tasks": task_seconds}


def pdftotext_chunk(path: str, first: int, last: int) -> str:
    out = subprocess.run(["pdftotext", "-q", "-enc", "UTF-8", "-f", str(first), "-l", str(last), path, "-"],
                         capture_output=True)
    return out.stdout.decode("utf-8", "replace")


def pdftotext_rate(sample, workers: int) -> dict:
    from indexer.build import SPLIT_PAGES

    chunks = _chunks(sample, SPLIT_PAGES)

    def timed(chunk):
        started = time.perf_counter()
        text = pdftotext_chunk(*chunk)
        return text, time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        done = list(pool.map(timed, chunks))
    seconds = time.perf_counter() - started
    pages = sum(last - first + 1 for _, first, last in chunks)
    return {"seconds": seconds, "pages": pages, "chars": sum(len(t) for t, _ in done),
            "rate": pages / seconds if seconds else 0, "tasks": [s for _, s in done]}


def fts_index_pdfs(db: Path, files: list[list], workers: int) -> int:
    """The baseline's build with extraction: pdftotext in parallel, pages split on form feeds."""
    conn = fts_connect(db)
    with ThreadPoolExecutor(workers) as pool:
        texts = pool.map(lambda f: pdftotext_chunk(f[0], 1, f[1]), files)
        pages = 0
        for serial, ((path, _), text) in enumerate(zip(files, texts), 1):
            rows = [(serial * PAGES_PER_DOC_ROWIDS + n, t, str(serial), n, "overig", Path(path).name)
                    for n, t in enumerate(text.split("\f"), 1) if t.strip()]
            conn.executemany("INSERT INTO pages (rowid, content, doc_id, page, type, title) "
                             "VALUES (?, ?, ?, ?, ?, ?)", rows)
            pages += len(rows)
    conn.commit()
    conn.close()
    return pages


# -- query latency ----------------------------------------------------------------------------
def latencies(index: Path, db: Path, queries) -> dict:
    """Each query on Kamerzoek, then at once on FTS5, so both see the same moment of a noisy
    machine; wall time and this thread's CPU time, in ms."""
    from indexer.search import QueryError, SearchRequest, search
    from indexer.store import Store

    searcher = Store(index).open().searcher()   # one searcher, reused, as the web app does
    conn = sqlite3.connect(str(db))
    for q in WARMUP_QUERIES:
        search(searcher, SearchRequest(q))
    for q in WARMUP_QUERIES[:2]:
        fts_search(conn, f'"{q}"')
    out = {"kz": [], "kz_cpu": [], "fts": [], "fts_cpu": [], "kz_errors": 0, "fts_errors": 0}
    for q in queries:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            search(searcher, SearchRequest(q.text))
        except QueryError:
            out["kz_errors"] += 1
        out["kz"].append((time.perf_counter() - wall) * 1000)
        out["kz_cpu"].append((time.thread_time() - cpu) * 1000)
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            fts_search(conn, q.fts, q.type)
        except sqlite3.Error:
            out["fts_errors"] += 1
        out["fts"].append((time.perf_counter() - wall) * 1000)
        out["fts_cpu"].append((time.thread_time() - cpu) * 1000)
    searcher.close()
    conn.close()
    return out


# -- HTTP -------------------------------------------------------------------------------------
class Server:
    """A server process on 127.0.0.1: started, timed to its first answer, watched for memory."""

    def __init__(self, cmd: list[str], port: int, probe: str, log: Path):
        self.port = port
        self._log = open(log, "wb")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT)
        self.cold_start = self._first_answer(probe)
        self.peak_rss = 0
        self._stop = threading.Event()
        self._watch = threading.Thread(target=self._watch_memory, daemon=True)
        self._watch.start()

    def _first_answer(self, probe: str, timeout: float = 120.0) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: see {self._log.name}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                conn.request("GET", probe)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("server did not answer in time")

    def _watch_memory(self) -> None:
        """Peak RSS of the main process, and peak sum of proportional set sizes (PSS) over the
        process and its children (gunicorn's workers): pages shared between them count once."""
        import psutil
        proc = psutil.Process(self.process.pid)
        self.peak_pss = 0
        while not self._stop.is_set():
            try:
                self.peak_rss = max(self.peak_rss, proc.memory_info().rss)
                self.processes = 1
                total = proc.memory_full_info().pss
                for kid in proc.children(recursive=True):
                    try:
                        total += kid.memory_full_info().pss
                        self.processes += 1
                    except psutil.Error:
                        pass
                self.peak_pss = max(self.peak_pss, total)
            except psutil.Error:
                return
            self._stop.wait(0.2)

    def peak_mb(self) -> float:
        """The kernel's high-water mark (VmHWM) when readable, else the sampled maximum."""
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return max(int(line.split()[1]) * 1024, self.peak_rss) / 2**20
        except OSError:
            pass
        return self.peak_rss / 2**20

    def peak_pss_mb(self) -> float:
        return getattr(self, "peak_pss", 0) / 2**20

    def stop(self) -> None:
        self._stop.set()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def load(port: int, paths: list[str], clients: int, max_requests: int, max_seconds: float) -> dict:
    """`clients` threads, each with a keep-alive connection, until the requests or the time run out."""
    lock = threading.Lock()
    state = {"next": 0}
    times: list[float] = []
    errors = [0]
    deadline = time.perf_counter() + max_seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                n = state["next"]
                if n >= max_requests or time.perf_counter() > deadline:
                    break
                state["next"] += 1
            path = paths[n % len(paths)]
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                times.append(elapsed)
                if not ok:
                    errors[0] += 1
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {"times": times, "errors": errors[0], "wall": wall, "rate": len(times) / wall if wall else 0}


def kz_path(q) -> str:
    return "/api/search?" + urllib.parse.urlencode({"q": q.text})


def fts_path(q) -> str:
    args = {"q": q.fts}
    if q.type:
        args["type"] = q.type
    return "/api/search?" + urllib.parse.urlencode(args)


def kamerzoek_command() -> list[str]:
    exe = Path(sys.executable).parent / "kamerzoek"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "webapp"]


# -- the table --------------------------------------------------------------------------------
class Table:
    def __init__(self):
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, figure: str, kz, base, unit: str = "", target: str = "", ratio: bool = True,
            fmt: str = "{:,.1f}") -> None:
        def show(v):
            if v is None:
                return "n/a"
            if isinstance(v, str):
                return v
            return fmt.format(v) + (f" {unit}" if unit else "")
        r = ""
        if ratio and isinstance(kz, (int, float)) and isinstance(base, (int, float)) and base:
            r = f"{kz / base:,.2f}×"
        self.rows.append((figure, show(kz), show(base), r, target))

    def markdown(self) -> str:
        head = "| figure | Kamerzoek | SQLite FTS5 / pdftotext | ratio K/B | target |\n|---|---:|---:|---:|---|\n"
        return head + "\n".join(f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in self.rows)

    def text(self) -> str:
        widths = [max(len(r[i]) for r in self.rows + [("figure", "Kamerzoek", "baseline", "ratio", "target")])
                  for i in range(5)]
        lines = []
        for row in [("figure", "Kamerzoek", "baseline", "ratio", "target")] + self.rows:
            lines.append("  ".join(c.ljust(w) if i in (0, 4) else c.rjust(w) for i, (c, w) in
                                   enumerate(zip(row, widths))).rstrip())
        return "\n".join(lines)


def verdict(ok: bool, text: str) -> str:
    return f"{'met' if ok else 'MISSED'}: {text}"


# -- the run ----------------------------------------------------------------------------------
class Bench:
    """One run: each section adds its rows; a section that fails is reported and the rest goes on."""

    def __init__(self, args):
        self.args = args
        self.info = machine()
        self.work = Path(args.workdir) if args.workdir else Path(
            tempfile.mkdtemp(prefix=f"kamerzoek-bench-{args.size}-"))
        self.corpus, self.index, self.db = self.work / "corpus", self.work / "index", self.work / "fts5.db"
        self.workers = args.workers or self.info["nproc"]
        self.table = Table()
        self.notes: list[str] = []
        self.failed: list[str] = []
        self.manifest: list[dict] = []
        self.generator = generate.Generator(args.seed)
        self.queries = self.generator.queries(args.queries)
        self.full: dict = {}
        self.load_before = os.getloadavg()[1]

    def section(self, name: str, function) -> bool:
        try:
            function()
            return True
        except Exception as e:  # one broken figure must not cost the others
            self.failed.append(name)
            self.table.add(f"{name}: FAILED", "error", "error", ratio=False)
            self.notes.append(f"{name} failed: {type(e).__name__}: {str(e)[-1500:]}")
            say(f"{name} FAILED: {type(e).__name__}: {str(e)[-600:]}")
            return False

    # 1. The corpus: placeholders + sidecars, the text in Kamerzoek's extraction cache.
    def make_corpus(self) -> None:
        say(f"generating {self.args.size:,} pages (seed {self.args.seed}) in {self.work}")
        started = time.perf_counter()
        self.manifest = generate.write_corpus(self.corpus, self.index / "cache", self.args.size, self.args.seed)
        words = sum(m["words"] for m in self.manifest)
        say(f"{len(self.manifest):,} documents, {words:,} words in {time.perf_counter() - started:.0f} s")

    # 2. A full build from cached text, both engines, each in a fresh process.
    def build(self) -> None:
        size = self.args.size
        say("Kamerzoek: full build from cached text")
        kz = run_child("kz-build", index=str(self.index), paths=[str(self.corpus)], workers=self.workers)
        if kz["pages"] != size or kz["unreadable"]:
            raise RuntimeError(f"Kamerzoek indexed {kz['pages']} pages of {size}: {kz}")
        say(f"  {kz['seconds']:.1f} s")
        say("FTS5: full build from cached text")
        fts = run_child("fts-build", db=str(self.db), paths=[str(self.corpus)], cache=str(self.index / "cache"))
        self.full = {"kz": kz, "fts": fts}
        rate = size / kz["seconds"]
        self.table.add("index build from cached text", rate, size / fts["seconds"], "pages/s",
                       verdict(rate >= 500, "≥ 500 pages/s"), fmt="{:,.0f}")
        self.table.add("  the same per CPU second", size / kz["cpu"], size / fts["cpu"], "pages/s", fmt="{:,.0f}")
        self.table.add("peak memory, indexer (full build)", kz["peak_mb"], fts["peak_mb"], "MB", fmt="{:,.0f}")
        fts_mb = sum(p.stat().st_size for p in self.work.glob("fts5.db*")) / 2**20
        self.table.add("index size", folder_bytes(self.index / "whoosh") / 2**20, fts_mb, "MB")

    # 3. A reindex with nothing changed.
    def reindex_unchanged(self) -> None:
        say("reindex, nothing changed")
        kz = run_child("kz-build", index=str(self.index), paths=[str(self.corpus)], workers=self.workers)
        fts = run_child("fts-build", db=str(self.db), paths=[str(self.corpus)], cache=str(self.index / "cache"))
        if kz["pages"]:
            self.notes.append(f"the unchanged reindex wrote {kz['pages']} pages (expected 0)")
        files = len(self.manifest)
        if files >= 4000:
            scaled = kz["seconds"] * 5000 / files
            target = verdict(scaled <= 3, f"≤ 3 s on 5,000 files (scaled: {scaled:.2f} s)")
        else:
            target = "≤ 3 s on 5,000 files: judged at SIZE=100000"
        self.table.add(f"reindex, nothing changed ({files:,} files)", kz["seconds"], fts["seconds"], "s",
                       target, fmt="{:,.2f}")

    # 4. A reindex with 1% of the documents changed: new text, put in the cache as extraction would.
    def reindex_changed(self) -> None:
        from indexer.cache import TextCache

        rng = random.Random(self.args.seed + 1)
        changed = rng.sample(range(len(self.manifest)), max(1, round(len(self.manifest) / 100)))
        cache = TextCache(self.index / "cache")
        pages = 0
        time.sleep(0.01)  # a new mtime even on a coarse clock
        for n in changed:
            pages += self.manifest[n]["pages"]
            self.manifest[n] = generate.write_document(self.corpus, cache, self.generator.revise(self.manifest[n]))
        say(f"reindex, {len(changed)} documents ({pages:,} pages) changed")
        kz = run_child("kz-build", index=str(self.index), paths=[str(self.corpus)], workers=self.workers)
        fts = run_child("fts-build", db=str(self.db), paths=[str(self.corpus)], cache=str(self.index / "cache"))
        if kz["documents"] != len(changed):
            self.notes.append(f"the 1% reindex wrote {kz['documents']} documents, expected {len(changed)}")
        self.table.add(f"reindex, 1% changed ({len(changed)} docs, {pages:,} pages)", kz["seconds"],
                       fts["seconds"], "s", fmt="{:,.2f}")
        kz_pct = 100 * kz["seconds"] / self.full["kz"]["seconds"]
        fts_pct = 100 * fts["seconds"] / self.full["fts"]["seconds"]
        self.table.add("  as % of a full build", kz_pct, fts_pct, "%", verdict(kz_pct <= 5, "≤ 5%"))

    # 5. Query latency: the full answer against FTS5's top 10 with snippet().
    def latency(self) -> None:
        queries = self.queries
        say(f"query latency, {len(queries)} queries")
        got = latencies(self.index, self.db, queries)
        if got["kz_errors"] or got["fts_errors"]:
            self.notes.append(f"queries answered with an error: Kamerzoek {got['kz_errors']}, FTS5 {got['fts_errors']}")
        for p, limit, ms in ((50, 2, 30), (95, 4, 150), (99, None, None)):
            kz_p, fts_p = percentile(got["kz"], p), percentile(got["fts"], p)
            target = verdict(kz_p <= limit * fts_p, f"≤ {limit}× FTS5 (orientation ≤ {ms} ms)") if limit else ""
            self.table.add(f"query p{p} (top 10, 3 passages / snippet)", kz_p, fts_p, "ms", target)
        for p in (50, 95):
            self.table.add(f"  query p{p}, CPU time", percentile(got["kz_cpu"], p), percentile(got["fts_cpu"], p), "ms")
        slowest = sorted(zip(got["kz"], queries), key=lambda tq: -tq[0])[:8]
        self.notes.append("slowest Kamerzoek queries: " + "; ".join(f"{q.text} ({ms:,.0f} ms)" for ms, q in slowest))
        kinds: dict[str, tuple[list, list]] = {}
        for kz_ms, fts_ms, q in zip(got["kz"], got["fts"], queries):
            kinds.setdefault(q.kind, ([], []))
            kinds[q.kind][0].append(kz_ms)
            kinds[q.kind][1].append(fts_ms)
        self.notes.append("median ms by query kind, Kamerzoek / FTS5: " + ", ".join(
            f"{k} {statistics.median(a):,.0f} / {statistics.median(b):,.1f}" for k, (a, b) in sorted(kinds.items())))

    # 6. HTTP: cold start, then 1, 4 and 16 clients; the web process's peak memory.
    def web(self) -> None:
        say("HTTP: starting the servers")
        probe = self.queries[0]
        port, fport = free_port(), free_port()
        kz_server = Server(kamerzoek_command() + ["serve", "--index", str(self.index), "--host", "127.0.0.1",
                                                  "--port", str(port)], port, kz_path(probe),
                           self.work / "kz-serve.log")
        try:
            fts_server = Server([sys.executable, str(Path(__file__).resolve()), "--child", "fts-serve", "--params",
                                 json.dumps({"db": str(self.db), "port": fport})], fport, fts_path(probe),
                                self.work / "fts-serve.log")
        except Exception:
            kz_server.stop()
            raise
        try:
            self.table.add("cold start to first answer (web server)", kz_server.cold_start, fts_server.cold_start,
                           "s", verdict(kz_server.cold_start <= 1.5, "≤ 1.5 s"), fmt="{:,.2f}")
            offset = 0
            for clients in self.args.clients:
                say(f"HTTP: {clients} concurrent client{'s' if clients > 1 else ''}")
                ordered = self.queries[offset:] + self.queries[:offset]
                offset = (offset + self.args.http_requests) % len(self.queries)
                kz = load(port, [kz_path(q) for q in ordered], clients, self.args.http_requests,
                          self.args.http_seconds)
                fts = load(fport, [fts_path(q) for q in ordered], clients, self.args.http_requests,
                           self.args.http_seconds)
                label = f"HTTP {clients} client{'s' if clients > 1 else ''}"
                for p in (50, 95, 99):
                    kz_p, fts_p = percentile(kz["times"], p), percentile(fts["times"], p)
                    target = verdict(kz_p <= 3 * fts_p, "≤ 3× FTS5") if clients == 16 and p == 95 else ""
                    self.table.add(f"{label}: p{p}", kz_p, fts_p, "ms", target)
                target = (verdict(kz["rate"] >= 0.5 * fts["rate"] and not kz["errors"],
                                  f"≥ 0.5× FTS5, no failed request ({kz['errors']} failed)")
                          if clients == 16 else "")
                self.table.add(f"{label}: throughput", kz["rate"], fts["rate"], "req/s", target)
                self.notes.append(f"{label}: Kamerzoek {len(kz['times'])} requests in {kz['wall']:.1f} s "
                                  f"({kz['errors']} errors), FTS5 {len(fts['times'])} in {fts['wall']:.1f} s "
                                  f"({fts['errors']} errors)")
            kz_mb, fts_mb = kz_server.peak_mb(), fts_server.peak_mb()
            kz_pss, fts_pss = kz_server.peak_pss_mb(), fts_server.peak_pss_mb()
            kz_procs = getattr(kz_server, "processes", 1)
        finally:
            kz_server.stop()
            fts_server.stop()
        self.table.add("peak memory, web process (master, RSS)", kz_mb, fts_mb, "MB", fmt="{:,.0f}")
        self.table.add(f"peak memory, whole web server (sum of PSS, {kz_procs} processes)", kz_pss, fts_pss, "MB",
                       verdict(kz_pss <= 500, "≤ 500 MB"), fmt="{:,.0f}")

    # 7. Cold start of the library alone: a fresh process, open the index, one answer.
    def cold_library(self) -> None:
        probe = self.queries[0]
        kz = run_child("kz-cold", index=str(self.index), q=probe.text, started=time.time())
        fts = run_child("fts-cold", db=str(self.db), q=probe.fts, started=time.time())
        self.table.add("cold start to first answer (fresh process, library)", kz["seconds"], fts["seconds"], "s",
                       fmt="{:,.2f}")

    # 8. Extraction on real PDFs: pdfminer in Kamerzoek's workers against pdftotext.
    def extraction(self) -> None:
        sample = pick_sample(self.args.sample_pages)
        pages = sum(p for _, p in sample)
        poppler = shutil.which("pdftotext") is not None
        if not sample:
            self.notes.append(f"no sample PDFs under {SHARED}: the extraction figures are n/a")
        if not poppler:
            self.notes.append("pdftotext is not installed: its figures are n/a")
        say(f"extraction: {len(sample)} PDFs, {pages} pages")
        rates = {}
        for n in sorted({1, self.workers}):
            pm = pdfminer_rate(sample, n) if sample else None
            pt = pdftotext_rate(sample, n) if sample and poppler else None
            rates[n] = (pm, pt)
            self.table.add(f"extraction, {n} worker{'s' if n > 1 else ''} ({pages} pages)",
                           pm["rate"] if pm else None, pt["rate"] if pt else None, "pages/s")
        if sample and self.workers > 1:
            pm_up = rates[self.workers][0]["rate"] / rates[1][0]["rate"]
            pt_up = rates[self.workers][1]["rate"] / rates[1][1]["rate"] if poppler else None
            self.table.add(f"extraction speed-up, {self.workers} workers / 1", pm_up, pt_up, "×",
                           verdict(pm_up >= 1.8, "≥ 1.8×"), fmt="{:,.2f}")
            pm_bound = schedule_bound(rates[1][0]["tasks"], self.workers)
            pt_bound = schedule_bound(rates[1][1]["tasks"], self.workers) if poppler else None
            self.table.add(f"  speed-up the task sizes allow ({self.workers} workers)", pm_bound, pt_bound, "×",
                           fmt="{:,.2f}")
            longest = max(rates[1][0]["tasks"])
            self.notes.append(f"extraction: the longest pdfminer task took {longest:.1f} s of "
                              f"{sum(rates[1][0]['tasks']):.1f} s; on a busy machine the measured speed-up "
                              "falls below what the task sizes allow")
        else:
            self.table.add("extraction speed-up, all workers / 1", None, None, "×", "needs 2+ cores and a sample")
        if sample:
            kz = run_child("kz-build", index=str(self.work / "sample-index"), paths=[p for p, _ in sample],
                           workers=self.workers)
            fts = (run_child("fts-pdf-build", db=str(self.work / "sample-fts5.db"), files=sample,
                             workers=self.workers) if poppler else None)
            self.table.add(f"index build with extraction ({self.workers} workers)", pages / kz["seconds"],
                           pages / fts["seconds"] if fts else None, "pages/s")
            if kz["unreadable"]:
                self.notes.append(f"{kz['unreadable']} sample files were unreadable to Kamerzoek")
        else:
            self.table.add("index build with extraction", None, None, "pages/s")

    def run(self) -> int:
        args = self.args
        if self.work.exists() and args.workdir and not args.reuse:
            shutil.rmtree(self.work)
        self.work.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        if args.reuse:
            return self.rerun(started)
        try:
            if self.section("corpus", self.make_corpus) and self.section("build", self.build):
                self.section("reindex, nothing changed", self.reindex_unchanged)
                self.section("reindex, 1% changed", self.reindex_changed)
                self.section("query latency", self.latency)
                self.section("HTTP", self.web)
                self.section("cold start (library)", self.cold_library)
            self.section("extraction", self.extraction)
        finally:
            if not args.keep:
                shutil.rmtree(self.work, ignore_errors=True)
        self.report(time.perf_counter() - started)
        return 1 if self.failed else 0

    RERUNNABLE = {"latency": ("query latency", "latency"), "http": ("HTTP", "web"),
                  "cold": ("cold start (library)", "cold_library")}

    def rerun(self, started: float) -> int:
        """Only the query sections again, on the corpus and indexes a kept run left in --workdir
        (for a before/after comparison of the query side without rebuilding)."""
        if not (self.index.is_dir() and self.db.is_file()):
            raise SystemExit(f"--reuse: no kept index and fts5.db in {self.work} (run once with --keep)")
        self.manifest = [{} for _ in self.corpus.rglob("*.json")]
        for name in self.args.only:
            label, method = self.RERUNNABLE[name]
            self.section(label, getattr(self, method))
        self.notes.append("query sections only, on the indexes of a kept run (--reuse): "
                          + ", ".join(self.args.only))
        self.report(time.perf_counter() - started)
        return 1 if self.failed else 0

    def report(self, elapsed: float) -> None:
        args, info = self.args, self.info
        stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        header = (f"## {stamp} · {args.size:,} pages, {len(self.manifest):,} documents · commit {info['commit']}\n\n"
                  f"Machine: {info['nproc']} cores ({info['cpu']}), {info['ram_gib']:.1f} GiB RAM; "
                  f"Python {info['python']}, SQLite {info['sqlite']}, pdftotext {info['pdftotext']}. "
                  f"Seed {args.seed}, {len(self.queries)} queries, HTTP up to {args.http_requests} requests "
                  f"or {args.http_seconds:.0f} s per level, {self.workers} workers. "
                  f"The run took {elapsed / 60:.1f} min; load average (5 min) {self.load_before:.1f} "
                  f"before, {os.getloadavg()[1]:.1f} after.\n")
        body = header + "\n" + self.table.markdown() + "\n\n" + "\n".join(f"- {n}" for n in self.notes) + "\n"
        print(f"\nKamerzoek beside SQLite FTS5: {args.size:,} pages, {len(self.manifest):,} documents, "
              f"commit {info['commit']}\n")
        print(self.table.text())
        print()
        for note in self.notes:
            print(f"- {note}")
        results = Path(args.results)
        results.parent.mkdir(parents=True, exist_ok=True)
        existing = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
        results.write_text(existing.rstrip("\n") + "\n\n" + body, encoding="utf-8")
        say(f"appended to {results}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Kamerzoek beside SQLite FTS5 on the same generated pages.")
    parser.add_argument("--size", type=int, default=10_000, help="pages to generate (default 10,000)")
    parser.add_argument("--seed", type=int, default=20261, help="generator seed")
    parser.add_argument("--queries", type=int, default=240, help="queries to time (default 240)")
    parser.add_argument("--workers", type=int, default=0, help="extraction workers (default: all cores)")
    parser.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=[1, 4, 16],
                        help="concurrent HTTP clients, comma-separated (default 1,4,16)")
    parser.add_argument("--http-requests", type=int, default=200, help="requests per concurrency level")
    parser.add_argument("--http-seconds", type=float, default=90.0, help="time cap per concurrency level")
    parser.add_argument("--sample-pages", type=int, default=600, help="page budget of the PDF extraction sample")
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"), help="file the table is appended to")
    parser.add_argument("--workdir", help="work folder (default: a new temporary folder); emptied first")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--reuse", action="store_true",
                        help="with --workdir of a kept run: only the query sections again (see --only)")
    parser.add_argument("--only", type=lambda s: [x for x in s.split(",") if x], default=["latency"],
                        help="with --reuse: sections to run, of latency,http,cold (default latency)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--params", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, json.loads(args.params or "{}"))))
        return 0
    return Bench(args).run()


if __name__ == "__main__":
    sys.exit(main())
