"""What a harvest folder holds: `FOLDER/.kamerzoek-harvest.json` and its journal.

The JSON file is the state at the end of the last run: per query, when it last succeeded;
per publication, its modified date and per manifestation the file's path, URL, SHA-256,
size, modification time, ETag and Last-Modified. During a run every file, once renamed into
place, is appended to `FOLDER/.kamerzoek-harvest.journal` (one JSON line, flushed to disk),
so a killed run loses nothing it finished; the next run reads the journal back and folds it
into the JSON file. Both names start with a dot, so the indexer
never indexes them.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

STATE_FILE = ".kamerzoek-harvest.json"
JOURNAL_FILE = ".kamerzoek-harvest.journal"
FORMAT = 1
OVERLAP = timedelta(days=1)


class StateError(Exception):
    """The state file cannot be read or written (one Dutch sentence)."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class State:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / STATE_FILE
        self.journal_path = self.folder / JOURNAL_FILE
        self.data: dict = {"format": FORMAT, "queries": {}, "records": {}}
        self._lock = threading.Lock()
        self._journal = None

    # -- reading ----------------------------------------------------------------------
    def load(self) -> "State":
        try:
            if self.path.exists():
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if not isinstance(data, dict) or data.get("format") != FORMAT:
                    raise StateError(f"{self.path} is geen toestandsbestand van deze versie van Kamerzoek")
                data.setdefault("queries", {})
                data.setdefault("records", {})
                self.data = data
            if self.journal_path.exists():
                for line in self.journal_path.read_text(encoding="utf-8").splitlines():
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue  # the last line of a killed run may be cut off
                    self._apply(entry)
        except (OSError, ValueError) as e:
            raise StateError(f"het toestandsbestand {self.path} is onleesbaar: {e}") from e
        return self

    def since(self, key: str) -> date | None:
        """The modified-since date for a query: its last success minus a day's overlap."""
        last = (self.data["queries"].get(key) or {}).get("last_success")
        if not last:
            return None
        return (datetime.fromisoformat(last) - OVERLAP).date()

    def file_entry(self, identifier: str, manifestation: str) -> dict | None:
        return ((self.data["records"].get(identifier) or {}).get("files") or {}).get(manifestation)

    def is_current(self, identifier: str, manifestation: str, url: str, modified: str) -> bool:
        """Whether the file for this manifestation is on disk as fetched for this version."""
        entry = self.file_entry(identifier, manifestation)
        return bool(entry and entry.get("url") == url and entry.get("modified") == modified
                    and self.file_intact(entry))

    def file_intact(self, entry: dict) -> bool:
        path = self.folder / entry["path"]
        try:
            stat = path.stat()
        except OSError:
            return False
        if stat.st_size != entry.get("size"):
            return False
        if stat.st_mtime_ns == entry.get("mtime_ns"):
            return True
        # Touched (copied, restored from a backup): the same bytes are still the same file.
        try:
            same = _sha256(path) == entry.get("sha256")
        except OSError:
            return False
        if same:
            entry["mtime_ns"] = stat.st_mtime_ns
        return same

    # -- writing ----------------------------------------------------------------------
    def _apply(self, entry: dict) -> None:
        record = self.data["records"].setdefault(entry["identifier"], {"files": {}})
        record["folder"] = entry.get("folder", record.get("folder"))
        record.setdefault("files", {})[entry["manifestation"]] = entry["file"]

    def record_file(self, identifier: str, folder: str, manifestation: str, file: dict) -> None:
        """Note a finished file: in memory and, flushed to disk, in the journal."""
        entry = {"identifier": identifier, "folder": folder, "manifestation": manifestation, "file": file}
        with self._lock:
            self._apply(entry)
            if self._journal is None:
                self._journal = open(self.journal_path, "a", encoding="utf-8")
            self._journal.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self._journal.flush()
            os.fsync(self._journal.fileno())

    def record_done(self, identifier: str, modified: str, title: str) -> None:
        """Every wanted file of this version of the publication is here."""
        with self._lock:
            record = self.data["records"].setdefault(identifier, {"files": {}})
            record["modified"] = modified
            record["title"] = title

    def succeeded(self, key: str, started: datetime) -> None:
        with self._lock:
            self.data["queries"][key] = {"last_success": started.astimezone(timezone.utc).isoformat()}

    def save(self) -> None:
        """Write the JSON file atomically, then drop the journal it now contains."""
        with self._lock:
            temp = self.path.with_name(self.path.name + ".tmp")
            try:
                with open(temp, "w", encoding="utf-8") as f:
                    json.dump(self.data, f, ensure_ascii=False, indent=1, sort_keys=True)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(temp, self.path)
                if self._journal is not None:
                    self._journal.close()
                    self._journal = None
                self.journal_path.unlink(missing_ok=True)
            except OSError as e:
                raise StateError(f"het toestandsbestand {self.path} kan niet worden geschreven: "
                                 f"{e.strerror or e}") from e

    def close(self) -> None:
        with self._lock:
            if self._journal is not None:
                self._journal.close()
                self._journal = None
