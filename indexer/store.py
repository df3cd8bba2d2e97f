"""The only module that opens Whoosh indexes, writers and searchers.

An index folder holds:
  whoosh/        the Whoosh index (atomic commits; its MAIN_WRITELOCK is an OS lock)
  cache/         extracted text by content hash (see cache.py), outside the index
  version.json   schema and analyzer version the index was built with
  last-run.json  the report of the last indexing run
  run.lock       held by a running `kamerzoek index`, with who holds it
"""
from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.query import Term

from .schema import build_schema, versions


class StoreError(Exception):
    """The index could not be opened or written (exit code 3)."""


class IndexVersionError(StoreError):
    """The index was built with another schema or analyzer version."""


class IndexMissingError(StoreError):
    """There is no index in the folder yet."""


class RunLockedError(Exception):
    """Another indexing run holds the index."""

    def __init__(self, holder: dict):
        self.holder = holder
        who = f"pid {holder.get('pid', '?')}"
        if holder.get("started"):
            who += f", gestart {holder['started']}"
        if holder.get("command"):
            who += f": {holder['command']}"
        super().__init__(f"de index wordt al bijgewerkt door een andere run ({who}); "
                         "wacht tot die klaar is of gebruik --wait")


def default_index_dir() -> Path:
    return Path(os.environ.get("KAMERZOEK_INDEX", "var/index"))


class Store:
    """An index folder: the Whoosh index beside its cache, version and run report."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.whoosh_dir = self.root / "whoosh"
        self.cache_dir = self.root / "cache"
        self.version_file = self.root / "version.json"
        self.run_file = self.root / "last-run.json"
        self.lock_file = self.root / "run.lock"
        self._ix = None

    # -- opening -------------------------------------------------------------------
    def exists(self) -> bool:
        return self.whoosh_dir.is_dir() and whoosh_index.exists_in(str(self.whoosh_dir))

    def stored_versions(self) -> dict | None:
        try:
            return json.loads(self.version_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def check_version(self) -> None:
        found = self.stored_versions()
        if found != versions():
            raise IndexVersionError(
                f"de index in {self.root} is gebouwd met een andere versie "
                f"(schema/analyse {_describe(found)}, nu {_describe(versions())}); "
                "bouw hem opnieuw met: kamerzoek index --rebuild PAD")

    def open(self):
        """Open the existing index for reading, checking its version."""
        if self._ix is None:
            if not self.exists():
                raise IndexMissingError(
                    f"geen index gevonden in {self.root}; maak er een met: kamerzoek index PAD")
            self.check_version()
            try:
                self._ix = whoosh_index.open_dir(str(self.whoosh_dir))
            except Exception as e:  # a damaged TOC or unreadable folder
                raise StoreError(f"de index in {self.root} kan niet worden geopend: {e}") from e
        return self._ix

    def create(self):
        """Create a new, empty index (replacing whatever was in whoosh/)."""
        try:
            self.whoosh_dir.mkdir(parents=True, exist_ok=True)
            self._ix = whoosh_index.create_in(str(self.whoosh_dir), build_schema())
            _write_json(self.version_file, versions())
        except OSError as e:
            raise StoreError(f"de index in {self.root} kan niet worden aangemaakt: {e}") from e
        return self._ix

    def open_or_create(self, rebuild: bool = False):
        if rebuild or not self.exists():
            return self.create()
        return self.open()

    # -- writing -------------------------------------------------------------------
    @contextmanager
    def writer(self, timeout: float = 0.0) -> Iterator:
        """A writer that commits when the block ends and cancels if it raises."""
        ix = self.open()
        try:
            writer = ix.writer(timeout=timeout) if timeout else ix.writer()
        except LockError as e:
            raise StoreError("de index is op slot bij een ander schrijvend proces") from e
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        try:
            _pause_for_tests("commit")
            writer.commit()
        except OSError as e:
            raise StoreError(f"de index kon niet worden bijgewerkt: {e}") from e

    # -- reading -------------------------------------------------------------------
    @contextmanager
    def searcher(self) -> Iterator:
        with self.open().searcher() as s:
            yield s

    def documents(self) -> list[dict]:
        """Every document record (kind=doc) as stored."""
        with self.searcher() as s:
            return [dict(fields) for fields in s.documents(kind="doc")]

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.whoosh_dir.glob("*") if p.is_file())

    # -- indexed folders -------------------------------------------------------------
    def roots(self) -> list[str]:
        """Every folder or file ever indexed into this index: originals are served only from these."""
        try:
            return json.loads((self.root / "roots.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []

    def add_roots(self, roots: list[str]) -> None:
        known = self.roots()
        merged = known + [r for r in roots if r not in known]
        if merged != known:
            _write_json(self.root / "roots.json", merged)

    # -- runs ----------------------------------------------------------------------
    def write_run(self, report: dict) -> None:
        _write_json(self.run_file, report)

    def last_run(self) -> dict | None:
        try:
            return json.loads(self.run_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    @contextmanager
    def run_lock(self, wait: bool = False, command: str = "") -> Iterator:
        """Exclusive right to index; the OS frees it when the holder dies."""
        self.root.mkdir(parents=True, exist_ok=True)
        handle = open(self.lock_file, "a+", encoding="utf-8")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                handle.seek(0)
                try:
                    holder = json.loads(handle.read() or "{}")
                except ValueError:
                    holder = {}
                raise RunLockedError(holder) from None
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"pid": os.getpid(), "command": command,
                                     "started": time.strftime("%Y-%m-%dT%H:%M:%S")}))
            handle.flush()
            yield
        finally:
            handle.close()


class SearcherPool:
    """One searcher per thread, refreshed when a new commit appears (checked at most every second)."""

    def __init__(self, store: Store, check_interval: float = 1.0):
        self.store = store
        self.check_interval = check_interval
        self._local = threading.local()

    def get(self):
        local = self._local
        searcher = getattr(local, "searcher", None)
        now = time.monotonic()
        if searcher is None:
            local.searcher = self.store.open().searcher()
            local.checked = now
        elif now - local.checked >= self.check_interval:
            local.checked = now
            try:
                if not searcher.up_to_date():
                    local.searcher = searcher.refresh()
            except Exception:
                # The segment files of the old snapshot were merged away: start afresh.
                local.searcher = self.store.open().searcher()
        return local.searcher


def doc_record_query(doc_id: str) -> Term:
    return Term("id", f"doc:{doc_id}")


def _describe(v: dict | None) -> str:
    if not v:
        return "onbekend"
    return f"{v.get('schema')}/{v.get('analyzer')}"


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _pause_for_tests(point: str) -> None:
    """Crash tests set KAMERZOEK_TEST_PAUSE=commit:SECONDS to hold a run inside a commit."""
    setting = os.environ.get("KAMERZOEK_TEST_PAUSE", "")
    name, _, seconds = setting.partition(":")
    if name == point and seconds:
        marker = os.environ.get("KAMERZOEK_TEST_PAUSE_MARKER")
        if marker:
            Path(marker).write_text(str(os.getpid()))
        time.sleep(float(seconds))
