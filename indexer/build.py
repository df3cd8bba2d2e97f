"""Full and incremental indexing; returns a report of what changed and what could not be read.

The state of every file lives in the index itself (one document record per
content hash, with its paths, sizes and modification times), so the state and
the pages it describes are committed together: a run killed at any moment
leaves the last committed state, and the next run completes the work.
"""
from __future__ import annotations

import fnmatch
import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import pathspec

from . import metadata as metadata_mod
from .cache import TextCache, file_sha256
from .extract import SUPPORTED_EXTENSIONS, Extraction
from .reasons import describe
from .store import Store
from .workers import Result, Task, WorkerPool

IGNORE_FILE = ".kamerzoekignore"
SPLIT_PAGES = 40          # PDFs with more pages are extracted in chunks of this size
DEFAULT_TIMEOUT = 300.0   # seconds per file; a chunk gets its share
DEFAULT_MEMORY_MB = 2048
BATCH_DOCUMENTS = 200     # commit after this many documents...
BATCH_SECONDS = 20.0      # ...or this many seconds, so a killed run loses at most a batch


class ConfigurationError(Exception):
    """A bad option or an unreadable configuration file (exit code 2)."""


@dataclass
class Options:
    workers: int = 0
    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
    passwords: dict[str, str] = field(default_factory=dict)   # file-name glob -> password
    ocr: bool = False
    rebuild: bool = False
    dry_run: bool = False


@dataclass
class FileState:
    path: str
    size: int
    mtime: float
    sha: str = ""


@dataclass
class Report:
    started: str = ""
    finished: str = ""
    seconds: float = 0.0
    dry_run: bool = False
    roots: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    unchanged: int = 0
    ignored: int = 0
    unreadable: list[dict] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)
    needs_ocr: list[dict] = field(default_factory=list)
    pages_indexed: int = 0
    documents_indexed: int = 0
    documents_total: int = 0
    pages_total: int = 0

    def as_dict(self) -> dict:
        return {
            "started": self.started, "finished": self.finished, "seconds": round(self.seconds, 3),
            "dry_run": self.dry_run, "roots": self.roots,
            "added": sorted(self.added), "changed": sorted(self.changed),
            "removed": sorted(self.removed), "moved": sorted(self.moved),
            "unchanged": self.unchanged, "ignored": self.ignored,
            "unreadable": sorted(self.unreadable, key=lambda u: u["path"]),
            "stale": sorted(self.stale), "partial": sorted(self.partial),
            "needs_ocr": self.needs_ocr,
            "documents_indexed": self.documents_indexed, "pages_indexed": self.pages_indexed,
            "documents_total": self.documents_total, "pages_total": self.pages_total,
        }

    @property
    def exit_code(self) -> int:
        return 1 if self.unreadable else 0


def doc_id_for(sha: str) -> str:
    """Stable document id: derived from the content, so it survives renames and reindexing."""
    return sha[:16]


# -- finding files ---------------------------------------------------------------------
class _Ignorer:
    """gitignore-style patterns from .kamerzoekignore files in a folder and its parents."""

    def __init__(self) -> None:
        self._specs: dict[Path, pathspec.PathSpec | None] = {}

    def _spec(self, folder: Path):
        if folder not in self._specs:
            path = folder / IGNORE_FILE
            spec = None
            if path.is_file():
                try:
                    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
                    spec = pathspec.PathSpec.from_lines("gitwildmatch", lines)
                except (OSError, ValueError):
                    spec = None
            self._specs[folder] = spec
        return self._specs[folder]

    def ignored(self, path: Path, is_dir: bool = False) -> bool:
        for folder in path.parents:
            spec = self._spec(folder)
            if spec is not None:
                relative = path.relative_to(folder).as_posix() + ("/" if is_dir else "")
                if spec.match_file(relative):
                    return True
        return False


