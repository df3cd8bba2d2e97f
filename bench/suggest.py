"""Suggestions ("Bedoelde u …?") on generated pages: time of `suggest()` for misspelt words,
beside a one-word search of the correctly spelt word in the same run (the baseline).

    .venv/bin/python bench/suggest.py --size 100000     # the size of issue 13's target (20 ms)
    .venv/bin/python bench/suggest.py --size 100000 --work /tmp/kz-suggest-100k   # build once, reuse

Prints a table and appends it to bench/RESULTS.md with machine, date and commit.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from machine import cpu_model, git_commit  # noqa: E402


def misspell(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]  # two neighbouring letters swapped


def time_writing(store, folder: Path) -> list[tuple[float, list]]:
    """Seconds to write the word list: the merged walk (baseline), from no files, with all but one
    segment's part list present, and with the generation's list present."""
    from indexer.search import vocabulary
    for old in folder.glob("vocabulary-*.bin"):
        old.unlink()
    out = []
    with store.searcher() as s:
        t = time.perf_counter()
        merged = sum(1 for term, _ in s.reader().iter_field(vocabulary.FIELD) if vocabulary.wanted(term.decode()))
        out.append((time.perf_counter() - t, [merged]))
        leaves = [leaf.reader() for leaf, _ in s.leaf_searchers()]
    t = time.perf_counter()
    store.write_vocabulary()
    out.append((time.perf_counter() - t, leaves))
    # as after a run that wrote one small new segment: its part list is not there yet
    min(folder.glob("vocabulary-part-*.bin"), key=lambda p: p.stat().st_size).unlink()
    for path in folder.glob("vocabulary-*.bin"):
        if vocabulary.NAME.match(path.name):
            path.unlink()
    t = time.perf_counter()
    store.write_vocabulary()
    out.append((time.perf_counter() - t, leaves))
    t = time.perf_counter()
    store.write_vocabulary()
    out.append((time.perf_counter() - t, leaves))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"))
    parser.add_argument("--work", help="folder for the generated corpus and its index, kept and reused "
                        "by the next run of the same size and seed (default: a temporary folder)")
    args = parser.parse_args(argv)
    from indexer.analysis import analyze
    from indexer.build import Options, build_index
    from indexer.search import SearchRequest, search, suggest
    from indexer.search import vocabulary
    from indexer.search.engine import open_engine
    from indexer.search.whoosh_engine import WhooshEngine
    from indexer.store import Store

    with contextlib.ExitStack() as stack:
        work = Path(args.work) if args.work else Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix="kz-suggest-")))
        done = work / f"built-{args.size}-{args.seed}"   # written once the build has finished
        started = time.perf_counter()
        if done.exists():
            built = float(done.read_text())
        else:
            generate.write_corpus(work / "corpus", work / "index" / "cache", args.size, args.seed)
            build_index([work / "corpus"], Store(work / "index"), Options(workers=os.cpu_count() or 1))
            built = time.perf_counter() - started
            done.write_text(f"{built:.1f}")
        rng = random.Random(args.seed)
        store = Store(work / "index")
        folder = store.whoosh_dir
        writing = time_writing(store, folder)
        vocab_path = next(p for p in folder.glob("vocabulary-*.bin") if vocabulary.NAME.match(p.name))
        engine = open_engine(None, work / "index")   # the web app's and the CLI's engine: the word list
        with store.searcher() as s:
            walker = WhooshEngine.for_searcher(s)    # no index folder, so no word list: the dictionary walk
            reader = s.reader()
            words = sorted({w.lower() for _, f in zip(range(400), s.documents(kind="page"))
                            for w in re.findall(r"[^\W\d_]{8,}", f.get("content", ""))})
            rng.shuffle(words)
            pairs = []
            for word in words:
                typo = misspell(word, rng)
                terms = analyze(typo)
                if len(terms) == 1 and reader.doc_frequency("content", terms[0]) == 0:
                    pairs.append((word, typo))
                if len(pairs) == args.queries:
                    break
            for word, typo in pairs[:5]:  # warm-up (loads the word list once, as a server does)
                suggest(engine, typo), suggest(walker, typo), search(engine, SearchRequest(q=word))
            times = {"list": [], "walk": []}
            base, found, words_ok, same = [], {"list": 0, "walk": 0}, {"list": 0, "walk": 0}, 0
            for word, typo in pairs:
                got = {}
                for name, source in (("list", engine), ("walk", walker)):
                    t = time.perf_counter()
                    got[name] = suggest(source, typo)
                    times[name].append((time.perf_counter() - t) * 1000)
                    found[name] += got[name] is not None
                    words_ok[name] += got[name] == word
                same += got["list"] == got["walk"]
                t = time.perf_counter()
                search(engine, SearchRequest(q=word))
                base.append((time.perf_counter() - t) * 1000)

    def pct(values, q):
        return sorted(values)[int(q * (len(values) - 1))]

    b50 = statistics.median(base)
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    n = len(pairs)
    lines = [
        f"\n## Suggestions, {args.size:,} pages ({dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC)\n",
        f"Machine: {os.cpu_count()} cores, {cpu_model()}; commit {git_commit(HERE.parent)}; "
        f"load average {load} (1/5/15 min) when the timings ended. Corpus generated (seed {args.seed}) and "
        f"built in {built:.0f} s. Word list {vocab_path.name}: {vocab_path.stat().st_size / 1e6:.1f} MB, "
        f"{len(writing[1][1]):,} segment{'' if len(writing[1][1]) == 1 else 's'}. Each misspelt word is asked of both engines in turn, then the right word is searched "
        f"(the baseline).\n",
        "| figure | word list (vocabulary.py) | dictionary walk (no word list) | baseline: one-word search "
        "of the right word | ratio list / walk |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, q in (("p50", 0.5), ("p95", 0.95), ("max", 1.0)):
        a, w = pct(times["list"], q), pct(times["walk"], q)
        lines.append(f"| `suggest()` {label}, {n} misspelt words (two letters swapped) | {a:.1f} ms | {w:.1f} ms | "
                     + (f"{b50:.1f} ms (p50)" if label == "p50" else "") + f" | {a / w:.2f} |")
    lines += [
        f"| a suggestion offered | {found['list']}/{n} | {found['walk']}/{n} | | |",
        f"| the word itself | {words_ok['list']}/{n} | {words_ok['walk']}/{n} | | |",
        f"| the same suggestion from both | {same}/{n} | | | |",
        f"\nTarget (issue 13): within 20 ms at 100,000 pages — "
        f"{'met' if pct(times['list'], 0.95) <= 20 else 'not met'} at {args.size:,} pages (p95, word list).\n",
    ]
    lines += [
        "Writing the word list at the end of a run (`Store.write_vocabulary`), each way timed once in this run; "
        "the baseline is the merged walk of the multi-segment reader, as the first word list was written:\n",
        "| how | seconds | ratio to the merged walk |",
        "|---|---:|---:|",
    ]
    merged = writing[0][0]
    for (seconds, _), label in zip(writing, ("baseline: merged walk of all segments (`reader.iter_field`)",
                                             "no list yet: every segment read, its part list written",
                                             "a run that wrote one new segment (the others' part lists reused)",
                                             "a run that changed nothing (the generation's list is there)")):
        lines.append(f"| {label} | {seconds:.2f} | {seconds / merged:.3f} |")
    text = "\n".join(lines)
    print(text)
    with open(args.results, "a", encoding="utf-8") as handle:
        handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
