"""PDF text, page by page, with pdfminer.six; scans are flagged or OCR'd with tesseract."""
from __future__ import annotations

import ctypes
import logging
import os
import re
import signal
import shutil
import subprocess
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LAParams, LTContainer, LTImage, LTTextContainer
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfparser import PDFStreamParser
from pdfminer.pdftypes import PDFObjRef, PDFStream, resolve1
from pdfminer.psparser import LIT, PSEOF
from pdfminer.utils import decode_text

from indexer.extract import Extraction, ExtractionError, Page
from indexer.extract.pdf_open import _KEPT, _attempt, _Opened
from indexer.extract.normalize import (
    clean_unicode,
    hyphenated_words,
    join_word,
    meaningful_title,
    normalize_text,
    split_note_marks,
)

# pdfminer logs every oddity of a damaged file as a warning; our errors say what matters.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

# all_texts: text inside Form XObjects gets layout analysis too (else words run together).
LAPARAMS = LAParams(all_texts=True)
# A page with fewer characters than this whose images cover SCAN_COVERAGE of it is a scan.
SCAN_MAX_CHARS = 20
SCAN_COVERAGE = 0.5
OCR_DPI = 300
OCR_LANGUAGE = "nld"

def page_count(path: Path, password: str | None = None) -> int:
    """The number of pages (see indexer.extract.pdf_page_count): the declared count where the
    tree's first and last pages are where it says, else the pages a walk finds. The document
    stays open in this process for the page ranges that follow."""
    return _KEPT.count(path, password)


def _info_meta(document: PDFDocument) -> dict:
    """Title and creation date from the PDF info dictionary, when they mean something."""
    meta: dict = {}
    for info in document.info:
        try:
            info = resolve1(info)
            title = _info_string(info.get("Title"))
            date = _info_string(info.get("CreationDate"))
        except Exception:
            continue
        if title and "title" not in meta and meaningful_title(title):
            meta["title"] = re.sub(r"\s+", " ", title).strip()
        if date and "date" not in meta:
            m = re.match(r"(?:D:)?(\d{4})(\d{2})(\d{2})", date.strip())
            if m and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
                meta["date"] = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return meta


def _info_string(value) -> str | None:
    value = resolve1(value)
    if isinstance(value, bytes):
        value = decode_text(value)
    if not isinstance(value, str):
        return None
    return clean_unicode(value).strip() or None


def _walk(item, boxes: list[str], images: list[tuple[float, float, float, float]]) -> None:
    for child in item:
        if isinstance(child, LTTextContainer):
            boxes.append(child.get_text())
        elif isinstance(child, LTImage):
            images.append(child.bbox)
        elif isinstance(child, LTContainer):  # figures: text inside Form XObjects, images
            _walk(child, boxes, images)


def _coverage(page_bbox, images) -> float:
    x0, y0, x1, y1 = page_bbox
    area = max((x1 - x0) * (y1 - y0), 1.0)
    covered = 0.0
    for ix0, iy0, ix1, iy1 in images:
        w = min(ix1, x1) - max(ix0, x0)
        h = min(iy1, y1) - max(iy0, y0)
        if w > 0 and h > 0:
            covered += w * h
    return min(covered / area, 1.0)


_BROKEN_END = re.compile(r"([^\W\d_][\w'’]*) ?-\s*$")
_WORD_START = re.compile(r"\s*([^\W\d_][\w'’]*)")


def _continues(head: str, tail: str, known: set[str]) -> bool:
    """Whether tail completes the broken head: the whole word occurs elsewhere in the text."""
    head = clean_unicode(head).lower()
    tail = re.match(r"\w*", clean_unicode(tail).lower()).group(0)
    return bool(tail) and (head + tail in known or f"{head}-{tail}" in known)


# How many boxes ahead the rest of a broken word is looked for (two-column reading order).
_LOOKAHEAD = 8


def _join_boxes(boxes: list[str], known: set[str]) -> str:
    """Join text boxes as paragraphs; a box ending in a broken word is followed by the box
    that completes it (the next one, or a later one when columns put others between)."""
    boxes = [b for b in boxes if b.strip()]
    out = ""
    while boxes:
        out = out + ("\n\n" if out else "") + boxes.pop(0)
        while end := _BROKEN_END.search(out):
            for i, candidate in enumerate(boxes[:_LOOKAHEAD]):
                start = _WORD_START.match(candidate)
                if start and _continues(end.group(1), start.group(1), known):
                    out = out.rstrip() + "\n" + boxes.pop(i).lstrip()
                    break
            else:
                break
    return out


