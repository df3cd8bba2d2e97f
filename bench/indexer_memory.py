"""Peak resident memory of the `kamerzoek index` process itself (not its workers) on one
generated HTML file of N MB, against a run on one small file (the baseline, same script).

    .venv/bin/python bench/indexer_memory.py 200      # MB of HTML; takes minutes at 200
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

KAMERZOEK = os.path.join(os.path.dirname(sys.executable), "kamerzoek")


def run(folder: Path, index: Path) -> tuple[float, float, float]:
    started = time.monotonic()
    process = subprocess.Popen([KAMERZOEK, "index", str(folder), "--index", str(index), "--workers", "1",
                                "--timeout", "600", "--memory", "4096"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    main, peak, worker_peak = psutil.Process(process.pid), 0, 0
    while process.poll() is None:
        try:
            peak = max(peak, main.memory_info().rss)
            for child in main.children(recursive=True):
                worker_peak = max(worker_peak, child.memory_info().rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    if process.returncode != 0:
        sys.exit(f"kamerzoek index gave exit {process.returncode}")
    return peak / 2**20, worker_peak / 2**20, time.monotonic() - started


def main() -> None:
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory(prefix="kamerzoek-memory-") as tmp:
        small, big = Path(tmp, "klein"), Path(tmp, "groot")
        small.mkdir()
        big.mkdir()
        (small / "kort.txt").write_text("Een kort stuk over de visserij.\n", encoding="utf-8")
        paragraph = ("<p>Een alinea over de begroting, de visserij en de landbouw, herhaald tot het "
                     "bestand groot genoeg is.</p>\n").encode()
        with open(big / "groot.html", "wb") as handle:
            handle.write(b"<!doctype html><html><head><title>Groot</title></head><body>\n")
            block = paragraph * ((1 << 20) // len(paragraph) + 1)
            for _ in range(megabytes):
                handle.write(block)
            handle.write(b"</body></html>\n")
        base, _, _ = run(small, Path(tmp, "index-klein"))
        peak, worker, seconds = run(big, Path(tmp, "index-groot"))
        print(f"{megabytes} MB HTML: main process peak {peak:.0f} MB (baseline {base:.0f} MB, "
              f"{peak / base:.1f}x), worker peak {worker:.0f} MB, {seconds:.0f} s; load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
