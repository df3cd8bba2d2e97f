"""`kamerzoek index --dask` against a real cluster: `dask scheduler` and `dask worker`
processes on loopback, started from the project's environment.

The same index as a local run; a worker killed mid-task (its task runs again once, then the
file is `crashed`); a killed client (the rerun reads only the page ranges not cached); a
scheduler stopped mid-run (exit 3, committed batches kept, the rerun completes); an address
that does not answer; a worker that cannot see the files (the client sends the bytes).
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from big_pdf import write_big_pdf
from conftest import CORPUS, kamerzoek_exe, require_shared
from dask_support import Cluster, free_port, index_contents, pages_containing, wait_until
from reindex_support import cli, index_json

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two workers (each under a nanny, which starts a killed worker again)."""
    c = Cluster(tmp_path_factory.mktemp("dask"), workers=2, nanny=True)
    try:
        yield c.start()
    finally:
        c.stop()


def run_index(index: Path, *args, dask: str = "") -> subprocess.Popen:
    command = [kamerzoek_exe(), "index", "--json", "--index", str(index), *map(str, args)]
    if dask:
        command += ["--dask", dask]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)


def finish(process: subprocess.Popen, timeout: float = 240) -> tuple[int, dict, str]:
    out, err = process.communicate(timeout=timeout)
    try:
        report = json.loads(out) if out.strip() else {}
    except ValueError:
        raise AssertionError(f"no JSON report (exit {process.returncode}): {out!r} {err!r}") from None
    return process.returncode, report, err