@dataclass
class _RawPage:
    number: int
    boxes: list[str]
    chars: int
    coverage: float


class _TimeUp(BaseException):
    """Raised by the alarm in the middle of a page (a BaseException: no `except Exception` in
    a library swallows it)."""


class _Alarm:
    """Interrupts the page being read at `stop_at` (main thread only: a worker process or a
    task's own process); elsewhere the time is checked between pages."""

    def __init__(self, stop_at: float | None):
        self.stop_at = stop_at
        self.armed = False

    def __enter__(self) -> "_Alarm":
        import threading

        if self.stop_at is not None and threading.current_thread() is threading.main_thread():
            def ring(signum, frame):
                raise _TimeUp()

            self.previous = signal.signal(signal.SIGALRM, ring)
            signal.setitimer(signal.ITIMER_REAL, max(0.001, self.stop_at - time.time()))
            self.armed = True
        return self

    def __exit__(self, *exc) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)


def _read_pages(opened: _Opened, first: int, last: int,
                stop_at: float | None = None) -> tuple[list[_RawPage], int, bool]:
    """Layout-analyse pages first..last; returns the pages read, how many failed, and
    whether the time ran out (wall clock `stop_at`) before the last page."""
    raw: list[_RawPage] = []
    try:
        with _Alarm(stop_at):
            failed = _read_into(raw, opened, first, last, stop_at)
    except _TimeUp:
        return raw, 0, True
    return raw, failed, failed < 0


def _read_into(raw: list, opened: _Opened, first: int, last: int, stop_at: float | None) -> int:
    """Append the pages read to `raw`; returns how many failed, or -1 when the time ran out."""
    resources = PDFResourceManager(caching=True)
    device = PDFPageAggregator(resources, laparams=LAPARAMS)
    interpreter = PDFPageInterpreter(resources, device)
    failed = 0
    first = max(1, first)
    for number, page in enumerate(opened.pages[first - 1:last], first):
        if stop_at is not None and time.time() >= stop_at:
            return -1
        try:
            interpreter.process_page(page)
            layout = device.get_result()
        except MemoryError:
            raise
        except Exception:  # one unreadable page does not lose the others
            failed += 1
            continue
        boxes: list[str] = []
        images: list = []
        _walk(layout, boxes, images)
        chars = sum(len("".join(b.split())) for b in boxes)
        raw.append(_RawPage(number, boxes, chars, _coverage(layout.bbox, images)))
    return failed


def _scans(raw: list[_RawPage]) -> list[int]:
    """Pages with (almost) no text whose images cover most of the page."""
    return [p.number for p in raw if p.chars < SCAN_MAX_CHARS and p.coverage >= SCAN_COVERAGE]


_PAGE_END_FRAGMENT = re.compile(r"([^\W\d_][\w'’]*) ?-(?=\n\n|$)")
_PAGE_START_REST = re.compile(r"(?:^|(?<=\n\n))([^\W\d_][\w'’]*) ?")


def _carry_broken_words(texts: list[str], numbers: list[int], known: set[str]) -> list[str]:
    """Rejoin a word broken at the end of a page with its rest from the next page.

    The whole word goes to the page where it starts; the rest is the start of one of the
    first paragraphs of the next page (after running heads), when the joined word occurs
    elsewhere in the document.
    """
    out = list(texts)
    for i in range(len(out) - 1):
        if numbers[i + 1] != numbers[i] + 1:
            continue
        starts = list(_PAGE_START_REST.finditer(out[i + 1]))[:4]
        pair = next(
            (
                (end, start)
                for end in reversed(list(_PAGE_END_FRAGMENT.finditer(out[i])))
                for start in starts
                if _continues(end.group(1), start.group(1), known)
            ),
            None,
        )
        if pair is None:
            continue
        end, start = pair
        word = join_word(end.group(1), start.group(1), known)
        out[i] = out[i][: end.start()] + word + out[i][end.end():]
        out[i + 1] = (out[i + 1][: start.start()] + out[i + 1][start.end():]).strip()
    return out


def _tool_missing() -> bool:
    return not (shutil.which("tesseract") and shutil.which("pdftoppm"))


