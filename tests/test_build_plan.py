"""The plan of a run on plain data (no files, no index), and the run lock taken by the library.

`plan` compares the files found now (with their content hashes) with the documents
the index holds; these tests give it dictionaries and check every list it makes.
"""
from __future__ import annotations

import copy
import threading
from pathlib import Path

import pytest

from indexer.build.files import FileState
from indexer.build.plan import Doc, plan

ROOT = Path("/archief")


def doc(sha: str, *paths: str, size: int = 10, mtime: float = 1.0, **info) -> Doc:
    files = [{"path": p, "size": size, "mtime": mtime} for p in sorted(paths)]
    info = {"sha": sha, "files": files, "status": "ok", **info}
    return Doc(doc_id=sha[:16], sha=sha, files=files, info=info, stored={"doc_id": sha[:16]})


def found(path: str, sha: str, size: int = 10, mtime: float = 1.0) -> FileState:
    return FileState(path, size, mtime, sha)


def known_of(*docs: Doc) -> dict[str, Doc]:
    return {d.sha: d for d in docs}


def test_first_run_adds_every_file():
    p = plan([found("/archief/a.pdf", "a" * 64), found("/archief/b.txt", "b" * 64)], {}, [ROOT])
    assert p.added == ["/archief/a.pdf", "/archief/b.txt"]
    assert p.to_index == ["a" * 64, "b" * 64]
    assert (p.changed, p.moved, p.removed, p.unchanged, p.updates, p.removals) == ([], [], [], 0, [], [])


def test_unchanged_files_need_nothing():
    known = known_of(doc("a" * 64, "/archief/a.pdf"))
    p = plan([found("/archief/a.pdf", "a" * 64)], known, [ROOT])
    assert p.unchanged == 1
    assert (p.added, p.to_index, p.updates, p.removals) == ([], [], [], [])


def test_changed_content_is_read_and_the_old_version_held_until_then():
    known = known_of(doc("a" * 64, "/archief/a.pdf"))
    p = plan([found("/archief/a.pdf", "c" * 64, size=20)], known, [ROOT])
    assert p.changed == ["/archief/a.pdf"]
    assert p.to_index == ["c" * 64]
    old = p.known["a" * 64]
    assert old.held == {"/archief/a.pdf": {"path": "/archief/a.pdf", "size": 10, "mtime": 1.0}}
    assert old.keep == []
    assert p.removals == [] and p.updates == []  # settled when the new content is read


def test_a_rename_is_a_move_not_a_removal_and_needs_no_reading():
    known = known_of(doc("a" * 64, "/archief/oud.pdf"))
    p = plan([found("/archief/nieuw.pdf", "a" * 64)], known, [ROOT])
    assert p.moved == ["/archief/nieuw.pdf"]
    assert p.removed == [] and p.to_index == []
    assert [d.sha for d in p.updates] == ["a" * 64]
    assert p.known["a" * 64].keep == [{"path": "/archief/nieuw.pdf", "size": 10, "mtime": 1.0}]


def test_a_copy_is_listed_as_moved_and_both_paths_kept():
    known = known_of(doc("a" * 64, "/archief/a.pdf"))
    p = plan([found("/archief/a.pdf", "a" * 64), found("/archief/kopie.pdf", "a" * 64)], known, [ROOT])
    assert p.moved == ["/archief/kopie.pdf"] and p.unchanged == 1
    assert [e["path"] for e in p.known["a" * 64].keep] == ["/archief/a.pdf", "/archief/kopie.pdf"]


def test_a_deleted_file_removes_its_document():
    known = known_of(doc("a" * 64, "/archief/a.pdf"), doc("b" * 64, "/archief/b.pdf"))
    p = plan([found("/archief/a.pdf", "a" * 64)], known, [ROOT])
    assert p.removed == ["/archief/b.pdf"]
    assert [d.sha for d in p.removals] == ["b" * 64]


