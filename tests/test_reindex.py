"""`kamerzoek index` and `status` as an archivist runs them (journeys A1, A2, A4, A5).

Most tests drive the real command in this process through click's CliRunner; the
extraction workers are still real forked processes. The lock tests start a real
second process.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import kamerzoek_exe
from reindex_support import (assert_consistent, cli, index_json, index_records, make_pdf,
                             make_scan_page_pdf, marker, search_json, status_json)

REPORT_KEYS = {
    "started", "finished", "seconds", "dry_run", "roots", "added", "changed", "removed", "moved",
    "unchanged", "ignored", "unreadable", "stale", "partial", "needs_ocr", "documents_indexed",
    "pages_indexed", "documents_total", "pages_total", "files_extracted", "files_from_cache",
    "failures_remembered", "chunks_from_cache", "workers",
}
HARD_REASONS = {
    "aes-256-r6.pdf": "encrypted",
    "rc4-40.pdf": "encrypted",
    "libreoffice-writer-password.pdf": "encrypted",
    "scan-no-text_blg-1007826.pdf": "needs_ocr",
    "not-a-pdf_IAmWrongPDF.pdf": "not_pdf",
    "empty-0-bytes.pdf": "empty",
}
HARD_READABLE = ["GeoTopo-komprimiert.pdf", "missing_xref_trailer.pdf", "zen_of_python_corrupted.pdf"]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def paths(*files: Path) -> list[str]:
    return sorted(str(f.resolve()) for f in files)


def copy_in(source: Path, folder: Path, names=None) -> Path:
    """Copy shared files into the test's own folder (writable, so tests may change them)."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        if names is None or path.name in names:
            shutil.copyfile(path, folder / path.name)
    return folder


def hits(index_dir: Path, word: str) -> list[dict]:
    return search_json(index_dir, word)["results"]


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


# -- A1: the first index -----------------------------------------------------------------
def test_first_index_counts_documents_ignored_files_and_sidecars(tmp_path):
    docs = tmp_path / "archief"
    a = write(docs / "a.txt", f"Een notitie over {marker(1)}.")
    b = write(docs / "b.md", f"# Verslag\n\nEen verslag over {marker(2)}.\n")
    c = make_pdf(docs / "c.pdf", [f"Eerste pagina over {marker(3)}.", f"Tweede pagina over {marker(4)}."])
    d = write(docs / "sub" / "d.txt", f"Dieper in de map: {marker(5)}.")
    # Sidecars describe c.pdf: neither documents nor ignored files.
    write(docs / "c.pdf.json", json.dumps({"title": "Notitie C", "date": "2021-03-04"}))
    write(docs / "c.metadata.xml", '<?xml version="1.0"?><metadata></metadata>\n')
    # Ignored: an unknown extension, a hidden file, a pattern in a nested .kamerzoekignore.
    write(docs / "notities.xyz", f"onbekend formaat {marker(6)}")
    write(docs / ".verborgen.txt", f"verborgen {marker(7)}")
    write(docs / "sub" / ".kamerzoekignore", "concept-*.txt\n")
    write(docs / "sub" / "concept-1.txt", f"concept {marker(8)}")
    # A folder named in .kamerzoekignore is not walked at all (like git), so not counted.
    write(docs / ".kamerzoekignore", "# niet indexeren\nklad/\n")
    write(docs / "klad" / "e.txt", f"klad {marker(9)}")
    index = tmp_path / "index"

    code, report = index_json(index, docs)

    assert code == 0
    assert set(report) == REPORT_KEYS
    assert report["added"] == paths(a, b, c, d)
    assert (report["changed"], report["moved"], report["removed"]) == ([], [], [])
    assert report["unchanged"] == 0
    assert report["ignored"] == 3
    assert report["unreadable"] == [] and report["stale"] == [] and report["partial"] == []
    assert report["needs_ocr"] == []
    assert report["documents_indexed"] == report["documents_total"] == 4
    assert report["pages_indexed"] == report["pages_total"] == 5
    assert report["files_extracted"] == 4 and report["files_from_cache"] == 0
    assert report["dry_run"] is False and report["roots"] == [str(docs.resolve())]
    assert report["started"] <= report["finished"]
    for word in (marker(6), marker(7), marker(8), marker(9)):
        assert hits(index, word) == []
    assert [h["paths"] for h in hits(index, marker(4))] == [paths(c)]

    # The same folder again, as text: a summary, nothing read.
    result = cli("index", "--index", index, docs)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == ("Geïndexeerd: 0 nieuw, 0 gewijzigd, 0 verplaatst of gekopieerd, 0 verwijderd, "
                        "4 ongewijzigd; 3 bestanden genegeerd.")
    assert lines[1].startswith("Uitgelezen: 0 documenten, 0 pagina's in ")
    assert lines[2] == f"Index {index}: 4 documenten, 5 pagina's."
    assert len(lines) == 3