def scan(roots: list[Path]) -> tuple[list[Path], int]:
    """Every document file under the roots, and how many files were ignored."""
    ignorer = _Ignorer()
    found: list[Path] = []
    ignored = 0
    for root in roots:
        root = root.resolve()
        candidates: list[Path] = []
        if root.is_file():
            candidates.append(root)
        else:
            for folder, dirnames, filenames in os.walk(root):
                base = Path(folder)
                kept = []
                for name in sorted(dirnames):
                    if name.startswith(".") or ignorer.ignored(base / name, is_dir=True):
                        continue
                    kept.append(name)
                dirnames[:] = kept
                candidates.extend(base / name for name in sorted(filenames))
        for path in candidates:
            if path.name == IGNORE_FILE or metadata_mod.is_sidecar(path):
                continue
            if (path.name.startswith(".") or ignorer.ignored(path)
                    or path.suffix.lower() not in SUPPORTED_EXTENSIONS or not path.is_file()):
                ignored += 1
                continue
            found.append(path)
    return sorted(dict.fromkeys(found)), ignored


def read_passwords(path: Path) -> dict[str, str]:
    """A passwords file: one `pattern<TAB>password` a line; # starts a comment."""
    passwords: dict[str, str] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ConfigurationError(f"wachtwoordbestand {path} kan niet worden gelezen: {e.strerror}") from e
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pattern, tab, password = line.partition("\t")
        if not tab or not pattern:
            raise ConfigurationError(
                f"wachtwoordbestand {path}, regel {number}: verwacht 'patroon<TAB>wachtwoord'")
        passwords[pattern.strip()] = password
    return passwords


def _password_for(path: Path, passwords: dict[str, str]) -> str | None:
    for pattern, password in passwords.items():
        if fnmatch.fnmatch(path.name, pattern) or fnmatch.fnmatch(str(path), pattern):
            return password
    return None


# -- the run ---------------------------------------------------------------------------
@dataclass
class _Doc:
    """What the index knows of one document (a content hash)."""
    doc_id: str
    sha: str
    files: list[dict]             # [{"path", "size", "mtime"}]
    info: dict
    stored: dict


def _known_documents(store: Store) -> dict[str, _Doc]:
    docs = {}
    for record in store.documents():
        info = record.get("info") or {}
        sha = info.get("sha", "")
        docs[sha] = _Doc(record["doc_id"], sha, list(info.get("files", [])), info, record)
    return docs


def _under(path: str, roots: list[Path]) -> bool:
    return any(path == str(r) or path.startswith(str(r).rstrip("/") + "/") for r in roots)


