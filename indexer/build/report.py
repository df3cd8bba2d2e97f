"""The report of a run: what changed, what could not be read and why (the JSON of `index --json`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..reasons import describe


@dataclass
class Report:
    started: str = ""
    finished: str = ""
    seconds: float = 0.0
    dry_run: bool = False
    roots: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    unchanged: int = 0
    ignored: int = 0
    unreadable: list[dict] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)
    needs_ocr: list[dict] = field(default_factory=list)
    pages_indexed: int = 0
    documents_indexed: int = 0
    documents_total: int = 0
    pages_total: int = 0
    files_extracted: int = 0       # files given to the extraction workers
    files_from_cache: int = 0      # documents written from the text cache
    failures_remembered: int = 0   # files not read again: they failed before with the same options
    chunks_from_cache: int = 0     # page ranges of big files found in the cache (read by a killed run)
    workers: dict[str, dict] = field(default_factory=dict)  # worker -> {"tasks", "chunks"} it ran

    def as_dict(self) -> dict:
        return {
            "started": self.started, "finished": self.finished, "seconds": round(self.seconds, 3),
            "dry_run": self.dry_run, "roots": self.roots,
            "added": sorted(self.added), "changed": sorted(self.changed),
            "removed": sorted(self.removed), "moved": sorted(self.moved),
            "unchanged": self.unchanged, "ignored": self.ignored,
            "unreadable": sorted(self.unreadable, key=lambda u: u["path"]),
            "stale": sorted(self.stale), "partial": sorted(self.partial),
            "needs_ocr": sorted(self.needs_ocr, key=lambda n: n["path"]),
            "documents_indexed": self.documents_indexed, "pages_indexed": self.pages_indexed,
            "documents_total": self.documents_total, "pages_total": self.pages_total,
            "files_extracted": self.files_extracted, "files_from_cache": self.files_from_cache,
            "failures_remembered": self.failures_remembered, "chunks_from_cache": self.chunks_from_cache,
            "workers": {name: dict(counts) for name, counts in sorted(self.workers.items())},
        }

    @property
    def exit_code(self) -> int:
        return 1 if self.unreadable else 0


def sentence(reason: str, detail: str = "") -> str:
    """The reason's Dutch sentence with the extractor's detail, without saying things twice
    ("versleuteld: een wachtwoord is nodig (…) (versleuteld: een wachtwoord is nodig)")."""
    text = describe(reason)
    head, colon, rest = detail.partition(": ")
    if detail and text.startswith(detail):
        return text
    if colon and text.startswith(head + ":"):
        detail = rest
    return describe(reason, detail)


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