def _die_with_parent() -> None:
    """Run in the OCR child before exec: it dies with the worker that started it."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def ocr_page(path: Path, number: int, password: str | None = None) -> str | None:
    """OCR one page: render it with pdftoppm, read it with tesseract (Dutch).

    Returns None when this page could not be OCR'd; raises ExtractionError("needs_ocr")
    when the tools or the Dutch model are missing.
    """
    if _tool_missing():
        raise ExtractionError("needs_ocr", "tesseract niet geïnstalleerd")
    with tempfile.TemporaryDirectory(prefix="kamerzoek-ocr-") as tmp:
        render = ["pdftoppm", "-r", str(OCR_DPI), "-f", str(number), "-l", str(number), "-png"]
        if password:
            render += ["-upw", password]
        render += [str(path), os.path.join(tmp, "page")]
        try:
            subprocess.run(render, check=True, capture_output=True, timeout=600,
                           preexec_fn=_die_with_parent)
        except (subprocess.SubprocessError, OSError):
            return None
        images = sorted(Path(tmp).glob("page*.png"))
        if not images:
            return None
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # tesseract's threads are 7x slower on 2 cores
        try:
            done = subprocess.run(
                ["tesseract", str(images[0]), "stdout", "-l", OCR_LANGUAGE],
                capture_output=True,
                timeout=600,
                env=env,
                preexec_fn=_die_with_parent,
            )
        except (subprocess.SubprocessError, OSError):
            return None
        if done.returncode != 0:
            if b"Failed loading language" in done.stderr:
                raise ExtractionError("needs_ocr", "Nederlands taalmodel voor tesseract (tesseract-ocr-nld) ontbreekt")
            return None
        return done.stdout.decode("utf-8", errors="replace")


def extract_pdf(
    path: Path,
    *,
    password: str | None = None,
    ocr: bool = False,
    page_range: tuple[int, int] | None = None,
    stop_at: float | None = None,
) -> Extraction:
    """Extract a PDF page by page (see indexer.extract.extract)."""
    first, last = page_range if page_range is not None else (1, 10**9)
    if stop_at is not None and time.time() >= stop_at:
        raise ExtractionError("timeout", "de tijdslimiet was op voordat een pagina kon worden gelezen")
    with ExitStack() as files:
        stopped = None
        try:
            opened = _KEPT.whole(path, password) if page_range is None else _KEPT.open(path, password, first, last)
            total = len(opened.pages)
            whole = first <= 1 and last >= total
            partial = bool(opened.declared and total < opened.declared)
            meta = _info_meta(opened.document)
            raw, failed, stopped = _read_pages(opened, first, last, stop_at)
        finally:
            if page_range is None or stopped is not False:
                _KEPT.close()  # a whole file (no range of it follows), or interrupted mid-page
            else:
                _KEPT.release(first, last)
        if stopped:
            if not raw:
                raise ExtractionError("timeout", "de tijdslimiet was op voordat een pagina kon worden gelezen")
            whole = False  # what was read is kept; verdicts on the whole file need all of it
        scans = _scans(raw)
        has_text = any(p.chars and p.number not in scans for p in raw)
        if whole and not has_text and not scans and not opened.recovered:
            # Some damaged files give empty pages without any error: read every object.
            retry, _ = _attempt(path, password, True, files)
            if retry is not None:
                retry_raw, retry_failed, _ = _read_pages(retry, first, last)
                if any(p.chars for p in retry_raw):
                    raw, failed = retry_raw, retry_failed
                    scans = _scans(raw)
                    has_text = any(p.chars and p.number not in scans for p in raw)

    if failed or stopped:
        partial = True
    if not raw and whole:
        raise ExtractionError("damaged", "geen enkele pagina kon worden gelezen")
    if whole and not has_text:
        if scans and not ocr:
            raise ExtractionError(
                "needs_ocr", f"{len(scans)} van {len(raw)} pagina's zijn scans zonder tekstlaag"
            )
        if not scans:
            raise ExtractionError("damaged", "geen tekst gevonden en geen scan")

    known = hyphenated_words(clean_unicode("\n".join("\n".join(p.boxes) for p in raw)))
    texts = [_join_boxes(p.boxes, known) for p in raw]
    texts = [split_note_marks(normalize_text(t, known)) for t in texts]
    texts = _carry_broken_words(texts, [p.number for p in raw], known)

    pages: list[Page] = []
    needs_ocr: list[int] = []
    for page, text in zip(raw, texts):
        if page.number in scans:
            in_time = stop_at is None or time.time() < stop_at
            recognised = ocr_page(path, page.number, password) if ocr and in_time else None
            if ocr and not in_time:
                partial = stopped = True
            if recognised is not None:
                pages.append(Page(page.number, normalize_text(recognised), ocr=True))
                continue
            needs_ocr.append(page.number)
        pages.append(Page(page.number, text))
    if whole and ocr and not has_text and not any(page.text for page in pages):
        raise ExtractionError("needs_ocr", "tekstherkenning leverde geen tekst op")
    return Extraction(pages=pages, meta=meta, partial=partial, needs_ocr=needs_ocr, stopped=stopped)