def build_index(
    paths: list[Path],
    store: Store,
    options: Options | None = None,
    progress: Callable[[dict], None] | None = None,
) -> Report:
    """Bring the index in line with the files under `paths`.

    :param paths: folders or files to index; documents whose files were under
        them and are gone are removed, documents elsewhere are left alone.
    :param store: the index folder.
    :param options: workers, limits, passwords, OCR, rebuild, dry run.
    :param progress: called with {"event": ..., ...} as files are done.
    """
    options = options or Options()
    began = time.monotonic()
    report = Report(started=_now(), dry_run=options.dry_run)
    roots = [Path(p).resolve() for p in paths]
    report.roots = [str(r) for r in roots]
    for root in roots:
        if not root.exists():
            raise ConfigurationError(f"pad bestaat niet: {root}")

    if options.rebuild and not options.dry_run:
        store.create()  # pages come back from the text cache, not from pdfminer
    elif not options.dry_run:
        store.open_or_create()
    known = {} if options.rebuild or not store.exists() else _known_documents(store)

    files, report.ignored = scan(roots)
    by_path: dict[str, tuple[_Doc, dict]] = {}
    for doc in known.values():
        for entry in doc.files:
            by_path[entry["path"]] = (doc, entry)
    if progress:
        progress({"event": "scanned", "files": len(files)})

    # Which content is at which path now.
    current: dict[str, list[FileState]] = {}
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        state = FileState(str(path), stat.st_size, stat.st_mtime)
        seen = by_path.get(state.path)
        if seen and seen[1].get("size") == state.size and seen[1].get("mtime") == state.mtime:
            state.sha = seen[0].sha
        else:
            try:
                state.sha = file_sha256(path)
            except OSError as e:
                report.unreadable.append({"path": state.path, "reason": "damaged",
                                          "message": describe("damaged", e.strerror or str(e))})
                continue
        current.setdefault(state.sha, []).append(state)

    # Classify by content.
    to_index: list[str] = []          # shas whose pages must be (re)written
    relink: list[str] = []            # known shas whose set of paths changed
    for sha, states in current.items():
        paths_now = sorted(s.path for s in states)
        if sha in known:
            doc = known[sha]
            before = sorted(e["path"] for e in doc.files)
            was_unchanged = before == paths_now and all(
                any(e["path"] == s.path and e.get("size") == s.size and e.get("mtime") == s.mtime
                    for e in doc.files) for s in states)
            if was_unchanged and doc.info.get("status") != "stale":
                report.unchanged += len(states)
            else:
                relink.append(sha)
                new_paths = set(paths_now) - set(before)
                for p in new_paths:
                    old = by_path.get(p)
                    (report.changed if old and old[0].sha != sha else report.moved).append(p)
                report.unchanged += len(set(paths_now) & set(before))
        else:
            to_index.append(sha)
            for s in states:
                old = by_path.get(s.path)
                (report.changed if old else report.added).append(s.path)

    present = {s.path for states in current.values() for s in states}
    gone_docs = [doc for sha, doc in known.items()
                 if sha not in current and all(_under(e["path"], roots) for e in doc.files)
                 and not any(e["path"] in present for e in doc.files)]
    for doc in gone_docs:
        for entry in doc.files:
            if entry["path"] not in present and not any(entry["path"] in c for c in report.changed):
                report.removed.append(entry["path"])
    # Moves: a path that vanished while its content reappeared elsewhere is not a removal.
    report.moved = [p for p in report.moved if p not in report.changed]

    if options.dry_run:
        report.finished = _now()
        report.seconds = time.monotonic() - began
        return report

    store.add_roots(report.roots)
    if progress:
        progress({"event": "plan", "files": len(to_index) + len(relink)})
    cache = TextCache(store.cache_dir)
    writer_state = _BatchWriter(store, report, progress)
    try:
        # Paths that moved or gained a copy: only the document record changes.
        for sha in relink:
            doc = known[sha]
            writer_state.relink(doc, _file_entries(current[sha]))
        # New content: from the cache when it was read before, else by the workers.
        pending: dict[str, dict] = {}
        for sha in to_index:
            states = current[sha]
            path = Path(states[0].path)
            cached = cache.get(sha)
            if cached is not None and not (options.ocr and cached.needs_ocr):
                writer_state.add(sha, states, cached, known, current)
            else:
                pending[sha] = {"states": states, "path": path, "chunks": {None: None}}
        if pending:
            workers = options.workers or os.cpu_count() or 1
            with WorkerPool(workers, options.memory_mb) as pool:
                for sha, job in pending.items():
                    pool.submit(Task(key=(sha, None), path=str(job["path"]),
                                     password=_password_for(job["path"], options.passwords),
                                     ocr=options.ocr, split_above=SPLIT_PAGES,
                                     timeout=options.timeout))
                for result in pool.results(tick=writer_state.maybe_commit):
                    _handle_result(result, pending, pool, options, cache, writer_state, known, current)
        # Removals last, after their replacements are in.
        for doc in gone_docs:
            writer_state.remove(doc)
        writer_state.commit()
    finally:
        writer_state.close()

    report.documents_total, report.pages_total = _totals(store)
    report.finished = _now()
    report.seconds = time.monotonic() - began
    store.write_run(report.as_dict())
    return report


