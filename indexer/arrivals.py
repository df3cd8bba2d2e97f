"""When each document entered the index, and when its content last changed.

Kept in `arrivals.sqlite` beside the Whoosh index, outside what `--rebuild` replaces, so a
rebuild, a schema change or a reindex never makes old documents look new (feeds, `--since`).
A document's first date is the time of the run that first wrote it; `changed` moves only
when the document's content hash changes.
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
    changed TEXT NOT NULL          -- ISO 8601 with offset: when sha last changed
)
"""


class Arrivals:
    """The ledger of one index folder."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._cached: tuple | None = None  # (mtime_ns, size, mapping)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute(_SCHEMA)
        return db

    def record(self, documents: Iterable[tuple[str, str, str]]) -> int:
        """Note (doc_id, sha, indexed at) of the documents in the index: a new doc_id gets its
        first date, a known one with another sha gets a new `changed`; returns how many changed."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = self._connect()
        try:
            known = {row[0]: row[1] for row in db.execute("SELECT doc_id, sha FROM arrivals")}
            new = [(d, when, sha, when) for d, sha, when in documents if d not in known
                   or known[d] != sha]
            changed = [(sha, when, d) for d, _, sha, when in new if d in known]
            added = [row for row in new if row[0] not in known]
            with db:
                db.executemany("INSERT INTO arrivals (doc_id, first_indexed, sha, changed) VALUES (?, ?, ?, ?)",
                               added)
                db.executemany("UPDATE arrivals SET sha = ?, changed = ? WHERE doc_id = ?", changed)
            return len(new)
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


def _parse(value: str) -> datetime:
    when = datetime.fromisoformat(value)
    return when if when.tzinfo else when.astimezone()
