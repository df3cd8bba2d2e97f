"""cProfile over the bench queries: where the full answer's time goes, on a kept bench index.

    python bench/run.py --size 10000 --workdir /tmp/kz-bench --keep     # once
    python bench/profile_queries.py --workdir /tmp/kz-bench [--top 30]

The queries are bench/run.py's (same seed and count); each is answered once through
``indexer.search.search`` on one reused searcher, as the latency section does. Prints the
wall and CPU time, then the functions with the most cumulative and the most own CPU time.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from run import WARMUP_QUERIES  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", required=True, help="the --workdir of a kept bench run")
    parser.add_argument("--seed", type=int, default=20261)
    parser.add_argument("--queries", type=int, default=240)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative,tottime")
    parser.add_argument("--cpu", action="store_true", help="time functions by CPU time, not wall time")
    parser.add_argument("--warm", action="store_true",
                        help="answer every query once first, then profile them again with the cached "
                             "scans dropped (what a long-running server sees: words and postings cached)")
    args = parser.parse_args(argv)

    from indexer.search import QueryError, SearchRequest, search
    from indexer.store import Store

    queries = generate.Generator(args.seed).queries(args.queries)
    searcher = Store(Path(args.workdir) / "index").open().searcher()
    from indexer.search import scan

    for q in WARMUP_QUERIES + ([q.text for q in queries] if args.warm else []):
        try:
            search(searcher, SearchRequest(q))
        except QueryError:
            pass
    scan._SCANS.clear()
    # --cpu: CPU time (the machine is shared), at the price of a slower clock in every call.
    profile = cProfile.Profile(time.process_time) if args.cpu else cProfile.Profile()
    wall, cpu = time.perf_counter(), time.process_time()
    profile.enable()
    for q in queries:
        try:
            search(searcher, SearchRequest(q.text))
        except QueryError:
            pass
    profile.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{len(queries)} queries: {wall:.2f} s wall, {cpu:.2f} s CPU under the profiler")
    for order in args.sort.split(","):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