def _handle_result(result: Result, pending: dict, pool: WorkerPool, options: Options,
                   cache: TextCache, writer_state: "_BatchWriter", known: dict, current: dict) -> None:
    sha, chunk = result.task.key
    job = pending[sha]
    if result.page_count:
        # A big PDF: split it across the workers by page ranges, each with its share of the time.
        for first in range(1, result.page_count + 1, SPLIT_PAGES):
            last = min(result.page_count, first + SPLIT_PAGES - 1)
            share = max(30.0, options.timeout * (last - first + 1) / result.page_count)
            pool.submit_first(Task(key=(sha, (first, last)), path=result.task.path,
                                   password=result.task.password, ocr=options.ocr,
                                   page_range=(first, last), timeout=share))
            job["chunks"][(first, last)] = None
        return
    job["chunks"][chunk] = result
    if any(r is None for r in job["chunks"].values()):
        return  # more chunks to come
    del pending[sha]
    results = [r for _, r in sorted(job["chunks"].items(), key=lambda kv: kv[0] or (0, 0))]
    failures = [r for r in results if r.reason]
    extraction = _merge([r.extraction for r in results if not r.reason])
    if extraction is None or not any(p.text.strip() for p in extraction.pages):
        failed = failures[0] if failures else Result(result.task, reason="damaged",
                                                     message="geen tekst gevonden")
        writer_state.fail(sha, job["states"], failed, known, current)
        return
    if failures:
        extraction.partial = True  # some page ranges failed: index what was read, not cached
    else:
        cache.put(sha, extraction)
    writer_state.add(sha, job["states"], extraction, known, current)


def _merge(parts: list[Extraction]) -> Extraction | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    merged = Extraction(pages=[], meta=dict(parts[0].meta))
    for part in parts:
        merged.pages.extend(part.pages)
        merged.needs_ocr.extend(part.needs_ocr)
        merged.partial = merged.partial or part.partial
    return merged


def _file_entries(states: list[FileState]) -> list[dict]:
    return [{"path": s.path, "size": s.size, "mtime": s.mtime} for s in sorted(states, key=lambda s: s.path)]


