"""One harvest run: page through the query, fetch what is new or changed, report it.

Each answer page's publications are fetched by two threads (the client keeps the whole
run at two connections and its rate limit) before the next page is asked for, so a run
that has to stop stops after at most one page of work, with everything it finished
recorded.
"""
from __future__ import annotations

import fcntl
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

from . import sru
from .client import (
    MAX_CONNECTIONS,
    TEMP_SUFFIX,
    Client,
    FetchError,
    MissingError,
    ResponseError,
    ServiceError,
    Settings,
    TooLargeError,
)
from .sru import DEFAULT_FORMATS, EXTENSIONS
from .state import State, StateError

LOCK_FILE = ".kamerzoek-harvest.lock"


class HarvestError(Exception):
    """The folder or its state cannot be used (exit code 3)."""


class QueryRejectedError(Exception):
    """The service rejects the query (exit code 2)."""


@dataclass
class HarvestOptions:
    dossiers: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    query: str | None = None
    formats: tuple[str, ...] = DEFAULT_FORMATS
    base_url: str = sru.DEFAULT_BASE_URL
    settings: Settings = field(default_factory=Settings)
    dry_run: bool = False


@dataclass
class HarvestReport:
    folder: str
    service: str
    query: str = ""
    since: str | None = None
    dry_run: bool = False
    started: str = ""
    finished: str = ""
    seconds: float = 0.0
    pages: int = 0
    records: int = 0
    requests: int = 0
    bytes: int = 0
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: int = 0
    missing: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    stopped: str | None = None
    unreachable: bool = False

    @property
    def exit_code(self) -> int:
        if self.unreachable:
            return 3
        return 1 if (self.stopped or self.missing or self.failed) else 0

    def as_dict(self) -> dict:
        return {
            "folder": self.folder, "service": self.service, "query": self.query, "since": self.since,
            "dry_run": self.dry_run, "started": self.started, "finished": self.finished,
            "seconds": round(self.seconds, 3), "pages": self.pages, "records": self.records,
            "requests": self.requests, "bytes": self.bytes, "added": sorted(self.added),
            "replaced": sorted(self.replaced), "unchanged": self.unchanged,
            "missing": sorted(self.missing, key=lambda m: m["path"]),
            "failed": sorted(self.failed, key=lambda m: m["path"]),
            "skipped": sorted(self.skipped, key=lambda m: m["identifier"]),
            "stopped": self.stopped, "exit_code": self.exit_code,
        }


def harvest(folder: Path, options: HarvestOptions | None = None,
            progress: Callable[[dict], None] | None = None) -> HarvestReport:
    """Fetch the publications the options select into `folder`, incrementally.

    :param folder: where files land, as <folder>/<type>/<identifier>.<ext>, with the state file.
    :param options: what to fetch, from where, and how politely.
    :param progress: called with {"event": "page"|"file", ...} as the run goes.
    :raises HarvestError: the folder or its state cannot be used, or another harvest runs in it.
    :raises QueryRejectedError: the service rejects the query.
    """
    return _Run(Path(folder), options or HarvestOptions(), progress).execute()