# -- A2: the nightly run -----------------------------------------------------------------
def test_incremental_run_reports_exactly_what_changed(tmp_path):
    docs, index = tmp_path / "archief", tmp_path / "index"
    files = {n: write(docs / f"{n}.txt", f"Document {n} over {marker(n)}.") for n in range(1, 6)}
    code, first = index_json(index, docs)
    assert (code, first["documents_total"]) == (0, 5)

    added = [write(docs / "nieuw-1.txt", f"Nieuw over {marker(11)}."),
             make_pdf(docs / "nieuw-2.pdf", [f"Nieuw over {marker(12)}."])]
    files[3].write_text(f"Document 3, herzien, over {marker(13)}.", encoding="utf-8")
    renamed = docs / "4-hernoemd.txt"
    files[4].rename(renamed)
    copy = docs / "1-kopie.txt"
    shutil.copy2(files[1], copy)
    files[5].unlink()

    code, report = index_json(index, docs)

    assert code == 0, report["unreadable"]
    assert report["added"] == paths(*added)
    assert report["changed"] == paths(files[3])
    assert report["moved"] == paths(renamed, copy)
    assert report["removed"] == paths(files[5])
    assert report["unchanged"] == 2  # 1.txt and 2.txt
    assert report["unreadable"] == [] and report["stale"] == []
    assert report["documents_indexed"] == 3 and report["files_extracted"] == 3
    assert report["documents_total"] == 6
    # One document for the copied content, with both paths; the old text of 3 is gone.
    assert [h["paths"] for h in hits(index, marker(1))] == [paths(copy, files[1])]
    assert [h["paths"] for h in hits(index, marker(4))] == [paths(renamed)]
    assert [h["paths"] for h in hits(index, marker(13))] == [paths(files[3])]
    assert hits(index, marker(3)) == [] and hits(index, marker(5)) == []
    # Search shows each document once: one hit per document, one record per page.
    results = search_json(index, "document", "--limit", "50")["results"]
    assert sorted(len(h["paths"]) for h in results) == [1, 1, 1, 2]
    assert assert_consistent(index) == (6, 6)

    # Nothing changed: everything unchanged, nothing read.
    code, quiet_night = index_json(index, docs)
    assert code == 0
    assert [quiet_night[k] for k in ("added", "changed", "moved", "removed")] == [[], [], [], []]
    assert quiet_night["unchanged"] == 7
    assert quiet_night["documents_indexed"] == 0 and quiet_night["files_extracted"] == 0
    assert quiet_night["documents_total"] == 6

    # One of two copies deleted, another file only touched: one path removed, nothing read.
    files[1].unlink()
    os.utime(files[2], (time.time() + 5, time.time() + 5))
    code, report = index_json(index, docs)
    assert code == 0
    assert report["removed"] == paths(files[1])
    assert [report[k] for k in ("added", "changed", "moved")] == [[], [], []]
    assert report["unchanged"] == 6 and report["files_extracted"] == 0
    assert [h["paths"] for h in hits(index, marker(1))] == [paths(copy)]
    assert assert_consistent(index) == (6, 6)


def test_renamed_document_keeps_its_id(tmp_path):
    docs, index = tmp_path / "archief", tmp_path / "index"
    original = make_pdf(docs / "rapport.pdf", [f"Rapport over {marker(40)}."])
    assert index_json(index, docs)[0] == 0
    doc_id = hits(index, marker(40))[0]["doc_id"]
    moved = docs / "archief-2024" / "rapport-definitief.pdf"
    moved.parent.mkdir()
    original.rename(moved)
    code, report = index_json(index, docs)
    assert (code, report["moved"], report["removed"], report["files_extracted"]) == (0, paths(moved), [], 0)
    assert [(h["doc_id"], h["paths"]) for h in hits(index, marker(40))] == [(doc_id, paths(moved))]


def test_content_swapped_between_paths(tmp_path):
    """b.txt gets a's content and a.txt is deleted: one document, at b, and b's old text gone."""
    docs, index = tmp_path / "archief", tmp_path / "index"
    a = write(docs / "a.txt", f"Tekst over {marker(21)}.")
    b = write(docs / "b.txt", f"Tekst over {marker(22)}.")
    assert index_json(index, docs)[0] == 0
    a.replace(b)
    code, report = index_json(index, docs)
    assert (code, report["changed"], report["removed"], report["moved"]) == (0, paths(b), paths(a), [])
    assert [h["paths"] for h in hits(index, marker(21))] == [paths(b)]
    assert hits(index, marker(22)) == []
    assert assert_consistent(index) == (1, 1)


