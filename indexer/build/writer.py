"""The run's one index writer: documents in batches, each batch one atomic Whoosh commit."""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from .. import metadata as metadata_mod
from .. import names
from .. import passages, references, schema
from ..extract import Extraction
from ..reasons import describe
from ..store import Store
from .plan import Doc
from .report import Report, now

BATCH_DOCUMENTS = 200     # commit after this many documents...
BATCH_SECONDS = 20.0      # ...or this many seconds, so a killed run loses at most a batch
# A document of more text than this is written in a commit of its own whose postings spill to
# disk every SMALL_POOL_MB: the index's postings of a 200 MB text never sit in memory at once.
LARGE_TEXT = 8_000_000    # characters
SMALL_POOL_MB = 32


def doc_id_for(sha: str) -> str:
    """Stable document id: derived from the content, so it survives renames and reindexing."""
    return sha[:16]


class BatchWriter:
    """Writes documents in batches; each batch is one atomic Whoosh commit.

    Whoosh applies a delete only to committed segments, so a record written twice in one
    batch would be there twice: callers write each document once per run, and a second
    write of a document in the same batch commits the batch first.
    """

    def __init__(self, store: Store, report: Report, progress):
        self.store = store
        self.report = report
        self.progress = progress
        self._writer_cm = None
        self._writer = None
        self._count = 0
        self._since = time.monotonic()
        self._touched: set[str] = set()
        self._files: dict[str, list[dict]] = {}   # doc_id -> files, to report a rejected document

    def _w(self, doc_id: str = "", large: bool = False):
        if doc_id:
            if doc_id in self._touched or large:
                self.commit()
            self._touched.add(doc_id)
        if self._writer is None:
            pool = {"limitmb": SMALL_POOL_MB} if large else {}
            self._writer_cm = self.store.writer(timeout=30.0, merge=False, **pool)
            self._writer = self._writer_cm.__enter__()
            self._since = time.monotonic()
        return self._writer

    def maybe_commit(self) -> None:
        if self._writer is not None and (
                self._count >= BATCH_DOCUMENTS or time.monotonic() - self._since >= BATCH_SECONDS):
            self.commit()

    def commit(self) -> None:
        if self._writer_cm is not None:
            cm, writer, self._writer_cm, self._writer = self._writer_cm, self._writer, None, None
            self._count = 0
            self._touched.clear()
            cm.__exit__(None, None, None)
            self._report_rejected(getattr(writer, "rejected", ()))
            self._files.clear()
            if self.progress:
                self.progress({"event": "committed"})

    def finish(self) -> None:
        """The last commit, and whatever the engine still had on its way (a rebuild's bodies)."""
        self.commit()
        self._report_rejected(self.store.settle())

    def _report_rejected(self, rejected) -> None:
        """Documents a distributed engine refused (its writer removed them): reported as
        unreadable, so the run goes on and the next run tries them again. A rebuild's refusals
        come back a commit or more later, with their files."""
        for item in rejected:
            files = self._files.pop(item["doc_id"], None) or item.get("files") or [{"path": item["doc_id"]}]
            for entry in files:
                self.report.unreadable.append({"path": entry["path"], "reason": "rejected",
                                               "message": describe("rejected", item["message"])})
                for listed in (self.report.added, self.report.changed):
                    if entry["path"] in listed:
                        listed.remove(entry["path"])

    def close(self) -> None:
        """Cancel an uncommitted batch (after an error): committed batches stay."""
        if self._writer_cm is not None:
            cm, self._writer_cm, self._writer = self._writer_cm, None, None
            try:
                cm.__exit__(RuntimeError, RuntimeError("run aborted"), None)
            except RuntimeError:
                pass

    def tick(self, path: str, pages: int) -> None:
        """One file done; commits when the batch is full."""
        if self.progress:
            self.progress({"event": "file", "path": path, "pages": pages})
        self.maybe_commit()

    def write_document(self, sha: str, files: list[dict], extraction: Extraction, page_count: int = 0) -> int:
        """Pages and record of one document; returns the number of pages written.

        page_count: the file's pages when known apart from the extraction (a split PDF
        some of whose ranges failed)."""
        doc_id = doc_id_for(sha)
        large = sum(len(p.text) for p in extraction.pages) > LARGE_TEXT
        writer = self._w(doc_id, large)
        self._files[doc_id] = files
        first = Path(files[0]["path"])
        meta = metadata_mod.read_metadata(first, extraction)
        date = parse_date(meta.get("date"))
        common = {
            "doc_id": doc_id, "title": names.shown(meta.get("title") or first.name),
            "type": meta.get("type") or "overig", "dossier": meta.get("dossier") or None,
            "number": meta.get("number") or None, "vergaderjaar": meta.get("vergaderjaar") or None,
        }
        common["identifier"] = references.identifier_for(meta, str(first))
        common = {k: v for k, v in common.items() if v is not None}
        if date is not None:
            common["date"] = date
            common["year"] = date.year
        # Pages of an earlier, killed run or of a read before OCR go first.
        writer.delete_by_term("doc_id", doc_id)
        pages = [p for p in extraction.pages if p.text.strip()]
        own = common.get("identifier")
        furniture = passages.furniture_lines([p.text for p in extraction.pages])
        for page in pages:
            # The documents this page refers to: `verwijst:ID` finds the pages that cite ID.
            cites = " ".join(dict.fromkeys(r.identifier for r in references.find_references(page.text)
                                           if r.identifier and r.identifier != own))
            # Running headers and footers are found but not scored: indexed apart, stored whole.
            body, furniture_text = passages.furnished(page.text, furniture)
            extra = {"cites": cites} if cites else {}
            if furniture_text:
                extra.update(furniture=furniture_text, _stored_content=page.text)
            writer.add_document(id=schema.page_record_id(doc_id, page.number), kind=schema.PAGE, page=page.number,
                                content=body, ocr=page.ocr, **common, **extra)
        info = schema.DocumentInfo(
            sha=sha, files=files, status="ok",
            pages=max(len(extraction.pages), page_count), indexed_pages=len(pages),
            needs_ocr=extraction.needs_ocr, partial=extraction.partial,
            ocr_pages=[p.number for p in pages if p.ocr],
            format=first.suffix.lower().lstrip("."),
            url=meta.get("url"), date=meta.get("date"),
            indexed=now(),
            furniture=furniture,
            references=references.cited(extraction.pages, own),
        )
        writer.add_document(id=schema.document_record_id(doc_id), kind=schema.DOCUMENT, info=info.as_stored(),
                            **common)
        self._count += 1
        if large:
            self.commit()
        return len(pages)

    def write_record(self, doc: Doc, files: list[dict], status: str, stale_reason: str = "") -> None:
        """The document record only (its pages stay): new files, or a new status."""
        info = schema.DocumentInfo.from_stored(doc.info).updated(files=files, status=status,
                                                                 stale_reason=stale_reason).as_stored()
        stored = {k: v for k, v in doc.stored.items() if k not in ("info", "id", "kind")}
        self._w(doc.doc_id).update_document(id=schema.document_record_id(doc.doc_id), kind=schema.DOCUMENT,
                                            info=info, **stored)
        doc.info, doc.files = info, files
        self._count += 1

    def remove(self, doc: Doc) -> None:
        self._w(doc.doc_id).delete_by_term("doc_id", doc.doc_id)
        self._count += 1


def totals(store: Store) -> tuple[int, int]:
    """Live documents and pages (deleted records are left out)."""
    with store.searcher() as s:
        return (sum(1 for _ in s.document_numbers(kind=schema.DOCUMENT)),
                sum(1 for _ in s.document_numbers(kind=schema.PAGE)))


def parse_date(value):
    if not value:
        return None
    try:
        return datetime.strptime(value[:10], "%Y-%m-%d")
    except ValueError:
        return None
