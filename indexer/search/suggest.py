"""Suggestions ("Bedoelde u …?"): close words from the index's own vocabulary."""
from __future__ import annotations

import re
import time

from ..analysis import PART_PREFIX, analyze, fold, word_terms
from . import plan
from .engine import Filters, ResultsPage, as_engine
from .expand import within_distance
from .language import _BINARY, _UNARY
from .request import SUGGEST_BELOW

_SUGGEST_WORD = re.compile(r'(?<![\w:~*"])([^\W\d_]{4,})(?![\w:~*])')


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count once)."""
    prev2, prev = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if prev2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


_WORD = re.compile(r"[^\W\d_]+")
#: Pages read to find the words behind an index term (each a few thousand characters).
SURFACE_PAGES = 3


def _indexed_surface(engine, term: str, typed: str, deadline: float | None = None) -> str | None:
    """A word as it stands in the indexed text whose own term is this one, closest to what was
    typed (then the most frequent on those pages); None when no page shows one."""
    deadline = time.monotonic() + 1.0 if deadline is None else deadline
    matches = engine.search(plan.Term("content", term), Filters(), ResultsPage(0, SURFACE_PAGES, "relevance", 1),
                            deadline)
    found: dict[str, int] = {}
    head = term[:3]
    for match in matches.documents:
        for hit in match.pages:
            content = hit.record.get("content") or ""
            for m in _WORD.finditer(content):
                word = m.group(0).lower()
                if fold(word[:3]) == head and word_terms(word)[:1] == (term,):
                    found[word] = found.get(word, 0) + 1
    if not found:
        return None
    return min(found, key=lambda w: (_distance(fold(w), typed), -found[w], w))


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
        best = None
        # Every term sharing the prefix gets an edit-distance test in Python: two letters for
        # long words (typos in the first two letters of a long word are rare) cut that tenfold.
        # One walk of the dictionary to distance 2; a term within 1 edit goes first.
        prefix = 2 if len(term) >= 7 else 1
        for candidate in reader.terms_within("content", term, 2, prefix, deadline=deadline):
            if candidate == term or candidate.startswith(PART_PREFIX) or not candidate.isalpha():
                continue
            cdf = reader.doc_frequency("content", candidate)
            if cdf <= max(df * 10, 0) or cdf < 1:
                continue
            key = (1 if within_distance(candidate, term, 1) else 2, _distance(term, candidate), -cdf)
            if best is None or key < best[0]:
                best = (key, candidate)
        if best is None:
            continue
        # A word that stands in the index, never a stem ("halfjaarsrapportag").
        replacement = _indexed_surface(reader, best[1], typed, deadline)
        if replacement is None:
            continue
        if word[:1].isupper():
            replacement = replacement[:1].upper() + replacement[1:]
        out = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", replacement, out, count=1)
        changed = True
    return out if changed else None
