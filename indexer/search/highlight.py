"""Highlighting: the query's words marked in a page, and the passage around them."""
from __future__ import annotations

import html
import re
from functools import lru_cache

from whoosh.support.charset import accent_map

from ..analysis import PART_PREFIX, TOKEN_PATTERN, known_word_terms, own_terms, word_terms
from .request import PASSAGE_CHARS

_SPACES = re.compile(r"\s+")
_SPACE = re.compile(r"\s")
PASSAGE_LEAD = 70   # characters of context before the first marked word of a passage


MAX_HEADS = 40


@lru_cache(maxsize=256)
def _candidates(terms: frozenset):
    """A quick test that a word may have one of the terms: it contains the first three letters
    of one (a stem keeps a word's beginning; a part stands inside its compound). Only those
    words are analysed, so a page's other words cost almost nothing."""
    heads = sorted({t.lstrip(PART_PREFIX)[:3] for t in terms if t.lstrip(PART_PREFIX)})
    if not heads:
        return None
    # Hundreds of heads (an expanded prefix) compile for half a second: shorter heads test
    # less sharply, but the pattern stays small (only a quicker look, the analysis decides).
    for length in (2, 1):
        if len(heads) <= MAX_HEADS:
            break
        heads = sorted({head[:length] for head in heads})
    # Each letter also matches its accented forms, so the page text need not be folded first.
    return re.compile("|".join("".join(_ACCENTED.get(ch, re.escape(ch)) for ch in head) for head in heads))


def _accented() -> dict:
    variants: dict = {}
    for code, plain in accent_map.items():
        if isinstance(plain, str) and len(plain) == 1 and chr(code).lower() == chr(code):
            variants.setdefault(plain.lower(), set()).add(chr(code))
    return {plain: "[" + re.escape(plain) + "".join(sorted(chars)) + "]" for plain, chars in variants.items()}


_ACCENTED = _accented()


_JOINERS = "-\u2010\u2011'\u2019"


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _token_start(text: str, i: int) -> int:
    """Where the token holding position i starts (the tokenizer's joiners taken into account)."""
    while i > 0:
        ch = text[i - 1]
        if _is_word_char(ch):
            i -= 1
        elif i > 1 and _is_word_char(text[i - 2]) and _is_word_char(text[i]) and (
                ch in _JOINERS or (ch in ".,/" and text[i - 2].isdigit() and text[i].isdigit())):
            i -= 1
        else:
            break
    return i


def _marks(text: str, terms: frozenset) -> list[tuple[int, int, str]]:
    """(start, end, matched term) of every word whose terms (own or of a part) were searched for."""
    out: list = []
    candidate = _candidates(terms)
    if candidate is None:
        return out
    low = text.lower()
    if len(low) == len(text):
        # Only the words around a candidate's letters are tokenized and analysed.
        end = 0
        for hit in candidate.finditer(low):
            if hit.start() < end:
                continue
            m = TOKEN_PATTERN.match(text, _token_start(text, hit.start()))
            if m is None or m.end() <= hit.start():
                continue
            end = m.end()
            _add_if_matched(m, terms, out)
        return out
    for m in TOKEN_PATTERN.finditer(text):
        if candidate.search(m.group(0).lower()):
            _add_if_matched(m, terms, out)
    return out


@lru_cache(maxsize=256)
def _has_parts(terms: frozenset) -> bool:
    return any(t.startswith(PART_PREFIX) for t in terms)


def _add_if_matched(m: re.Match, terms: frozenset, out: list) -> None:
    word = m.group(0)
    found = known_word_terms(word)
    if found is None:
        # word_terms is the word's own term, then its parts' (PART_PREFIX each), and splitting
        # compounds is most of its cost: a word whose own term decides is not split.
        own = own_terms(word)
        if len(own) == 1 and (own[0] in terms or not _has_parts(terms)):
            found = own
        else:
            found = word_terms(word)
    for term in found:
        if term in terms:
            out.append((m.start(), m.end(), term.lstrip(PART_PREFIX)))
            return


def _render(text: str, start: int, end: int, marks: list, collapse: bool) -> str:
    pieces, pos = [], start
    for s, e, _ in marks:
        if s < start or e > end:
            continue
        pieces.append(html.escape(text[pos:s], quote=False))
        pieces.append(f"<mark>{html.escape(text[s:e], quote=False)}</mark>")
        pos = e
    pieces.append(html.escape(text[pos:end], quote=False))
    if collapse:
        pieces = [p if p.startswith("<mark>") else _SPACES.sub(" ", p) for p in pieces]
    return "".join(pieces)


def _best_window(text: str, marks: list) -> tuple[int, int]:
    """The ~PASSAGE_CHARS window holding the most different matched words, then the most matches,
    cut at spaces."""
    best = None
    for i, (s, e, _) in enumerate(marks[:200]):
        start = max(0, s - PASSAGE_LEAD)
        inside = [m for m in marks[i:i + 60] if m[1] <= start + PASSAGE_CHARS] or [marks[i]]
        score = (len({m[2] for m in inside}), len(inside))
        if best is None or score > best[0]:
            best = (score, start, s, inside[-1][1])
    _, start, first, last = best
    if start > 0:
        space = _SPACE.search(text, start, first)
        start = space.end() if space else first
    end = start + PASSAGE_CHARS
    if end >= len(text):
        return start, len(text)
    cut = None
    for cut in _SPACE.finditer(text, last, end):
        pass
    return start, max(last, cut.start()) if cut else max(last, end)


def highlight_text(text: str, terms: frozenset, whole: bool = False, marked_in: str | None = None) -> str:
    """Escaped text with the query's words in <mark>: a passage of about PASSAGE_CHARS, or the
    whole page. Every inflected form is marked, and so is a compound whose part was searched for.
    marked_in: the same text with the lines that mark nothing blanked (its running header and
    footer, passages.furnished), of the same length; those lines are shown but never marked."""
    marks = _marks(text if marked_in is None else marked_in, terms) if terms else []
    if whole:
        return _render(text, 0, len(text), marks, collapse=False)
    if not marks:
        return _lead(text)
    start, end = _best_window(text, marks)
    body = _render(text, start, end, marks, collapse=True).strip()
    return ("… " if start > 0 else "") + body + (" …" if end < len(text.rstrip()) else "")


def _lead(text: str) -> str:
    text = text.strip()
    if len(text) <= PASSAGE_CHARS:
        return _SPACES.sub(" ", html.escape(text, quote=False))
    cut = text[:PASSAGE_CHARS].rsplit(None, 1)[0]
    return _SPACES.sub(" ", html.escape(cut, quote=False)) + " …"


def strip_marks(markup: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", markup))
