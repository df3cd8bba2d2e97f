"""The only module that opens Whoosh indexes, writers and searchers.

An index folder holds:
  whoosh/        the Whoosh index (atomic commits; its MAIN_WRITELOCK is an OS lock), with the
                 checksums of its files (integrity.py) and the suggestions' word list (search/vocabulary.py)
  cache/         extracted text by content hash (see cache.py), outside the index
  version.json   schema and analyzer version the index was built with
  last-run.json  the report of the last indexing run
  roots.json     every folder or file ever indexed here (names round-trip, see names.py)
  links.json     whether the last run followed links leading outside (--follow-symlinks)
  arrivals.sqlite when each document entered the index (see arrivals.py; survives --rebuild)
  run.lock       held by a running `kamerzoek index`, with who holds it
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.query import Term

from . import integrity, names
from .schema import DOCUMENT, build_schema, document_record_id, versions
from .search import vocabulary
from .search.engine import EngineUnavailable


class StoreError(EngineUnavailable):
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


MAX_SEGMENTS = 30


class Store:
    """An index folder: the Whoosh index beside its cache, version and run report."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.whoosh_dir = self.root / "whoosh"
        self.cache_dir = self.root / "cache"
        self.version_file = self.root / "version.json"
        self.run_file = self.root / "last-run.json"
        self.lock_file = self.root / "run.lock"
        self.arrivals_file = self.root / "arrivals.sqlite"
        self._ix = None

    # -- opening -------------------------------------------------------------------
    def exists(self) -> bool:
        """Whether the folder holds an index, readable or not.

        Decided by the presence of a table of contents, not by opening it: a damaged
        index must be reported (exit 3), never taken for "no index" and overwritten."""
        try:
            return self.whoosh_dir.is_dir() and any(self.whoosh_dir.glob("_MAIN_*.toc"))
        except OSError:
            return False

    def stored_versions(self) -> dict | None:
        try:
            return json.loads(self.version_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def check_version(self) -> None:
        found = self.stored_versions()
        if found is None and self._fresh():
            # Killed between creating the index and writing its version: nothing to lose,
            # and the next writer records the version (open_or_create).
            return
        if found != versions():
            raise IndexVersionError(
                f"de index in {self.root} is gebouwd met een andere versie "
                f"(schema/analyse {_describe(found)}, nu {_describe(versions())}); "
                "bouw hem opnieuw met: kamerzoek index --rebuild PAD")

    def _fresh(self) -> bool:
        """An index without any document (as create() leaves it before the first commit)."""
        try:
            return whoosh_index.open_dir(str(self.whoosh_dir)).doc_count_all() == 0
        except Exception:  # damaged or unreadable: not fresh, open() will say why
            return False

    def open(self):
        """Open the existing index for reading, checking its version."""
        if self._ix is None:
            if not self.exists():
                raise IndexMissingError(
                    f"geen index gevonden in {self.root}; maak er een met: kamerzoek index PAD")
            self.check_version()
            try:
                # No mmap: Whoosh copies each sub-file of a compound segment out of an mmap into
                # private memory for every reader (1.3 GB per web thread at 100,000 pages).
                # Read through files, the OS page cache is shared by every thread and process,
                # and a reader holds one descriptor per segment.
                self._ix = FileStorage(str(self.whoosh_dir), supports_mmap=False).open_index()
            except Exception as e:  # a damaged TOC or unreadable folder: Whoosh raises many kinds
                raise StoreError(f"de index in {self.root} kan niet worden geopend ({_brief(e)}); "
                                 "bouw hem opnieuw met: kamerzoek index --rebuild PAD") from e
        return self._ix

    def create(self):
        """Create a new, empty index (replacing whatever was in whoosh/)."""
        try:
            self.whoosh_dir.mkdir(parents=True, exist_ok=True)
            # No version while the old index is replaced: a run killed in between leaves an
            # index that says it needs a rebuild, or an empty one (see check_version).
            self.version_file.unlink(missing_ok=True)
            self._ix = whoosh_index.create_in(str(self.whoosh_dir), build_schema())
            _write_json(self.version_file, versions())
        except OSError as e:
            raise StoreError(f"de index in {self.root} kan niet worden aangemaakt: {_brief(e)}") from e
        return self._ix

    # -- rebuilding beside the live index ------------------------------------------------
    @property
    def staging_dir(self) -> Path:
        return self.root / "whoosh.rebuild"

    def begin_rebuild(self):
        """Create an empty index beside the live one; writers go there until finish_rebuild().

        Searchers keep answering from the old index during the whole rebuild, and a run
        killed half-way leaves the old index as it was."""
        try:
            shutil.rmtree(self.staging_dir, ignore_errors=True)
            self.staging_dir.mkdir(parents=True)
            self._ix = whoosh_index.create_in(str(self.staging_dir), build_schema())
        except OSError as e:
            raise StoreError(f"de index in {self.root} kan niet worden aangemaakt: {_brief(e)}") from e
        return self._ix

    def finish_rebuild(self) -> None:
        """Put the rebuilt index in place of the old one, in one step where the OS allows."""
        old = self.root / "whoosh.old"
        try:
            shutil.rmtree(old, ignore_errors=True)
            self.version_file.unlink(missing_ok=True)
            if self.whoosh_dir.exists() and _exchange(self.staging_dir, self.whoosh_dir):
                self.staging_dir.rename(old)
            else:
                if self.whoosh_dir.exists():
                    self.whoosh_dir.rename(old)
                self.staging_dir.rename(self.whoosh_dir)
            _write_json(self.version_file, versions())
        except OSError as e:
            raise StoreError(f"de herbouwde index kon niet op zijn plaats worden gezet: {_brief(e)}") from e
        finally:
            self._ix = None
        shutil.rmtree(old, ignore_errors=True)

    def identity(self) -> tuple:
        """Changes when a rebuild puts a new index in place (the folder's inode)."""
        try:
            info = self.whoosh_dir.stat()
            return (info.st_dev, info.st_ino)
        except OSError:
            return ()

    def reopen(self):
        self._ix = None
        return self.open()

    def close(self) -> None:
        """Forget the open index; the next open() reads the table of contents afresh."""
        self._ix = None

    def open_or_create(self, rebuild: bool = False):
        """Open the index to write to it, creating it when there is none."""
        if rebuild or not self.exists():
            return self.create()
        ix = self.open()
        if self.stored_versions() is None:
            try:
                _write_json(self.version_file, versions())
            except OSError as e:
                raise StoreError(f"{self.version_file} kan niet worden geschreven: {_brief(e)}") from e
        return ix

    # -- writing -------------------------------------------------------------------
    @contextmanager
    def writer(self, timeout: float = 0.0, merge: bool = True, limitmb: int = 384) -> Iterator:
        """A writer that commits when the block ends and cancels if it raises.

        merge=False leaves Whoosh's segment merging out of this commit (see tidy())."""
        ix = self.open()
        try:
            # limitmb: a batch of postings sorts in memory instead of spilling to pickled runs.
            writer = ix.writer(timeout=timeout, limitmb=limitmb)
        except LockError as e:
            raise StoreError("de index is op slot bij een ander schrijvend proces") from e
        except OSError as e:
            raise StoreError(f"de index in {self.root} kan niet worden geschreven: {_brief(e)}") from e
        integrity.checksummed_commit(writer)
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        try:
            writer.commit(merge=merge)
        except OSError as e:
            raise StoreError(f"de index kon niet worden bijgewerkt: {_brief(e)}") from e

    def batch(self, timeout: float = 0.0, merge: bool = True):
        """The writer lifecycle as one context manager: everything written inside the block
        becomes visible in one commit when it ends; an exception inside it cancels the batch
        and the index stays as it was (Whoosh writes the new segment's files first and the
        table of contents that makes them live last, so a commit never lands half)."""
        return self.writer(timeout=timeout, merge=merge)

    def settle(self) -> list[dict]:
        """Wait for writes still on their way to a distributed engine; returns the documents it
        refused meanwhile ([{"doc_id", "message", "files"}]). Whoosh writes at commit: none."""
        return []

    def tidy(self, max_segments: int = MAX_SEGMENTS) -> None:
        """Merge small segments once a run has left more than max_segments.

        Batch commits do not merge: merging at every commit rewrote the same records again
        and again (a third of the build time at 100,000 pages), and searches do not slow
        down with a few dozen segments."""
        with self.searcher() as s:
            count = len(s.leaf_searchers())
        if count > max_segments:
            with self.writer(timeout=30.0):
                pass  # an empty commit with Whoosh's default policy merges the small segments
        self.write_vocabulary()

    def write_vocabulary(self) -> None:
        """The suggestions' word list of the generation a run leaves (search/vocabulary.py); an
        index without one still answers, its suggestions walk the term dictionary instead."""
        ix = self.open()
        try:
            with ix.searcher() as s:
                readers = [leaf.reader() for leaf, _ in s.leaf_searchers()]
                vocabulary.write(readers, Path(ix.storage.folder), s.reader().generation())
        except OSError as e:
            import logging  # only here: opening the index for a search does not import it
            logging.getLogger("kamerzoek.store").warning("vocabulary not written: %s", _brief(e))

    # -- reading -------------------------------------------------------------------
    @contextmanager
    def searcher(self) -> Iterator:
        with self.open().searcher() as s:
            yield s

    def documents(self) -> list[dict]:
        """Every document record (kind=doc) as stored."""
        with self.searcher() as s:
            return [dict(fields) for fields in s.documents(kind=DOCUMENT)]

    def size_bytes(self) -> int:
        total = 0
        for path in self.whoosh_dir.glob("*"):
            try:
                total += path.stat().st_size
            except OSError:  # a segment file merged away while we counted
                pass
        return total

    # -- checking ------------------------------------------------------------------
    @property
    def check_file(self) -> Path:
        return self.root / "last-check.json"

    def check(self) -> dict:
        """Compare every index file with its checksum and read every segment through.

        Returns {"checked", "ok", "problems", "notices", "generation", "files_checked",
        "segments", "documents"}; the result is kept for `status`."""
        finding = integrity.verify_files(self.whoosh_dir)
        segments = documents = 0
        if self.whoosh_dir.is_dir() and finding.generation is not None:
            try:
                ix = FileStorage(str(self.whoosh_dir), supports_mmap=False).open_index()
                with ix.searcher() as searcher:
                    for reader in [leaf.reader() for leaf, _ in searcher.leaf_searchers()]:
                        segments += 1
                        documents += _read_through(reader)
            except Exception as e:  # a damaged table or segment: Whoosh raises many kinds
                finding.problems.append(f"de index kan niet helemaal worden gelezen ({_brief(e)})")
        result = {"checked": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "ok": not finding.problems,
                  "problems": finding.problems, "notices": finding.notices,
                  "generation": finding.generation, "files_checked": finding.files_checked,
                  "segments": segments, "documents": documents}
        try:
            _write_json(self.check_file, result)
        except OSError:
            pass  # a read-only index can be checked all the same
        return result

    def last_check(self) -> dict | None:
        try:
            return json.loads(self.check_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

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
            self._write(self.root / "roots.json", merged)

    def follows_symlinks(self) -> bool:
        """Whether the last run indexed what links lead to outside the folders (--follow-symlinks)."""
        try:
            return bool(json.loads((self.root / "links.json").read_text(encoding="utf-8")).get("follow"))
        except (OSError, ValueError, AttributeError):
            return False

    def set_follow_symlinks(self, follow: bool) -> None:
        if follow or (self.root / "links.json").exists():
            self._write(self.root / "links.json", {"follow": bool(follow)})

    def inside(self, path: str) -> bool:
        """Whether a document's file may be shown: it resolves to a place inside a folder ever
        indexed here (a link leading outside only when the index follows links)."""
        if self.follows_symlinks():
            return True
        real = os.path.realpath(path)
        return any(real == r or real.startswith(r.rstrip("/") + "/")
                   for r in (os.path.realpath(root) for root in self.roots()))

    def restore_roots(self, roots: list[str]) -> None:
        """Put back the folders as they were before a run that failed (best effort)."""
        try:
            if roots:
                _write_json(self.root / "roots.json", roots)
            else:
                (self.root / "roots.json").unlink(missing_ok=True)
        except OSError:
            pass  # the index folder cannot be written: the run's own error says so

    # -- runs ----------------------------------------------------------------------
    def write_run(self, report: dict) -> None:
        self._write(self.run_file, report)

    def _write(self, path: Path, data) -> None:
        try:
            _write_json(path, data)
        except OSError as e:
            raise StoreError(f"{path} kan niet worden geschreven: {_brief(e)}") from e

    def last_run(self) -> dict | None:
        try:
            return json.loads(self.run_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    @contextmanager
    def run_lock(self, wait: bool = False, command: str = "",
                 on_wait: Callable[[dict], None] | None = None) -> Iterator:
        """Exclusive right to index; the OS frees it when the holder dies, so it never
        needs deleting by hand.

        :param wait: block until the running holder is done instead of raising RunLockedError.
        :param on_wait: called with the holder's facts before blocking.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = open(self.lock_file, "a+", encoding="utf-8")
        except OSError as e:
            raise StoreError(f"de indexmap {self.root} kan niet worden geschreven: {_brief(e)}") from e
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(handle)
                if not wait:
                    raise RunLockedError(holder) from None
                if on_wait:
                    on_wait(holder)
                fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"pid": os.getpid(), "command": command,
                                     "started": time.strftime("%Y-%m-%dT%H:%M:%S")}))
            handle.flush()
            try:
                yield
            finally:
                # An empty file after a clean end: a later reader never names a finished run.
                handle.seek(0)
                handle.truncate()
                handle.flush()
        finally:
            handle.close()


def _read_through(reader) -> int:
    """Read every stored record, term and posting of one segment; returns its records."""
    count = 0
    for _ in reader.iter_docs():
        count += 1
    for fieldname, text in reader.all_terms():
        for _ in reader.postings(fieldname, text).all_ids():
            pass
    return count


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    import ctypes  # only for a rebuild's swap: a search need not import it

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def doc_record_query(doc_id: str) -> Term:
    return Term("id", document_record_id(doc_id))


def _read_holder(handle) -> dict:
    # The holder writes its facts just after taking the lock: give it a moment.
    for _ in range(20):
        handle.seek(0)
        try:
            holder = json.loads(handle.read() or "{}")
        except ValueError:
            holder = {}
        if holder.get("pid"):
            return holder
        time.sleep(0.05)
    return holder


def _brief(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return f"{e.strerror}: {e.filename}" if e.filename else e.strerror
    return f"{type(e).__name__}: {e}"[:200]


def _describe(v: dict | None) -> str:
    if not v:
        return "onbekend"
    return f"{v.get('schema')}/{v.get('analyzer')}"


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    try:
        tmp.write_text(names.dumps(data), encoding="utf-8")  # names with any bytes round-trip
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
