"""Full and incremental indexing; returns a report of what changed and what could not be read.

The state of every file lives in the index itself (one document record per
content hash, with its paths, sizes and modification times), so the state and
the pages it describes are committed together: a run killed at any moment
leaves the last committed state, and the next run completes the work.
"""
from __future__ import annotations

import fnmatch
import hashlib
import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import pathspec

from . import metadata as metadata_mod
from . import names
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
MIN_CHUNK_SECONDS = 30.0  # a chunk's share of the time limit is at least this (or the whole limit)


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
    follow_symlinks: bool = False   # index what links lead to outside the indexed folders


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
    files_extracted: int = 0       # files given to the extraction workers
    files_from_cache: int = 0      # documents written from the text cache
    failures_remembered: int = 0   # files not read again: they failed before with the same options

    def as_dict(self) -> dict:
        return {
            "started": self.started, "finished": self.finished, "seconds": round(self.seconds, 3),
            "dry_run": self.dry_run, "roots": self.roots,
            "added": sorted(self.added), "changed": sorted(self.changed),
            "removed": sorted(self.removed), "moved": sorted(self.moved),
            "unchanged": self.unchanged, "ignored": self.ignored,
            "unreadable": sorted(self.unreadable, key=lambda u: u["path"]),
            "stale": sorted(self.stale), "partial": sorted(self.partial),
            "needs_ocr": sorted(self.needs_ocr, key=lambda n: n["path"]),
            "documents_indexed": self.documents_indexed, "pages_indexed": self.pages_indexed,
            "documents_total": self.documents_total, "pages_total": self.pages_total,
            "files_extracted": self.files_extracted, "files_from_cache": self.files_from_cache,
            "failures_remembered": self.failures_remembered,
        }

    @property
    def exit_code(self) -> int:
        return 1 if self.unreadable else 0


def _sentence(reason: str, detail: str = "") -> str:
    """The reason's Dutch sentence with the extractor's detail, without saying things twice
    ("versleuteld: een wachtwoord is nodig (…) (versleuteld: een wachtwoord is nodig)")."""
    sentence = describe(reason)
    head, colon, rest = detail.partition(": ")
    if detail and sentence.startswith(detail):
        return sentence
    if colon and sentence.startswith(head + ":"):
        detail = rest
    return describe(reason, detail)


def doc_id_for(sha: str) -> str:
    """Stable document id: derived from the content, so it survives renames and reindexing."""
    return sha[:16]


