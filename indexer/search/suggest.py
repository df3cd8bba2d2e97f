"""Suggestions ("Bedoelde u …?"): close words from the index's own vocabulary."""
from __future__ import annotations

import re
import time
from functools import lru_cache

from ..analysis import PART_PREFIX, analyze, fold, lexicon
from .engine import as_engine
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


@lru_cache(maxsize=4096)
def _surface_for(stem: str, typed: str) -> str:
    """A readable word for an index term: the lexicon word closest to what was typed that
    analyses to it (the index keeps stems, 'terugker', not words)."""
    lex = lexicon()
    prefix = stem[:max(3, len(stem) - 2)]
    best, best_key = stem, None
    for word in lex.starting_with(prefix, 400):  # sorted; only these words are read
        if analyze(word) == [stem]:
            key = (_distance(word, typed), -lex.zipf(word))
            if best_key is None or key < best_key:
                best, best_key = word, key
    return best


def suggest(source, text: str, deadline: float | None = None) -> str | None:
    """'Bedoelde u …?': each word the index does not know (or hardly), replaced by a close word
    from the index's own vocabulary that it does know."""
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
        prefix = 2 if len(term) >= 7 else 1
        for dist in (1, 2):
            for candidate in reader.terms_within("content", term, dist, prefix, deadline=deadline):
                if candidate == term or candidate.startswith(PART_PREFIX) or not candidate.isalpha():
                    continue
                cdf = reader.doc_frequency("content", candidate)
                if cdf <= max(df * 10, 0) or cdf < 1:
                    continue
                key = (_distance(term, candidate), -cdf)
                if best is None or key < best[0]:
                    best = (key, candidate)
            if best is not None:
                break
        if best is None:
            continue
        replacement = _surface_for(best[1], typed)
        if word[:1].isupper():
            replacement = replacement[:1].upper() + replacement[1:]
        out = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", replacement, out, count=1)
        changed = True
    return out if changed else None
