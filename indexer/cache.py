"""Extracted text cached by content hash, outside the Whoosh index.

A rebuild after a schema or analyzer change, or a file that moved, never runs
pdfminer again for content it has already read.
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

    def get(self, sha: str) -> Extraction | None:
        try:
            with gzip.open(self._path(sha), "rt", encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError, EOFError):
            return None
        if data.get("format") != CACHE_FORMAT:
            return None
        return Extraction(
            pages=[Page(p["number"], p["text"], p.get("ocr", False)) for p in data["pages"]],
            meta=data.get("meta", {}),
            partial=data.get("partial", False),
            needs_ocr=data.get("needs_ocr", []),
        )

    def put(self, sha: str, extraction: Extraction) -> None:
        path = self._path(sha)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "format": CACHE_FORMAT,
            "pages": [{"number": p.number, "text": p.text, "ocr": p.ocr} for p in extraction.pages],
            "meta": extraction.meta,
            "partial": extraction.partial,
            "needs_ocr": extraction.needs_ocr,
        }
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as handle:
            json.dump(data, handle, ensure_ascii=False)
        os.replace(tmp, path)
