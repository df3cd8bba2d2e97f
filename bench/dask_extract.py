"""Extraction through a loopback Dask cluster against the local worker pool, and the 20,000-page PDF.

    .venv/bin/python bench/dask_extract.py [--rounds 2] [--pages 20000]

Both executors get the same tasks (the sample's PDFs, whole files) with the same number of
workers (2); pages/s is pages extracted over wall time, rounds alternate local and cluster so
a busy machine weighs on both alike. The ratio cluster/local is the cluster's overhead.
Then the generated 20,000-page PDF is indexed (`kamerzoek index --timeout 300`, local pool).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bench.machine import cpu_model, git_commit  # noqa: E402
from indexer.build.dask_executor import DaskExecutor  # noqa: E402
from indexer.build.executors import LocalExecutor  # noqa: E402
from indexer.cache import file_sha256  # noqa: E402
from indexer.workers import Task  # noqa: E402


def sample() -> list[Path]:
    shared = ROOT.parent / "shared" / "corpus"
    pdfs = sorted(p for d in ("parliamentary", "government", "laws") for p in (shared / d).rglob("*.pdf"))
    return pdfs or sorted((ROOT / "corpus").glob("*.pdf"))


def run(executor, pdfs: list[Path]) -> tuple[int, float]:
    started = time.monotonic()
    pages = 0
    with executor:
        for n, path in enumerate(pdfs):
            executor.submit(Task(key=n, path=str(path), timeout=300))
        executor.start()
        for result in executor.as_completed():
            if result.extraction is not None:
                pages += len(result.extraction.pages)
    return pages, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pages", type=int, default=20000)
    args = parser.parse_args()
    from dask_support import Cluster

    pdfs = sample()
    files = {str(p): (file_sha256(p), p.stat().st_size) for p in pdfs}
    load_before = os.getloadavg()[1]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cluster = Cluster(Path(tmp) / "dask", workers=2, nanny=True).start()
        try:
            # One round untimed on the cluster: its workers import pdfminer and fork their readers.
            run(DaskExecutor(cluster.address, 2048, files), pdfs[:2])
            for _ in range(args.rounds):
                for kind in ("local", "dask"):
                    executor = LocalExecutor(2, 2048) if kind == "local" else \
                        DaskExecutor(cluster.address, 2048, files)
                    pages, seconds = run(executor, pdfs)
                    rows.append((kind, pages, seconds))
                    executor.close()
                    print(f"{kind}: {pages} pages in {seconds:.1f} s = {pages / seconds:.1f} pages/s", flush=True)
        finally:
            cluster.stop()

        from big_pdf import write_big_pdf
        big = write_big_pdf(Path(tmp) / "groot" / "groot.pdf", args.pages)
        started = time.monotonic()
        done = subprocess.run([str(Path(sys.executable).parent / "kamerzoek"), "index", "--json", "--workers", "2",
                               "--timeout", "300", "--index", str(Path(tmp) / "index"), str(big.parent)],
                              capture_output=True, text=True)
        big_seconds = time.monotonic() - started
        report = json.loads(done.stdout)
    local = [p / s for k, p, s in rows if k == "local"]
    dask = [p / s for k, p, s in rows if k == "dask"]
    rate_local, rate_dask = sum(local) / len(local), sum(dask) / len(dask)
    print(json.dumps({
        "machine": f"{os.cpu_count()} cores ({cpu_model()})", "commit": git_commit(ROOT),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "sample_pdfs": len(pdfs),
        "pages_per_round": rows[0][1], "local_pages_per_s": round(rate_local, 1),
        "dask_pages_per_s": round(rate_dask, 1), "ratio": round(rate_dask / rate_local, 3),
        "rounds": [(k, p, round(s, 1)) for k, p, s in rows],
        "big_pdf_pages": args.pages, "big_pdf_seconds": round(big_seconds, 1),
        "big_pdf_pages_indexed": report["pages_total"], "big_pdf_unreadable": report["unreadable"],
        "big_pdf_workers": report["workers"],
        "load_5min_before": round(load_before, 1), "load_5min_after": round(os.getloadavg()[1], 1),
    }, indent=2))


if __name__ == "__main__":
    main()