def test_other_folders_in_the_same_index_are_left_alone(tmp_path):
    index = tmp_path / "index"
    one = write(tmp_path / "een" / "x.txt", f"Zelfde tekst {marker(30)}.")
    two = write(tmp_path / "twee" / "x.txt", f"Zelfde tekst {marker(30)}.")
    assert index_json(index, one.parent)[0] == 0
    assert index_json(index, two.parent)[0] == 0
    assert [h["paths"] for h in hits(index, marker(30))] == [paths(one, two)]
    # Indexing the first folder again does not drop the path in the second.
    code, report = index_json(index, one.parent)
    assert (code, report["removed"], report["unchanged"]) == (0, [], 1)
    assert [h["paths"] for h in hits(index, marker(30))] == [paths(one, two)]
    one.unlink()
    code, report = index_json(index, one.parent)
    assert (code, report["removed"]) == (0, paths(one))
    assert [h["paths"] for h in hits(index, marker(30))] == [paths(two)]


def test_dry_run_lists_changes_and_writes_nothing(tmp_path):
    docs, index = tmp_path / "archief", tmp_path / "index"
    files = [write(docs / f"{n}.txt", f"Tekst {n} over {marker(n)}.") for n in range(3)]
    # On a folder without an index: nothing is created.
    code, report = index_json(index, docs, "--dry-run")
    assert (code, report["dry_run"], report["added"]) == (0, True, paths(*files))
    assert not index.exists()

    assert index_json(index, docs)[0] == 0
    new = write(docs / "nieuw.txt", f"Nieuw {marker(10)}.")
    files[1].write_text(f"Herzien {marker(11)}.", encoding="utf-8")
    files[2].unlink()
    before = snapshot(index)

    code, report = index_json(index, docs, "--dry-run")
    assert code == 0
    assert (report["added"], report["changed"], report["removed"]) == (paths(new), paths(files[1]), paths(files[2]))
    assert report["documents_indexed"] == 0 and report["files_extracted"] == 0
    assert snapshot(index) == before
    result = cli("index", "--dry-run", "--index", index, docs)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "Zou indexeren: 1 nieuw, 1 gewijzigd, 0 verplaatst of gekopieerd, 1 verwijderd, 1 ongewijzigd; "
        "0 bestanden genegeerd.",
        f"  nieuw: {new.resolve()}",
        f"  gewijzigd: {files[1].resolve()}",
        f"  verwijderd: {files[2].resolve()}",
    ]
    assert snapshot(index) == before
    assert hits(index, marker(2)) and not hits(index, marker(10))

    code, report = index_json(index, docs)
    assert (report["added"], report["changed"], report["removed"]) == (paths(new), paths(files[1]), paths(files[2]))


# -- rebuild and versions ----------------------------------------------------------------
def test_rebuild_reads_text_from_the_cache_not_the_files(tmp_path, monkeypatch):
    docs, index = tmp_path / "archief", tmp_path / "index"
    make_pdf(docs / "a.pdf", [f"Pagina een {marker(1)}.", f"Pagina twee {marker(2)}."])
    make_pdf(docs / "b.pdf", [f"Alleen {marker(3)}."])
    write(docs / "c.txt", f"Tekst {marker(4)}.")
    assert index_json(index, docs)[0] == 0
    cached = sorted((index / "cache").rglob("*.json.gz"))
    assert len(cached) == 3

    # Any extraction now fails loudly: the forked workers inherit this.
    def no_extraction(*args, **kwargs):
        raise RuntimeError("extraction ran during a rebuild")
    monkeypatch.setattr("indexer.workers.extract", no_extraction)
    monkeypatch.setattr("indexer.workers.pdf_page_count", no_extraction)

    code, report = index_json(index, docs, "--rebuild")
    assert code == 0, report["unreadable"]
    assert report["files_extracted"] == 0 and report["files_from_cache"] == 3
    assert report["documents_indexed"] == report["documents_total"] == 3
    assert report["pages_total"] == 4
    assert sorted((index / "cache").rglob("*.json.gz")) == cached
    assert hits(index, marker(2))[0]["passages"][0]["page"] == 2


