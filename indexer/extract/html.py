"""HTML: the readable text of a page, without navigation, scripts and page furniture."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from indexer.extract import Extraction, ExtractionError, Page
from indexer.extract.normalize import decode_bytes, normalize_paragraph
from indexer.extract.official import iso_date, record_fields
from indexer.extract.paginate import paginate

# Elements whose content is never document text.
SKIPPED = frozenset(
    {"script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template", "svg", "button", "select"}
)
BLOCKS = frozenset(
    """
    address article blockquote body caption dd details dialog div dl dt fieldset figcaption
    figure h1 h2 h3 h4 h5 h6 hr li main ol p pre section summary table tbody thead tfoot tr
    ul br title
    """.split()
)
CELLS = frozenset({"td", "th"})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"})

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.buffer: list[str] = []
        self.skip_tag: str | None = None
        self.skip_depth = 0
        self.title_parts: list[str] | None = None
        self.title: str | None = None
        self.h1_parts: list[str] | None = None
        self.h1: str | None = None
        self.meta_entries: list[tuple[str, str, str]] = []

    def flush(self) -> None:
        if self.buffer:
            paragraph = normalize_paragraph("".join(self.buffer))
            if paragraph:
                self.paragraphs.append(paragraph)
            self.buffer = []

    def handle_starttag(self, tag: str, attrs) -> None:
        attributes = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta" and attributes.get("name") and attributes.get("content"):
            self.meta_entries.append((attributes["name"], attributes.get("scheme", ""), attributes["content"]))
        if tag == "title" and self.title is None:
            self.title_parts = []
            return
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth += 1
            return
        if tag in VOID:
            if tag in BLOCKS:
                self.flush()
            elif tag == "img" and attributes.get("alt"):
                self.buffer.append(f" {attributes['alt']} ")
            return
        if tag in SKIPPED or attributes.get("role") == "navigation" or "hidden" in attributes:
            self.skip_tag, self.skip_depth = tag, 1
            return
        if tag == "h1" and self.h1 is None:
            self.h1_parts = []
        if tag in BLOCKS:
            self.flush()
        elif tag in CELLS:
            self.buffer.append(" ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.title_parts is not None:
            self.title = normalize_paragraph("".join(self.title_parts)) or None
            self.title_parts = None
            return
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth -= 1
                if self.skip_depth == 0:
                    self.skip_tag = None
            return
        if tag == "h1" and self.h1_parts is not None:
            self.h1 = normalize_paragraph("".join(self.h1_parts)) or None
            self.h1_parts = None
        if tag in BLOCKS:
            self.flush()
        elif tag in CELLS:
            self.buffer.append(" ")

    def handle_data(self, data: str) -> None:
        if self.title_parts is not None:
            self.title_parts.append(data)
            return
        if self.skip_tag is not None:
            return
        self.buffer.append(data)
        if self.h1_parts is not None:
            self.h1_parts.append(data)


def extract_file(path: Path) -> Extraction:
    """Extract an HTML file as page-sized passages."""
    data = path.read_bytes()
    declared = _CHARSET.search(data[:4096])
    text = decode_bytes(data, declared.group(1).decode("ascii") if declared else None)
    parser = _TextParser()
    try:
        parser.feed(text)
        parser.close()
    except Exception as e:  # html.parser is lenient; anything it raises means a broken file
        raise ExtractionError("damaged", f"HTML kon niet worden gelezen ({e})") from e
    parser.flush()
    if not parser.paragraphs:
        raise ExtractionError("empty", "het HTML-bestand bevat geen tekst")
    meta = record_fields(parser.meta_entries)
    if "title" not in meta and (parser.title or parser.h1):
        meta["title"] = parser.title or parser.h1
    if "date" not in meta:
        for name, _scheme, content in parser.meta_entries:
            if name.lower() in ("date", "article:published_time", "dcterms.created", "citation_date"):
                date = iso_date(content)
                if date:
                    meta["date"] = date
                    break
    passages = paginate(parser.paragraphs)
    pages = [Page(number, passage) for number, passage in enumerate(passages, 1)]
    return Extraction(pages=pages, meta=meta)