def test_documents_outside_the_roots_are_left_alone():
    known = known_of(doc("a" * 64, "/elders/a.pdf"), doc("b" * 64, "/archief/b.pdf", "/elders/b.pdf"))
    p = plan([], known, [ROOT])
    assert p.removed == ["/archief/b.pdf"]
    assert p.removals == []  # a.pdf lives elsewhere; b keeps its other path
    assert [d.sha for d in p.updates] == ["b" * 64]
    assert p.known["b" * 64].keep == [{"path": "/elders/b.pdf", "size": 10, "mtime": 1.0}]


def test_a_root_prefix_is_not_a_parent_folder():
    known = known_of(doc("a" * 64, "/archief-2/a.pdf"))
    p = plan([], known, [ROOT])
    assert p.removed == [] and p.removals == []


def test_ocr_reads_scanned_documents_again():
    known = known_of(doc("a" * 64, "/archief/scan.pdf", needs_ocr=[1, 2]), doc("b" * 64, "/archief/b.pdf"))
    files = [found("/archief/scan.pdf", "a" * 64), found("/archief/b.pdf", "b" * 64)]
    assert plan(files, known, [ROOT]).to_index == []
    p = plan(files, known, [ROOT], ocr=True)
    assert p.to_index == ["a" * 64]
    assert p.updates == [] and p.removals == []


def test_a_stale_document_whose_file_is_back_is_updated():
    known = known_of(doc("a" * 64, "/archief/a.pdf", status="stale"))
    p = plan([found("/archief/a.pdf", "a" * 64)], known, [ROOT])
    assert [d.sha for d in p.updates] == ["a" * 64]


def test_the_plan_changes_none_of_its_arguments():
    known = known_of(doc("a" * 64, "/archief/a.pdf"), doc("b" * 64, "/archief/b.pdf"))
    files = [found("/archief/a.pdf", "c" * 64), found("/archief/n.pdf", "b" * 64)]
    before = (copy.deepcopy(known), copy.deepcopy(files))
    first = plan(files, known, [ROOT])
    assert (known, files) == before
    second = plan(files, known, [ROOT])
    assert (first.added, first.changed, first.moved, first.removed, first.to_index) == \
           (second.added, second.changed, second.moved, second.removed, second.to_index)
    assert first.known["a" * 64] is not known["a" * 64]


def test_two_library_runs_on_one_index_never_write_at_once(tmp_path):
    """build_index takes the run lock itself: a second caller is refused (or waits with wait=True)."""
    from indexer.build import Options, build_index
    from indexer.store import RunLockedError, Store

    docs, index = tmp_path / "archief", tmp_path / "index"
    docs.mkdir()
    for n in range(3):
        (docs / f"brief-{n}.txt").write_text(f"Brief {n} over de begroting van het jaar {2000 + n}.")
    inside, release = threading.Event(), threading.Event()

    def hold(event):
        if event["event"] == "scanned":
            inside.set()
            release.wait(30)

    outcome = {}

    def first_run():
        outcome["first"] = build_index([docs], Store(index), Options(workers=1), progress=hold)

    thread = threading.Thread(target=first_run)
    thread.start()
    try:
        assert inside.wait(30)
        with pytest.raises(RunLockedError):
            build_index([docs], Store(index), Options(workers=1))
        # A dry run writes nothing and takes no lock.
        assert build_index([docs], Store(index), Options(dry_run=True)).dry_run
        waiting_for = []
        waiter = threading.Thread(target=lambda: outcome.setdefault("second", build_index(
            [docs], Store(index), Options(workers=1), wait=True, on_wait=waiting_for.append)))
        waiter.start()
        for _ in range(300):
            if waiting_for:
                break
            threading.Event().wait(0.05)
        assert waiting_for and "build_index" in waiting_for[0]["command"]
    finally:
        release.set()
        thread.join(60)
    waiter.join(60)
    assert outcome["first"].documents_indexed == 3
    assert outcome["second"].documents_indexed == 0 and outcome["second"].unchanged == 3
