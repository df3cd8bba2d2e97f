"""A run: find the files, plan against the index, read what is new through an executor, write.

The state of every file lives in the index itself (one document record per
content hash, with its paths, sizes and modification times), so the state and
the pages it describes are committed together: a run killed at any moment
leaves the last committed state, and the next run completes the work.
"""
from __future__ import annotations

import math
import logging
import time
from pathlib import Path
from typing import Callable

from .. import names
from ..arrivals import Arrivals, shown_hash
from ..cache import TextCache
from ..extract import Extraction
from ..reasons import describe
from ..store import Store
from ..workers import Result, Task
from .executors import Executor, LocalExecutor, local_workers
from .files import hash_changed, scan
from .options import SPLIT_PAGES, ConfigurationError, Options, attempt, password_for
from .plan import Doc, Plan, file_entries, known_entries, plan as make_plan
from .report import Report, now, sentence
from .writer import BatchWriter, totals


def _known_documents(store: Store) -> dict[str, Doc]:
    docs = {}
    for record in store.documents():
        info = record.get("info") or {}
        sha = info.get("sha", "")
        docs[sha] = Doc(record["doc_id"], sha, list(info.get("files", [])), info, record)
    return docs


def build_index(
    paths: list[Path],
    store: Store,
    options: Options | None = None,
    progress: Callable[[dict], None] | None = None,
    *,
    wait: bool = False,
    command: str = "",
    on_wait: Callable[[dict], None] | None = None,
) -> Report:
    """Bring the index in line with the files under `paths`.

    Takes the index's run lock for the whole run (a dry run, which writes nothing,
    takes none), so two runs on one index never write at once, whoever calls.

    :param paths: folders or files to index; documents whose files were under
        them and are gone are removed, documents elsewhere are left alone.
    :param store: the index folder.
    :param options: workers, limits, passwords, OCR, rebuild, dry run.
    :param progress: called with {"event": ..., ...} as files are done.
    :param wait: wait for a run that holds the lock instead of raising RunLockedError.
    :param command: what the lock file names as its holder.
    :param on_wait: called with the holder's facts before waiting.
    :raises ConfigurationError: a path that does not exist.
    :raises RunLockedError: another run holds the index (and `wait` is false).
    :raises StoreError: the index cannot be opened or written.
    """
    options = options or Options()
    if not (math.isfinite(options.timeout) and options.timeout > 0):
        raise ConfigurationError(f"tijdslimiet {options.timeout!r} moet een eindig getal groter dan 0 zijn")
    if not options.memory_mb > 0:
        raise ConfigurationError(f"geheugenlimiet {options.memory_mb!r} moet groter dan 0 zijn")
    began = time.monotonic()
    report = Report(started=now(), dry_run=options.dry_run)
    roots = [Path(p).resolve() for p in paths]
    for root in roots:
        if not root.exists():
            raise ConfigurationError(f"pad bestaat niet: {names.shown(str(root))}")
        if not (root.is_file() or root.is_dir()):
            raise ConfigurationError(
                f"{names.shown(str(root))} is geen gewoon bestand of map (maar bijvoorbeeld een pijp, "
                "socket of apparaat) en kan niet worden geïndexeerd")
    if options.dry_run:
        return _run(roots, store, options, progress, report, began)
    with store.run_lock(wait=wait, command=command or "build_index " + " ".join(map(str, roots)),
                        on_wait=on_wait):
        return _run(roots, store, options, progress, report, began)


def _run(roots: list[Path], store: Store, options: Options, progress, report: Report, began: float) -> Report:
    # A cluster that does not answer is found before the index is touched.
    executor = None if options.dry_run else _connect(options, progress)
    try:
        return _plan_and_write(roots, store, options, progress, report, began, executor)
    finally:
        if executor is not None:
            executor.close()


def _plan_and_write(roots: list[Path], store: Store, options: Options, progress, report: Report,
                    began: float, executor: Executor | None) -> Report:
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
    if progress:
        progress({"event": "scanned", "files": len(files)})
    files, report.unreadable = hash_changed(files, known_entries(known))
    report.unreadable.extend(refused)
    plan = make_plan(files, known, roots, ocr=options.ocr)
    report.added, report.changed, report.moved = list(plan.added), list(plan.changed), list(plan.moved)
    report.removed, report.unchanged = list(plan.removed), plan.unchanged

    if options.dry_run:
        return _finish(report, began)

    _write(store, options, progress, report, plan, executor)
    report.documents_total, report.pages_total = totals(store)
    record_arrivals(store)
    _finish(report, began)
    store.write_run(report.as_dict())
    return report


def _connect(options: Options, progress) -> Executor | None:
    """The cluster's executor for --dask (raises ExecutorError when it does not answer)."""
    if not options.dask:
        return None
    from .dask_executor import DaskExecutor
    executor = DaskExecutor(options.dask, options.memory_mb, files={})
    if progress:
        progress({"event": "executor", "kind": "dask", "address": options.dask,
                  "workers": executor.workers, "dashboard": executor.dashboard})
    return executor


