"""How fast a rebuild into the engine runs, for one or more checkouts of Kamerzoek, turn by turn.

    python bench/engine_rebuild.py --engine opensearch://127.0.0.1:9250/rebuild --size 10000 \
        --code before=/work/base --code after=. --rounds 2

The bench's generated pages (bench/generate.py, from --seed) are written once into WORKDIR with
their text in the extraction cache; each checkout then runs `kamerzoek index --rebuild` from that
cache in a fresh process (PYTHONPATH set to the checkout), one after the other and alternating, so
all of them see the same moments of a shared machine. Per run: wall time, pages/s, the indexer
process's CPU, the nodes' CPU (their own counters, summed) and the index's health when the run
ends. Printed as a table; nothing is written to bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import generate  # noqa: E402  (bench/ is not a package)


def node_cpu_seconds(client) -> float:
    stats = client.nodes.stats(metric="process")["nodes"]
    return sum(n["process"]["cpu"]["total_in_millis"] for n in stats.values()) / 1000


def one_run(code: Path, work: Path, engine: str, workers: int) -> dict:
    from indexer.engines import parse_engine_url
    from opensearchpy import OpenSearch
    url = parse_engine_url(engine)
    client = OpenSearch(hosts=[{"host": h, "port": p} for h, p in url.hosts], timeout=60)
    cpu_before = node_cpu_seconds(client)
    env = {**os.environ, "PYTHONPATH": str(code)}
    cmd = [sys.executable, "-c", "import sys; from webapp.cli import main; sys.exit(main())",
           "index", str(work / "corpus"), "--rebuild", "--index", str(work / "engine"), "--engine", engine,
           "--workers", str(workers), "--json"]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{code}: exit {done.returncode}\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout)
    live = next(iter(client.indices.get_alias(name=url.index)))
    health = client.cluster.health(index=live)
    settings = client.indices.get_settings(index=live)[live]["settings"]["index"]
    return {"seconds": seconds, "pages": report["pages_total"], "node_cpu": node_cpu_seconds(client) - cpu_before,
            "status": health["status"], "replicas": settings.get("number_of_replicas")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", required=True)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--code", action="append", required=True, help="NAME=CHECKOUT (repeatable)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workdir", required=True, help="kept: the pages are generated once")
    args = parser.parse_args(argv)
    work = Path(args.workdir)
    if not (work / "corpus").exists():
        generate.write_corpus(work / "corpus", work / "whoosh" / "cache", args.size, args.seed)
        shutil.copytree(work / "whoosh" / "cache", work / "engine" / "cache")
    codes = [(c.split("=", 1)[0], Path(c.split("=", 1)[1]).resolve()) for c in args.code]
    rows = []
    for n in range(args.rounds):
        for name, code in codes:
            got = one_run(code, work, args.engine, args.workers)
            got.update(name=name, round=n + 1)
            rows.append(got)
            print(f"[{time.strftime('%H:%M:%S')}] {name} round {n + 1}: {got['seconds']:.1f} s, "
                  f"{got['pages'] / got['seconds']:.0f} pages/s, node CPU {got['node_cpu']:.1f} s, "
                  f"{got['status']}, replicas {got['replicas']}", file=sys.stderr, flush=True)
    print(f"load average {'/'.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("| checkout | round | seconds | pages/s | nodes' CPU s | health at the end | replicas |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['name']} | {r['round']} | {r['seconds']:.1f} | {r['pages'] / r['seconds']:.0f} | "
              f"{r['node_cpu']:.1f} | {r['status']} | {r['replicas']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
