"""Load on the production server while `kamerzoek index` adds documents.

    python bench/load.py                       # make bench-load: 1, 4 and 16 clients
    python bench/load.py --requests 100 --docs 10 --no-write

For each concurrency level: a batch of new documents, each carrying a number found nowhere
else, is indexed by `kamerzoek index` in a subprocess while that many clients send a fixed
number of requests (search pages, API searches, document pages, a filtered search and the
new number) to `kamerzoek serve` (gunicorn) on 127.0.0.1. The clients go on until both their
requests are done and the indexer has finished, within a time limit. Counted: failed
requests (an error status, a broken connection, a malformed answer: must be 0); the moment
the number's search switches from the old state to the new one after the commit, and that
no answer goes back to the old state after that; p50/p95 latency per level. The table is
appended to bench/RESULTS.md with the date, the machine and the commit.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))  # bench/ is not a package; the tests load this file by its path

import machine as machine_info  # noqa: E402
CORPUS = ROOT / "corpus"
REFRESH = 1.0  # seconds between a server thread's checks for a new commit (KAMERZOEK_REFRESH)
SERVING = re.compile(r"Kamerzoek op http://[^:]+:(\d+)/")

SENTENCES = [
    "De dreiging van terugkeerders uit Syrië blijft onverminderd aanwezig.",
    "De Nationaal Coördinator Terrorismebestrijding en Veiligheid volgt de ontwikkelingen nauwgezet.",
    "Gemeenten werken samen met de politie in het casusoverleg over radicalisering.",
    "Online propaganda van jihadistische groepen bereikt vooral jongeren.",
    "De Kamer verzoekt de regering het toezicht op veroordeelde terroristen te versterken.",
]


def kamerzoek_exe() -> str:
    exe = Path(sys.executable).parent / "kamerzoek"
    return str(exe) if exe.exists() else (shutil.which("kamerzoek") or "kamerzoek")


def marker(level: int) -> str:
    """A number in no shipped document: the new batch's word for this level."""
    return f"731{level:04d}"