def test_index_of_another_version_is_refused_until_rebuilt(tmp_path):
    docs, index = tmp_path / "archief", tmp_path / "index"
    write(docs / "a.txt", f"Tekst {marker(1)}.")
    assert index_json(index, docs)[0] == 0
    version_file = index / "version.json"
    current = json.loads(version_file.read_text())
    version_file.write_text(json.dumps({**current, "analyzer": "nl-0+oud"}))

    for args in (["index", "--index", index, docs], ["status", "--index", index],
                 ["search", "--index", index, marker(1)]):
        result = cli(*args)
        assert result.exit_code == 3, result.output
        assert "--rebuild" in result.output and "nl-0+oud" in result.output

    code, report = index_json(index, docs, "--rebuild")
    assert (code, report["documents_total"], report["files_extracted"]) == (0, 1, 0)
    assert json.loads(version_file.read_text()) == current
    assert len(hits(index, marker(1))) == 1


# -- A4: the awkward files ---------------------------------------------------------------
def test_every_hard_pdf_gets_its_reason_and_the_run_goes_on(tmp_path, shared):
    docs = copy_in(shared / "corpus" / "hard-pdfs", tmp_path / "hard")
    index = tmp_path / "index"

    code, report = index_json(index, docs)

    assert code == 1
    reasons = {Path(u["path"]).name: u["reason"] for u in report["unreadable"]}
    assert reasons == HARD_REASONS
    assert all(u["message"] for u in report["unreadable"])
    assert report["added"] == paths(*(docs / n for n in HARD_READABLE))
    assert report["documents_total"] == 3
    found = {Path(h["path"]).name: h for word in ("beautiful", "Topologie")
             for h in hits(index, word)}
    assert found["zen_of_python_corrupted.pdf"]["pages"] == 1
    assert found["GeoTopo-komprimiert.pdf"]["pages"] == 117  # read in page-range chunks
    # pdfminer alone gets 2 of its 4 pages; the extractor rebuilds the cross-reference table
    # and reads all 4, so it is complete, not partial.
    _, records = index_records(index)
    by_name = {Path(r["info"]["files"][0]["path"]).name: r["info"] for r in records}
    assert by_name["missing_xref_trailer.pdf"]["pages"] == 4
    assert by_name["missing_xref_trailer.pdf"]["partial"] is False
    assert report["partial"] == []

    # The text report: one line per unreadable file, with its reason code.
    result = cli("index", "--index", index, docs)
    assert result.exit_code == 1
    for name, reason in HARD_REASONS.items():
        lines = [line for line in result.stdout.splitlines() if name in line]
        assert len(lines) == 1 and f"[{reason}]" in lines[0], (name, lines)
    assert "Onleesbaar of onvolledig (6):" in result.stdout
    # --quiet prints only the unreadable files, on stderr, for cron's mail.
    result = cli("index", "--quiet", "--index", index, docs)
    assert result.exit_code == 1 and result.stdout == ""
    assert len([line for line in result.stderr.splitlines() if "[" in line]) == 6


def test_partial_pdf_is_indexed_and_reported(tmp_path):
    docs, index = tmp_path / "archief", tmp_path / "index"
    good = make_pdf(tmp_path / "drie.pdf", [f"Een {marker(1)}.", f"Twee {marker(2)}.", f"Drie {marker(3)}."])
    docs.mkdir()
    # The page tree claims five pages; three can be found.
    (docs / "onvolledig.pdf").write_bytes(good.read_bytes().replace(b"/Count 3", b"/Count 5"))
    code, report = index_json(index, docs)
    assert code == 1
    assert report["unreadable"] == [{"path": paths(docs / "onvolledig.pdf")[0], "reason": "partial",
                                     "message": report["unreadable"][0]["message"], "pages": [[1, 3]]}]
    assert report["partial"] == paths(docs / "onvolledig.pdf")
    assert report["documents_total"] == 1 and report["pages_total"] == 3
    assert hits(index, marker(3))


