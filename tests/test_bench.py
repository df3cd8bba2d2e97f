"""The benchmark runs end to end at a tiny size, so that it cannot rot. No timing assertions:
time limits live in bench/, not in tests."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?( \S+)?$")

# Every figure the issue asks for, as its row in the table starts.
FIGURES = [
    "index build from cached text",
    "reindex, nothing changed",
    "reindex, 1% changed",
    "as % of a full build",
    "index size",
    "peak memory, indexer",
    "query p50",
    "query p95",
    "query p99",
    "cold start to first answer (web server)",
    "cold start to first answer (fresh process",
    "HTTP 1 client: p50", "HTTP 1 client: p95", "HTTP 1 client: p99", "HTTP 1 client: throughput",
    "HTTP 4 clients: p50", "HTTP 4 clients: p95", "HTTP 4 clients: p99", "HTTP 4 clients: throughput",
    "HTTP 16 clients: p50", "HTTP 16 clients: p95", "HTTP 16 clients: p99", "HTTP 16 clients: throughput",
    "peak memory, web process",
    "extraction, 1 worker",
    "extraction speed-up",
    "index build with extraction",
]
EXTRACTION = ("extraction", "index build with extraction")


def _rows(markdown: str) -> dict[str, list[str]]:
    rows = {}
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith(("| figure", "|---")):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.slow
def test_benchmark_runs_end_to_end_and_prints_every_figure(tmp_path):
    results = tmp_path / "RESULTS.md"
    cmd = [sys.executable, str(ROOT / "bench" / "run.py"), "--size", "300", "--queries", "12",
           "--sample-pages", "5", "--http-requests", "8", "--http-seconds", "10",
           "--results", str(results), "--workdir", str(tmp_path / "work")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]

    # The table is printed and appended with date, machine and commit.
    text = results.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results")
    assert re.search(r"^## \d{4}-\d\d-\d\d .* 300 pages, \d+ documents · commit \S+", text, re.M)
    assert re.search(r"Machine: \d+ cores \(.+\), [\d.]+ GiB RAM", text)
    rows = _rows(text)
    have_sample = (SHARED / "corpus").is_dir() or (SHARED / "fixtures").is_dir()
    poppler = shutil.which("pdftotext") is not None
    multi_core = (os.cpu_count() or 1) > 1
    for figure in FIGURES:
        matches = [name for name in rows if figure in name]
        assert matches, f"figure missing: {figure}\n{done.stdout}"
        for name in matches:
            kamerzoek, baseline, ratio, _target = rows[name]
            if name.startswith(EXTRACTION) and not (have_sample and (multi_core or "speed-up" not in name)):
                continue  # no sample PDFs (or one core): the row says n/a
            assert NUMBER.match(kamerzoek), f"{name}: Kamerzoek shows {kamerzoek!r}"
            if name.startswith(EXTRACTION) and not poppler:
                continue
            assert NUMBER.match(baseline), f"{name}: the baseline shows {baseline!r}"
            assert ratio.endswith("×"), f"{name}: no ratio"
        assert any(figure in line for line in done.stdout.splitlines()), f"not printed: {figure}"
    # The work folder is removed unless --keep is given.
    assert not (tmp_path / "work").exists()
