"""The Dutch lexicon's word -> Zipf table, prebuilt once into a small SQLite file.

Folding 343,000 words out of pyspellchecker's JSON takes about half a second, and a whole
process answering one query (`kamerzoek search`) needs perhaps fifty of them. So the folded
table is written once to a cache file named after the lexicon's version, and a process looks
its words up one by one there (a few microseconds each, remembered). A process that asks for
many words (indexing, a web server) loads the whole table into a dict once it has asked for
FULL_AFTER of them, or when it asks for all of them.

Where no cache file can be written the table is built in memory, as before.
"""
from __future__ import annotations

import bisect
import itertools
import os
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Callable

#: Bumped when what is stored changes (the folding, the Zipf formula).
TABLE_FORMAT = 1
FULL_AFTER = 20_000


def cache_dir() -> Path:
    """KAMERZOEK_CACHE_DIR, else $XDG_CACHE_HOME/kamerzoek, else ~/.cache/kamerzoek."""
    explicit = os.environ.get("KAMERZOEK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kamerzoek"


class LexiconTable:
    """word -> Zipf value: looked up in the prebuilt file, or held whole in a dict."""

    def __init__(self, version: str, build: Callable[[], dict[str, float]]):
        self._build = build
        self.path = cache_dir() / f"lexicon-{version}-t{TABLE_FORMAT}.sqlite"
        self._lock = threading.Lock()
        self._full: dict[str, float] | None = None
        self._sorted: list[str] | None = None
        self._seen: dict[str, float] = {}
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._has_file = self._open()
        if not self._has_file:
            self._full = build()
            self._write(self._full)

    # -- looking up -------------------------------------------------------------------------
    def get(self, word: str) -> float:
        full = self._full
        if full is not None:
            return full.get(word, 0.0)
        value = self._seen.get(word)
        if value is not None:
            return value
        with self._lock:
            if self._full is not None:
                return self._full.get(word, 0.0)
            try:
                row = self._connection().execute("SELECT z FROM zipf WHERE w = ?", (word,)).fetchone()
            except sqlite3.Error:  # the file went away or broke under us: build it in memory
                self._fall_back()
                return self._full.get(word, 0.0)
            value = row[0] if row else 0.0
            self._seen[word] = value
            if len(self._seen) >= FULL_AFTER:
                self._load_all()
        return value

    def starting_with(self, prefix: str, limit: int) -> list[str]:
        """Up to limit words starting with prefix, in sorted order.

        Read from the file whenever there is one, even with the table loaded whole: sorting
        343,000 words the first time would cost a query a second."""
        if self._has_file:
            with self._lock:
                try:
                    rows = self._connection().execute(
                        "SELECT w FROM zipf WHERE w >= ? AND w < ? ORDER BY w LIMIT ?",
                        (prefix, prefix + "\U0010ffff", limit)).fetchall()
                    return [w for (w,) in rows]
                except sqlite3.Error:
                    self._has_file = False
                    if self._full is None:
                        self._fall_back()
        words = self._sorted
        if words is None:
            words = self._sorted = sorted(self.as_dict())
        out = []
        for word in itertools.islice(words, bisect.bisect_left(words, prefix), None):
            if not word.startswith(prefix) or len(out) >= limit:
                break
            out.append(word)
        return out

    def as_dict(self) -> dict[str, float]:
        """The whole table (loaded on first use)."""
        if self._full is None:
            with self._lock:
                if self._full is None:
                    self._load_all()
        return self._full

    # -- the file ---------------------------------------------------------------------------
    def _open(self) -> bool:
        if not self.path.is_file():
            return False
        try:
            self._connection().execute("SELECT z FROM zipf WHERE w = ?", ("de",)).fetchone()
            return True
        except sqlite3.Error:
            self._conn = None
            return False

    def _connection(self) -> sqlite3.Connection:
        # A connection never crosses a fork (gunicorn, worker pools): a new process opens its own.
        if self._conn is None or self._pid != os.getpid():
            self._conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._pid = os.getpid()
        return self._conn

    def _load_all(self) -> None:
        try:
            self._full = dict(self._connection().execute("SELECT w, z FROM zipf"))
        except sqlite3.Error:
            self._full = self._build()
            self._has_file = False
        self._close()

    def _fall_back(self) -> None:
        self._full = self._build()
        self._has_file = False
        self._close()

    def _close(self) -> None:
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None
        self._seen = {}

    def _write(self, table: dict[str, float]) -> None:
        """Write the file for the next process (atomically: a half-written file is never seen)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(prefix=".lexicon-", suffix=".tmp", dir=self.path.parent)
            os.close(handle)
            try:
                conn = sqlite3.connect(tmp)
                conn.execute("CREATE TABLE zipf (w TEXT PRIMARY KEY, z REAL NOT NULL) WITHOUT ROWID")
                conn.executemany("INSERT INTO zipf VALUES (?, ?)", sorted(table.items()))
                conn.commit()
                conn.close()
                os.chmod(tmp, 0o644)  # mkstemp makes it private; other users read the same cache
                os.replace(tmp, self.path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        except (OSError, sqlite3.Error):
            pass  # no cache where it cannot be written: this process has the table in memory