def _write(store: Store, options: Options, progress, report: Report, plan: Plan, executor) -> None:
    roots_before = store.roots()
    store.add_roots(report.roots)
    store.set_follow_symlinks(options.follow_symlinks)
    if progress:
        progress({"event": "plan", "files": len(plan.to_index) + len(plan.updates)})
    cache = TextCache(store.cache_dir)
    if options.rebuild:
        cache.forget_failures()  # a rebuild tries every file again
    run = _Run(store, report, progress, plan, cache, options, executor)
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


def record_arrivals(store: Store) -> None:
    """Note in the arrivals ledger (outside the rebuildable index) when documents entered the
    index or changed; a ledger that cannot be written is caught up by the next run."""
    import sqlite3
    try:
        records = [(d["doc_id"], (d.get("info") or {}).get("sha", ""), (d.get("info") or {}).get("indexed") or now(),
                    shown_hash(d)) for d in store.documents()]
        Arrivals(store.arrivals_file).record(records)
    except (OSError, sqlite3.Error) as e:
        logging.getLogger("kamerzoek.build").warning("arrivals ledger not written: %s", e)


def _finish(report: Report, began: float) -> Report:
    report.finished = now()
    report.seconds = time.monotonic() - began
    return report


class _Run:
    """Writes the plan: records of moved files, new content from the cache or the workers,
    replaced and removed documents; each document is written at most once per run."""

    def __init__(self, store: Store, report: Report, progress, plan: Plan, cache: TextCache, options: Options,
                 executor: Executor | None = None):
        self.executor = executor  # None: the local worker pool
        self.report = report
        self.known = plan.known
        self.plan = plan
        self.cache = cache
        self.options = options
        self.writer = BatchWriter(store, report, progress)
        self.removals = list(plan.removals)
        # New content -> the documents that keep their old version until it is read.
        self.waiting: dict[str, list[Doc]] = {}
        for doc in self.known.values():
            for path in doc.held:
                self.waiting.setdefault(plan.sha_at[path], []).append(doc)

    def execute(self) -> None:
        options, plan = self.options, self.plan
        cached: list[str] = []
        remembered: dict[str, tuple[str, str]] = {}
        pending: dict[str, dict] = {}
        for sha in plan.to_index:
            path = Path(plan.current[sha][0].path)
            failure = self.cache.get_failure(sha, attempt(path, options))
            if self._in_cache(sha):
                cached.append(sha)  # read one at a time below: a rebuild holds no corpus in memory
            elif failure is not None:
                remembered[sha] = failure
            else:
                pending[sha] = {"path": path, "chunks": {None: None}}
        with self._executor(pending) as pool:
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
            for result in pool.as_completed(tick=self.writer.maybe_commit):
                self._result(result, pending, pool)
        # Documents waiting for content that never came (cannot happen; safe if it does).
        for sha in list(self.waiting):
            self._settle(sha, ok=False, reason="crashed")
        # Removals last, after their replacements are in.
        for doc in self.removals:
            self.writer.remove(doc)
        self.writer.finish()

    def _executor(self, pending: dict) -> Executor:
        if self.executor is None:
            return LocalExecutor(local_workers(self.options.workers), self.options.memory_mb)
        # What a cluster's worker needs to check its copy of a file, or to be sent the bytes.
        self.executor.files = {s.path: (sha, s.size) for sha in self.plan.to_index
                               for s in self.plan.current[sha][:1]}
        return self.executor

    def _in_cache(self, sha: str) -> bool:
        """Whether the text cache can stand in for reading the file."""
        if not self.cache.has(sha):
            return False
        if not self.options.ocr:
            return True
        entry = self.cache.get(sha)  # read without OCR: scanned pages must be read again
        return entry is not None and not entry.needs_ocr

    def _submit(self, pool: Executor, sha: str, pending: dict) -> None:
        path = pending[sha]["path"]
        self.report.files_extracted += 1
        pool.submit(Task(key=(sha, None), path=str(path), password=password_for(path, self.options.passwords),
                         ocr=self.options.ocr, split_above=SPLIT_PAGES, timeout=self.options.timeout))

    def _result(self, result: Result, pending: dict, pool: Executor) -> None:
        sha, chunk = result.task.key
        job = pending[sha]
        options = self.options
        self._count_worker(result)
        if result.page_count:
            # A big PDF: split it across the workers by page ranges, in page order ahead of
            # other files. The time limit holds for the whole file, counted from its first task.
            del job["chunks"][None]
            job["page_count"] = result.page_count
            deadline = (result.started or time.time()) + options.timeout
            ranges = [(first, min(result.page_count, first + SPLIT_PAGES - 1))
                      for first in range(1, result.page_count + 1, SPLIT_PAGES)]
            to_read = []
            for first, last in ranges:
                task = Task(key=(sha, (first, last)), path=result.task.path, password=result.task.password,
                            ocr=options.ocr, page_range=(first, last), timeout=options.timeout,
                            deadline=deadline)
                done = self.cache.get_chunk(sha, first, last)  # read by a run that was killed
                if done is not None and (not options.ocr or not done.needs_ocr):
                    self.report.chunks_from_cache += 1
                    job["chunks"][(first, last)] = Result(task, extraction=done)
                else:
                    job["chunks"][(first, last)] = None
                    to_read.append(task)
            for task in reversed(to_read):  # each goes first: the last one submitted leads
                pool.submit(task, first=True)
            if to_read:
                return
        else:
            job["chunks"][chunk] = result
            if chunk is not None and not result.reason and not result.extraction.stopped:
                self.cache.put_chunk(sha, chunk[0], chunk[1], result.extraction)
        if any(r is None for r in job["chunks"].values()):
            return  # more chunks to come
        del pending[sha]
        if job.get("page_count"):
            self.cache.drop_chunks(sha)
        results = [r for _, r in sorted(job["chunks"].items(), key=lambda kv: kv[0] or (0, 0))]
        failures = [r for r in results if r.reason]
        read = [r.extraction for r in results if not r.reason]
        stopped = any(e.stopped for e in read) or any(r.reason == "timeout" for r in failures)
        extraction = _merge(read)
        if extraction is None or not any(p.text.strip() for p in extraction.pages):
            if stopped:
                reason, message = "timeout", f"na {options.timeout:g} s gestopt; geen pagina met tekst gelezen"
            elif failures:
                reason, message = failures[0].reason, failures[0].message
            elif extraction is not None and extraction.needs_ocr:
                # The chunks of a scan: each left the verdict on the whole file to us.
                reason, message = "needs_ocr", (f"{len(extraction.needs_ocr)} van "
                                                f"{len(extraction.pages)} pagina's zijn scans zonder tekstlaag")
            else:
                reason, message = "damaged", "geen tekst gevonden"
            if reason != "crashed":  # a crash may be the machine's fault, not the file's
                self.cache.put_failure(sha, attempt(job["path"], options), reason, message)
            self._failed(sha, reason, message)
        else:
            if failures or stopped:
                extraction.partial = True  # index what was read; not cached, so a later run reads it all
                extraction.stopped = stopped
            else:
                self.cache.put(sha, extraction)
            self._indexed(sha, extraction, _missing(results), job.get("page_count", 0))
        self.writer.maybe_commit()

    def _count_worker(self, result: Result) -> None:
        if not result.worker:
            return
        counts = self.report.workers.setdefault(result.worker, {"tasks": 0, "chunks": 0})
        counts["tasks"] += 1
        counts["chunks"] += 1 if result.task.page_range else 0

    def _files_for(self, sha: str) -> list[dict]:
        doc = self.known.get(sha)
        if doc is not None:
            return doc.keep
        return file_entries(self.plan.current[sha])

    def _indexed(self, sha: str, extraction: Extraction, detail: str = "", page_count: int = 0) -> None:
        files = self._files_for(sha)
        count = self.writer.write_document(sha, files, extraction, page_count)
        self.report.pages_indexed += count
        self.report.documents_indexed += 1
        if extraction.partial:
            self.report.partial.append(files[0]["path"])
            self.report.unreadable.append({"path": files[0]["path"], "reason": "partial",
                                           "message": describe("partial", detail),
                                           "pages": page_ranges(p.number for p in extraction.pages)})
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
                                          "message": describe("stale", sentence(reason, message))})
            else:
                report.unreadable.append({"path": state.path, "reason": reason,
                                          "message": sentence(reason, message)})
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


def _missing(results: list[Result]) -> str:
    """The page ranges not read and why: "pagina 41–80: tijdslimiet …; pagina 121–160: …"."""
    runs: list[list] = []  # [first, last, reason]
    for r in results:
        if r.task.page_range is None:
            if r.extraction is not None and r.extraction.stopped:
                return describe("timeout")
            continue
        first, last = r.task.page_range
        if not r.reason:
            if not r.extraction.stopped:
                continue
            first = max((p.number for p in r.extraction.pages), default=first - 1) + 1
            if first > last:
                continue
        reason = r.reason or "timeout"
        if runs and runs[-1][2] == reason and runs[-1][1] + 1 == first:
            runs[-1][1] = last
        else:
            runs.append([first, last, reason])
    return "; ".join(f"pagina {a}–{b}: {describe(reason)}" for a, b, reason in runs)


def page_ranges(numbers) -> list[list[int]]:
    """Page numbers as [first, last] runs: [1, 2, 3, 7] -> [[1, 3], [7, 7]]."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return runs


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
