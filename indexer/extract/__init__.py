"""Text extraction: one entry point, `extract(path)`, that returns the text page by page.

Each format has its own module (pdf, html, xml, text, docx, odt); all share the text
normalisation in `normalize` and cut page-less documents into page-sized passages with
`paginate`. Every failure leaves this package as an `ExtractionError` with a reason code
from `indexer.reasons.REASONS`.
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from indexer.reasons import REASONS


@dataclass
class Page:
    number: int  # 1-based page number (for documents without pages: passage number)
    text: str  # normalised text of the page; "" for a page without text
    ocr: bool = False  # True when the text came from OCR


@dataclass
class Extraction:
    pages: list[Page]
    # Hints found inside the file only (title, date as YYYY-MM-DD, and for official
    # publications type, dossier, number, vergaderjaar, url); never invented.
    meta: dict
    partial: bool = False  # some pages could not be read
    needs_ocr: list[int] = field(default_factory=list)  # scanned pages not OCR'd
    stopped: bool = False  # the time limit (stop_at) ended the reading before the last page

    @property
    def text(self) -> str:
        """All pages' text, pages separated by a blank line."""
        return "\n\n".join(page.text for page in self.pages if page.text)


class ExtractionError(Exception):
    """A file could not be read; `reason` is a code from indexer.reasons.REASONS."""

    def __init__(self, reason: str, message: str):
        if reason not in REASONS:
            raise ValueError(f"unknown reason code {reason!r}")
        # args stay (reason, message) so the error survives pickling between processes.
        super().__init__(reason, message)
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"


_MODULES = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".xml": "xml",
    ".txt": "text",
    ".md": "text",
    ".docx": "docx",
    ".odt": "odt",
}
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(_MODULES)


def _module(suffix: str):
    return importlib.import_module(f"{__name__}.{_MODULES[suffix]}")


def extract(
    path: str | os.PathLike,
    *,
    password: str | None = None,
    ocr: bool = False,
    page_range: tuple[int, int] | None = None,
    stop_at: float | None = None,
) -> Extraction:
    """Extract the text of one file, page by page.

    path: the file; its extension (see SUPPORTED_EXTENSIONS) chooses the reader.
    password: the user password of an encrypted PDF.
    ocr: run tesseract on scanned PDF pages instead of listing them in `needs_ocr`.
    page_range: (first, last), 1-based and inclusive: read only these PDF pages, so that a
        big PDF can be split over worker processes. Document-wide verdicts (no text at all:
        "damaged" or "needs_ocr") are then left to the caller.
    stop_at: a wall-clock time (time.time()) after which no further PDF page is begun: the
        pages read by then come back with `partial` and `stopped` set ("timeout" when none was).

    Raises ExtractionError (reason "unsupported", "empty", "encrypted", "not_pdf",
    "damaged", "needs_ocr"). OSError (missing or unreadable file) passes through.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _MODULES:
        raise ExtractionError("unsupported", f"bestandstype {suffix or '(geen)'} wordt niet ondersteund")
    if page_range is not None and (page_range[0] < 1 or page_range[1] < page_range[0]):
        raise ValueError(f"invalid page_range {page_range!r}")
    if path.stat().st_size == 0:
        raise ExtractionError("empty", "het bestand is 0 bytes")
    module = _module(suffix)
    try:
        if suffix == ".pdf":
            return module.extract_pdf(path, password=password, ocr=ocr, page_range=page_range, stop_at=stop_at)
        return module.extract_file(path)
    except (ExtractionError, MemoryError, OSError):
        raise
    except Exception as e:  # a parser's surprise (recursion in a deep tree, a library bug)
        raise ExtractionError("damaged", f"onleesbaar ({type(e).__name__}: {e})"[:300]) from e


def pdf_page_count(path: str | os.PathLike, password: str | None = None) -> int:
    """The number of pages that can be read from a PDF, without reading their text.

    Raises ExtractionError as extract() does for a file that cannot be opened.
    """
    path = Path(path)
    if path.stat().st_size == 0:
        raise ExtractionError("empty", "het bestand is 0 bytes")
    return _module(".pdf").page_count(path, password=password)


__all__ = [
    "Extraction",
    "ExtractionError",
    "Page",
    "SUPPORTED_EXTENSIONS",
    "extract",
    "pdf_page_count",
]
