"""Term-dictionary look-ups with a bounded cost: prefixes, wildcards and fuzzy terms.

Whoosh expands a fuzzy term by building a Levenshtein automaton and turning it into a DFA
(`whoosh.automata.fsa.to_dfa`), which for a long word and a large distance runs for tens of
seconds and cannot be interrupted; its wildcard expansion tests every term from the literal
prefix on without yielding those that fail, so a caller cannot look at the clock either. Here
the term dictionary is walked in order through the reader's public API (`expand_prefix`,
`lexicon`), each term tested (edit distances by rapidfuzz, in C), and the clock is read every CHECK_EVERY terms:
an expansion stops at `limit` terms or at the deadline, whichever comes first.

Fuzzy distance is Levenshtein (insertions, deletions, substitutions), as Whoosh's automaton
counts it, and capped at MAX_FUZZY_DISTANCE, as Lucene does.
"""
from __future__ import annotations

import fnmatch
import re
import time
from typing import Iterator


MAX_FUZZY_DISTANCE = 2
CHECK_EVERY = 256


class Expansion:
    """The outcome of one expansion: the terms found, and why it stopped early, if it did."""

    def __init__(self) -> None:
        self.terms: list[str] = []
        self.capped = False      # more terms matched than the limit
        self.timed_out = False   # the deadline passed before the dictionary was walked


def _walk(reader, fieldname: str, prefix: str) -> Iterator[str]:
    source = reader.expand_prefix(fieldname, prefix) if prefix else reader.lexicon(fieldname)
    for btext in source:
        yield btext.decode("utf-8") if isinstance(btext, bytes) else btext


def _collect(words: Iterator[str], accept, limit: int, deadline: float | None) -> Expansion:
    out = Expansion()
    for n, word in enumerate(words):
        if n % CHECK_EVERY == CHECK_EVERY - 1 and deadline is not None and time.monotonic() > deadline:
            out.timed_out = True
            break
        if accept(word):
            if len(out.terms) >= limit:
                out.capped = True
                break
            out.terms.append(word)
    return out


def expand_prefix(reader, fieldname: str, prefix: str, limit: int, deadline: float | None,
                  accept=None, words: list[str] | None = None) -> Expansion:
    """Terms starting with prefix (and passing accept, when given), in dictionary order.
    words: the field's terms with that prefix, when already walked."""
    source = iter(words) if words is not None else _walk(reader, fieldname, prefix)
    return _collect(source, accept or (lambda word: True), limit, deadline)


def _literal_prefix(pattern: str) -> str:
    for i, ch in enumerate(pattern):
        if ch in "*?[":
            return pattern[:i]
    return pattern


def expand_wildcard(reader, fieldname: str, pattern: str, limit: int, deadline: float | None,
                    accept=None) -> Expansion:
    """Terms matching a pattern with * (any letters) and ? (one letter)."""
    regex = re.compile(fnmatch.translate(pattern))
    extra = accept or (lambda word: True)
    return _collect(_walk(reader, fieldname, _literal_prefix(pattern)),
                    lambda word: regex.match(word) is not None and extra(word), limit, deadline)


def within_distance(word: str, term: str, maxdist: int) -> bool:
    """Whether word is at most maxdist Levenshtein edits from term."""
    from rapidfuzz.distance import Levenshtein  # imported when a query needs it: 10 ms of every process
    return Levenshtein.distance(word, term, score_cutoff=maxdist) <= maxdist


def expand_fuzzy(reader, fieldname: str, term: str, maxdist: int, prefixlength: int, limit: int,
                 deadline: float | None, accept=None, words=None) -> Expansion:
    """Terms within maxdist (capped at MAX_FUZZY_DISTANCE) of term that share its first
    prefixlength letters; words: those terms already listed, in dictionary order."""
    maxdist = max(0, min(maxdist, MAX_FUZZY_DISTANCE))
    extra = accept or (lambda word: True)
    if words is not None:  # one call over the listed terms, in dictionary order
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein
        close = process.extract(term, words, scorer=Levenshtein.distance, score_cutoff=maxdist, limit=None)
        return _collect((words[i] for i in sorted(i for _, _, i in close)), extra, limit, deadline)
    source = _walk(reader, fieldname, term[:prefixlength])
    return _collect(source, lambda word: within_distance(word, term, maxdist) and extra(word), limit, deadline)


def terms_within(reader, fieldname: str, term: str, maxdist: int, prefix: int = 0,
                 deadline: float | None = None, limit: int = 10_000, words=None) -> list[str]:
    """What `reader.terms_within` gives (the terms within maxdist of term sharing prefix letters),
    without building an automaton, and stopping at the deadline."""
    return expand_fuzzy(reader, fieldname, term, maxdist, prefix, limit, deadline, words=words).terms


def prefix_terms(reader, fieldname: str, prefix: str, deadline: float | None) -> tuple[str, ...] | None:
    """Every term starting with prefix, in dictionary order; None when the deadline passed first."""
    words = []
    for n, word in enumerate(_walk(reader, fieldname, prefix)):
        if n % CHECK_EVERY == CHECK_EVERY - 1 and deadline is not None and time.monotonic() > deadline:
            return None
        words.append(word)
    return tuple(words)
