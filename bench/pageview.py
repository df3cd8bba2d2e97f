"""Page view: how long a PDF page takes to render at 1,600 px wide, and to find its word positions.

Kamerzoek's render (pypdfium2 + JPEG) beside poppler's `pdftoppm -jpeg` at the same width in
the same run (the baseline), on the project's corpus and, when present, ../shared's PDFs.
Prints a table and appends it to bench/RESULTS.md.

    .venv/bin/python bench/pageview.py [--pages 60]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from machine import cpu_model, git_commit  # noqa: E402

from indexer.pageview import PageCache, cached_image, page_size, render_jpeg  # noqa: E402
from indexer.extract.positions import text_layer_words  # noqa: E402

WIDTH = 1600


def sample(limit: int) -> list[tuple[Path, int]]:
    pdfs = sorted((ROOT / "corpus").glob("*.pdf"))
    shared = ROOT.parent / "shared" / "corpus"
    if shared.is_dir():
        pdfs += sorted(shared.rglob("*.pdf"))[:40]
    pages = []
    for pdf in pdfs:
        try:
            count = page_size(pdf, 1).count
        except Exception:
            continue
        pages += [(pdf, n) for n in range(1, min(count, 5) + 1)]
    return pages[:limit]


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def poppler(pdf: Path, n: int, out: str) -> None:
    subprocess.run(["pdftoppm", "-jpeg", "-scale-to-x", str(WIDTH), "-scale-to-y", "-1", "-f", str(n), "-l", str(n),
                    "-singlefile", str(pdf), out], check=True, capture_output=True)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=60)
    args = parser.parse_args()
    pages = sample(args.pages)
    load_before = os.getloadavg()
    render_jpeg(*pages[0], WIDTH)  # warm-up: loads pdfium
    ours, base, words, cached = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        cache = PageCache(Path(tmp) / "cache", 1 << 30)
        for pdf, n in pages:
            base.append(timed(lambda: poppler(pdf, n, os.path.join(tmp, "p"))))
            ours.append(timed(lambda: cached_image(cache, pdf.name, pdf, n, WIDTH)))
            cached.append(timed(lambda: cached_image(cache, pdf.name, pdf, n, WIDTH)))
            words.append(timed(lambda: text_layer_words(pdf, n)))
    rows = [
        ("render 1,600 px + JPEG, cold (pypdfium2 / pdftoppm)", ours, base),
        ("same page again, from the disk cache", cached, base),
        ("word positions of the page (pdfminer), per view of an uncached page", words, None),
    ]
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"## Page view — {stamp} · {len(pages)} pages · commit {git_commit(ROOT)}", "",
             f"Machine: {os.cpu_count()} cores, {cpu_model()}; load average (1/5/15 min) "
             f"{'/'.join(f'{x:.1f}' for x in load_before)} before, "
             f"{'/'.join(f'{x:.1f}' for x in os.getloadavg())} after: shared with other sessions while "
             "measured, so read the ratios. Target: a page renders within 300 ms at 1,600 px.", "",
             "| figure | p50 ms | p95 ms | max ms | baseline p50 ms | ratio p50 |", "|---|---|---|---|---|---|"]
    for name, values, baseline in rows:
        b50 = statistics.median(baseline) if baseline else None
        lines.append(f"| {name} | {statistics.median(values):.0f} | {pct(values, 95):.0f} | {max(values):.0f} | "
                     f"{f'{b50:.0f}' if b50 else '–'} | {f'{statistics.median(values) / b50:.2f}' if b50 else '–'} |")
    within = sum(1 for v in ours if v <= 300)
    lines += ["", f"{within} of {len(ours)} cold renders within 300 ms.", ""]
    text = "\n".join(lines)
    print(text)
    with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as f:
        f.write("\n" + text + "\n")


if __name__ == "__main__":
    main()