def write_batch(folder: Path, level: int, docs: int) -> None:
    """Plain-text documents of a few pages' worth, each with this level's marker number."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(docs):
        paragraphs = [f"Belastingsdocument {n} voor niveau {level}, kenmerk {marker(level)}."]
        for p in range(12):
            paragraphs.append(" ".join(SENTENCES[(n + p + i) % len(SENTENCES)] for i in range(6))
                              + f" Alinea {p} van stuk {n}.")
        (folder / f"load-{level:02d}-{n:04d}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")


# -- the server --------------------------------------------------------------------------------
class Server:
    def __init__(self, index_dir: Path, log_path: Path, threads: int):
        self._log = open(log_path, "wb")
        self.log_path = log_path
        env = {**os.environ, "KAMERZOEK_REFRESH": str(REFRESH)}
        self.process = subprocess.Popen(
            [kamerzoek_exe(), "serve", "--index", str(index_dir), "--host", "127.0.0.1", "--port", "0",
             "--threads", str(threads)], stdout=self._log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 30
        self.port = None
        while self.port is None:
            match = SERVING.search(log_path.read_text(errors="replace"))
            if match:
                self.port = int(match.group(1))
            elif self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("kamerzoek serve did not start:\n" + log_path.read_text(errors="replace"))
            else:
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


# -- the clients -------------------------------------------------------------------------------
@dataclass
class Sample:
    started: float          # monotonic
    seconds: float
    path: str
    ok: bool
    error: str = ""
    marker_total: int | None = None   # "total" of an API answer


@dataclass
class Level:
    clients: int
    docs: int
    samples: list[Sample] = field(default_factory=list)
    index_started: float = 0.0
    index_finished: float = 0.0
    index_exit: int | None = None
    switched_at: float | None = None
    stale_after_switch: int = 0
    out_of_range: int = 0
    timed_out: bool = False

    @property
    def failures(self) -> list[Sample]:
        return [s for s in self.samples if not s.ok]

    def percentile(self, p: float) -> float:
        times = sorted(s.seconds for s in self.samples)
        if not times:
            return 0.0
        k = max(0, min(len(times) - 1, round(p / 100 * len(times) + 0.5) - 1))
        return times[k] * 1000


class Client:
    """One keep-alive connection; any error status, broken connection or bad body is a failure."""

    def __init__(self, port: int):
        self.port = port
        self.conn = None

    def get(self, path: str) -> Sample:
        started = time.monotonic()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request("GET", path)
            response = self.conn.getresponse()
            body = response.read()
            seconds = time.monotonic() - started
            if response.status != 200:
                return Sample(started, seconds, path, False, f"HTTP {response.status}")
            if path.startswith("/api/"):
                answer = json.loads(body)
                return Sample(started, seconds, path, True, marker_total=answer["total"])
            if b"</html>" not in body:
                return Sample(started, seconds, path, False, "truncated page")
            return Sample(started, seconds, path, True)
        except (OSError, http.client.HTTPException, ValueError, KeyError) as e:
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return Sample(started, time.monotonic() - started, path, False, f"{type(e).__name__}: {e}")


def request_mix(doc_id: str, level: int) -> list[str]:
    number = marker(level)
    return [
        "/?q=terugkeerders",
        f"/api/search?q={number}",
        "/api/search?q=coordinator",
        "/?q=" + quote('"open samenleving" NIET inmenging'),
        f"/api/search?q={number}",
        f"/document/{doc_id}?q=terugkeerders",
        "/?q=terrorisme&type=dreigingsbeeld",
        f"/?q={number}",
        "/api/search?q=jihadisme&sort=newest",
        f"/api/search?q={number}",
    ]


def run_level(port: int, index_dir: Path, work: Path, clients: int, requests: int, docs: int,
              time_limit: float, doc_id: str) -> Level:
    level = Level(clients=clients, docs=docs)
    batch = work / f"batch-{clients:02d}"
    write_batch(batch, clients, docs)
    probe = Client(port)
    before = probe.get(f"/api/search?q={marker(clients)}")
    if not before.ok or before.marker_total != 0:
        raise RuntimeError(f"the marker {marker(clients)} is already in the index: {before}")

    mix = request_mix(doc_id, clients)
    lock = threading.Lock()
    counter = iter(range(10**9))
    stop_at = time.monotonic() + time_limit
    indexer_done = threading.Event()

    def work_loop():
        client = Client(port)
        while True:
            with lock:
                n = next(counter)
            if n >= requests and indexer_done.is_set():
                # Enough requests, and the commit seen: one last marker search per client.
                sample = client.get(f"/api/search?q={marker(clients)}")
                with lock:
                    level.samples.append(sample)
                return
            if time.monotonic() > stop_at:
                level.timed_out = True
                return
            sample = client.get(mix[n % len(mix)])
            with lock:
                level.samples.append(sample)

    log = open(work / f"index-{clients:02d}.log", "wb")
    level.index_started = time.monotonic()
    indexer = subprocess.Popen([kamerzoek_exe(), "index", str(batch), "--index", str(index_dir), "--quiet"],
                               stdout=log, stderr=subprocess.STDOUT)
    threads = [threading.Thread(target=work_loop) for _ in range(clients)]
    for t in threads:
        t.start()
    try:
        level.index_exit = indexer.wait(timeout=time_limit)
    except subprocess.TimeoutExpired:
        indexer.kill()
        level.index_exit = indexer.wait()
        level.timed_out = True
    level.index_finished = time.monotonic()
    # The clients see the new state within the refresh interval; give them that before they stop.
    time.sleep(REFRESH + 0.5)
    indexer_done.set()
    for t in threads:
        t.join()
    log.close()

    # The switch: the first answer with every new document; no old-state answer may start later
    # than one refresh interval after it (each server thread refreshes on its own).
    number = marker(clients)
    markers = sorted((s for s in level.samples if s.marker_total is not None and s.path.endswith(f"q={number}")),
                     key=lambda s: s.started)
    for s in markers:
        if s.marker_total not in range(0, docs + 1):
            level.out_of_range += 1
        if s.marker_total == docs and level.switched_at is None:
            level.switched_at = s.started + s.seconds
    if level.switched_at is not None:
        level.stale_after_switch = sum(1 for s in markers
                                       if s.started > level.switched_at + REFRESH + 0.25 and s.marker_total != docs)
    return level


def run_load(levels=(1, 4, 16), requests: int = 400, docs: int = 100, time_limit: float = 300.0,
             workdir: Path | None = None, threads: int = 8, progress=print) -> dict:
    """Build an index of corpus/, serve it, and run each level; returns the measurements."""
    own = workdir is None
    work = Path(tempfile.mkdtemp(prefix="kamerzoek-load-")) if own else Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    index_dir = work / "index"
    server = None
    try:
        subprocess.run([kamerzoek_exe(), "index", str(CORPUS), "--index", str(index_dir), "--quiet"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        server = Server(index_dir, work / "serve.log", threads)
        first = Client(server.port).get("/api/search?q=terugkeerders")
        if not first.ok:
            raise RuntimeError(f"the server does not answer: {first.error}")
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("GET", "/api/search?q=terugkeerders")
        doc_id = json.loads(conn.getresponse().read())["results"][0]["doc_id"]
        conn.close()
        results = []
        for clients in levels:
            progress(f"{clients} client(s): {requests} requests while indexing {docs} documents …")
            level = run_level(server.port, index_dir, work, clients, requests, docs, time_limit, doc_id)
            results.append(level)
            progress("  " + summary_line(level))
        return {"levels": results, "server_log": (work / "serve.log").read_text(errors="replace")}
    finally:
        if server is not None:
            server.stop()
        if own:
            shutil.rmtree(work, ignore_errors=True)


def summary_line(level: Level) -> str:
    switch = (f"{level.switched_at - level.index_finished:+.2f} s after the indexer exited"
              if level.switched_at is not None else "never")
    return (f"{len(level.samples)} requests, {len(level.failures)} failed, p50 {level.percentile(50):.1f} ms, "
            f"p95 {level.percentile(95):.1f} ms; indexing {level.index_finished - level.index_started:.1f} s "
            f"(exit {level.index_exit}); switch {switch}; old answers after the switch: {level.stale_after_switch}")


# -- the report --------------------------------------------------------------------------------
def machine() -> dict:
    return {"nproc": os.cpu_count() or 1, "cpu": machine_info.cpu_model(),
            "commit": machine_info.git_commit(ROOT)}


def table(levels: list[Level], requests: int, docs: int, threads: int) -> str:
    m = machine()
    lines = [
        f"## Load during a reindex — {datetime.now().strftime('%Y-%m-%d %H:%M')}",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}); commit {m['commit']}. `kamerzoek serve` (gunicorn, "
        f"{threads} threads a process) on 127.0.0.1 with an index of corpus/; per level at least {requests} requests while "
        f"`kamerzoek index` adds {docs} documents. Latency is per request, client side.",
        "",
        "| clients | requests | failed | p50 ms | p95 ms | max ms | req/s | indexing s | switch after exit s "
        "| old answers after switch |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in levels:
        span = (max(s.started + s.seconds for s in level.samples) - min(s.started for s in level.samples)
                if level.samples else 0)
        switch = f"{level.switched_at - level.index_finished:+.2f}" if level.switched_at is not None else "never"
        lines.append(
            f"| {level.clients} | {len(level.samples)} | {len(level.failures)} | {level.percentile(50):.1f} | "
            f"{level.percentile(95):.1f} | {max((s.seconds for s in level.samples), default=0) * 1000:.0f} | "
            f"{len(level.samples) / span if span else 0:.0f} | {level.index_finished - level.index_started:.1f} | "
            f"{switch} | {level.stale_after_switch} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,4,16", help="concurrent clients per level, comma-separated")
    parser.add_argument("--requests", type=int, default=400, help="requests per level (at least)")
    parser.add_argument("--docs", type=int, default=300, help="documents the indexer adds per level")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds allowed per level")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"), help="file the table is appended to")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",") if n.strip()]
    outcome = run_load(levels, args.requests, args.docs, args.time_limit, threads=args.threads,
                       progress=lambda line: print(line, flush=True))
    report = table(outcome["levels"], args.requests, args.docs, args.threads)
    print()
    print(report)
    problems = []
    for level in outcome["levels"]:
        for sample in level.failures[:5]:
            problems.append(f"{level.clients} clients: {sample.path}: {sample.error}")
        if level.switched_at is None:
            problems.append(f"{level.clients} clients: the new documents never appeared")
        if level.stale_after_switch or level.out_of_range:
            problems.append(f"{level.clients} clients: {level.stale_after_switch} old answers after the switch")
        if level.index_exit != 0:
            problems.append(f"{level.clients} clients: kamerzoek index exited with {level.index_exit}")
        if level.timed_out:
            problems.append(f"{level.clients} clients: the time limit was reached")
    if not args.no_write:
        with open(args.results, "a", encoding="utf-8") as out:
            out.write("\n" + report)
            if problems:
                out.write("\nProblems: " + "; ".join(problems) + "\n")
        print(f"Appended to {args.results}")
    for problem in problems:
        print("PROBLEM:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
