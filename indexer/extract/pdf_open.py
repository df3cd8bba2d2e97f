"""Opening a PDF (with a rebuilt cross-reference table where pages are missing) and locating
its pages by the page tree's /Count values; the last file opened is kept for its next range."""
from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfpage import LITERAL_PAGE, LITERAL_PAGES, PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1

from indexer.extract import ExtractionError
from indexer.extract.pdfminer_internals import PdfminerInternalsError, ScannedDocument, forget_objects


@dataclass
class _Opened:
    document: PDFDocument
    pages: list[PDFPage]
    declared: int | None  # /Count of the page tree
    recovered: bool  # read with the rebuilt cross-reference table


def _check_header(path: Path) -> None:
    with open(path, "rb") as f:
        head = f.read(1024)
    if not head.strip():
        raise ExtractionError("empty", "het bestand is leeg")
    if b"%PDF-" not in head:
        raise ExtractionError("not_pdf", "geen %PDF-kop aan het begin van het bestand")


def _declared_count(document: PDFDocument) -> int | None:
    try:
        count = resolve1(resolve1(document.catalog.get("Pages")).get("Count"))
        return count if isinstance(count, int) and count > 0 else None
    except Exception:
        return None


def _encryption_error(e: Exception, password: str | None) -> ExtractionError:
    if isinstance(e, PDFPasswordIncorrect):
        if password:
            return ExtractionError("encrypted", "versleuteld: het opgegeven wachtwoord is onjuist")
        return ExtractionError("encrypted", "versleuteld: een wachtwoord is nodig")
    return ExtractionError("encrypted", f"versleuteld met een niet-ondersteunde methode ({e})")


def _load(fp, password: str | None, recover: bool, walk: bool = True) -> _Opened:
    parser = PDFParser(fp)
    document = (ScannedDocument if recover else PDFDocument)(parser, password=password or "")
    pages = list(PDFPage.create_pages(document)) if walk else []
    return _Opened(document, pages, _declared_count(document), recover)


def _attempt(path: Path, password: str | None, recover: bool, files: ExitStack, walk: bool = True):
    """Open the PDF once; returns (_Opened, None), or (None, the error) for damage.
    walk=False: the document only, its pages not located."""
    fp = files.enter_context(open(path, "rb"))  # pages are read lazily: the file stays open
    try:
        return _load(fp, password, recover, walk), None
    except (PDFPasswordIncorrect, PDFEncryptionError) as e:
        raise _encryption_error(e, password) from e
    except (MemoryError, PdfminerInternalsError):
        raise
    except Exception as e:  # PSEOF is no PDFException; any other library error means damage
        return None, e


def _open(path: Path, password: str | None, files: ExitStack) -> _Opened:
    """Open a PDF, rebuilding its cross-reference table when pages are missing."""
    _check_header(path)
    opened, error = _attempt(path, password, False, files)
    if opened is None or not opened.pages or (opened.declared and len(opened.pages) < opened.declared):
        retry, _ = _attempt(path, password, True, files)
        if retry is not None and len(retry.pages) > (len(opened.pages) if opened else 0):
            if opened is not None and opened.declared:
                retry.declared = max(retry.declared or 0, opened.declared)
            opened = retry
    if opened is None or not opened.pages:
        detail = f" ({type(error).__name__}: {error})" if error else ""
        raise ExtractionError("damaged", f"geen leesbare pagina's gevonden{detail}"[:300])
    return opened


def _find_page(document: PDFDocument, number: int) -> PDFPage | None:
    """Page `number` (1-based), found by descending the page tree with its /Count values:
    only the nodes on the way are resolved, not every page before it. None when the tree
    does not add up there (the caller then walks the whole tree, as for any damaged file)."""
    node = document.catalog.get("Pages")
    inherited = {k: v for k, v in document.catalog.items() if k in PDFPage.INHERITABLE_ATTRS}
    index = number - 1
    visited: set = set()
    while True:
        objid = getattr(node, "objid", None)
        if objid is None or objid in visited:
            return None
        visited.add(objid)
        attrs = resolve1(node)
        if not isinstance(attrs, dict):
            return None
        attrs = dict(attrs)
        for key, value in inherited.items():
            attrs.setdefault(key, value)
        kind = attrs.get("Type") or attrs.get("type")
        if kind is LITERAL_PAGE:
            return PDFPage(document, objid, attrs, None) if index == 0 else None
        if kind is not LITERAL_PAGES:
            return None
        kids = resolve1(attrs.get("Kids"))
        if not isinstance(kids, list) or not 0 <= index:
            return None
        inherited = {k: v for k, v in attrs.items() if k in PDFPage.INHERITABLE_ATTRS}
        if resolve1(attrs.get("Count")) == len(kids) and index < len(kids):
            # A node as flat as its count says: the page is its kid at that index (checked above).
            candidate = resolve1(kids[index])
            if isinstance(candidate, dict) and (candidate.get("Type") or candidate.get("type")) is LITERAL_PAGE:
                node = kids[index]
                index = 0
                continue
        for kid in kids:
            child = resolve1(kid)
            if not isinstance(child, dict):
                return None
            kind = child.get("Type") or child.get("type")
            size = 1 if kind is LITERAL_PAGE else resolve1(child.get("Count"))
            if not isinstance(size, int) or size < 0:
                return None
            if index < size:
                node = kid
                break
            index -= size
        else:
            return None


