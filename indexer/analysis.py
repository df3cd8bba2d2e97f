"""The Dutch analyzer, used both to index pages and to parse queries.

The chain: tokenizer (keeps numbers such as 29754 and 2020-2021 whole) ->
protection of upper-case abbreviations (IS, NCTV) -> lower-case -> accent folding
-> stop words -> [index only: parts of hyphenated words and of compounds, at the
same position as the whole word] -> plural rules the stemmer misses -> Dutch
Snowball stemmer -> [index only: the parts' terms marked as parts].

Compound parts are emitted only at index time, as terms of their own marked with
PART_PREFIX ("~bestrijd" beside "terrorismebestrijd"). The search engine looks a
query word up both as a word and, with a much lower weight, as a part: so
``bestrijding`` finds "terrorismebestrijding" but always ranks documents where the
word stands alone above it, and a query for the compound itself stays exact.
(A lower token boost on a shared term cannot do that: ten compound occurrences
outweigh one standalone word.)

The rules live beside it: compounds.py (splitting), plurals.py (plural forms) and lexicon.py
(word frequencies, folding, stop words); their names are importable from here too.
"""
from __future__ import annotations

import re
from functools import lru_cache

from whoosh.analysis import Composable, Filter, Token, Tokenizer
from whoosh.lang import stemmer_for_language

from .compounds import split_compound
from .lexicon import LEXICON_DISTRIBUTION, STOP_WORDS, _lexicon_version, fold, lexicon
from .plurals import normalise_plural

__all__ = ["ANALYZER_VERSION", "PART_PREFIX", "STOP_WORDS", "TOKEN_PATTERN", "analyze", "dutch_analyzer",
           "fold", "lexicon", "normalise_plural", "split_compound", "word_terms"]

#: Bumped whenever the chain changes what it emits; with the lexicon version it
#: forms ANALYZER_VERSION, which is stored in the index and checked on open.
CHAIN_VERSION = 6

ANALYZER_VERSION = f"nl-{CHAIN_VERSION}+{LEXICON_DISTRIBUTION}-{_lexicon_version()}"

# Words, with hyphens and apostrophes inside them, and numbers with separators
# between digits (3.500, 1,5, 2020-2021, 12/34).
TOKEN_PATTERN = re.compile(r"\w+(?:(?:[-\u2010\u2011'\u2019]|(?<=\d)[.,/](?=\d))\w+)*")
HYPHENS = re.compile(r"[-\u2010\u2011]")

# Upper-case abbreviations that collide with Dutch stop words or that the
# stemmer would mangle; they are protected before lower-casing.
PROTECTED_ABBREVIATIONS = frozenset(
    {"IS", "ISIS", "NCTV", "AIVD", "MIVD", "DSI", "DTN", "EU", "VN", "NAVO", "OM",
     "KMar", "IND", "NCSC", "PKK", "AP", "VS", "ISIL", "AQ", "AQAP", "DNB", "MH17"}
)

#: Marks the term of a compound's or hyphenated word's part; never produced by the tokenizer.
PART_PREFIX = "~"


class DutchTokenizer(Tokenizer):
    """Splits on the pattern above, with character offsets for highlighting."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            token.protected = False
            token.part = False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for pos, match in enumerate(TOKEN_PATTERN.finditer(value), start_pos):
            token.text = match.group(0)
            token.boost = 1.0
            token.protected = False
            token.part = False
            token.stopped = False
            if keeporiginal:
                token.original = token.text
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


class ProtectAbbreviationFilter(Filter):
    def __call__(self, tokens):
        for t in tokens:
            t.protected = t.text in PROTECTED_ABBREVIATIONS
            yield t


class FoldFilter(Filter):
    """Lower-case and remove diacritics, independent of the stemmer."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold(t.text.lower())
            yield t


class DutchStopFilter(Filter):
    def __call__(self, tokens):
        for t in tokens:
            if t.text in STOP_WORDS and not t.protected:
                if t.removestops:
                    continue
                t.stopped = True
            yield t


class PartsFilter(Filter):
    """At index time, add the parts of hyphenated words and compounds at the same position."""

    def __call__(self, tokens):
        for t in tokens:
            text = t.text
            yield t
            if t.mode == "query" or t.protected:
                continue
            parts: list[str] = []
            pieces = [p for p in HYPHENS.split(text) if p] if HYPHENS.search(text) else [text]
            for piece in pieces:
                if piece != text:
                    parts.append(piece)
                for part in split_compound(piece):
                    parts.append(part)
                    parts.extend(split_compound(part))
            if parts:
                for part in dict.fromkeys(parts):
                    if part != text:
                        t.text = part
                        t.part = True
                        yield t
                t.text, t.part = text, False