def test_passwords_file_opens_encrypted_pdfs(tmp_path, shared):
    names = ["aes-256-r6.pdf", "rc4-40.pdf", "libreoffice-writer-password.pdf"]
    docs = copy_in(shared / "corpus" / "hard-pdfs", tmp_path / "versleuteld", names)
    index = tmp_path / "index"
    code, report = index_json(index, docs)
    assert code == 1 and [u["reason"] for u in report["unreadable"]] == ["encrypted"] * 3

    passwords = write(tmp_path / "wachtwoorden.tsv",
                      "# patroon<TAB>wachtwoord\naes-256-*.pdf\tusersecret\nrc4-40.pdf\tfoo\n"
                      f"{docs.resolve()}/libreoffice-*\topenpassword\n")
    code, report = index_json(index, docs, "--passwords", passwords)
    assert code == 0, report["unreadable"]
    assert report["added"] == paths(*(docs / n for n in names))
    assert report["documents_total"] == 3 and report["pages_total"] >= 3

    # A wrong password says so.
    other = copy_in(shared / "corpus" / "hard-pdfs", tmp_path / "fout", ["rc4-40.pdf"])
    wrong = write(tmp_path / "fout.tsv", "*.pdf\tbar\n")
    code, report = index_json(tmp_path / "index2", other, "--passwords", wrong)
    assert code == 1 and report["unreadable"][0]["reason"] == "encrypted"
    assert "onjuist" in report["unreadable"][0]["message"]


def test_owner_password_only_pdfs_open_without_a_password(tmp_path, shared):
    names = ["enc_owner_only_aes256.pdf", "enc_owner_only_aes256_noextract.pdf", "enc_owner_only_rc4_128.pdf"]
    docs = copy_in(shared / "fixtures" / "pdf" / "hard", tmp_path / "eigenaar", names)
    code, report = index_json(tmp_path / "index", docs)
    assert code == 0, report["unreadable"]
    assert report["added"] == paths(*(docs / n for n in names))
    assert report["pages_total"] == 3 * 13


def _tesseract_with_dutch() -> str:
    """Why OCR cannot run here, or "" when it can."""
    if not (shutil.which("tesseract") and shutil.which("pdftoppm")):
        return "tesseract or pdftoppm is not installed"
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout.split()
    return "" if "nld" in langs else "tesseract has no Dutch model (tesseract-ocr-nld)"


@pytest.fixture
def ocr_tools():
    missing = _tesseract_with_dutch()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"OCR is required under CI (make test installs it): {missing}")
        pytest.skip(missing)


def test_ocr_makes_scans_searchable_and_marks_their_pages(tmp_path, shared, ocr_tools):
    docs = tmp_path / "scans"
    copy_in(shared / "corpus" / "hard-pdfs", docs, ["scan-no-text_blg-1007826.pdf"])
    copy_in(shared / "fixtures" / "pdf" / "hard", docs, ["mixed_text_and_scan.pdf"])
    scan, mixed = (docs / "scan-no-text_blg-1007826.pdf").resolve(), (docs / "mixed_text_and_scan.pdf").resolve()
    index = tmp_path / "index"

    code, report = index_json(index, docs)
    assert code == 1
    assert [(u["path"], u["reason"]) for u in report["unreadable"]] == [(str(scan), "needs_ocr")]
    assert report["needs_ocr"] == [{"path": str(mixed), "pages": [3]}]
    assert report["added"] == [str(mixed)]
    assert status_json(index)["needs_ocr"][0]["pages"] == [3]
    assert hits(index, "vanggewassen") == []

    code, report = index_json(index, docs, "--ocr")
    assert code == 0, report["unreadable"]
    assert report["added"] == [str(scan)] and report["needs_ocr"] == []
    assert report["documents_indexed"] == 2  # the scan, and the mixed file read again with OCR
    passages = hits(index, "vanggewassen")[0]["passages"]
    assert passages[0]["page"] == 2 and passages[0]["ocr"] is True
    status = status_json(index)
    assert status["needs_ocr"] == [] and status["ocr_pages"] == 3
    _, records = index_records(index)
    assert sorted(r["info"]["ocr_pages"] for r in records) == [[1, 2], [3]]


def test_time_limit_stops_a_file_that_hangs_pdfminer(tmp_path, shared):
    docs = copy_in(shared / "fixtures" / "pdf" / "hard", tmp_path / "traag", ["dense_12000.pdf"])
    ok = write(docs / "ok.txt", f"Gewoon {marker(1)}.")
    started = time.monotonic()
    code, report = index_json(tmp_path / "index", docs, "--timeout", "2")
    assert time.monotonic() - started < 60
    assert code == 1
    assert [(Path(u["path"]).name, u["reason"]) for u in report["unreadable"]] == [("dense_12000.pdf", "timeout")]
    assert report["added"] == paths(ok) and report["documents_total"] == 1


def test_memory_limit_stops_a_file_that_inflates(tmp_path):
    """A real decompression bomb: a 600 MB content stream deflated to 0.6 MB."""
    docs = tmp_path / "groot"
    docs.mkdir()
    write_flate_bomb(docs / "bom.pdf", megabytes=600)
    ok = write(docs / "ok.txt", f"Gewoon {marker(1)}.")
    code, report = index_json(tmp_path / "index", docs, "--memory", "200")
    assert code == 1
    assert [(Path(u["path"]).name, u["reason"]) for u in report["unreadable"]] == [("bom.pdf", "too_large")]
    assert report["added"] == paths(ok)


