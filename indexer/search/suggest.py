"""Suggestions ("Bedoelde u …?"): close words from the index's own vocabulary."""
from __future__ import annotations

import re
import time

from ..analysis import analyze, fold, word_terms
from .engine import as_engine
from .language import _BINARY, _UNARY
from .request import SUGGEST_BELOW

_SUGGEST_WORD = re.compile(r'(?<![\w:~*"])([^\W\d_]{4,})(?![\w:~*])')
_WORD = re.compile(r"[^\W\d_]+")
#: Pages read to find the words behind an index term (each a few thousand characters).
SURFACE_PAGES = 3
#: Candidates tried in turn for one that still stands on a page.
SURFACE_TRIES = 3


def _indexed_surface(engine, term: str, typed: str) -> str | None:
    """A word as it stands in the indexed text whose own term is this one, closest to what was
    typed (then the most frequent on those pages); None when no live page shows one."""
    counts: dict[str, int] = {}
    # A word starts with its term, give or take the stemmer's last letters (gevallen: geval,
    # stokstaartje: stokstaartj) and its accents: only such words are analysed.
    head = term[:max(3, len(term) - 2)]
    for record in engine.records("content", term, limit=SURFACE_PAGES):
        low = (record.get("content") or "").lower()
        folded = fold(low)
        if len(folded) != len(low):   # a letter that folds to two: the words one by one
            for m in _WORD.finditer(low):
                if fold(m.group(0)).startswith(term[:3]):
                    counts[m.group(0)] = counts.get(m.group(0), 0) + 1
            continue
        at = folded.find(head)
        while at >= 0:
            m = _WORD.match(low, at)
            if m and not (at and low[at - 1].isalpha()):
                counts[m.group(0)] = counts.get(m.group(0), 0) + 1
            at = folded.find(head, at + len(head))
    found = {word: n for word, n in counts.items() if word_terms(word)[:1] == (term,)}
    if not found:
        return None
    from rapidfuzz.distance import OSA
    return min(found, key=lambda w: (OSA.distance(fold(w), typed), -found[w], w))


def suggest(source, text: str, deadline: float | None = None) -> str | None:
    """'Bedoelde u …?': each word the index does not know (or hardly), replaced by a close word
    as it stands in the indexed text (read from the pages holding its term, so never a stem)."""
    reader = as_engine(source)   # the engine's term dictionary
    out, changed = text or "", False
    for m in _SUGGEST_WORD.finditer(text or ""):
        if deadline is not None and time.monotonic() > deadline:
            break  # what was found so far
        word = m.group(1)
        if word.upper() in _BINARY | _UNARY | {"ANDNOT"}:
            continue
        terms = analyze(word)
        if len(terms) != 1:
            continue
        term = terms[0]
        df = reader.doc_frequency("content", term)
        if df >= SUGGEST_BELOW:
            continue
        typed = fold(word.lower())
        # Candidates: the words within 2 edits sharing the first letter (two for long words: typos
        # in the first two letters of a long word are rare), from the engine's word list. Ranked
        # by edit distance with a swap of two neighbouring letters as one edit, then frequency.
        prefix = 2 if len(term) >= 7 else 1
        from rapidfuzz.distance import OSA  # here, not at the top: a search that finds something never needs it
        ranked = sorted((OSA.distance(term, candidate), -cdf, candidate)
                        for candidate, cdf in reader.near_terms("content", term, 2, prefix, deadline=deadline)
                        if candidate != term and cdf >= 1 and cdf > df * 10)
        # A word that stands in the index, never a stem ("halfjaarsrapportag"); a word list of an
        # earlier commit may name a term whose pages have gone since: then the next one.
        replacement = next(filter(None, (_indexed_surface(reader, candidate, typed)
                                         for _, _, candidate in ranked[:SURFACE_TRIES])), None)
        if replacement is None:
            continue
        if word[:1].isupper():
            replacement = replacement[:1].upper() + replacement[1:]
        out = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", replacement, out, count=1)
        changed = True
    return out if changed else None
