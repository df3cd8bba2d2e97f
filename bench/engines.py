"""The same search on Whoosh and on a distributed engine: do both give the same top 10?

    python bench/engines.py --engine opensearch://127.0.0.1:9250/agree --pages 800 --queries 240

Writes the bench's generated pages (bench/generate.py, deterministic from --seed) once, builds a
Whoosh index from them and the engine's index from the same text cache, runs the bench's
queries through Kamerzoek's search on both and prints: queries whose total differs (must be
none: both match the same pages), the share with the same set of documents in the top 10 (the
issue asks at least 0.95), the share with the same order, and the queries that differ.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import generate  # noqa: E402  (bench/ is not a package)


def top10(engine, q) -> tuple[list[str], int]:
    from indexer.search import SearchRequest, search
    answer = search(engine, SearchRequest(q=q.text, types=[q.type] if q.type else [], per_page=10))
    return [r["doc_id"] for r in answer["results"]], answer["total"]


def build_pair(base: Path, engine_url: str, pages: int, seed: int):
    """(Whoosh index folder, engine store) over the same generated pages and text cache."""
    from indexer.build import Options, build_index
    from indexer.engines import make_store
    from indexer.store import Store
    generate.write_corpus(base / "docs", base / "whoosh" / "cache", pages, seed=seed)
    build_index([base / "docs"], Store(base / "whoosh"), Options(workers=2))
    shutil.copytree(base / "whoosh" / "cache", base / "engine" / "cache")
    store = make_store(base / "engine", engine_url)
    started = time.monotonic()
    build_index([base / "docs"], store, Options(workers=2, rebuild=True))
    return base / "whoosh", store, time.monotonic() - started


def compare(whoosh_dir: Path, store, queries) -> dict:
    """Per query: the same total, the same top-10 set, the same top-10 order."""
    from indexer.engines.opensearch_engine import OpenSearchEngine
    from indexer.search import open_engine
    whoosh, other = open_engine(None, whoosh_dir), OpenSearchEngine(store)
    out = {"queries": len(queries), "same_total": 0, "same_set": 0, "same_order": 0, "differ": [],
           "totals_differ": [], "seconds": {"whoosh": 0.0, "engine": 0.0}}
    for q in queries:
        t0 = time.monotonic()
        w_top, w_total = top10(whoosh, q)
        t1 = time.monotonic()
        o_top, o_total = top10(other, q)
        out["seconds"]["whoosh"] += t1 - t0
        out["seconds"]["engine"] += time.monotonic() - t1
        if w_total == o_total:
            out["same_total"] += 1
        else:
            out["totals_differ"].append((q.text, w_total, o_total))
        if set(w_top) == set(o_top):
            out["same_set"] += 1
        else:
            out["differ"].append((q.kind, q.text, sorted(set(w_top) - set(o_top)), sorted(set(o_top) - set(w_top))))
        out["same_order"] += w_top == o_top
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", required=True, help="opensearch://HOST:PORT/INDEX (the index is rebuilt)")
    parser.add_argument("--pages", type=int, default=800)
    parser.add_argument("--queries", type=int, default=240)
    parser.add_argument("--seed", type=int, default=20261)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temporary one)")
    args = parser.parse_args(argv)
    base = args.keep or Path(tempfile.mkdtemp(prefix="kz-engines-"))
    try:
        whoosh_dir, store, build_s = build_pair(base, args.engine, args.pages, args.seed)
        queries = generate.Generator(args.seed).queries(args.queries)
        r = compare(whoosh_dir, store, queries)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    n = r["queries"]
    print(f"pages {args.pages}, queries {n}, engine build {build_s:.1f} s")
    print(f"same total: {r['same_total']}/{n}")
    print(f"same top-10 set: {r['same_set']}/{n} = {r['same_set'] / n:.3f}")
    print(f"same top-10 order: {r['same_order']}/{n} = {r['same_order'] / n:.3f}")
    print(f"query time: Whoosh {r['seconds']['whoosh']:.1f} s, engine {r['seconds']['engine']:.1f} s")
    for item in r["totals_differ"]:
        print("  total differs:", item)
    for item in r["differ"]:
        print("  top 10 differs (only Whoosh, only engine):", item)
    return 0 if not r["totals_differ"] else 1


if __name__ == "__main__":
    sys.exit(main())