# -- finding files ---------------------------------------------------------------------
class _Ignorer:
    """gitignore-style patterns from .kamerzoekignore files in a folder and its parents."""

    def __init__(self) -> None:
        self._chains: dict[str, list[tuple[str, pathspec.GitIgnoreSpec]]] = {}

    def _own(self, folder: str) -> pathspec.GitIgnoreSpec | None:
        path = os.path.join(folder, IGNORE_FILE)
        if os.path.exists(path) and not os.path.isfile(path):
            raise ConfigurationError(f"{names.shown(path)} is geen gewoon bestand en kan niet worden gelezen")
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except FileNotFoundError:
            return None
        except OSError as e:
            if not os.path.lexists(path):
                return None
            # Skipping it would index the very files it excludes, without a word.
            raise ConfigurationError(f"{names.shown(path)} kan niet worden gelezen: {e.strerror or e}") from e
        lines = raw.split(b"\n")
        for number, line in enumerate(lines, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ConfigurationError(f"{names.shown(path)}, regel {number}: geen geldige UTF-8-tekst "
                                         f"(byte {e.start + 1})") from e
        try:
            return pathspec.GitIgnoreSpec.from_lines(raw.decode("utf-8").splitlines())
        except ValueError as e:
            raise ConfigurationError(f"{names.shown(path)}: ongeldig patroon ({e})") from e

    def chain(self, folder: str) -> list[tuple[str, pathspec.GitIgnoreSpec]]:
        """The patterns that apply inside `folder`: its own and its parents', each with its base."""
        if folder not in self._chains:
            parent = os.path.dirname(folder)
            chain = [] if parent == folder else list(self.chain(parent))
            own = self._own(folder)
            if own is not None:
                chain.append((folder, own))
            self._chains[folder] = chain
        return self._chains[folder]

    def ignored(self, path: str, is_dir: bool = False) -> bool:
        for base, spec in self.chain(os.path.dirname(path)):
            relative = os.path.relpath(path, base) + ("/" if is_dir else "")
            if spec.match_file(relative):
                return True
        return False


def _inside(real: str, real_roots: list[str]) -> bool:
    return any(real == r or real.startswith(r.rstrip("/") + "/") for r in real_roots)


def scan(roots: list[Path], refused: list[dict] | None = None,
         follow_symlinks: bool = False) -> tuple[list[FileState], int]:
    """Every document file under the roots with its size and time, and how many files were ignored.

    One directory listing and one stat per file: a nightly run over thousands of
    unchanged files spends its time here, so nothing is looked at twice.

    :param refused: receives {"path", "reason", "message"} for what is there but may or
        can not be read: a symbolic link leading out of the indexed folders (`outside`,
        unless follow_symlinks) and a folder without read permission (`no_access`).
    :param follow_symlinks: follow links that lead outside the indexed folders too.
    """
    ignorer = _Ignorer()
    found: dict[str, FileState] = {}
    ignored = 0
    refused = refused if refused is not None else []
    real_roots = [os.path.realpath(r) for r in roots]
    seen_folders: set[str] = set()

    def refuse(path: str, reason: str, detail: str = "") -> None:
        refused.append({"path": path, "reason": reason, "message": describe(reason, names.shown(detail))})

    def wanted(path: str, name: str) -> bool:
        return not (name == IGNORE_FILE or metadata_mod.is_sidecar(Path(path)) or name.startswith(".")
                    or os.path.splitext(name)[1].lower() not in SUPPORTED_EXTENSIONS or ignorer.ignored(path))

    def consider(path: str, name: str, stat_of) -> None:
        nonlocal ignored
        if name == IGNORE_FILE or metadata_mod.is_sidecar(Path(path)):
            return
        if not wanted(path, name):
            ignored += 1
            return
        try:
            stat = stat_of()
        except OSError:  # vanished or unreadable since the listing: not there for this run
            return
        found[path] = FileState(path, stat.st_size, stat.st_mtime)

    def leads_outside(path: str) -> bool:
        return not follow_symlinks and not _inside(os.path.realpath(path), real_roots)

    for root in roots:
        root_path = str(root.resolve())
        if os.path.isfile(root_path):
            consider(root_path, os.path.basename(root_path), lambda: os.stat(root_path))
            continue
        stack = [root_path]
        while stack:
            folder = stack.pop()
            real = os.path.realpath(folder)
            if real in seen_folders:
                continue  # a link back to a folder already listed (or a loop)
            seen_folders.add(real)
            try:
                with os.scandir(folder) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except PermissionError as e:
                refuse(folder, "no_access", e.strerror or "")
                continue
            except OSError:
                continue  # vanished since its parent was listed
            subfolders = []
            for entry in entries:
                try:
                    link = entry.is_symlink()
                    if entry.is_dir(follow_symlinks=True):
                        if entry.name.startswith(".") or ignorer.ignored(entry.path, is_dir=True):
                            continue
                        if link and leads_outside(entry.path):
                            refuse(entry.path, "outside", os.path.realpath(entry.path))
                            continue
                        subfolders.append(entry.path)
                        continue
                    if not entry.is_file(follow_symlinks=True):
                        # A FIFO, socket or device (or a dangling link) is no document: opening
                        # a FIFO would wait for ever, a device never end.
                        if os.path.splitext(entry.name)[1].lower() in SUPPORTED_EXTENSIONS:
                            ignored += 1
                        continue
                except OSError:
                    continue
                if link and leads_outside(entry.path) and wanted(entry.path, entry.name):
                    refuse(entry.path, "outside", os.path.realpath(entry.path))
                    continue
                consider(entry.path, entry.name, entry.stat)
            stack.extend(reversed(subfolders))
    return sorted(found.values(), key=lambda s: s.path), ignored


def read_passwords(path: Path) -> dict[str, str]:
    """A passwords file: one `pattern<TAB>password` a line; # starts a comment."""
    passwords: dict[str, str] = {}
    shown = names.shown(str(path))
    if Path(path).exists() and not (Path(path).is_file() or Path(path).is_dir()):
        raise ConfigurationError(f"wachtwoordbestand {shown} is geen gewoon bestand (maar een pijp, socket of apparaat)")
    try:
        raw = Path(path).read_bytes()
    except IsADirectoryError as e:
        raise ConfigurationError(f"wachtwoordbestand {shown} is een map, geen bestand") from e
    except OSError as e:
        raise ConfigurationError(f"wachtwoordbestand {shown} kan niet worden gelezen: {e.strerror}") from e
    lines = []
    for number, line in enumerate(raw.split(b"\n"), 1):
        try:
            lines.append(line.decode("utf-8").rstrip("\r"))
        except UnicodeDecodeError as e:
            raise ConfigurationError(f"wachtwoordbestand {shown}, regel {number}: geen geldige UTF-8-tekst "
                                     f"(byte {e.start + 1})") from e
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pattern, tab, password = line.partition("\t")
        if not tab or not pattern:
            raise ConfigurationError(
                f"wachtwoordbestand {shown}, regel {number}: verwacht 'patroon<TAB>wachtwoord'")
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
    """What the index knows of one document (a content hash), and what this run does to it."""
    doc_id: str
    sha: str
    files: list[dict]             # [{"path", "size", "mtime"}], sorted by path
    info: dict
    stored: dict
    keep: list[dict] = field(default_factory=list)       # its files after this run
    held: dict[str, dict] = field(default_factory=dict)  # path -> old entry: new content there, not read yet
    failed: dict[str, tuple[dict, str]] = field(default_factory=dict)  # path -> (old entry, reason)


def _known_documents(store: Store) -> dict[str, _Doc]:
    docs = {}
    for record in store.documents():
        info = record.get("info") or {}
        sha = info.get("sha", "")
        docs[sha] = _Doc(record["doc_id"], sha, list(info.get("files", [])), info, record)
    return docs


def _under(path: str, roots: list[Path]) -> bool:
    return any(path == str(r) or path.startswith(str(r).rstrip("/") + "/") for r in roots)


def _attempt(path: Path, options: Options) -> str:
    """What could change the outcome of reading a file: a remembered failure counts only
    for the same password, OCR setting and limits."""
    password = _password_for(path, options.passwords)
    secret = hashlib.sha256(password.encode("utf-8")).hexdigest()[:12] if password else "-"
    return f"pw={secret};ocr={int(options.ocr)};timeout={options.timeout:g};memory={options.memory_mb}"


@dataclass
class _Plan:
    current: dict[str, list[FileState]]   # content hash -> the files that hold it now
    sha_at: dict[str, str]                # path -> content hash now
    by_path: dict[str, _Doc]              # path -> the document that holds it in the index
    to_index: list[str]                   # content hashes whose pages must be written
    updates: list[_Doc]                   # documents whose record (files, status) changes
    removals: list[_Doc]                  # documents none of whose files is left


def _plan(files: list[FileState], known: dict[str, _Doc], roots: list[Path], options: Options,
          report: Report) -> _Plan:
    """Compare the files with what the index holds, and fill the report's lists."""
    by_path: dict[str, _Doc] = {}
    entry_at: dict[str, dict] = {}
    for doc in known.values():
        for entry in doc.files:
            by_path[entry["path"]] = doc
            entry_at[entry["path"]] = entry

    # Which content is at which path now: hashed only when size or time differ.
    current: dict[str, list[FileState]] = {}
    for state in files:
        entry = entry_at.get(state.path)
        if entry is not None and entry.get("size") == state.size and entry.get("mtime") == state.mtime:
            state.sha = by_path[state.path].sha
        else:
            try:
                state.sha = file_sha256(Path(state.path))
            except OSError as e:
                reason = "no_access" if isinstance(e, PermissionError) else "damaged"
                report.unreadable.append({"path": state.path, "reason": reason,
                                          "message": _sentence(reason, e.strerror or str(e))})
                continue
        current.setdefault(state.sha, []).append(state)
    sha_at = {s.path: sha for sha, states in current.items() for s in states}

    new_content = {sha for sha in current if sha not in known}
    to_index = sorted(new_content)
    if options.ocr:
        # Documents indexed with scanned pages are read again now that OCR is asked for.
        to_index += sorted(sha for sha in current if sha in known and known[sha].info.get("needs_ocr"))

    for path, sha in sha_at.items():
        old = by_path.get(path)
        if old is None:
            # A new path with content the index holds: moved, renamed or copied.
            (report.moved if sha in known else report.added).append(path)
        elif old.sha != sha:
            report.changed.append(path)
        else:
            report.unchanged += 1

    updates, removals = [], []
    reread = set(to_index) - new_content
    for doc in known.values():
        inside = [e for e in doc.files if _under(e["path"], roots)]
        outside = [e for e in doc.files if not _under(e["path"], roots)]
        doc.keep = sorted(outside + _file_entries(current.get(doc.sha, [])), key=lambda e: e["path"])
        # A path whose new content must be read first: the old version stays until it is.
        doc.held = {e["path"]: e for e in inside if sha_at.get(e["path"]) in new_content}
        # A path gone while a path new to the index took its content is a move, not a removal.
        vanished = sorted(e["path"] for e in inside if e["path"] not in sha_at)
        arrived = [s for s in current.get(doc.sha, []) if s.path not in by_path]
        report.removed.extend(vanished[len(arrived):])
        if doc.held or doc.sha in reread:
            continue  # settled when its content is read
        if not doc.keep:
            removals.append(doc)
        elif doc.keep != doc.files or doc.info.get("status", "ok") != "ok":
            updates.append(doc)
    return _Plan(current, sha_at, by_path, to_index, updates, removals)


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
    :raises ConfigurationError: a path that does not exist.
    :raises StoreError: the index cannot be opened or written.
    """
    options = options or Options()
    import math
    if not (math.isfinite(options.timeout) and options.timeout > 0):
        raise ConfigurationError(f"tijdslimiet {options.timeout!r} moet een eindig getal groter dan 0 zijn")
    if not options.memory_mb > 0:
        raise ConfigurationError(f"geheugenlimiet {options.memory_mb!r} moet groter dan 0 zijn")
    began = time.monotonic()
    report = Report(started=_now(), dry_run=options.dry_run)
    roots = [Path(p).resolve() for p in paths]
    for root in roots:
        if not root.exists():
            raise ConfigurationError(f"pad bestaat niet: {names.shown(str(root))}")
        if not (root.is_file() or root.is_dir()):
            raise ConfigurationError(
                f"{names.shown(str(root))} is geen gewoon bestand of map (maar bijvoorbeeld een pijp, "
                "socket of apparaat) en kan niet worden geïndexeerd")
    if options.rebuild:
        # A rebuild replaces the whole index: the folders indexed into it before come
        # back too, or their documents would be lost without a word.
        roots += [Path(r) for r in store.roots() if Path(r) not in roots and Path(r).exists()]
    report.roots = [str(r) for r in roots]

    if options.dry_run:
        known = {} if options.rebuild or not store.exists() else _known_documents(store)
    elif options.rebuild:
        # Built beside the live index, which keeps answering; pages come from the text cache.
        store.begin_rebuild()
        known = {}
    else:
        store.open_or_create()
        known = _known_documents(store)

    refused: list[dict] = []
    files, report.ignored = scan(roots, refused, follow_symlinks=options.follow_symlinks)
    report.unreadable.extend(refused)
    if progress:
        progress({"event": "scanned", "files": len(files)})
    plan = _plan(files, known, roots, options, report)

    if options.dry_run:
        return _finish(report, began)

    roots_before = store.roots()
    store.add_roots(report.roots)
    store.set_follow_symlinks(options.follow_symlinks)
    if progress:
        progress({"event": "plan", "files": len(plan.to_index) + len(plan.updates)})
    cache = TextCache(store.cache_dir)
    if options.rebuild:
        cache.forget_failures()  # a rebuild tries every file again
    run = _Run(store, report, progress, known, plan, cache, options)
    try:
        try:
            run.execute()
        finally:
            run.writer.close()
        store.tidy()
        if options.rebuild:
            store.finish_rebuild()
    except BaseException:
        # A run that fails brings no new folder in: a later --rebuild would pull it in.
        store.restore_roots(roots_before)
        raise

    report.documents_total, report.pages_total = _totals(store)
    _finish(report, began)
    store.write_run(report.as_dict())
    return report


def _finish(report: Report, began: float) -> Report:
    report.finished = _now()
    report.seconds = time.monotonic() - began
    return report


class _Run:
    """Writes the plan: records of moved files, new content from the cache or the workers,
    replaced and removed documents; each document is written at most once per run."""

    def __init__(self, store: Store, report: Report, progress, known: dict[str, _Doc], plan: _Plan,
                 cache: TextCache, options: Options):
        self.report = report
        self.known = known
        self.plan = plan
        self.cache = cache
        self.options = options
        self.writer = _BatchWriter(store, report, progress)
        self.removals = list(plan.removals)
        # New content -> the documents that keep their old version until it is read.
        self.waiting: dict[str, list[_Doc]] = {}
        for doc in known.values():
            for path in doc.held:
                self.waiting.setdefault(plan.sha_at[path], []).append(doc)

    def execute(self) -> None:
        options, plan = self.options, self.plan
        cached: list[str] = []
        remembered: dict[str, tuple[str, str]] = {}
        pending: dict[str, dict] = {}
        for sha in plan.to_index:
            path = Path(plan.current[sha][0].path)
            failure = self.cache.get_failure(sha, _attempt(path, options))
            if self._in_cache(sha):
                cached.append(sha)  # read one at a time below: a rebuild holds no corpus in memory
            elif failure is not None:
                remembered[sha] = failure
            else:
                pending[sha] = {"path": path, "chunks": {None: None}}
        workers = min(options.workers or os.cpu_count() or 1, max(1, len(pending)))
        with WorkerPool(workers, options.memory_mb) as pool:
            for sha in pending:
                self._submit(pool, sha, pending)
            if pending:
                pool.start()
            # While the workers read, write what needs no reading.
            for doc in plan.updates:
                self.writer.write_record(doc, doc.keep, "ok")
                self.writer.tick(doc.keep[0]["path"], 0)
            for sha in cached:
                extraction = self.cache.get(sha)
                if extraction is None:  # the entry went bad since we looked: read the file
                    pending[sha] = {"path": Path(plan.current[sha][0].path), "chunks": {None: None}}
                    self._submit(pool, sha, pending)
                    continue
                self.report.files_from_cache += 1
                self._indexed(sha, extraction)
            for sha, (reason, message) in remembered.items():
                self.report.failures_remembered += 1
                self._failed(sha, reason, message)
            for result in pool.results(tick=self.writer.maybe_commit):
                self._result(result, pending, pool)
        # Documents waiting for content that never came (cannot happen; safe if it does).
        for sha in list(self.waiting):
            self._settle(sha, ok=False, reason="crashed")
        # Removals last, after their replacements are in.
        for doc in self.removals:
            self.writer.remove(doc)
        self.writer.commit()

    def _in_cache(self, sha: str) -> bool:
        """Whether the text cache can stand in for reading the file."""
        if not self.cache.has(sha):
            return False
        if not self.options.ocr:
            return True
        entry = self.cache.get(sha)  # read without OCR: scanned pages must be read again
        return entry is not None and not entry.needs_ocr

    def _submit(self, pool: WorkerPool, sha: str, pending: dict) -> None:
        path = pending[sha]["path"]
        self.report.files_extracted += 1
        pool.submit(Task(key=(sha, None), path=str(path), password=_password_for(path, self.options.passwords),
                         ocr=self.options.ocr, split_above=SPLIT_PAGES, timeout=self.options.timeout))

    def _result(self, result: Result, pending: dict, pool: WorkerPool) -> None:
        sha, chunk = result.task.key
        job = pending[sha]
        options = self.options
        if result.page_count:
            # A big PDF: split it across the workers by page ranges, each with its share of the time.
            del job["chunks"][None]
            job["page_count"] = result.page_count
            for first in range(1, result.page_count + 1, SPLIT_PAGES):
                last = min(result.page_count, first + SPLIT_PAGES - 1)
                share = max(options.timeout * (last - first + 1) / result.page_count,
                            min(options.timeout, MIN_CHUNK_SECONDS))
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
            if failures:
                reason, message = failures[0].reason, failures[0].message
            elif extraction is not None and extraction.needs_ocr:
                # The chunks of a scan: each left the verdict on the whole file to us.
                reason, message = "needs_ocr", (f"{len(extraction.needs_ocr)} van "
                                                f"{len(extraction.pages)} pagina's zijn scans zonder tekstlaag")
            else:
                reason, message = "damaged", "geen tekst gevonden"
            if reason != "crashed":  # a crash may be the machine's fault, not the file's
                self.cache.put_failure(sha, _attempt(job["path"], options), reason, message)
            self._failed(sha, reason, message)
        else:
            detail = ""
            if failures:
                extraction.partial = True  # some page ranges failed: index what was read, not cached
                detail = "; ".join(f"pagina {r.task.page_range[0]}–{r.task.page_range[1]}: {describe(r.reason)}"
                                   for r in failures if r.task.page_range)
            else:
                self.cache.put(sha, extraction)
            self._indexed(sha, extraction, detail, job.get("page_count", 0))
        self.writer.maybe_commit()

    def _files_for(self, sha: str) -> list[dict]:
        doc = self.known.get(sha)
        if doc is not None:
            return doc.keep
        return _file_entries(self.plan.current[sha])

    def _indexed(self, sha: str, extraction: Extraction, detail: str = "", page_count: int = 0) -> None:
        files = self._files_for(sha)
        count = self.writer.write_document(sha, files, extraction, page_count)
        self.report.pages_indexed += count
        self.report.documents_indexed += 1
        if extraction.partial:
            self.report.partial.append(files[0]["path"])
            self.report.unreadable.append({"path": files[0]["path"], "reason": "partial",
                                           "message": describe("partial", detail)})
        if extraction.needs_ocr:
            self.report.needs_ocr.append({"path": files[0]["path"], "pages": extraction.needs_ocr})
        # The old versions at these paths make way in the same commit.
        self._settle(sha, ok=True)
        self.writer.tick(files[0]["path"], count)

    def _failed(self, sha: str, reason: str, message: str) -> None:
        report = self.report
        doc = self.known.get(sha)
        for state in self.plan.current[sha]:
            old = self.plan.by_path.get(state.path)
            if old is not None and old.sha != sha:
                # A changed file that cannot be read: the previous version stays, marked stale.
                report.stale.append(state.path)
                report.unreadable.append({"path": state.path, "reason": "stale", "cause": reason,
                                          "message": describe("stale", _sentence(reason, message))})
            else:
                report.unreadable.append({"path": state.path, "reason": reason,
                                          "message": _sentence(reason, message)})
            for listed in (report.added, report.changed):
                if state.path in listed:
                    listed.remove(state.path)
        if doc is not None and (doc.keep != doc.files or doc.info.get("status", "ok") != "ok"):
            # Read again for OCR and failed: the indexed version stays, with its files brought up to date.
            self.writer.write_record(doc, doc.keep, "ok")
        self._settle(sha, ok=False, reason=reason)
        self.writer.tick(self.plan.current[sha][0].path, 0)

    def _settle(self, sha: str, ok: bool, reason: str = "") -> None:
        """The content now at some documents' paths was read (ok) or not: write those documents."""
        for doc in self.waiting.pop(sha, []):
            for path in [p for p in doc.held if self.plan.sha_at[p] == sha]:
                entry = doc.held.pop(path)
                if not ok:
                    doc.failed[path] = (entry, reason)
            if doc.held:
                continue  # more new content at its other paths to come
            # Unreadable new versions keep their path with the old size and time, so the next
            # run tries them again.
            files = sorted(doc.keep + [entry for entry, _ in doc.failed.values()], key=lambda e: e["path"])
            if not files:
                self.writer.remove(doc)
            elif doc.failed:
                reasons = sorted({r for _, r in doc.failed.values()})
                self.writer.write_record(doc, files, "stale", stale_reason=reasons[0])
            elif files != doc.files or doc.info.get("status", "ok") != "ok":
                self.writer.write_record(doc, files, "ok")


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

    def _w(self, doc_id: str = ""):
        if doc_id:
            if doc_id in self._touched:
                self.commit()
            self._touched.add(doc_id)
        if self._writer is None:
            self._writer_cm = self.store.writer(timeout=30.0, merge=False)
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
            self._touched.clear()
            cm.__exit__(None, None, None)
            if self.progress:
                self.progress({"event": "committed"})

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
        writer = self._w(doc_id)
        first = Path(files[0]["path"])
        meta = metadata_mod.read_metadata(first, extraction)
        date = _parse_date(meta.get("date"))
        common = {
            "doc_id": doc_id, "title": names.shown(meta.get("title") or first.name),
            "type": meta.get("type") or "overig", "dossier": meta.get("dossier") or None,
            "number": meta.get("number") or None, "vergaderjaar": meta.get("vergaderjaar") or None,
        }
        common = {k: v for k, v in common.items() if v is not None}
        if date is not None:
            common["date"] = date
            common["year"] = date.year
        # Pages of an earlier, killed run or of a read before OCR go first.
        writer.delete_by_term("doc_id", doc_id)
        pages = [p for p in extraction.pages if p.text.strip()]
        for page in pages:
            writer.add_document(id=f"{doc_id}:{page.number}", kind="page", page=page.number,
                                content=page.text, ocr=page.ocr, **common)
        info = {
            "sha": sha, "files": files, "status": "ok",
            "pages": max(len(extraction.pages), page_count), "indexed_pages": len(pages),
            "needs_ocr": extraction.needs_ocr, "partial": extraction.partial,
            "ocr_pages": [p.number for p in pages if p.ocr],
            "format": first.suffix.lower().lstrip("."),
            "url": meta.get("url"), "date": meta.get("date"),
            "indexed": _now(),
        }
        writer.add_document(id=f"doc:{doc_id}", kind="doc", info=info, **common)
        self._count += 1
        return len(pages)

    def write_record(self, doc: _Doc, files: list[dict], status: str, stale_reason: str = "") -> None:
        """The document record only (its pages stay): new files, or a new status."""
        info = dict(doc.info, files=files, status=status)
        info.pop("stale_reason", None)
        if stale_reason:
            info["stale_reason"] = stale_reason
        stored = {k: v for k, v in doc.stored.items() if k not in ("info", "id", "kind")}
        self._w(doc.doc_id).update_document(id=f"doc:{doc.doc_id}", kind="doc", info=info, **stored)
        doc.info, doc.files = info, files
        self._count += 1

    def remove(self, doc: _Doc) -> None:
        self._w(doc.doc_id).delete_by_term("doc_id", doc.doc_id)
        self._count += 1


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