class _Run:
    def __init__(self, folder: Path, options: HarvestOptions, progress):
        self.folder = folder
        self.options = options
        self.progress = progress
        self.query = sru.build_query(options.dossiers, options.types, options.date_from,
                                     options.date_to, options.query)
        # Another service or other formats want other files: each such query has its own "since".
        self.key = f"{options.base_url} {self.query} formats={','.join(sorted(options.formats))}"
        self.report = HarvestReport(folder=str(folder), service=options.base_url, dry_run=options.dry_run)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.fetched = 0
        self.state: State | None = None

    def execute(self) -> HarvestReport:
        began, started = time.monotonic(), datetime.now(timezone.utc)
        self.report.started = started.isoformat(timespec="seconds")
        lock = None if self.options.dry_run else self._lock_folder()
        try:
            try:
                self.state = State(self.folder).load()
            except StateError as e:
                raise HarvestError(str(e)) from e
            since = self.state.since(self.key)
            self.report.since = since.isoformat() if since else None
            self.report.query = sru.with_since(self.query, since)
            if not self.options.dry_run:
                self._remove_leftovers()
            self.client = Client(self.options.settings)
            try:
                self._pages()
            except OSError as e:  # the folder filled up or became unwritable: what is journalled stays
                raise HarvestError(f"in {self.folder} kan niet worden geschreven: {e.strerror or e}"
                                   f"{f' ({e.filename})' if e.filename else ''}") from e
            finally:
                self.client.close()
                self.report.requests, self.report.bytes = self.client.requests, self.client.bytes
            if not self.options.dry_run:
                if self.report.exit_code == 0:
                    self.state.succeeded(self.key, started)
                try:
                    self.state.save()
                except StateError as e:
                    raise HarvestError(str(e)) from e
        finally:
            if self.state is not None:
                self.state.close()
            if lock is not None:
                lock.close()
        self.report.finished = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.report.seconds = time.monotonic() - began
        return self.report

    def _lock_folder(self):
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle = open(self.folder / LOCK_FILE, "a+")
        except OSError as e:
            raise HarvestError(f"de map {self.folder} kan niet worden geschreven: {e.strerror or e}") from e
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise HarvestError(f"in {self.folder} loopt al een andere harvest") from None
        return handle

    def _remove_leftovers(self) -> None:
        """Temporary files of a killed run (this run holds the folder's lock, so they are not in use)."""
        for name in sru.FOLDERS:
            sub = self.folder / name
            if not sub.is_dir():
                continue
            for entry in os.scandir(sub):
                if entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX):
                    Path(entry.path).unlink(missing_ok=True)

    # -- paging -----------------------------------------------------------------------
    def _pages(self) -> None:
        start = 1
        threads = max(1, min(MAX_CONNECTIONS, self.options.settings.connections))  # one per connection
        with ThreadPoolExecutor(threads, thread_name_prefix="harvest") as pool:
            while not self.stop.is_set():
                url = sru.page_url(self.options.base_url, self.report.query, start)
                try:
                    page = self._page(url)
                except FetchError as e:
                    self._stop(e)
                    return
                self.report.pages += 1
                self.report.records += len(page.records)
                if self.progress:
                    self.progress({"event": "page", "records": len(page.records), "total": page.total})
                jobs = [pool.submit(self._record, r) for r in page.records]
                try:
                    for job in jobs:
                        job.result()
                except BaseException:
                    self.stop.set()   # the other thread finishes its file and takes no more
                    raise
                if page.next_position is None or not page.records:
                    return
                if page.next_position <= start:
                    self._stop(ResponseError(f"het antwoord van {url} verwijst terug naar positie "
                                             f"{page.next_position}", url))
                    return
                start = page.next_position

    def _page(self, url: str) -> sru.Page:
        status, body = self.client.get_page(url)
        try:
            page = sru.parse_page(body, url)
        except sru.SruDiagnostic as e:
            raise QueryRejectedError(str(e)) from e
        except sru.SruError as e:
            if status != 200:
                raise ResponseError(f"{url} antwoordde onverwacht met HTTP {status}", url) from e
            raise ResponseError(str(e), url) from e
        if status != 200:
            raise ResponseError(f"{url} antwoordde onverwacht met HTTP {status}", url)
        return page

    def _stop(self, error: FetchError) -> None:
        with self.lock:
            if self.report.stopped is None:
                self.report.stopped = str(error)
                # Exit 3 when the service failed before anything at all came in.
                self.report.unreachable = isinstance(error, ServiceError) and self.fetched == 0
            self.stop.set()

    # -- one publication --------------------------------------------------------------
    def _record(self, record: sru.Record) -> None:
        wanted = [m for m in self.options.formats if m in record.manifestations]
        if not wanted:
            with self.lock:
                self.report.skipped.append({
                    "identifier": record.identifier,
                    "message": "geen van de gevraagde formaten (" + ", ".join(self.options.formats)
                               + "); wel: " + (", ".join(sorted(record.manifestations)) or "niets")})
            return
        if "metadata" in record.manifestations:
            wanted.insert(0, "metadata")  # the record first, so a document never lands without it
        complete = True
        for manifestation in wanted:
            if self.stop.is_set():
                return
            complete &= self._file(record, manifestation)
        if complete and not self.options.dry_run:
            self.state.record_done(record.identifier, record.modified, record.title)

    def _file(self, record: sru.Record, manifestation: str) -> bool:
        """Fetch one manifestation unless it is current; True when it is here afterwards."""
        url = record.manifestations[manifestation]
        rel = f"{record.folder}/{record.identifier}{EXTENSIONS[manifestation]}"
        dest = self.folder / rel
        if self.state.is_current(record.identifier, manifestation, url, record.modified):
            self._count_unchanged()
            return True
        entry = self.state.file_entry(record.identifier, manifestation)
        have = bool(entry) and self.state.file_intact(entry)
        if self.options.dry_run:
            with self.lock:
                (self.report.replaced if have or dest.exists() else self.report.added).append(rel)
            return True
        try:
            download = self.client.download(url, dest, manifestation,
                                            etag=entry.get("etag", "") if have else "",
                                            last_modified=entry.get("last_modified", "") if have else "")
        except MissingError as e:
            self._problem(self.report.missing, record, manifestation, rel, e, "missing")
            return False
        except TooLargeError as e:
            self._problem(self.report.failed, record, manifestation, rel, e, "too_large")
            return False
        except (ResponseError, ServiceError) as e:
            self._stop(e)
            return False
        if download.not_modified or (have and download.sha256 == entry.get("sha256")):
            if download.temp is not None:
                download.temp.unlink(missing_ok=True)
            refreshed = dict(entry, modified=record.modified, url=url)
            if download.etag:
                refreshed["etag"] = download.etag
            self.state.record_file(record.identifier, record.folder, manifestation, refreshed)
            self._count_unchanged()
            return True
        stat = download.temp.stat()
        existed = dest.exists()
        os.replace(download.temp, dest)  # atomic: the real name only ever holds a whole, checked file
        # Journalled once in place: a kill between the two costs one download again, never a
        # journal entry for a file that is not there.
        self.state.record_file(record.identifier, record.folder, manifestation, {
            "path": rel, "url": url, "modified": record.modified, "sha256": download.sha256,
            "size": download.size, "mtime_ns": stat.st_mtime_ns, "etag": download.etag,
            "last_modified": download.last_modified,
            "fetched": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        with self.lock:
            self.fetched += 1
            (self.report.replaced if existed else self.report.added).append(rel)
        if self.progress:
            self.progress({"event": "file", "path": rel, "replaced": existed})
        return True

    def _count_unchanged(self) -> None:
        with self.lock:
            self.report.unchanged += 1

    def _problem(self, bucket: list, record, manifestation, rel, error: FetchError, reason: str) -> None:
        with self.lock:
            bucket.append({"identifier": record.identifier, "manifestation": manifestation, "path": rel,
                           "url": error.url, "reason": reason, "message": str(error)})
