"""A killed run loses nothing (journey A3): real `kamerzoek index` processes, killed with SIGKILL.

Each kill is followed by the same checks: the index opens and `kamerzoek search` answers,
no page or document is there twice, no worker outlived the run, no lock is left held,
and a rerun completes the work with the exact number of documents. Also: searches
keep working while a run commits, and see its documents without a restart.
"""
from __future__ import annotations

import fcntl
import json
import os
import random
import signal
import subprocess
import threading
import time
from pathlib import Path

import psutil
import pytest

from conftest import kamerzoek_exe
from reindex_support import assert_consistent, index_records, make_corpus, marker

pytestmark = pytest.mark.slow

DOCUMENTS = 600   # about 4 s of indexing on 2 cores: long enough for a kill to land mid-run


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("crash") / "archief"
    return folder, make_corpus(folder, DOCUMENTS)


def start(index: Path, folder: Path, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [kamerzoek_exe(), "index", "--json", "--workers", "2", "--index", str(index), str(folder)],
        env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def generation(index: Path) -> int:
    """The generation of the last committed table of contents (-1: none yet)."""
    tocs = [int(p.stem.rsplit("_", 1)[1]) for p in (index / "whoosh").glob("_MAIN_*.toc")]
    return max(tocs, default=-1)


def wait_for(condition, timeout: float, proc: subprocess.Popen | None = None, step: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the run ended first: {proc.communicate()}")
        assert time.monotonic() < deadline, "timed out"
        time.sleep(step)


def kill(proc: subprocess.Popen) -> list[int]:
    """SIGKILL the run; returns the pids of the processes it had started."""
    try:
        children = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        children = []
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    return children


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def documents(index: Path) -> int:
    return len(index_records(index)[1])


def check_after_kill(index: Path, children: list[int]) -> int:
    """The checks every kill must pass; returns the number of documents committed."""
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in children if alive(pid)], "worker processes outlived the killed run"
    # No lock needs deleting: both are free at once.
    with open(index / "run.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    if generation(index) < 0:
        return 0  # killed before the index was created
    from indexer.store import Store
    writer = Store(index).open().writer()  # raises LockError if the write lock were held
    writer.cancel()
    count, _ = assert_consistent(index)
    search = subprocess.run([kamerzoek_exe(), "search", "--json", "--index", str(index), marker(0)],
                            capture_output=True, text=True, timeout=60)
    assert search.returncode == 0, search.stderr
    assert json.loads(search.stdout)["total"] in (0, 1)
    return count


def rerun_completes(index: Path, folder: Path, committed: int) -> dict:
    proc = start(index, folder)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    report = json.loads(out)
    assert report["documents_total"] == DOCUMENTS and report["pages_total"] == DOCUMENTS
    assert len(report["added"]) == DOCUMENTS - committed
    assert report["unchanged"] == committed
    assert report["unreadable"] == [] and report["removed"] == []
    assert assert_consistent(index) == (DOCUMENTS, DOCUMENTS)
    return report


def orphan_segments(index: Path) -> set[str]:
    """Segment files that no committed table of contents refers to."""
    from whoosh import index as whoosh_index
    live = {segment.segment_id() for segment in whoosh_index.open_dir(str(index / "whoosh"))._segments()}
    return {p.name for p in (index / "whoosh").glob("MAIN_*.*") if p.name.split(".")[0] not in live}


def test_kill_before_the_first_commit(corpus, tmp_path):
    """Killed once the index exists but holds nothing yet: an empty index that must still answer."""
    folder, _ = corpus
    index = tmp_path / "index"
    proc = start(index, folder)
    wait_for(lambda: generation(index) == 0, timeout=60, proc=proc, step=0.002)
    children = kill(proc)
    assert check_after_kill(index, children) == 0
    rerun_completes(index, folder, 0)


def test_kill_during_extraction_after_the_first_commit(corpus, tmp_path):
    folder, _ = corpus
    index = tmp_path / "index"
    proc = start(index, folder)
    wait_for(lambda: generation(index) >= 1, timeout=60, proc=proc, step=0.005)
    children = kill(proc)
    assert children, "no workers were running: the kill did not land during extraction"

    committed = check_after_kill(index, children)
    assert 0 < committed < DOCUMENTS
    rerun_completes(index, folder, committed)


def test_kill_inside_a_commit(corpus, tmp_path):
    """The test hook holds the second commit after its segment is written, before its table
    of contents: the kill lands in the middle of Whoosh's commit."""
    folder, _ = corpus
    index = tmp_path / "index"
    paused = tmp_path / "paused"
    proc = start(index, folder, KAMERZOEK_TEST_PAUSE="commit:60:2", KAMERZOEK_TEST_PAUSE_MARKER=str(paused))
    wait_for(paused.exists, timeout=60, proc=proc)
    before = documents(index)  # what the first commit made visible
    assert 0 < before < DOCUMENTS
    assert orphan_segments(index), "the new segment should be on disk, not yet in the table of contents"
    children = kill(proc)

    assert check_after_kill(index, children) == before  # the batch in the commit is lost, no more
    rerun_completes(index, folder, before)
    assert orphan_segments(index) == set()  # the next commit cleaned up the dead segment


def test_kills_at_random_moments(corpus, tmp_path):
    folder, _ = corpus
    seed = int(os.environ.get("KAMERZOEK_CRASH_SEED", time.time()))
    rng = random.Random(seed)
    print(f"seed {seed} (set KAMERZOEK_CRASH_SEED to repeat)")
    # A complete run first, to learn when the work starts (after Python's start-up) and ends.
    full = tmp_path / "full"
    started = time.monotonic()
    proc = start(full, folder)
    wait_for(lambda: generation(full) >= 0, timeout=60, proc=proc)
    ready = time.monotonic() - started
    proc.communicate(timeout=120)
    span = time.monotonic() - started
    for trial in range(3):
        index = tmp_path / f"index-{trial}"
        delay = ready + rng.uniform(0.0, 1.0) * (span - ready)
        began = time.monotonic()
        proc = start(index, folder)
        # A busy machine can start Python later than the complete run did: the kill lands
        # once this run has its lock, at the drawn moment or later.
        wait_for((index / "run.lock").exists, timeout=60, proc=proc, step=0.002)
        time.sleep(max(0.0, delay - (time.monotonic() - began)))
        children = kill(proc)
        committed = check_after_kill(index, children)
        print(f"trial {trial}: killed after {delay:.2f} s (work from {ready:.2f} s to {span:.2f} s), "
              f"{committed} documents committed")
        rerun_completes(index, folder, committed)


def test_searches_during_a_run_see_each_commit_without_a_restart(corpus, tmp_path):
    """The web app answers throughout a run, and shows new documents once they are committed."""
    from webapp import create_app

    folder, _ = corpus
    index = tmp_path / "index"
    first = folder.parent / "eerste"
    made = make_corpus(first, 20, start=5000)
    proc = start(index, first)
    assert proc.wait(timeout=60) == 0
    app = create_app({"INDEX_DIR": str(index), "SEARCHER_CHECK_INTERVAL": 0.1, "TESTING": True})
    old_word = next(iter(made.values()))

    errors: list[str] = []
    seen: list[int] = []
    stop = threading.Event()

    def search_repeatedly():
        client = app.test_client()
        while not stop.is_set():
            try:
                old = client.get(f"/api/search?q={old_word}")
                new = client.get("/api/search?q=document&per_page=1")
                if old.status_code != 200 or old.get_json()["total"] != 1:
                    errors.append(f"old document: {old.status_code} {old.get_data(as_text=True)[:200]}")
                if new.status_code != 200:
                    errors.append(f"search: {new.status_code} {new.get_data(as_text=True)[:200]}")
                else:
                    seen.append(new.get_json()["total"])
            except Exception as e:  # any exception is a failure of this test
                errors.append(repr(e))

    searcher = threading.Thread(target=search_repeatedly, daemon=True)
    searcher.start()
    paused = tmp_path / "paused"
    # Index both folders; the second commit waits 6 s so the first one can be seen mid-run.
    proc = subprocess.Popen(
        [kamerzoek_exe(), "index", "--json", "--workers", "2", "--index", str(index), str(first), str(folder)],
        env={**os.environ, "KAMERZOEK_TEST_PAUSE": "commit:6:2", "KAMERZOEK_TEST_PAUSE_MARKER": str(paused)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(paused.exists, timeout=60, proc=proc)
        committed = documents(index)
        assert 20 < committed < 20 + DOCUMENTS
        # While the run is held in its second commit, the first commit is visible.
        wait_for(lambda: bool(seen) and seen[-1] == committed, timeout=5.5, step=0.05)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert json.loads(out)["documents_total"] == 20 + DOCUMENTS
        wait_for(lambda: bool(seen) and seen[-1] == 20 + DOCUMENTS, timeout=10, step=0.05)
    finally:
        stop.set()
        searcher.join(timeout=30)
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert errors == []
    assert seen[0] >= 20 and seen == sorted(seen)  # documents appear, never vanish
    print(f"{len(seen)} searches during the run, totals seen: {sorted(set(seen))}")


def test_a_rebuild_is_built_beside_the_live_index(corpus, tmp_path):
    """Searchers keep the old index during --rebuild, a killed rebuild leaves it intact, and
    a finished one is picked up without a restart."""
    from indexer.search.searcher_pool import SearcherPool
    from indexer.store import Store
    from whoosh.query import Term

    folder, _ = corpus
    index = tmp_path / "index"
    first = start(index, folder)
    assert first.wait(timeout=120) == 0
    pool = SearcherPool(Store(index), check_interval=0)

    def live_documents() -> int:
        return pool.get().search(Term("kind", "doc"), limit=None).scored_length()

    assert live_documents() == DOCUMENTS
    paused = tmp_path / "paused"
    rebuild = subprocess.Popen(
        [kamerzoek_exe(), "index", "--rebuild", "--json", "--index", str(index), str(folder)],
        env={**os.environ, "KAMERZOEK_TEST_PAUSE": "commit:60:1", "KAMERZOEK_TEST_PAUSE_MARKER": str(paused)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(paused.exists, timeout=60, proc=rebuild)
    assert (index / "whoosh.rebuild").is_dir()
    assert live_documents() == DOCUMENTS  # the old index answers, complete, during the rebuild
    check_after_kill(index, kill(rebuild))
    assert live_documents() == DOCUMENTS  # a killed rebuild changed nothing

    extra = tmp_path / "nieuw"
    extra.mkdir()
    (extra / "brief.txt").write_text(f"Een nieuwe brief over {marker(999)}.", encoding="utf-8")
    before = Store(index).identity()
    done = subprocess.run([kamerzoek_exe(), "index", "--rebuild", "--json", "--index", str(index), str(folder),
                           str(extra)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["documents_total"], report["files_extracted"]) == (DOCUMENTS + 1, 1)
    assert not (index / "whoosh.rebuild").exists() and not (index / "whoosh.old").exists()
    assert Store(index).identity() != before  # a new folder took the old one's place
    assert live_documents() == DOCUMENTS + 1  # the pool opened the new index by itself
    assert assert_consistent(index)[0] == DOCUMENTS + 1
