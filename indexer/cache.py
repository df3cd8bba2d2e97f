"""Extracted text cached by content hash, outside the Whoosh index.

A rebuild after a schema or analyzer change, or a file that moved, never runs
pdfminer again for content it has already read. Failures are remembered too, per
content and per the options that could change the outcome (password, OCR, limits),
so a nightly run does not spend its time limit again on a file that hung last night.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

from .extract import Extraction, Page

CACHE_FORMAT = 1


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class TextCache:
    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, sha: str) -> Path:
        return self.root / sha[:2] / f"{sha}.json.gz"

    def _failure_path(self, sha: str) -> Path:
        return self.root / "failures" / f"{sha}.json"

    def get_failure(self, sha: str, attempt: str) -> tuple[str, str] | None:
        """The (reason, message) of an earlier failure of this content with the same options."""
        try:
            data = json.loads(self._failure_path(sha).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("format") != CACHE_FORMAT or data.get("attempt") != attempt:
            return None
        return data.get("reason", "damaged"), data.get("message", "")

    def put_failure(self, sha: str, attempt: str, reason: str, message: str) -> None:
        data = {"format": CACHE_FORMAT, "attempt": attempt, "reason": reason, "message": message}
        try:
            _write_atomic(self._failure_path(sha), json.dumps(data, ensure_ascii=False).encode("utf-8"))
        except OSError:  # only a lost shortcut: the file is tried again next run
            pass

    def forget_failures(self) -> None:
        folder = self.root / "failures"
        for path in folder.glob("*.json") if folder.is_dir() else ():
            try:
                path.unlink()
            except OSError:
                pass

    def has(self, sha: str) -> bool:
        return self._path(sha).is_file()

    def get(self, sha: str) -> Extraction | None:
        return self._read(self._path(sha))

    def _read(self, path: Path) -> Extraction | None:
        try:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError, EOFError):
            return None
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            return None
        try:
            return Extraction(
                pages=[Page(p["number"], p["text"], p.get("ocr", False)) for p in data["pages"]],
                meta=data.get("meta", {}),
                partial=data.get("partial", False),
                needs_ocr=data.get("needs_ocr", []),
            )
        except (KeyError, TypeError, AttributeError):  # an entry we cannot trust: read the file again
            return None

    # Page ranges of a big file, kept as they arrive: a run killed half-way through the file
    # reads only the ranges that are not here. Dropped once the whole file is settled.
    def _chunk_path(self, sha: str, first: int, last: int) -> Path:
        return self.root / sha[:2] / f"{sha}.p{first}-{last}.json.gz"

    def get_chunk(self, sha: str, first: int, last: int) -> Extraction | None:
        return self._read(self._chunk_path(sha, first, last))

    def put_chunk(self, sha: str, first: int, last: int, extraction: Extraction) -> None:
        self._write(self._chunk_path(sha, first, last), extraction)

    def drop_chunks(self, sha: str) -> None:
        folder = self.root / sha[:2]
        for path in folder.glob(f"{sha}.p*-*.json.gz") if folder.is_dir() else ():
            try:
                path.unlink()
            except OSError:
                pass

    def put(self, sha: str, extraction: Extraction) -> None:
        """Keep the text; a cache that cannot be written only costs a re-read later."""
        self._write(self._path(sha), extraction)

    def _write(self, path: Path, extraction: Extraction) -> None:
        """Written page by page into the gzip stream: a 200 MB text never becomes one JSON
        string (and its bytes) in memory next to the pages themselves."""
        head = {"format": CACHE_FORMAT, "meta": extraction.meta, "partial": extraction.partial,
                "needs_ocr": extraction.needs_ocr}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        try:
            with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as out:
                out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "pages": [')
                for i, p in enumerate(extraction.pages):
                    out.write(("," if i else "") + json.dumps(
                        {"number": p.number, "text": p.text, "ocr": p.ocr}, ensure_ascii=False))
                out.write("]}")
            os.replace(tmp, path)
        except OSError:  # a cache that cannot be written only costs a re-read later
            tmp.unlink(missing_ok=True)


def _write_atomic(path: Path, payload: bytes) -> None:
    # A killed run leaves at most a .tmp file, never a half-written entry.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    try:
        tmp.write_bytes(payload)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
