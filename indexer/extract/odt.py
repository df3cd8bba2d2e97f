"""ODT (OpenDocument text): paragraphs and headings; page breaks start a new page."""
from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path

from indexer.extract import Extraction, ExtractionError
from indexer.extract.docx import _Pages, has_doctype, open_package, parse_part, read_part
from indexer.extract.normalize import meaningful_title, normalize_paragraph
from indexer.extract.official import iso_date, record_fields

TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"
META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
DC = "{http://purl.org/dc/elements/1.1/}"
SVG = "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}"

# Not document text: comments, change tracking (deleted text), declarations, note marks.
_SKIPPED = {
    OFFICE + "annotation",
    OFFICE + "annotation-end",
    TEXT + "tracked-changes",
    TEXT + "sequence-decls",
    TEXT + "variable-decls",
    TEXT + "user-field-decls",
    TEXT + "note-citation",
    OFFICE + "forms",
    SVG + "title",
    SVG + "desc",
}


def _page_break_styles(*roots: ET.Element | None) -> tuple[set[str], set[str]]:
    """Paragraph styles that put a page break before or after their paragraph."""
    before: set[str] = set()
    after: set[str] = set()
    for root in roots:
        if root is None:
            continue
        for style in root.iter(STYLE + "style"):
            props = style.find(STYLE + "paragraph-properties")
            if props is None:
                continue
            name = style.get(STYLE + "name")
            if props.get(FO + "break-before") == "page":
                before.add(name)
            if props.get(FO + "break-after") == "page":
                after.add(name)
    return before, after


class _Walker:
    def __init__(self, pages: _Pages, before: set[str], after: set[str]) -> None:
        self.pages = pages
        self.before = before
        self.after = after
        self.notes: list[str] = []  # footnotes of the paragraph being read

    def _note(self, note: ET.Element) -> None:
        """Read a footnote aside; it follows the paragraph that cites it."""
        body = note.find(TEXT + "note-body")
        if body is None:
            return
        aside = _Pages()
        _Walker(aside, self.before, self.after).walk(body)
        aside.end_paragraph()
        self.notes.extend(p for page in aside.pages for p in page)

    def walk(self, element: ET.Element) -> None:
        for child in element:
            tag = child.tag
            if tag in _SKIPPED:
                pass
            elif tag in (TEXT + "p", TEXT + "h"):
                style = child.get(TEXT + "style-name")
                self.pages.end_paragraph()
                if style in self.before:
                    self.pages.page_break()
                self.pages.add(child.text or "")
                self.walk(child)
                self.pages.end_paragraph()
                self.pages.pages[-1].extend(self.notes)
                self.notes = []
                if style in self.after:
                    self.pages.page_break()
            elif tag == TEXT + "note":
                self._note(child)
            elif tag == TEXT + "soft-page-break":
                self.pages.page_break()
            elif tag == TEXT + "s":
                self.pages.add(" " * int(child.get(TEXT + "c", "1") or 1))
            elif tag == TEXT + "tab":
                self.pages.add("\t")
            elif tag == TEXT + "line-break":
                self.pages.add("\n")
            else:
                self.pages.add(child.text or "")
                self.walk(child)
            if child.tail:
                self.pages.add(child.tail)


def _meta(root: ET.Element | None) -> dict:
    if root is None:
        return {}
    entries = []
    for field in root.iter(META + "user-defined"):
        # "OVERHEIDop.KamerstukTypen/DC.type": scheme, then the record name.
        scheme, _, name = (field.get(META + "name") or "").rpartition("/")
        entries.append((name, scheme, field.text or ""))
    meta = record_fields(entries)
    title = root.find(f".//{DC}title")
    if "title" not in meta and title is not None and title.text:
        text = normalize_paragraph(title.text)
        if text and meaningful_title(text):
            meta["title"] = text
    created = root.find(f".//{META}creation-date")
    if "date" not in meta and created is not None and iso_date(created.text):
        meta["date"] = iso_date(created.text)
    return meta


def extract_file(path: Path) -> Extraction:
    """Extract an .odt file."""
    with open_package(path) as archive:
        try:
            content = read_part(archive, "content.xml")
            if content is None:
                raise ExtractionError("damaged", "content.xml ontbreekt")
            root = parse_part(content, "content.xml")
            styles_data = read_part(archive, "styles.xml")
            meta_data = read_part(archive, "meta.xml")
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, EOFError, OSError, ValueError) as e:
            raise ExtractionError("damaged", f"zip-pakket beschadigd ({e})") from e
    styles = _parse_optional(styles_data)
    before, after = _page_break_styles(root, styles)
    body = root.find(f"{OFFICE}body")
    pages = _Pages()
    _Walker(pages, before, after).walk(body if body is not None else root)
    pages.end_paragraph()
    result = pages.numbered()
    if not result:
        raise ExtractionError("empty", "het document bevat geen tekst")
    return Extraction(pages=result, meta=_meta(_parse_optional(meta_data)))


def _parse_optional(data: bytes | None) -> ET.Element | None:
    if not data or has_doctype(data):
        return None
    try:
        return ET.fromstring(data)
    except ET.ParseError:
        return None