def make_slow_pdf(path: Path, marker: str, numbers: int = 30000) -> Path:
    """Two ordinary pages and one of `numbers` separately drawn digits (seconds of layout analysis)."""
    from reportlab.pdfgen import canvas

    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = canvas.Canvas(str(path), invariant=1)
    for n in (1, 2):
        pdf.drawString(50, 800, f"Pagina {n} over {marker}.")
        pdf.showPage()
    pdf.setFont("Helvetica", 3)
    for i in range(numbers):
        pdf.drawString(20 + (i % 150) * 3.7, 820 - (i // 150) * 4.2, str(i % 10))
    pdf.showPage()
    pdf.save()
    return path


def test_the_cluster_builds_the_same_index_as_a_local_run(cluster, shared_index, tmp_path):
    shared = require_shared()
    roots = [CORPUS] + [shared / "corpus" / d for d in ("parliamentary", "laws", "government")]
    index = tmp_path / "index"
    code, report, err = finish(run_index(index, *roots, dask=cluster.address))
    assert code in (0, 1), err
    local = index_contents(shared_index)
    assert index_contents(index) == local
    assert report["documents_total"] == len(local)
    assert len(report["workers"]) == 2 and all(addr.startswith("tcp://127.0.0.1:") for addr in report["workers"])
    assert sum(w["tasks"] for w in report["workers"].values()) >= report["files_extracted"]


def test_a_big_pdf_is_split_over_both_workers_of_the_cluster(cluster, tmp_path):
    docs, index = tmp_path / "archief", tmp_path / "index"
    write_big_pdf(docs / "groot.pdf", 2000)
    code, report, err = finish(run_index(index, docs, "--timeout", "120", dask=cluster.address))
    assert code == 0, (report.get("unreadable"), err)
    assert report["pages_total"] == 2000
    chunks = {addr: w["chunks"] for addr, w in report["workers"].items()}
    assert len(chunks) == 2 and all(n >= 1 for n in chunks.values()) and sum(chunks.values()) == 50, chunks
    assert pages_containing(index, "merk01999") == [1999]
    # The run asked for one retry of a lost task; the shared scheduler has its own setting back.
    with cluster.client() as client:
        assert client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures) == 3


def _kill_the_worker_running_it(cluster: Cluster, pdf: Path, not_on: set[str], timeout: float = 60) -> str:
    """SIGKILL the worker process that reads `pdf` (on a worker not in `not_on`)."""
    doc_id = hashlib.sha256(pdf.read_bytes()).hexdigest()[:16]

    def busy():
        for addr, keys in cluster.processing().items():
            if addr not in not_on and any(f"kamerzoek-{doc_id}" in str(k) for k in keys):
                return addr
        return None
    addr = wait_until(busy, timeout, every=0.2)
    time.sleep(0.5)  # inside the extraction, not between steps
    os.kill(cluster.worker_pids()[addr], signal.SIGKILL)
    return addr


def test_a_worker_lost_mid_task_gives_the_task_to_another_worker(cluster, tmp_path):
    docs, index = tmp_path / "archief", tmp_path / "index"
    pdf = make_slow_pdf(docs / "traag.pdf", "verloren werker")
    process = run_index(index, docs, "--timeout", "200", dask=cluster.address)
    killed = _kill_the_worker_running_it(cluster, pdf, set())
    code, report, err = finish(process)
    assert code == 0, (report.get("unreadable"), err)
    assert report["documents_total"] == 1 and report["pages_total"] == 3
    assert killed not in report["workers"] and len(report["workers"]) == 1
    assert pages_containing(index, "werker.") == [1, 2]
    cluster.wait_for_workers(2)  # the nanny started it again


def test_a_task_lost_twice_reports_the_file_as_crashed(cluster, tmp_path):
    docs, index = tmp_path / "archief", tmp_path / "index"
    pdf = make_slow_pdf(docs / "noodlot.pdf", "tweemaal verloren")
    (docs / "gewoon.txt").write_text("Een gewone notitie over de begroting.", encoding="utf-8")
    process = run_index(index, docs, "--timeout", "200", dask=cluster.address)
    first = _kill_the_worker_running_it(cluster, pdf, set())
    _kill_the_worker_running_it(cluster, pdf, {first})
    code, report, err = finish(process)
    assert code == 1, err
    [item] = report["unreadable"]
    assert (item["path"], item["reason"]) == (str(pdf.resolve()), "crashed")
    assert "twee keer verloren" in item["message"]
    assert report["documents_total"] == 1  # the rest of the run went on
    cluster.wait_for_workers(2)


def test_a_killed_client_reruns_only_the_page_ranges_not_read(cluster, tmp_path):
    docs, index = tmp_path / "archief", tmp_path / "index"
    write_big_pdf(docs / "groot.pdf", 4000)  # 100 ranges
    process = run_index(index, docs, "--timeout", "200", dask=cluster.address)
    chunk_files = lambda: list((index / "cache").rglob("*.p*-*.json.gz"))  # noqa: E731
    wait_until(lambda: len(chunk_files()) >= 10, 120)
    process.kill()
    process.wait(10)
    kept = len(chunk_files())
    assert kept < 100
    code, report, err = finish(run_index(index, docs, "--timeout", "200", dask=cluster.address))
    assert code == 0, (report.get("unreadable"), err)
    assert report["chunks_from_cache"] >= kept
    assert sum(w["chunks"] for w in report["workers"].values()) == 100 - report["chunks_from_cache"]
    assert report["pages_total"] == 4000
    assert not chunk_files()  # the whole file is cached now, its ranges are gone
    assert pages_containing(index, "merk00007") == [7]


def test_a_scheduler_that_does_not_answer_is_one_sentence_and_exit_3(tmp_path):
    docs = tmp_path / "archief"
    docs.mkdir()
    (docs / "a.txt").write_text("Tekst.", encoding="utf-8")
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = cli("index", "--index", tmp_path / "index", "--dask", address, docs)
    assert result.exit_code == 3
    assert result.stderr.startswith(f"Fout: de Dask-scheduler op {address} antwoordt niet")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert time.monotonic() - started < 30
    assert not (tmp_path / "index" / "version.json").exists()  # nothing was written
    bad = cli("index", "--index", tmp_path / "index", "--dask", "http://[nergens", docs)
    assert bad.exit_code == 2 and "tcp://HOST:POORT" in bad.stderr


def test_a_scheduler_stopped_mid_run_keeps_the_committed_batches(tmp_path, monkeypatch):
    """Two workers: the slow PDF (the largest file, sent first) keeps one busy while the other
    reads the notes, each committed as a batch of its own; then the scheduler is stopped
    while the PDF is still being read."""
    monkeypatch.setattr("indexer.build.writer.BATCH_DOCUMENTS", 1)
    docs, index = tmp_path / "archief", tmp_path / "index"
    make_slow_pdf(docs / "traag.pdf", "gestopte scheduler", numbers=40000)
    notes = 12
    for n in range(notes):
        (docs / f"notitie-{n:02d}.txt").write_text(f"Notitie {n} over de begroting.", encoding="utf-8")
    first = Cluster(tmp_path / "dask-1", workers=2, nanny=False).start()
    try:
        def stop_when_the_notes_are_in():
            from indexer.store import Store

            def committed():
                try:
                    with Store(index).searcher() as s:
                        return sum(1 for _ in s.document_numbers(kind="doc"))
                except Exception:
                    return 0
            # A note the scheduler queued behind the PDF waits for it: most notes, not all.
            wait_until(lambda: committed() >= notes - 2, 120, every=0.1)
            time.sleep(0.5)
            first.stop_scheduler()

        stopper = threading.Thread(target=stop_when_the_notes_are_in, daemon=True)
        stopper.start()
        result = cli("index", "--index", index, "--dask", first.address, docs)
        stopper.join(30)
    finally:
        first.stop()
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith(f"Fout: de verbinding met de Dask-scheduler op {first.address} is verbroken")
    assert len(result.stderr.strip().splitlines()) == 1
    kept = json.loads(cli("status", "--json", "--index", index).stdout)["documents"]
    assert notes - 2 <= kept <= notes  # the notes' batches stay; the PDF was never committed
    second = Cluster(tmp_path / "dask-2", workers=1, nanny=False).start()
    try:
        code, report = index_json(index, docs, "--dask", second.address)
    finally:
        second.stop()
    assert code == 0, report["unreadable"]
    assert report["documents_total"] == 13 and report["unchanged"] == kept
    assert pages_containing(index, "gestopte") == [1, 2]


@pytest.mark.filterwarnings("ignore::distributed.versions.VersionMismatchWarning")
def test_a_worker_that_cannot_see_the_files_is_sent_their_bytes(tmp_path):
    """The worker runs as nobody; the files are in a folder only root may read."""
    docs, index, local = tmp_path / "archief", tmp_path / "index", tmp_path / "lokaal"
    big = write_big_pdf(docs / "groot.pdf", 200)  # five ranges, one copy of the file
    for source in sorted(CORPUS.iterdir()):
        if source.suffix in (".html", ".docx", ".odt"):
            (docs / source.name).write_bytes(source.read_bytes())
    os.chmod(docs, 0o700)
    import shutil
    import tempfile

    outside = Path(tempfile.mkdtemp(prefix="kamerzoek-dask-"))  # tmp_path is root's alone
    os.chmod(outside, 0o755)
    blind = Cluster(outside, workers=1, nanny=False, as_nobody=True)
    try:
        blind.start()
        check = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                                "cat", str(big)], capture_output=True)
        assert check.returncode != 0  # it really cannot read them
        code, report = index_json(index, docs, "--dask", blind.address, "--timeout", "120")
        copies = {p.name for p in (blind.folder / "w1").rglob("kamerzoek-dask/*/*")}
    finally:
        blind.stop()
        shutil.rmtree(outside, ignore_errors=True)
    assert code == 0, report["unreadable"]
    assert [w["chunks"] for w in report["workers"].values()] == [5]
    assert "groot.pdf" in copies and copies <= {p.name for p in docs.iterdir()}
    local_code, _ = index_json(local, docs)
    assert local_code == 0
    assert index_contents(index) == index_contents(local)
