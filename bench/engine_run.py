"""Kamerzoek on a distributed engine (OpenSearch) beside Kamerzoek on Whoosh, on the same pages.

    python bench/engine_run.py --engine opensearch://127.0.0.1:9250/bench --size 100000
    make bench ENGINE=opensearch://127.0.0.1:9250/bench SIZE=100000   (after bench/run.py)

The bench's generated pages (bench/generate.py, deterministic from --seed) are written once with
their text in Kamerzoek's extraction cache; Whoosh and the engine are both built from that cache
(a rebuild into a new index behind the alias, bulk requests), each in a fresh process. Then the
full answer (top 10, passages, facets) of every query on both, one after the other so both see
the same moment of a noisy machine, with the share of queries whose top 10 holds the same
documents; then `kamerzoek serve` on each at 1, 4 and 16 clients; then the nodes' memory (RSS of
the node processes when they run on this machine, and their heaps). Figures are printed for both
with their ratio, and the table is appended to bench/RESULTS.md. The engine's index is left in
place (as `kamerzoek index --engine` would leave it).

    --whoosh DIR     a Whoosh index folder of the same pages (e.g. bench/run.py's kept
                     WORKDIR/index): its corpus and text cache are used, Whoosh is not built again
    --engine-only    the engine alone (the 1,000,000-page run): no Whoosh anywhere
    --workdir W      the build's figures are recorded in W/build.json; with --reuse a later run
                     takes them from there and runs only the query sections on the kept indexes
    --only S[,S]     sections to run, of build,latency,http,memory (without build: --reuse)
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import generate  # noqa: E402  (bench/ is not a package)
import run as base  # noqa: E402  (bench/run.py: percentiles, the HTTP load and server, machine)


def child(params: dict) -> dict:
    """A full build from cached text into a fresh index, in this (fresh) process."""
    from indexer.build import Options, build_index
    from indexer.engines import make_store
    store = make_store(Path(params["index"]), params.get("engine"))
    started, cpu = time.perf_counter(), time.process_time()
    report = build_index([Path(p) for p in params["paths"]], store,
                         Options(workers=params["workers"], rebuild=True))
    return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
            "pages": report.pages_indexed, "unreadable": len(report.unreadable), "peak_mb": base.peak_rss_mb()}


def run_child(**params) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(params)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"build failed ({out.returncode}):\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def latencies(whoosh_dir: Path | None, engine_url: str, engine_dir: Path, queries) -> dict:
    """Each query's full answer on Whoosh, then at once on the engine (wall time, ms), and
    whether the two top 10s hold the same documents (no Whoosh: the engine alone)."""
    from indexer.search import QueryError, SearchRequest, open_engine, search
    from indexer.search.answer import TOO_LONG
    engines = {"engine": open_engine(engine_url, engine_dir)}
    if whoosh_dir is not None:
        engines = {"whoosh": open_engine(None, whoosh_dir), **engines}
    for q in base.WARMUP_QUERIES:
        for e in engines.values():
            search(e, SearchRequest(q))
    out = {"whoosh": [], "engine": [], "errors": 0, "same_set": 0, "same_total": 0, "differ": [],
           "cut": {name: 0 for name in engines}}
    for q in queries:
        tops = {}
        for name, e in engines.items():
            started = time.perf_counter()
            try:
                answer = search(e, SearchRequest(q=q.text, types=[q.type] if q.type else []))
                tops[name] = ([r["doc_id"] for r in answer["results"]], answer["total"])
                # past the deadline (KAMERZOEK_QUERY_TIMEOUT) an answer holds what was found so far
                out["cut"][name] += TOO_LONG in (answer["notice"] or "")
            except QueryError:
                out["errors"] += 1
                tops[name] = ([], -1)
            out[name].append((time.perf_counter() - started) * 1000)
        if "whoosh" not in tops:
            continue
        (w_top, w_total), (e_top, e_total) = tops["whoosh"], tops["engine"]
        out["same_total"] += w_total == e_total
        if set(w_top) == set(e_top):
            out["same_set"] += 1
        else:
            out["differ"].append(q.text)
    for e in engines.values():
        e.close()
    return out


def node_memory(engine_url: str) -> dict:
    """Per node: heap used and its maximum (the engine's own figures), and the resident memory of
    the node's process when it runs on this machine."""
    import psutil
    from indexer.engines import parse_engine_url
    from opensearchpy import OpenSearch
    url = parse_engine_url(engine_url)
    client = OpenSearch(hosts=[{"host": h, "port": p} for h, p in url.hosts], use_ssl=url.tls, timeout=30)
    stats = client.nodes.stats(metric="jvm,process")["nodes"]
    nodes = []
    for node in stats.values():
        pid = (client.nodes.info(node_id=node["name"], metric="process")["nodes"] or {})
        pid = next(iter(pid.values()), {}).get("process", {}).get("id")
        try:
            rss = psutil.Process(int(pid)).memory_info().rss / 2**20 if pid else None
        except psutil.Error:
            rss = None
        nodes.append({"name": node["name"], "heap_used_mb": node["jvm"]["mem"]["heap_used_in_bytes"] / 2**20,
                      "heap_max_mb": node["jvm"]["mem"]["heap_max_in_bytes"] / 2**20, "rss_mb": rss})
    store = client.indices.stats(index=url.index, metric="store")["_all"]
    return {"nodes": nodes, "primaries_mb": store["primaries"]["store"]["size_in_bytes"] / 2**20,
            "total_mb": store["total"]["store"]["size_in_bytes"] / 2**20}


class Bench:
    def __init__(self, args):
        self.args = args
        self.info = base.machine()
        self.work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix=f"kz-engine-bench-{args.size}-"))
        self.corpus, self.engine_dir = self.work / "corpus", self.work / "engine"
        self.whoosh = None if args.engine_only else Path(args.whoosh) if args.whoosh else self.work / "whoosh"
        self.queries = generate.Generator(args.seed).queries(args.queries)
        self.table = base.Table()
        self.notes: list[str] = []
        self.load_before = os.getloadavg()
        self.workers = args.workers or self.info["nproc"]

    def add(self, figure, whoosh, engine, unit="", fmt="{:,.1f}"):
        self.table.add(figure, whoosh, engine, unit, fmt=fmt)

    def build(self) -> None:
        size, args = self.args.size, self.args
        w = None
        if args.whoosh:
            # The pages a Whoosh index already holds: the engine is built from its corpus and cache.
            from indexer.build.writer import totals
            from indexer.store import Store
            store = Store(self.whoosh)
            paths = store.roots()
            documents, pages = totals(store)
            if pages != size:
                raise RuntimeError(f"--whoosh {self.whoosh} holds {pages:,} pages, not --size {size:,}")
            base.say(f"Whoosh: {self.whoosh} reused ({documents:,} documents, {pages:,} pages of {', '.join(paths)})")
            shutil.copytree(self.whoosh / "cache", self.engine_dir / "cache", dirs_exist_ok=True)
        else:
            base.say(f"generating {size:,} pages in {self.work}")
            cache = (self.whoosh or self.engine_dir) / "cache"
            generate.write_corpus(self.corpus, cache, size, args.seed)
            paths = [str(self.corpus)]
            if self.whoosh is not None:
                shutil.copytree(cache, self.engine_dir / "cache", dirs_exist_ok=True)
                base.say("Whoosh: full build from cached text")
                w = run_child(index=str(self.whoosh), paths=paths, workers=self.workers)
                base.say(f"  {w['seconds']:.1f} s")
        base.say("engine: full build from cached text")
        e = run_child(index=str(self.engine_dir), engine=args.engine, paths=paths, workers=self.workers)
        base.say(f"  {e['seconds']:.1f} s")
        for name, got in (("Whoosh", w), ("engine", e)):
            if got is not None and (got["pages"] != size or got["unreadable"]):
                raise RuntimeError(f"{name} indexed {got['pages']} pages of {size}: {got}")
        record = {"size": size, "seed": args.seed, "engine": args.engine, "whoosh": str(self.whoosh or ""),
                  "paths": paths, "built": datetime.now().astimezone().isoformat(timespec="seconds"),
                  "commit": self.info["commit"], "load": os.getloadavg(), "whoosh_build": w, "engine_build": e}
        (self.work / "build.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
        self.add_build(record)

    def recorded_build(self) -> None:
        """The figures of the build a kept work folder records (--reuse)."""
        path = self.work / "build.json"
        if not path.is_file():
            raise SystemExit(f"--reuse: no build.json in {self.work} (run once with --workdir and --keep)")
        record = json.loads(path.read_text(encoding="utf-8"))
        for key in ("size", "seed", "engine"):
            if record[key] != getattr(self.args, key):
                raise SystemExit(f"--reuse: {path} records --{key} {record[key]}, not {getattr(self.args, key)}")
        self.whoosh = Path(record["whoosh"]) if record["whoosh"] and not self.args.engine_only else None
        self.notes.append(f"the build's figures are those recorded in {path} ({record['built']}, commit "
                          f"{record['commit']}, load {'/'.join(f'{x:.1f}' for x in record['load'])}); "
                          "this run reused its indexes")
        self.add_build(record)

    def add_build(self, record: dict) -> None:
        size, w, e = record["size"], record["whoosh_build"], record["engine_build"]
        self.add("index build from cached text", size / w["seconds"] if w else None, size / e["seconds"],
                 "pages/s", "{:,.0f}")
        self.add("  peak memory, indexer process", w["peak_mb"] if w else None, e["peak_mb"], "MB", "{:,.0f}")
        if not w and record["whoosh"]:
            self.notes.append(f"Whoosh was not built in this run: {record['whoosh']} was reused (--whoosh); "
                              "its build rate is in the run that built it")

    def latency(self) -> None:
        base.say(f"full answer, {len(self.queries)} queries on both")
        got = latencies(self.whoosh, self.args.engine, self.engine_dir, self.queries)
        for p in (50, 95, 99):
            self.add(f"full answer p{p} (top 10, passages, facets)",
                     base.percentile(got["whoosh"], p) if self.whoosh else None,
                     base.percentile(got["engine"], p), "ms")
        if got["errors"]:
            self.notes.append(f"{got['errors']} answers were errors")
        self.notes.append("answers cut by the deadline (KAMERZOEK_QUERY_TIMEOUT, "
                          f"{os.environ.get('KAMERZOEK_QUERY_TIMEOUT', '2')} s): "
                          + ", ".join(f"{name} {count}" for name, count in got["cut"].items()))
        if self.whoosh is None:
            return
        n = len(self.queries)
        self.table.add("same total of documents on both", f"{got['same_total']}/{n}", "", ratio=False)
        self.table.add("same documents in the top 10 on both", f"{got['same_set']}/{n} = {got['same_set'] / n:.3f}",
                       "", ratio=False, target="≥ 0.95")
        if got["differ"]:
            self.notes.append("top 10 differs for: " + "; ".join(got["differ"][:12]))

    def web(self) -> None:
        probe = base.kz_path(self.queries[0])
        serve = base.kamerzoek_command() + ["serve", "--host", "127.0.0.1"]
        servers = {}
        try:
            if self.whoosh is not None:
                port = base.free_port()
                servers["whoosh"] = base.Server(serve + ["--index", str(self.whoosh), "--port", str(port)], port,
                                                probe, self.work / "whoosh-serve.log")
            port = base.free_port()
            servers["engine"] = base.Server(serve + ["--index", str(self.engine_dir), "--engine", self.args.engine,
                                                     "--port", str(port)], port, probe, self.work / "engine-serve.log")
            ws, es = servers.get("whoosh"), servers["engine"]
            self.add("cold start to first answer (web server)", ws.cold_start if ws else None, es.cold_start,
                     "s", "{:,.2f}")
            paths = [base.kz_path(q) for q in self.queries]
            for clients in self.args.clients:
                base.say(f"HTTP: {clients} clients")
                got = {name: base.load(server.port, paths, clients, self.args.http_requests, self.args.http_seconds)
                       for name, server in servers.items()}
                w, e = got.get("whoosh"), got["engine"]
                label = f"HTTP {clients} client{'s' if clients > 1 else ''}"
                for p in (50, 95, 99):
                    self.add(f"{label}: p{p}", base.percentile(w["times"], p) if w else None,
                             base.percentile(e["times"], p), "ms")
                self.add(f"{label}: throughput", w["rate"] if w else None, e["rate"], "req/s")
                self.notes.append(f"{label}: " + (f"Whoosh {len(w['times'])} requests in {w['wall']:.1f} s "
                                                  f"({w['errors']} failed), " if w else "")
                                  + f"engine {len(e['times'])} in {e['wall']:.1f} s ({e['errors']} failed)")
            self.add("peak memory, whole web server (sum of PSS)", ws.peak_pss_mb() if ws else None,
                     es.peak_pss_mb(), "MB", "{:,.0f}")
        finally:
            for server in servers.values():
                server.stop()

    def memory(self) -> None:
        got = node_memory(self.args.engine)
        self.add("index size (engine: primaries)",
                 base.folder_bytes(self.whoosh / "whoosh") / 2**20 if self.whoosh else None,
                 got["primaries_mb"], "MB", "{:,.0f}")
        self.table.add("  engine with its replicas", "", f"{got['total_mb']:,.0f} MB", ratio=False)
        for node in got["nodes"]:
            rss = f"{node['rss_mb']:,.0f} MB RSS, " if node["rss_mb"] is not None else ""
            self.table.add(f"node {node['name']}", "", f"{rss}heap {node['heap_used_mb']:,.0f} of "
                           f"{node['heap_max_mb']:,.0f} MB", ratio=False)

    SECTIONS = ("build", "latency", "http", "memory")

    def run(self) -> int:
        started, failed = time.perf_counter(), []
        steps = {"build": self.build, "latency": self.latency, "http": self.web, "memory": self.memory}
        only = self.args.only or list(self.SECTIONS)
        keep = self.args.keep or self.args.reuse
        try:
            if self.args.reuse and "build" not in only:
                self.recorded_build()
            for name in self.SECTIONS:
                if name not in only:
                    continue
                try:
                    steps[name]()
                except Exception as e:  # one broken figure must not cost the others
                    failed.append(name)
                    self.notes.append(f"{name} failed: {type(e).__name__}: {str(e)[-1500:]}")
                    base.say(f"{name} FAILED: {e}")
                    if name == "build":
                        break
        finally:
            if not keep:
                shutil.rmtree(self.work, ignore_errors=True)
        if self.args.only:
            self.notes.append("sections run: " + ", ".join(n for n in self.SECTIONS if n in only))
        self.report(time.perf_counter() - started)
        return 1 if failed else 0

    def report(self, elapsed: float) -> None:
        info, args = self.info, self.args
        stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        what = "engine alone" if self.whoosh is None else "engine beside Whoosh"
        header = (f"## {stamp} · {what} · {args.size:,} pages · commit {info['commit']}\n\n"
                  f"`bench/engine_run.py --engine {args.engine}`. Machine: {info['nproc']} cores ({info['cpu']}), "
                  f"{info['ram_gib']:.1f} GiB RAM, shared with other sessions; the engine's nodes run on the "
                  f"same machine. Seed {args.seed}, {len(self.queries)} queries, HTTP up to {args.http_requests} "
                  f"requests or {args.http_seconds:.0f} s per level. The run took {elapsed / 60:.1f} min; "
                  f"load average (1/5/15 min) {'/'.join(f'{x:.1f}' for x in self.load_before)} before, "
                  f"{'/'.join(f'{x:.1f}' for x in os.getloadavg())} after.\n")
        table = self.table.markdown().replace("| Kamerzoek | SQLite FTS5 / pdftotext | ratio K/B |",
                                              "| Whoosh | engine | ratio W/E |")
        body = header + "\n" + table + "\n\n" + "\n".join(f"- {n}" for n in self.notes) + "\n"
        print("columns: Whoosh, engine, ratio Whoosh / engine")
        print(self.table.text())
        for note in self.notes:
            print(f"- {note}")
        results = Path(args.results)
        existing = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
        results.write_text(existing.rstrip("\n") + "\n\n" + body, encoding="utf-8")
        base.say(f"appended to {results}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", help="opensearch://HOST:PORT/INDEX (what `make cluster` prints)")
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261)
    parser.add_argument("--queries", type=int, default=240)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=[1, 4, 16])
    parser.add_argument("--http-requests", type=int, default=200)
    parser.add_argument("--http-seconds", type=float, default=90.0)
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"))
    parser.add_argument("--workdir", help="work folder (default: a new temporary one); build.json records the build")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--whoosh", metavar="DIR", help="reuse this Whoosh index of the same pages (its corpus "
                        "and text cache) instead of building one")
    parser.add_argument("--engine-only", action="store_true", help="the engine alone, no Whoosh")
    parser.add_argument("--reuse", action="store_true", help="with --workdir of a kept run: the build recorded "
                        "in its build.json, the query sections on its indexes")
    parser.add_argument("--only", type=lambda s: [x for x in s.split(",") if x], default=None,
                        help="sections to run, of build,latency,http,memory (default all)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    if not args.engine:
        parser.error("--engine is required")
    unknown = [x for x in args.only or [] if x not in Bench.SECTIONS]
    if unknown:
        parser.error(f"--only: unknown section {', '.join(unknown)} (of {','.join(Bench.SECTIONS)})")
    if args.reuse and not args.workdir:
        parser.error("--reuse needs the --workdir of a kept run")
    if args.only and "build" not in args.only and not args.reuse:
        parser.error("--only without build needs --reuse (the indexes of a kept run)")
    if args.whoosh and args.engine_only:
        parser.error("--whoosh and --engine-only exclude each other")
    return Bench(args).run()


if __name__ == "__main__":
    sys.exit(main())
