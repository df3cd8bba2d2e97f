"""`kamerzoek search` and `kamerzoek --help` as whole processes, beside a whole-process Python
`sqlite3` FTS5 query on the same pages (the top 10 pages by bm25 with snippet()).

    python bench/cli_startup.py                       # the shipped corpus/ (indexed in a temp folder)
    python bench/cli_startup.py --workdir DIR         # a kept bench/run.py work folder (index/, fts5.db)

Each figure is the median of --runs runs, the two commands taking turns so both see the same
moments of a noisy machine (hyperfine-style: wall time of the whole process, output discarded).
Targets (issue 9): search ≤ 5× the FTS5 process on the shipped corpus, ≤ 7× at 100,000 pages;
`--help` ≤ 3×. The table is appended to bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import machine as machine_info  # noqa: E402

QUERIES = [("kabinet", "kabinet"), ("terrorisme", "terrorisme"), ('"Tweede Kamer"', '"Tweede Kamer"'),
           ("radicalis*", "radicalis*"), ("dreiging jihadisme", "dreiging AND jihadisme"),
           ("veiligheid NIET gemeente", "veiligheid NOT gemeente")]

FTS_SCRIPT = """import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
rows = conn.execute("SELECT doc_id, page, title, snippet(pages, 0, '<mark>', '</mark>', ' … ', 24) FROM pages "
                    "WHERE pages MATCH ? ORDER BY rank LIMIT 10", (sys.argv[2],)).fetchall()
for doc_id, page, title, snippet in rows:
    print(f"{title} p. {page}: {snippet}")
"""


def kamerzoek_exe() -> str:
    exe = Path(sys.executable).parent / "kamerzoek"
    return str(exe) if exe.exists() else "kamerzoek"


def fts_from_index(index_dir: Path, db: Path) -> int:
    """An FTS5 table of the index's own pages (the same text the CLI searches)."""
    from indexer.store import Store

    conn = sqlite3.connect(str(db))
    conn.execute("CREATE VIRTUAL TABLE pages USING fts5(content, doc_id UNINDEXED, page UNINDEXED, "
                 "title UNINDEXED, tokenize='unicode61 remove_diacritics 2')")
    rows = []
    with Store(index_dir).searcher() as s:
        for fields in s.documents(kind="page"):
            rows.append((fields.get("content", ""), fields.get("doc_id"), fields.get("page"), fields.get("title")))
    conn.executemany("INSERT INTO pages (content, doc_id, page, title) VALUES (?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return len(rows)


def timed(cmd: list[str], env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{cmd} exited with {done.returncode}: {done.stderr.decode(errors='replace')[-800:]}")
    return seconds * 1000


def compare(a: list[str], b: list[str], runs: int, env: dict) -> tuple[float, float]:
    timed(a, env), timed(b, env)  # warm the page cache and the prebuilt lexicon
    ta, tb = [], []
    for _ in range(runs):
        ta.append(timed(a, env))
        tb.append(timed(b, env))
    return statistics.median(ta), statistics.median(tb)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", help="a bench/run.py work folder kept with --keep (index/ and fts5.db)")
    parser.add_argument("--runs", type=int, default=15, help="runs per command (median)")
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"))
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    # As on a user's machine: Python keeps compiled modules (this session's shell forbids it,
    # which would make every run compile the project's modules again).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    tmp = None
    if args.workdir:
        index_dir, db = Path(args.workdir) / "index", Path(args.workdir) / "fts5.db"
        label, target = "the benchmark corpus", 7
        pages = sqlite3.connect(str(db)).execute("SELECT count(*) FROM pages").fetchone()[0]
    else:
        from indexer.build import Options, build_index
        from indexer.store import Store
        tmp = tempfile.TemporaryDirectory(prefix="kamerzoek-cli-bench-")
        index_dir, db = Path(tmp.name) / "index", Path(tmp.name) / "fts5.db"
        build_index([ROOT / "corpus"], Store(index_dir), Options(workers=1))
        pages = fts_from_index(index_dir, db)
        label, target = "the shipped corpus", 5
    kz = [kamerzoek_exe(), "search", "--index", str(index_dir)]
    fts = [sys.executable, "-c", FTS_SCRIPT, str(db)]
    rows = []
    ratios = []
    for text, match in QUERIES:
        k, f = compare(kz + [text], fts + [match], args.runs, env)
        ratios.append(k / f)
        rows.append((f"search {text}", k, f, k / f))
        print(f"search {text!r}: {k:.0f} ms vs {f:.0f} ms ({k / f:.2f}×)", file=sys.stderr)
    k, f = compare([kamerzoek_exe(), "--help"], fts + ["kabinet"], args.runs, env)
    rows.append(("kamerzoek --help", k, f, k / f))
    median_search = statistics.median(r[1] for r in rows[:-1])
    median_fts = statistics.median(r[2] for r in rows[:-1])
    info_commit = machine_info.git_commit(ROOT)
    lines = [f"## CLI as a whole process — {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')} · "
             f"{label}, {pages:,} pages · commit {info_commit}", "",
             f"Machine: {os.cpu_count()} cores ({machine_info.cpu_model()}), shared with other sessions "
             f"running tests and benchmarks at the same time (load average {os.getloadavg()[0]:.1f}). "
             f"Median of {args.runs} runs each, the two processes taking turns; baseline: `python -c` "
             "with `sqlite3`, the top 10 pages by bm25 with snippet(), printed. Compiled modules are "
             "kept (`__pycache__`), as on a user's machine; the prebuilt lexicon exists after the first run.", "",
             "| command | kamerzoek | python sqlite3 FTS5 | ratio | target |", "|---|---:|---:|---:|---|"]
    for name, k, f, r in rows:
        goal = f"≤ 3×: {'met' if r <= 3 else 'MISSED'}" if name.endswith("--help") else ""
        lines.append(f"| {name} | {k:,.0f} ms | {f:,.0f} ms | {r:.2f}× | {goal} |")
    overall = median_search / median_fts
    lines.append(f"| **search, median of the medians** | {median_search:,.0f} ms | {median_fts:,.0f} ms | "
                 f"{overall:.2f}× | ≤ {target}×: {'met' if overall <= target else 'MISSED'} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        results = Path(args.results)
        existing = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
        results.write_text(existing.rstrip("\n") + "\n\n" + text, encoding="utf-8")
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
