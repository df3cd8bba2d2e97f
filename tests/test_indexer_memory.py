"""The indexer's own process (the one writing the index) holds a long text in bounded pieces:
its pages cross the worker pipe in parts, the cache is written page by page, and a document
of many millions of characters is written in a commit whose postings spill to disk.

A 16 MB HTML file here (a 200 MB one takes minutes: bench/RESULTS.md has those numbers). Its
growth over a run on one small file stays under four times the file's size; before these
bounds it was five times (79 MB over a 48 MB base), and at 200 MB the main process reached
672 MB, outside --memory."""
from __future__ import annotations

import subprocess
import time

import psutil

from conftest import kamerzoek_exe

FILE_MB = 16


def peak_rss_of_run(folder, index) -> int:
    """The highest resident memory of the `kamerzoek index` process itself (not its workers)."""
    process = subprocess.Popen([kamerzoek_exe(), "index", str(folder), "--index", str(index),
                                "--workers", "1", "--timeout", "300", "--memory", "2048"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    main, peak = psutil.Process(process.pid), 0
    while process.poll() is None:
        try:
            peak = max(peak, main.memory_info().rss)
        except psutil.Error:
            pass
        time.sleep(0.02)
    out, err = process.communicate()
    assert process.returncode == 0, (out + err).decode(errors="replace")
    assert b"Traceback" not in err
    return peak


def test_the_main_process_holds_a_long_text_in_bounded_pieces(tmp_path):
    small, big = tmp_path / "klein", tmp_path / "groot"
    small.mkdir()
    big.mkdir()
    (small / "kort.txt").write_text("Een kort stuk over de visserij.\n", encoding="utf-8")
    paragraph = ("<p>Een alinea over de begroting, de visserij en de landbouw, herhaald tot het "
                 "bestand zestien megabyte groot is.</p>\n").encode()
    with open(big / "groot.html", "wb") as handle:
        handle.write(b"<!doctype html><html><head><title>Groot</title></head><body>\n")
        handle.write(paragraph * (FILE_MB * (1 << 20) // len(paragraph)))
        handle.write(b"</body></html>\n")

    base = peak_rss_of_run(small, tmp_path / "index-klein")
    peak = peak_rss_of_run(big, tmp_path / "index-groot")
    growth_mb = (peak - base) / (1 << 20)
    assert growth_mb < 4 * FILE_MB, f"{growth_mb:.0f} MB more than a run on one small file"

    search = subprocess.run([kamerzoek_exe(), "search", "landbouw", "--index", str(tmp_path / "index-groot")],
                            capture_output=True, text=True, timeout=60)
    assert search.returncode == 0 and "groot.html" in search.stdout
