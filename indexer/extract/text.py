"""Plain text (.txt) and Markdown (.md): form feeds as page breaks, else page-sized passages."""
from __future__ import annotations

import html
import re
from pathlib import Path

from indexer.extract import Extraction, ExtractionError, Page
from indexer.extract.normalize import (
    clean_unicode,
    decode_bytes,
    hyphenated_words,
    normalize_paragraph,
    normalize_text,
)
from indexer.extract.paginate import paginate

_HEADING = re.compile(r"^ {0,3}(#{1,6})\s*(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_BULLET = re.compile(r"^\s*[-*+]\s+")
_ITEM = re.compile(r"^(\u2022 |\d+[.)]\s|[a-z]{1,2}[.)]\s?|[ivx]+[.)]\s)")


def strip_markdown_inline(line: str) -> str:
    """Markdown inline markup to plain text: links, images, emphasis, code, HTML tags."""
    line = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", line)  # images: their alt text
    line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)  # [text](url)
    line = re.sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1", line)  # [text][ref]
    line = re.sub(r"<(https?://[^>\s]+)>", r"\1", line)  # autolinks
    line = re.sub(r"</?[A-Za-z][^>]*>", " ", line)  # inline HTML
    line = re.sub(r"`+([^`]*)`+", r"\1", line)
    line = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", line)
    line = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", r"\1", line)
    line = re.sub(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])", r"\1", line)
    line = re.sub(r"~~(?=\S)(.+?)(?<=\S)~~", r"\1", line)
    line = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|>~])", r"\1", line)  # escapes
    return html.unescape(line)


def markdown_paragraphs(text: str) -> tuple[list[str], str | None]:
    """Paragraphs of a Markdown text with the markup stripped, and its first heading."""
    paragraphs: list[str] = []
    current: list[str] = []
    title: str | None = None
    in_fence = False

    def flush() -> None:
        # List items keep their own line; other lines are just wrapped text.
        lines: list[str] = []
        for line in current:
            line = normalize_paragraph(line)
            if not line:
                continue
            if lines and not _ITEM.match(line):
                lines[-1] += " " + line
            else:
                lines.append(line)
        if lines:
            paragraphs.append("\n".join(lines))
        current.clear()

    for raw in text.split("\n"):
        if _FENCE.match(raw):
            in_fence = not in_fence
            flush()
            continue
        if in_fence:
            current.append(raw)
            continue
        line = raw.rstrip()
        if not line.strip():
            flush()
            continue
        if re.fullmatch(r"\s*<meta\b[^>]*>\s*|\s*<!--.*?-->\s*", line, re.I):
            continue
        if re.fullmatch(r" {0,3}([-*_])( *\1){2,} *", line):  # horizontal rule
            flush()
            continue
        if re.match(r"^\s*\[[^\]]+\]:\s*\S+", line):  # link definition
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            content = strip_markdown_inline(heading.group(2))
            if content.strip():
                paragraphs.append(normalize_paragraph(content))
                if title is None:
                    title = normalize_paragraph(content)
            continue
        if _SETEXT.match(line) and len(current) == 1:
            content = normalize_paragraph(strip_markdown_inline(current[0]))
            current.clear()
            if content:
                paragraphs.append(content)
                if title is None and line.strip().startswith("="):
                    title = content
            continue
        line = re.sub(r"^\s*>\s?", "", line)  # block quotes
        if _BULLET.match(line):  # bullets go, numbered items keep their number
            line = "\u2022 " + _BULLET.sub("", line)
        if "|" in line and re.fullmatch(r"[\s|:-]+", line):  # table rule
            continue
        line = line.replace("|", " ")
        current.append(strip_markdown_inline(line))
    flush()
    return paragraphs, title


def extract_file(path: Path) -> Extraction:
    """Extract a .txt or .md file."""
    text = decode_bytes(path.read_bytes())
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ExtractionError("empty", "het bestand bevat geen tekst")
    meta: dict = {}
    if path.suffix.lower() == ".md":
        paragraphs, title = markdown_paragraphs(text)
        if title:
            meta["title"] = title
        passages = paginate(paragraphs)
        pages = [Page(number, passage) for number, passage in enumerate(passages, 1)]
    elif "\x0c" in text:
        # Form feeds are page breaks (pdftotext output, old printer files).
        sheets = text.split("\x0c")
        if not sheets[-1].strip():
            sheets.pop()
        known = hyphenated_words(clean_unicode(text))
        pages = [Page(number, normalize_text(sheet, known)) for number, sheet in enumerate(sheets, 1)]
    else:
        passages = paginate(re.split(r"\n\s*\n", normalize_text(text)))
        pages = [Page(number, passage) for number, passage in enumerate(passages, 1)]
    if not any(page.text for page in pages):
        raise ExtractionError("empty", "het bestand bevat geen tekst")
    return Extraction(pages=pages, meta=meta)
