"""Where each word stands on a PDF page: from the text layer (pdfminer's character
positions, through its public API only) or, for a scanned page, from Tesseract's word boxes.

Positions are fractions of the page (0..1, origin top left), so they fit an image of the
page at any size. Used by the page view to mark hits on the original page; extraction
proper stays in `pdf.py`.
"""
from __future__ import annotations

import csv
import io
import logging
import os
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from indexer.extract import ExtractionError

logging.getLogger("pdfminer").setLevel(logging.ERROR)
OCR_DPI = 300
OCR_LANGUAGE = "nld"


@dataclass
class Word:
    text: str
    box: tuple[float, float, float, float]  # left, top, right, bottom as fractions of the page
    line: int  # words on one line share this number (in reading order)


@dataclass
class PageWords:
    width: float  # the page in PDF points (OCR: in points too, from the render's DPI)
    height: float
    source: str  # "text" (pdfminer) or "ocr" (tesseract)
    words: list[Word] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "PageWords":
        words = [Word(w["text"], tuple(w["box"]), w["line"]) for w in data["words"]]
        return cls(data["width"], data["height"], data["source"], words)


def text_layer_words(path: str | os.PathLike, number: int, password: str | None = None) -> PageWords:
    """The words of page `number` (1-based) with their boxes, from the PDF's text layer.

    Raises ExtractionError("damaged") when the page cannot be read."""
    from pdfminer.high_level import extract_pages  # imported when a page is read: the web app starts light
    from pdfminer.layout import LAParams, LTAnno, LTChar

    try:
        # all_texts, as pdf.py reads text: words inside Form XObjects too
        layouts = list(extract_pages(str(path), password=password or "", page_numbers=[number - 1],
                                     laparams=LAParams(all_texts=True)))
    except (MemoryError, OSError):
        raise
    except Exception as e:  # pdfminer raises many kinds for a damaged file
        raise ExtractionError("damaged", f"pagina {number} onleesbaar ({type(e).__name__})") from e
    if not layouts:
        raise ExtractionError("damaged", f"pagina {number} bestaat niet")
    layout = layouts[0]
    x0, y0, x1, y1 = layout.bbox
    width, height = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    page = PageWords(width, height, "text")
    lines: list = []
    _lines(layout, lines)
    for number_of_line, line in enumerate(lines):
        chars: list = []
        for item in list(line) + [None]:
            if isinstance(item, LTChar) and item.get_text().strip():
                chars.append(item)
                continue
            if not isinstance(item, (LTChar, LTAnno)) and item is not None:
                continue
            if chars:  # a space, a virtual space (LTAnno) or the end of the line ends a word
                left = min(c.x0 for c in chars)
                right = max(c.x1 for c in chars)
                bottom = min(c.y0 for c in chars)
                top = max(c.y1 for c in chars)
                page.words.append(Word(
                    "".join(c.get_text() for c in chars),
                    ((left - x0) / width, (y1 - top) / height, (right - x0) / width, (y1 - bottom) / height),
                    number_of_line))
                chars = []
    return page


def _lines(item, out: list) -> None:
    from pdfminer.layout import LTContainer, LTTextLine
    for child in item:
        if isinstance(child, LTTextLine):
            out.append(child)
        elif isinstance(child, LTContainer):
            _lines(child, out)


def ocr_words(path: str | os.PathLike, number: int, password: str | None = None) -> PageWords:
    """The words of a scanned page with Tesseract's word boxes (TSV), rendered as for OCR.

    Raises ExtractionError("needs_ocr") when the tools are missing or fail."""
    with tempfile.TemporaryDirectory(prefix="kamerzoek-boxes-") as tmp:
        render = ["pdftoppm", "-r", str(OCR_DPI), "-f", str(number), "-l", str(number), "-png"]
        if password:
            render += ["-upw", password]
        render += [str(path), os.path.join(tmp, "page")]
        try:
            subprocess.run(render, check=True, capture_output=True, timeout=300)
            images = sorted(Path(tmp).glob("page*.png"))
            if not images:
                raise ExtractionError("needs_ocr", f"pagina {number} kon niet worden weergegeven")
            done = subprocess.run(["tesseract", str(images[0]), "stdout", "-l", OCR_LANGUAGE, "tsv"],
                                  capture_output=True, timeout=300,
                                  env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        except (subprocess.SubprocessError, OSError) as e:
            raise ExtractionError("needs_ocr", f"tekstherkenning van pagina {number} mislukt ({type(e).__name__})") from e
    if done.returncode != 0:
        raise ExtractionError("needs_ocr", f"tekstherkenning van pagina {number} mislukt")
    return parse_tsv(done.stdout.decode("utf-8", errors="replace"), OCR_DPI)


def parse_tsv(tsv: str, dpi: int) -> PageWords:
    """Tesseract's TSV (level 1: the page, level 5: a word) as PageWords."""
    rows = list(csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE))
    page_row = next((r for r in rows if r.get("level") == "1"), None)
    if page_row is None:
        return PageWords(1.0, 1.0, "ocr")
    w_px, h_px = max(int(page_row["width"]), 1), max(int(page_row["height"]), 1)
    page = PageWords(w_px * 72 / dpi, h_px * 72 / dpi, "ocr")
    lines: dict[tuple, int] = {}
    for r in rows:
        text = (r.get("text") or "").strip()
        if r.get("level") != "5" or not text:
            continue
        left, top = int(r["left"]), int(r["top"])
        right, bottom = left + int(r["width"]), top + int(r["height"])
        key = (r["block_num"], r["par_num"], r["line_num"])
        line = lines.setdefault(key, len(lines))
        page.words.append(Word(text, (left / w_px, top / h_px, right / w_px, bottom / h_px), line))
    return page
