"""Lines not worth a passage: page furniture (running headers and footers repeated on most
pages of a document), table-of-contents lines and dot leaders (``. . . . . 3``).

Pure functions: `furniture_lines` runs at index time over a document's pages (the result is
kept with the document) and `furnished` splits each page into the text that is scored and its
furniture (indexed apart, found but scoring nothing: see schema.py); `readable` at query time
blanks those lines out of a page before a passage is chosen, keeping every other character
where it was.
"""
from __future__ import annotations

import re
from collections import Counter

#: A line is furniture when it stands on at least this share of a document's pages (and on 3+).
FURNITURE_SHARE = 0.5
FURNITURE_MAX_CHARS = 160
EDGE_LINES = 3  # the first and last lines of a page, where running headers and footers stand
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_LEADER = re.compile(r"(?:\.\s*){4,}|(?:…\s*){2,}|(?:_\s*){4,}|(?:·\s*){4,}")
_TOC_LINE = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?\s+)?\S.{0,120}?\s(?:\.\s*){2,}\s*\d+\s*$|^\s*(?:inhoudsopgave|inhoud)\s*$",
                       re.I)
_LINE = re.compile(r"[^\n]+")
_DOTS = re.compile(r"\.\s*\.")


def _may_hold_toc(text: str) -> bool:
    """Whatever a table-of-contents or leader line needs somewhere on the page: a superset of
    both patterns, tested without IGNORECASE (one such regex over a page cost 50 us): dots,
    leaders, or a line that is one word of 6 or 13 letters ("Inhoud", "Inhoudsopgave")."""
    if _DOTS.search(text) or "…" in text or "_" in text or "·" in text:
        return True
    return any(len(line.strip()) in (6, 13) for line in text.split("\n"))


def _key(line: str) -> str:
    """Lines that differ only in their numbers (page 3 of 12, page 4 of 12) are the same line."""
    return _SPACES.sub(" ", _DIGITS.sub("#", line)).strip().lower()


def furniture_lines(pages: list[str]) -> list[str]:
    """The normalised lines repeated on most pages of a document (none for fewer than 3 pages)."""
    texts = [t for t in pages if t and t.strip()]
    if len(texts) < 3:
        return []
    counts: Counter = Counter()
    for text in texts:
        lines = [m.group(0) for m in _LINE.finditer(text) if m.group(0).strip()]
        edges = lines[:EDGE_LINES] + lines[-EDGE_LINES:]  # headers and footers stand at the edges
        keys = {_key(line) for line in edges}
        counts.update(k for k in keys if k and len(k) <= FURNITURE_MAX_CHARS and any(c.isalpha() for c in k))
    needed = max(3, FURNITURE_SHARE * len(texts))
    return sorted(k for k, n in counts.items() if n >= needed)


def is_furniture(line: str, furniture) -> bool:
    """Whether a line of a page is one of its document's furniture lines (furniture_lines)."""
    return _key(line) in furniture


def is_toc_line(line: str) -> bool:
    """A table-of-contents line ("2.1 Dreiging . . . . 12") or a line of dot leaders."""
    return bool(_TOC_LINE.search(line)) or bool(_LEADER.search(line)) and \
        sum(c.isalpha() for c in _LEADER.sub("", line)) < 60


def readable(text: str, furniture=frozenset()) -> str:
    """The page with furniture, table-of-contents and dot-leader lines blanked (same length)."""
    furniture = frozenset(furniture)
    text = text or ""
    toc = _may_hold_toc(text)
    if not furniture and not toc:
        return text

    def blank(m: re.Match) -> str:
        line = m.group(0)
        if (toc and is_toc_line(line)) or (furniture and _key(line) in furniture):
            return " " * len(line)
        return line
    return _LINE.sub(blank, text or "")


def furnished(text: str, furniture=frozenset()) -> tuple[str, str]:
    """(the page with its furniture lines blanked, same length; those lines, one a line)."""
    furniture = frozenset(furniture)
    if not furniture:
        return text or "", ""
    lines: list[str] = []

    def blank(m: re.Match) -> str:
        line = m.group(0)
        if _key(line) in furniture:
            lines.append(line)
            return " " * len(line)
        return line
    body = _LINE.sub(blank, text or "")
    return body, "\n".join(lines)
