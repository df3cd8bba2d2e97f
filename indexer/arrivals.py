"""When each document entered the index, and when its content last changed.

Kept in `arrivals.sqlite` beside the Whoosh index, outside what `--rebuild` replaces, so a
rebuild, a schema change or a reindex never makes old documents look new (feeds, `--since`).
A document's first date is the time of the run that first wrote it; `changed` moves only
when the document changed: its content hash (which is its id, so in practice never) or what is
shown of it (title, type, date, dossier and number, from its metadata files, which may be
corrected while the file stays the same).
"""
from __future__ import annotations

import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Iterable

_SCHEMA = """
CREATE TABLE IF NOT EXISTS arrivals (
    doc_id TEXT PRIMARY KEY,
    first_indexed TEXT NOT NULL,   -- ISO 8601 with offset
    sha TEXT NOT NULL,
    changed TEXT NOT NULL          -- ISO 8601 with offset: when sha or meta last changed
)
"""
#: Added after the first ledgers were written: a hash of what is shown of the document.
_META_COLUMN = "ALTER TABLE arrivals ADD COLUMN meta TEXT"


class Arrivals:
    """The ledger of one index folder."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._cached: tuple | None = None  # (mtime_ns, size, mapping)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute(_SCHEMA)
        if "meta" not in {row[1] for row in db.execute("PRAGMA table_info(arrivals)")}:
            with db:
                db.execute(_META_COLUMN)
        return db

    def record(self, documents: Iterable[tuple]) -> int:
        """Note (doc_id, sha, indexed at[, meta]) of the documents in the index: a new doc_id gets
        its first date, a known one with another sha or meta a new `changed` (a ledger written
        before meta was kept takes it as it is); returns how many arrived or changed."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = self._connect()
        try:
            known = {d: (sha, meta) for d, sha, meta in db.execute("SELECT doc_id, sha, meta FROM arrivals")}
            added, changed, described = [], [], []
            for d, sha, when, *rest in documents:
                meta = rest[0] if rest else None
                if d not in known:
                    added.append((d, when, sha, when, meta))
                elif known[d][0] != sha or (meta is not None and known[d][1] not in (None, meta)):
                    changed.append((sha, when, meta, d))
                elif meta is not None and known[d][1] is None:
                    described.append((meta, d))
            with db:
                db.executemany("INSERT INTO arrivals (doc_id, first_indexed, sha, changed, meta) "
                               "VALUES (?, ?, ?, ?, ?)", added)
                db.executemany("UPDATE arrivals SET sha = ?, changed = ?, meta = ? WHERE doc_id = ?", changed)
                db.executemany("UPDATE arrivals SET meta = ? WHERE doc_id = ?", described)
            return len(added) + len(changed)
        finally:
            db.close()

    def all(self) -> dict[str, tuple[datetime, datetime]]:
        """doc_id -> (first indexed, last changed), read again only when the file changed."""
        try:
            info = self.path.stat()
        except OSError:
            return {}
        key = (info.st_mtime_ns, info.st_size)
        with self._lock:
            if self._cached and self._cached[0] == key:
                return self._cached[1]
        try:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
            try:
                rows = db.execute("SELECT doc_id, first_indexed, changed FROM arrivals").fetchall()
            finally:
                db.close()
        except sqlite3.Error:
            return {}
        mapping = {d: (_parse(first), _parse(changed)) for d, first, changed in rows}
        with self._lock:
            self._cached = (key, mapping)
        return mapping


#: What a feed entry and a result show of a document (besides its text).
SHOWN = ("title", "type", "date", "dossier", "number", "vergaderjaar", "identifier")


def shown_hash(record: dict) -> str:
    """A short hash of what is shown of a document record (SHOWN, and its official URL)."""
    import hashlib
    import json
    shown = {k: record.get(k) for k in SHOWN}
    shown["url"] = (record.get("info") or {}).get("url")
    return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:16]


def _parse(value: str) -> datetime:
    when = datetime.fromisoformat(value)
    return when if when.tzinfo else when.astimezone()