def write_flate_bomb(path: Path, megabytes: int) -> Path:
    import zlib

    compressor = zlib.compressobj(9)
    block = b" " * (1 << 20)
    data = b"".join(compressor.compress(block) for _ in range(megabytes)) + compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def test_worker_that_crashes_is_reported_and_replaced(tmp_path, monkeypatch):
    """A segfault in a C library, imitated: the worker dies, the file is `crashed`, the run goes on."""
    import indexer.workers

    real_extract = indexer.workers.extract

    def crash_on_request(path, **kwargs):
        if "crash" in Path(path).name:
            os.kill(os.getpid(), signal.SIGSEGV)
        return real_extract(path, **kwargs)
    monkeypatch.setattr("indexer.workers.extract", crash_on_request)
    docs = tmp_path / "archief"
    write(docs / "crash.txt", "valt om")
    others = [write(docs / f"{n}.txt", f"Tekst {marker(n)}.") for n in range(4)]
    code, report = index_json(tmp_path / "index", docs, "--workers", "1")
    assert code == 1
    assert [(Path(u["path"]).name, u["reason"]) for u in report["unreadable"]] == [("crash.txt", "crashed")]
    assert report["added"] == paths(*others)


def test_unreadable_replacement_keeps_the_old_version_marked_stale(tmp_path):
    docs, index = tmp_path / "archief", tmp_path / "index"
    pdf = make_pdf(docs / "besluit.pdf", [f"Het oorspronkelijke besluit over {marker(50)}."])
    original = pdf.read_bytes()
    write(docs / "ander.txt", f"Iets anders {marker(51)}.")
    assert index_json(index, docs)[0] == 0

    pdf.write_bytes(original[: len(original) // 3])  # truncated: the upload broke off
    code, report = index_json(index, docs)
    assert code == 1
    assert report["stale"] == paths(pdf) and report["changed"] == []
    [item] = report["unreadable"]
    assert (item["path"], item["reason"], item["cause"]) == (paths(pdf)[0], "stale", "damaged")
    assert report["documents_total"] == 2
    [hit] = hits(index, marker(50))
    assert hit["stale"] is True and hit["paths"] == paths(pdf)
    result = cli("search", "--index", index, marker(50))
    assert result.exit_code == 0 and "verouderd" in result.stdout
    status = status_json(index)
    assert [(s["path"], s["reason"]) for s in status["stale"]] == [(paths(pdf)[0], "damaged")]

    # Still broken the next night: still stale, still reported, not read again.
    code, report = index_json(index, docs)
    assert (code, report["stale"], report["files_extracted"]) == (1, paths(pdf), 0)

    # Garbage behind a PDF header; then the original back: stale cleared, nothing read.
    pdf.write_bytes(b"%PDF-1.7\n" + os.urandom(5000))
    code, report = index_json(index, docs)
    assert (code, report["stale"]) == (1, paths(pdf))
    pdf.write_bytes(original)
    code, report = index_json(index, docs)
    assert (code, report["stale"], report["unreadable"], report["files_extracted"]) == (0, [], [], 0)
    assert status_json(index)["stale"] == []
    assert hits(index, marker(50))[0]["stale"] is False

    # A corrupted file again, then a corrected new version: the new text replaces the old.
    pdf.write_bytes(original[:200])
    assert index_json(index, docs)[0] == 1
    make_pdf(pdf, [f"Het gecorrigeerde besluit over {marker(52)}."])
    code, report = index_json(index, docs)
    assert (code, report["changed"], report["stale"]) == (0, paths(pdf), [])
    assert hits(index, marker(50)) == [] and len(hits(index, marker(52))) == 1
    assert status_json(index)["stale"] == []
    assert assert_consistent(index) == (2, 2)


# -- one run at a time -------------------------------------------------------------------
def test_second_run_is_refused_at_once_or_waits(tmp_path):
    docs, index = tmp_path / "archief", tmp_path / "index"
    for n in range(5):
        write(docs / f"{n}.txt", f"Tekst {marker(n)}.")
    marker_file = tmp_path / "in-commit"
    env = {**os.environ, "KAMERZOEK_TEST_PAUSE": "commit:4", "KAMERZOEK_TEST_PAUSE_MARKER": str(marker_file)}
    first = subprocess.Popen([kamerzoek_exe(), "index", "--quiet", "--index", str(index), str(docs)],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not marker_file.exists():
            assert first.poll() is None and time.monotonic() < deadline, first.communicate()
            time.sleep(0.05)
        started = time.monotonic()
        refused = cli("index", "--index", index, docs)
        assert time.monotonic() - started < 2  # at once, not after the other run
        assert refused.exit_code == 3
        assert f"pid {first.pid}" in refused.output and "--wait" in refused.output

        started = time.monotonic()
        waited = cli("index", "--wait", "--json", "--index", index, docs)
        assert time.monotonic() - started > 1  # it waited for the first run's commit to end
        assert first.wait(timeout=30) == 0
        assert waited.exit_code == 0, waited.output
        assert f"pid {first.pid}" in waited.stderr
        assert json.loads(waited.stdout)["unchanged"] == 5
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate()


# -- exit codes --------------------------------------------------------------------------
def test_exit_codes_for_usage_and_index_errors(tmp_path):
    docs, index = tmp_path / "archief", tmp_path / "index"
    write(docs / "a.txt", f"Tekst {marker(1)}.")

    bad = write(tmp_path / "wachtwoorden.tsv", "geheim.pdf zonder tab\n")
    result = cli("index", "--index", index, "--passwords", bad, docs)
    assert result.exit_code == 2 and "regel 1" in result.output
    result = cli("index", "--index", index, "--passwords", tmp_path / "bestaat-niet.tsv", docs)
    assert result.exit_code == 2 and "bestaat-niet.tsv" in result.output
    result = cli("index", "--index", index, tmp_path / "bestaat-niet")
    assert result.exit_code == 2
    assert not index.exists()

    # An index folder that cannot be created (its parent is a file).
    blocker = write(tmp_path / "een-bestand", "geen map")
    result = cli("index", "--index", blocker / "index", docs)
    assert result.exit_code == 3 and "kan niet worden geschreven" in result.output
    result = cli("status", "--index", tmp_path / "geen-index")
    assert result.exit_code == 3 and "geen index" in result.output

    # A damaged index is reported, never silently replaced; --rebuild replaces it.
    assert index_json(index, docs)[0] == 0
    [toc] = (index / "whoosh").glob("_MAIN_*.toc")
    toc.write_bytes(b"\x00garbage" * 10)
    for args in (["index", "--index", index, docs], ["status", "--index", index],
                 ["search", "--index", index, "tekst"]):
        result = cli(*args)
        assert result.exit_code == 3, (args, result.output)
        assert "--rebuild" in result.output
    code, report = index_json(index, docs, "--rebuild")
    assert (code, report["documents_total"], report["files_extracted"]) == (0, 1, 0)


# -- A5: status --------------------------------------------------------------------------
def test_status_shows_documents_version_last_run_failures_ocr_and_stale(tmp_path):
    docs, index = tmp_path / "archief", tmp_path / "index"
    write(docs / "a.txt", f"Tekst {marker(1)}.")
    write(docs / "b.md", f"# Kop\n\nTekst {marker(2)}.\n")
    c = make_pdf(docs / "c.pdf", [f"Een {marker(3)}.", f"Twee {marker(4)}."])
    scan = make_scan_page_pdf(docs / "d-scan.pdf", f"Voorblad {marker(5)}")
    broken = docs / "e-kapot.pdf"
    broken.write_bytes(b"%PDF-1.4\n" + b"\x00\x01 rommel " * 300)
    assert index_json(index, docs)[0] == 1
    c.write_bytes(c.read_bytes()[:300])
    code, report = index_json(index, docs)
    assert code == 1

    status = status_json(index)
    assert status["documents"] == 4
    assert status["pages"] == 5  # the scanned page has no text to index
    assert status["formats"] == {"md": 1, "pdf": 2, "txt": 1}
    assert status["size_bytes"] > 0
    assert status["version"] == json.loads((index / "version.json").read_text())
    assert status["last_run"] == json.loads((index / "last-run.json").read_text())
    assert status["last_run"]["finished"] == report["finished"]
    failures = {(Path(f["path"]).name, f["reason"]) for f in status["failures"]}
    assert failures == {("c.pdf", "stale"), ("e-kapot.pdf", "damaged")}
    assert status["needs_ocr"] == [{"doc_id": status["needs_ocr"][0]["doc_id"], "path": str(scan.resolve()),
                                    "pages": [2]}]
    assert [(s["path"], s["reason"]) for s in status["stale"]] == [(str(c.resolve()), "damaged")]

    result = cli("status", "--index", index)
    assert result.exit_code == 0
    out = result.stdout
    assert "Documenten: 4, pagina's: 5, grootte: " in out
    assert "Formaten: md 1, pdf 2, txt 1" in out
    assert f"Versie: schema {status['version']['schema']}, analyse {status['version']['analyzer']}" in out
    assert f"Laatste run: {report['started']} – {report['finished']}" in out
    assert f"{broken.resolve()}: [damaged]" in out and f"{c.resolve()}: [stale]" in out
    assert f"Tekstherkenning nodig: {scan.resolve()} (pagina 2)" in out
    assert f"Verouderd: {c.resolve()}" in out


def test_rebuild_keeps_the_other_folders_of_the_index(tmp_path):
    index = tmp_path / "index"
    one = write(tmp_path / "een" / "a.txt", f"Tekst {marker(60)}.")
    two = write(tmp_path / "twee" / "b.txt", f"Tekst {marker(61)}.")
    assert index_json(index, one.parent)[0] == 0
    assert index_json(index, two.parent)[0] == 0
    code, report = index_json(index, one.parent, "--rebuild")
    assert code == 0
    assert report["roots"] == [str(one.parent.resolve()), str(two.parent.resolve())]
    assert (report["documents_total"], report["files_extracted"], report["files_from_cache"]) == (2, 0, 2)
    assert len(hits(index, marker(61))) == 1


def make_dense_pdf(path: Path, normal_pages: int, numbers: int) -> Path:
    """Pages of one line, then one page of `numbers` separately drawn digits: pdfminer's
    layout analysis takes seconds on it (like ../shared's dense_12000.pdf)."""
    from reportlab.pdfgen import canvas

    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = canvas.Canvas(str(path), invariant=1)
    for n in range(normal_pages):
        pdf.drawString(50, 800, f"Pagina {n + 1} over {marker(70)}.")
        pdf.showPage()
    pdf.setFont("Helvetica", 3)
    for i in range(numbers):
        pdf.drawString(20 + (i % 150) * 3.7, 820 - (i // 150) * 4.2, str(i % 10))
    pdf.showPage()
    pdf.save()
    return path


def test_big_pdf_is_read_in_page_ranges_and_a_slow_range_makes_it_partial(tmp_path):
    docs, index = tmp_path / "archief", tmp_path / "index"
    pdf = make_dense_pdf(docs / "rapport.pdf", normal_pages=40, numbers=40000)  # 41 pages: two ranges
    code, report = index_json(index, docs, "--timeout", "2")
    assert code == 1
    [item] = report["unreadable"]
    assert (item["path"], item["reason"]) == (paths(pdf)[0], "partial")
    assert "pagina 41–41: tijdslimiet" in item["message"]
    assert report["partial"] == paths(pdf)
    assert (report["documents_total"], report["pages_total"]) == (1, 40)
    assert hits(index, marker(70))[0]["pages"] == 41
    assert not list((index / "cache").rglob("*.json.gz"))  # an incomplete read is not cached


def test_index_killed_before_its_version_was_written_is_completed(tmp_path):
    """create() writes the index, then version.json: a kill in between leaves an empty index
    without a version, which the next run must take over, not refuse."""
    from indexer.store import Store

    docs, index = tmp_path / "archief", tmp_path / "index"
    write(docs / "a.txt", f"Tekst {marker(80)}.")
    Store(index).create()
    (index / "version.json").unlink()
    code, report = index_json(index, docs, "--dry-run")
    assert (code, report["added"]) == (0, paths(docs / "a.txt"))
    assert not (index / "version.json").exists()  # a dry run writes nothing
    code, report = index_json(index, docs)
    assert (code, report["documents_total"]) == (0, 1)
    assert (index / "version.json").exists()
    assert len(hits(index, marker(80))) == 1


def test_batches_commit_without_merging_and_a_run_tidies_up(tmp_path, monkeypatch):
    """Each batch is its own segment (no merge at every commit); past the limit a run merges."""
    from indexer.store import Store

    def segments(index):
        with Store(index).searcher() as s:
            return len(s.leaf_searchers())

    docs, index = tmp_path / "archief", tmp_path / "index"
    for n in range(6):
        write(docs / f"brief-{n}.txt", f"Brief {n} over {marker(80 + n)}.")
    monkeypatch.setattr("indexer.build.writer.BATCH_DOCUMENTS", 1)
    assert index_json(index, docs)[0] == 0
    assert segments(index) == 6
    Store(index).tidy(max_segments=3)
    assert segments(index) < 6
    assert [len(hits(index, marker(80 + n))) for n in range(6)] == [1] * 6
