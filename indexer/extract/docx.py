"""DOCX (Word): paragraphs from word/document.xml; explicit page breaks start a new page."""
from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path

from indexer.extract import Extraction, ExtractionError, Page
from indexer.extract.normalize import meaningful_title, normalize_paragraph
from indexer.extract.official import iso_date
from indexer.extract.paginate import paginate

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Alternate content: the fallback repeats the text of the preferred choice.
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_CORE_TITLE = "{http://purl.org/dc/elements/1.1/}title"
_CORE_CREATED = "{http://purl.org/dc/terms/}created"
# Largest part we inflate: a zip bomb must not take the worker's memory.
MAX_PART_BYTES = 200 * 1024 * 1024


def read_part(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """One member of a zip package, or None when absent; damaged members raise."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        raise ExtractionError("too_large", f"{name} is groter dan {MAX_PART_BYTES // 2**20} MB")
    return archive.read(info)


def open_package(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as e:
        raise ExtractionError("damaged", f"geen geldig zip-pakket ({e})") from e


def has_doctype(data: bytes) -> bool:
    """Office XML never declares a DTD: one that does wants entities expanded (billion
    laughs) or files read (XXE), and is refused rather than parsed."""
    return b"<!doctype" in data[:65536].lower()


def parse_part(data: bytes, name: str) -> ET.Element:
    if has_doctype(data):
        raise ExtractionError("damaged", f"{name} bevat een DTD (entiteiten), wat een kantoordocument nooit doet")
    try:
        return ET.fromstring(data)
    except ET.ParseError as e:
        raise ExtractionError("damaged", f"{name} is geen geldige XML ({e})") from e


class _Pages:
    """Paragraphs collected into pages; a break closes the current page."""

    def __init__(self) -> None:
        self.pages: list[list[str]] = [[]]
        self.buffer: list[str] = []

    def add(self, text: str) -> None:
        self.buffer.append(text)

    def end_paragraph(self) -> None:
        paragraph = normalize_paragraph("".join(self.buffer))
        if paragraph:
            self.pages[-1].append(paragraph)
        self.buffer = []

    def page_break(self) -> None:
        self.end_paragraph()  # the text before the break stays on the old page
        if self.pages[-1]:
            self.pages.append([])

    def numbered(self) -> list[Page]:
        """Pages as Page objects; a page longer than a printed page is cut into passages."""
        out: list[Page] = []
        for paragraphs in self.pages:
            for passage in paginate(paragraphs):
                out.append(Page(len(out) + 1, passage))
        return out


def _walk(element: ET.Element, pages: _Pages) -> None:
    for child in element:
        tag = child.tag
        if tag == W + "p":
            pages.end_paragraph()
            _walk(child, pages)
            pages.end_paragraph()
            sect = child.find(f"{W}pPr/{W}sectPr")
            if sect is not None:
                kind = sect.find(f"{W}type")
                if kind is None or kind.get(W + "val") in (None, "nextPage", "oddPage", "evenPage"):
                    pages.page_break()
        elif tag == W + "t":
            pages.add(child.text or "")
        elif tag in (W + "tab", W + "ptab"):
            pages.add("\t")
        elif tag in (W + "cr",):
            pages.add("\n")
        elif tag == W + "br":
            if child.get(W + "type") == "page":
                pages.page_break()
            else:
                pages.add("\n")
        elif tag == W + "lastRenderedPageBreak":
            pages.page_break()
        elif tag == W + "pageBreakBefore":
            if child.get(W + "val", "true") not in ("0", "false", "off"):
                pages.page_break()
        elif tag == W + "noBreakHyphen":
            pages.add("-")
        elif tag == W + "tc":  # a table cell: its paragraphs, then a separation
            _walk(child, pages)
            pages.end_paragraph()
        elif tag in (W + "del", W + "delText", W + "instrText", W + "moveFrom", W + "rPr", W + "sectPr", MC_FALLBACK):
            continue  # deleted text, field codes, formatting
        else:
            _walk(child, pages)


def _notes(archive: zipfile.ZipFile, pages: _Pages) -> None:
    """Footnotes and endnotes, after the text of the last page."""
    for name, tag in (("word/footnotes.xml", "footnote"), ("word/endnotes.xml", "endnote")):
        data = read_part(archive, name)
        if not data:
            continue
        root = parse_part(data, name)
        for note in root.iter(W + tag):
            if note.get(W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            _walk(note, pages)
            pages.end_paragraph()


def _core_meta(archive: zipfile.ZipFile) -> dict:
    data = read_part(archive, "docProps/core.xml")
    if not data:
        return {}
    try:
        if has_doctype(data):
            return {}
        root = ET.fromstring(data)
    except ET.ParseError:
        return {}
    meta: dict = {}
    title = root.find(_CORE_TITLE)
    if title is not None and title.text and normalize_paragraph(title.text):
        meta["title"] = normalize_paragraph(title.text)
    created = root.find(_CORE_CREATED)
    if created is not None and iso_date(created.text):
        meta["date"] = iso_date(created.text)
    return meta


def extract_file(path: Path) -> Extraction:
    """Extract a .docx file."""
    with open_package(path) as archive:
        try:
            data = read_part(archive, "word/document.xml")
            if data is None:
                raise ExtractionError("damaged", "word/document.xml ontbreekt")
            root = parse_part(data, "word/document.xml")
            meta = _core_meta(archive)
            body = root.find(W + "body")
            pages = _Pages()
            _walk(body if body is not None else root, pages)
            pages.end_paragraph()
            _notes(archive, pages)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, EOFError, OSError, ValueError) as e:
            raise ExtractionError("damaged", f"zip-pakket beschadigd ({e})") from e
    result = pages.numbered()
    if not result:
        raise ExtractionError("empty", "het document bevat geen tekst")
    if "title" in meta and not meaningful_title(meta["title"]):
        del meta["title"]
    return Extraction(pages=result, meta=meta)