class PluralFilter(Filter):
    def __call__(self, tokens):
        for t in tokens:
            if not t.protected:
                t.text = normalise_plural(t.text)
            yield t


class DutchStemFilter(Filter):
    def __init__(self) -> None:
        self._stem = stemmer_for_language("nl")
        self._cache: dict[str, str] = {}

    # Whoosh pickles the schema, analyzer included, into every table of contents: the
    # cache must not travel with it (it made each TOC megabytes, read by every reader).
    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.__init__()

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, tokens):
        cache = self._cache
        stem = self._stem
        for t in tokens:
            if not t.protected and not t.text[:1].isdigit():
                text = t.text
                stemmed = cache.get(text)
                if stemmed is None:
                    stemmed = stem(text) if "-" not in text else text
                    if len(cache) < 200_000:
                        cache[text] = stemmed
                t.text = stemmed
            yield t


class PartMarkFilter(Filter):
    """Last in the chain: a part's (stemmed) term gets PART_PREFIX, so it never counts as the word."""

    def __call__(self, tokens):
        for t in tokens:
            if getattr(t, "part", False):
                t.text = PART_PREFIX + t.text
            yield t


def _chain() -> list[Filter]:
    return [ProtectAbbreviationFilter(), FoldFilter(), DutchStopFilter(), PartsFilter(),
            PluralFilter(), DutchStemFilter(), PartMarkFilter()]


class CachedChainFilter(Filter):
    """The filter chain above, run once per distinct word and mode and then remembered.

    Running seven generator filters for every token was the largest part of indexing
    time spent in our own code; a page repeats most of its words, a corpus far more so."""

    LIMIT = 300_000

    def __init__(self) -> None:
        self._filters = _chain()
        self._cache: dict[tuple, tuple] = {}

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.__init__()

    def _terms(self, raw: str, mode: str, removestops: bool) -> tuple:
        token = Token(removestops=removestops, mode=mode)
        token.text, token.boost, token.protected, token.part, token.stopped = raw, 1.0, False, False, False
        stream = iter((token,))
        for f in self._filters:
            stream = f(stream)
        return tuple((t.text, t.stopped) for t in stream)

    def __call__(self, tokens):
        cache = self._cache
        for t in tokens:
            key = (t.text, t.mode, t.removestops)
            terms = cache.get(key)
            if terms is None:
                terms = self._terms(*key)
                if len(cache) >= self.LIMIT:
                    cache.clear()
                cache[key] = terms
            for text, stopped in terms:
                t.text = text
                t.stopped = stopped
                yield t


def dutch_analyzer() -> Composable:
    """The one analyzer for indexing and queries."""
    return DutchTokenizer() | CachedChainFilter()


def analyze(text: str, mode: str = "query") -> list[str]:
    """The terms the analyzer makes of a text (for tests, synonyms and diagnostics)."""
    return [t.text for t in dutch_analyzer()(text, mode=mode)]


_WORD_TERMS: dict[str, tuple[str, ...]] = {}


def word_terms(word: str) -> tuple[str, ...]:
    """The index terms of one word as it stands in a text (the word's own term first, then
    its parts' terms); cached, because the highlighter asks for every word of every passage."""
    terms = _WORD_TERMS.get(word)
    if terms is None:
        terms = tuple(dict.fromkeys(t.text for t in _highlight_analyzer()(word, mode="index")))
        if len(_WORD_TERMS) > 300_000:
            _WORD_TERMS.clear()
        _WORD_TERMS[word] = terms
    return terms


_OWN_TERMS: dict[str, tuple[str, ...]] = {}


def own_terms(word: str) -> tuple[str, ...]:
    """The word's own index terms, without its parts' (which all carry PART_PREFIX): what
    word_terms starts with, at a fraction of its cost, since no compound is split for them."""
    terms = _OWN_TERMS.get(word)
    if terms is None:
        terms = tuple(dict.fromkeys(t.text for t in _highlight_analyzer()(word, mode="query")))
        if len(_OWN_TERMS) > 300_000:
            _OWN_TERMS.clear()
        _OWN_TERMS[word] = terms
    return terms


def known_word_terms(word: str) -> tuple[str, ...] | None:
    """word_terms(word) when it was asked before, else None (nothing is analysed)."""
    return _WORD_TERMS.get(word)


@lru_cache(maxsize=1)
def _highlight_analyzer() -> Composable:
    return dutch_analyzer()