class _BatchWriter:
    """Writes documents in batches; each batch is one atomic Whoosh commit."""

    def __init__(self, store: Store, report: Report, progress):
        self.store = store
        self.report = report
        self.progress = progress
        self._writer_cm = None
        self._writer = None
        self._count = 0
        self._since = time.monotonic()
        self._done = 0

    def _w(self):
        if self._writer is None:
            self._writer_cm = self.store.writer(timeout=30.0)
            self._writer = self._writer_cm.__enter__()
            self._since = time.monotonic()
        return self._writer

    def maybe_commit(self) -> None:
        if self._writer is not None and (
                self._count >= BATCH_DOCUMENTS or time.monotonic() - self._since >= BATCH_SECONDS):
            self.commit()

    def commit(self) -> None:
        if self._writer_cm is not None:
            cm, self._writer_cm, self._writer = self._writer_cm, None, None
            self._count = 0
            cm.__exit__(None, None, None)
            if self.progress:
                self.progress({"event": "committed"})

    def close(self) -> None:
        if self._writer_cm is not None:
            cm, self._writer_cm, self._writer = self._writer_cm, None, None
            try:
                cm.__exit__(RuntimeError, RuntimeError("run aborted"), None)
            except RuntimeError:
                pass

    def _tick(self, path: str, pages: int) -> None:
        self._count += 1
        self._done += 1
        if self.progress:
            self.progress({"event": "file", "path": path, "pages": pages})
        self.maybe_commit()

    def _write_document(self, sha: str, files: list[dict], extraction: Extraction,
                        status: str = "ok") -> int:
        writer = self._w()
        doc_id = doc_id_for(sha)
        first = Path(files[0]["path"])
        meta = metadata_mod.read_metadata(first, extraction)
        date = _parse_date(meta.get("date"))
        common = {
            "doc_id": doc_id, "title": meta.get("title") or first.name,
            "type": meta.get("type") or "overig", "dossier": meta.get("dossier") or None,
            "number": meta.get("number") or None, "vergaderjaar": meta.get("vergaderjaar") or None,
        }
        common = {k: v for k, v in common.items() if v is not None}
        if date is not None:
            common["date"] = date
            common["year"] = date.year
        writer.delete_by_term("doc_id", doc_id)
        pages = [p for p in extraction.pages if p.text.strip()]
        for page in pages:
            writer.add_document(id=f"{doc_id}:{page.number}", kind="page", page=page.number,
                                content=page.text, ocr=page.ocr, **common)
        info = {
            "sha": sha, "files": files, "status": status,
            "pages": len(extraction.pages), "indexed_pages": len(pages),
            "needs_ocr": extraction.needs_ocr, "partial": extraction.partial,
            "ocr_pages": [p.number for p in pages if p.ocr],
            "format": first.suffix.lower().lstrip("."),
            "url": meta.get("url"), "date": meta.get("date"),
            "indexed": _now(),
        }
        writer.add_document(id=f"doc:{doc_id}", kind="doc", info=info, **common)
        return len(pages)

    def add(self, sha: str, states: list[FileState], extraction: Extraction, known: dict, current: dict) -> None:
        files = _file_entries(states)
        count = self._write_document(sha, files, extraction)
        self.report.pages_indexed += count
        self.report.documents_indexed += 1
        if extraction.partial:
            self.report.partial.append(files[0]["path"])
            self.report.unreadable.append({"path": files[0]["path"], "reason": "partial",
                                           "message": describe("partial")})
        if extraction.needs_ocr:
            self.report.needs_ocr.append({"path": files[0]["path"], "pages": extraction.needs_ocr})
        # The old content at these paths: drop the paths, and the document when none is left.
        for state in states:
            for doc in known.values():
                if doc.sha != sha and any(e["path"] == state.path for e in doc.files):
                    doc.files = [e for e in doc.files if e["path"] != state.path]
                    if doc.files:
                        self.relink(doc, doc.files, count=False)
                    elif doc.sha not in current:
                        self._w().delete_by_term("doc_id", doc.doc_id)
        self._tick(files[0]["path"], count)

    def fail(self, sha: str, states: list[FileState], failed: Result, known: dict, current: dict) -> None:
        for state in states:
            stale_doc = next((d for d in known.values()
                              if d.sha != sha and any(e["path"] == state.path for e in d.files)), None)
            if stale_doc is not None:
                # A changed file that cannot be read: the previous version stays, marked stale.
                self.report.stale.append(state.path)
                self.report.unreadable.append({
                    "path": state.path, "reason": "stale",
                    "message": describe("stale", describe(failed.reason, failed.message))})
                info = dict(stale_doc.info, status="stale", stale_reason=failed.reason)
                self._rewrite_record(stale_doc, info)
            else:
                self.report.unreadable.append({"path": state.path, "reason": failed.reason,
                                               "message": describe(failed.reason, failed.message)})
            if state.path in self.report.added:
                self.report.added.remove(state.path)
            if state.path in self.report.changed:
                self.report.changed.remove(state.path)
        self._tick(states[0].path, 0)

    def relink(self, doc: _Doc, files: list[dict], count: bool = True) -> None:
        info = dict(doc.info, files=files, status="ok")
        info.pop("stale_reason", None)
        doc.files = files
        self._rewrite_record(doc, info)
        if count:
            self._tick(files[0]["path"], 0)

    def _rewrite_record(self, doc: _Doc, info: dict) -> None:
        stored = {k: v for k, v in doc.stored.items() if k not in ("info", "id", "kind")}
        doc.info = info
        self._w().update_document(id=f"doc:{doc.doc_id}", kind="doc", info=info, **stored)

    def remove(self, doc: _Doc) -> None:
        self._w().delete_by_term("doc_id", doc.doc_id)
        self._count += 1
        self.maybe_commit()


def _totals(store: Store) -> tuple[int, int]:
    """Live documents and pages (deleted records are left out)."""
    with store.searcher() as s:
        return (sum(1 for _ in s.document_numbers(kind="doc")),
                sum(1 for _ in s.document_numbers(kind="page")))


def _parse_date(value):
    if not value:
        return None
    try:
        return datetime.strptime(value[:10], "%Y-%m-%d")
    except ValueError:
        return None


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