class _Kept:
    """The last PDF this process opened, kept open for the next page range of the same file.

    A big PDF is read in page ranges; each range opening the file and walking its whole
    page tree again made the cost grow with the square of the page count. Now a worker
    opens the file once for all the ranges it is given, and finds a range's pages by
    descending the tree with its /Count values (`_find_page`); only where the tree does
    not add up is it walked whole (with the repairs `_open` makes). Pages already read
    are let go (with their decoded content streams), so a worker does not end up holding
    the whole file's decoded content.
    """

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.files: ExitStack | None = None
        self.opened: _Opened | None = None
        self.walked = False  # opened.pages came from a walk of the whole tree

    def _key(self, path: Path, password: str | None) -> tuple:
        st = os.stat(path)
        return (str(path), password, st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)

    def _start(self, key: tuple) -> ExitStack:
        self.close()
        self.key, self.files = key, ExitStack()
        return self.files

    def _walk(self, path: Path, password: str | None, key: tuple) -> _Opened:
        files = self._start(key)
        try:
            self.opened = _open(path, password, files)
        except BaseException:
            self.close()
            raise
        self.walked = True
        return self.opened

    def _quick(self, path: Path, password: str | None, key: tuple) -> _Opened | None:
        """The document with its declared page count and no page located yet (None: no count)."""
        _check_header(path)
        files = self._start(key)
        try:
            opened, _ = _attempt(path, password, False, files, walk=False)
        except BaseException:
            self.close()
            raise
        if opened is None or not opened.declared:
            self.close()
            return None
        opened.pages = [None] * opened.declared
        self.opened, self.walked = opened, False
        return opened

    def count(self, path: Path, password: str | None) -> int:
        key = self._key(path, password)
        if key != self.key or self.opened is None:
            opened = self._quick(path, password, key)
            if opened is not None and all(self._fill(n, n) for n in {1, len(opened.pages)}):
                return len(opened.pages)
            return len(self._walk(path, password, key).pages)
        return len(self.opened.pages)

    def whole(self, path: Path, password: str | None) -> _Opened:
        """Every page, from a walk of the whole tree (with the repairs `_open` makes)."""
        key = self._key(path, password)
        if key == self.key and self.opened is not None and self.walked and None not in self.opened.pages:
            return self.opened
        return self._walk(path, password, key)

    def open(self, path: Path, password: str | None, first: int, last: int) -> _Opened:
        key = self._key(path, password)
        if key != self.key or self.opened is None:
            if self._quick(path, password, key) is None:
                return self._walk(path, password, key)
        if not self._fill(first, last):
            return self._walk(path, password, key)
        return self.opened

    def _fill(self, first: int, last: int) -> bool:
        """Locate the pages first..last that are not at hand; False when that needs a walk."""
        pages = self.opened.pages
        for index in range(max(0, first - 1), min(last, len(pages))):
            if pages[index] is None:
                if self.walked:
                    return False  # let go after reading: walk again
                try:
                    pages[index] = _find_page(self.opened.document, index + 1)
                except MemoryError:
                    raise
                except Exception:
                    pages[index] = None
                if pages[index] is None:
                    return False
        return True

    def release(self, first: int, last: int) -> None:
        """Let go of pages first..last: this process will not read them again."""
        opened = self.opened
        if opened is None:
            return
        gone = []
        for index in range(max(0, first - 1), min(last, len(opened.pages))):
            page = opened.pages[index]
            opened.pages[index] = None
            if page is not None:
                gone.append(page.pageid)
                gone += [s.objid for s in page.contents or () if getattr(s, "objid", None) is not None]
        forget_objects(opened.document, gone)

    def close(self) -> None:
        if self.files is not None:
            self.files.close()
        self.key = self.files = self.opened = None
        self.walked = False


_KEPT = _Kept()
