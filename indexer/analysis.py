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
"""
from __future__ import annotations

import gzip
import json
import math
import re
from functools import lru_cache
from importlib import metadata as pkg_metadata
from importlib import resources

from whoosh.analysis import Composable, Filter, Token, Tokenizer
from whoosh.lang import stemmer_for_language
from whoosh.support.charset import accent_map

#: Bumped whenever the chain changes what it emits; with the lexicon version it
#: forms ANALYZER_VERSION, which is stored in the index and checked on open.
CHAIN_VERSION = 5
LEXICON_DISTRIBUTION = "pyspellchecker"


def _lexicon_version() -> str:
    try:
        return pkg_metadata.version(LEXICON_DISTRIBUTION)
    except pkg_metadata.PackageNotFoundError:  # pragma: no cover - pinned dependency
        return "absent"


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

STOP_WORDS = frozenset(
    """aan al alles als altijd andere ben bij daar dan dat de der deze die dit doch doen
    door dus een eens en er ge geen geweest haar had heb hebben heeft hem het hier hij
    hoe hun iemand iets ik in is ja je kan kon kunnen maar me meer men met mij mijn moet
    na naar niet niets nog nu of om omdat onder ons ook op over reeds te tegen toch toen
    tot u uit uw van veel voor want waren was wat werd wezen wie wil worden wordt zal ze
    zelf zich zij zijn zo zonder zou""".split()
)

# Last parts that look like words but are suffixes: never split them off.
REFUSED_LAST_PARTS = frozenset(
    """heid heden schap schappen atie aties ders isme isten istische istisch ische isch
    lijk lijke lijkheid baar bare loos loze ster sters teit iteit erij erijen ling lingen
    tjes tje aard ende enden ingen ering eringen eren""".split()
)
LINKERS = ("", "s", "e", "en", "er")
# Particles and prefixes: a split after them gives particle verbs (uit+reizen,
# her+kenden, onder+zoek), not compounds.
REFUSED_FIRST_PARTS = frozenset(
    """aan af bij door mee na om onder op over uit voor weg toe terug her ver ont
    tegen samen neer achter mis vol weer erop""".split()
)

# Zipf thresholds over the OpenTaal/OpenSubtitles counts (see FINDINGS.md).
ZIPF_FLOOR = 1.5
ZIPF_KNOWN = 2.5
ZIPF_FREQUENT = 3.0
#: Marks the term of a compound's or hyphenated word's part; never produced by the tokenizer.
PART_PREFIX = "~"


class Lexicon:
    """Dutch word frequencies from pyspellchecker's OpenTaal list, accent-folded.

    Kept as a prebuilt table beside other caches (lexicon_table.py): a process looks up only
    the words it needs, and loads the whole table once it needs many."""

    def __init__(self) -> None:
        from .lexicon_table import LexiconTable
        self._table = LexiconTable(f"{LEXICON_DISTRIBUTION}-{_lexicon_version()}", _fold_frequencies)

    def zipf(self, word: str) -> float:
        return self._table.get(word)

    def __contains__(self, word: str) -> bool:
        return self._table.get(word) >= ZIPF_FLOOR

    def starting_with(self, prefix: str, limit: int = 400) -> list[str]:
        """Up to limit lexicon words starting with prefix, sorted."""
        return self._table.starting_with(prefix, limit)

    def load_all(self) -> None:
        """Hold the whole table in memory (a server does this before it forks)."""
        self._table.as_dict()

    @property
    def _zipf(self) -> dict[str, float]:
        return self._table.as_dict()


def _fold_frequencies() -> dict[str, float]:
    path = resources.files("spellchecker") / "resources" / "nl.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        counts = json.load(handle)
    total = sum(counts.values()) or 1
    zipf: dict[str, float] = {}
    for word, count in counts.items():
        key = fold(word.lower())
        value = math.log10(count / total * 1e9)
        if value > zipf.get(key, -1.0):
            zipf[key] = value
    return zipf


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return Lexicon()


_ACCENTS = str.maketrans({k: v for k, v in accent_map.items() if isinstance(v, str)})


def fold(text: str) -> str:
    """Remove diacritics: coördinator -> coordinator, reëel -> reeel."""
    return text.translate(_ACCENTS) if not text.isascii() else text


@lru_cache(maxsize=200_000)
def split_compound(word: str, _depth: int = 0) -> tuple[str, ...]:
    """The parts of a Dutch compound (folded, lower-case), or () when it is none.

    Parts have 3+ letters, the last 4+, joined directly or by -s-, -e-, -en-.
    A word more frequent than one of its parts is a lexical unit of its own
    (minister is not mini+ster) and is left whole.
    """
    if len(word) < 7 or not word.isalpha():
        return ()
    lex = lexicon()
    whole = lex.zipf(word)
    best: tuple[float, tuple[str, ...]] | None = None
    for cut in range(3, len(word) - 3):
        head = word[:cut]
        if head in REFUSED_FIRST_PARTS or head in STOP_WORDS:
            continue
        head_zipf = lex.zipf(head)
        if head_zipf < (ZIPF_FREQUENT if len(head) == 3 else ZIPF_FLOOR):
            continue
        for linker in LINKERS:
            if not word.startswith(linker, cut):
                continue
            if linker and lex.zipf(head + linker) >= ZIPF_KNOWN:
                continue  # pers+vrijheid, not per+s+vrijheid
            tail = word[cut + len(linker):]
            if len(tail) < 4 or tail in REFUSED_LAST_PARTS:
                continue
            tail_zipf = lex.zipf(tail)
            tail_parts: tuple[str, ...] = (tail,)
            if tail_zipf < ZIPF_FLOOR:
                if whole >= ZIPF_KNOWN or _depth:
                    continue  # only rare words split into three parts
                deeper = split_compound(tail, 1)
                if not deeper:
                    continue
                tail_parts = deeper
                tail_zipf = min(lex.zipf(p) for p in deeper)
            weakest = min(head_zipf, tail_zipf)
            needed = ZIPF_FREQUENT if whole >= ZIPF_KNOWN else ZIPF_FLOOR
            if weakest < needed or (whole and whole >= weakest):
                continue
            score = head_zipf + tail_zipf - (0.3 if linker else 0.0) - 0.5 * (len(tail_parts) - 1)
            if best is None or score > best[0]:
                best = (score, (head, *tail_parts))
    return best[1] if best else ()


# Adverbs and prepositions in -ens that are no plural of a word in -en.
ENS_NOT_PLURAL = frozenset(
    """volgens tijdens trouwens minstens vervolgens morgens overigens hoogstens iedereens willens
    gemeens algemeens meestens behoudens krachtens blijkens rechtens inziens omzeggens""".split()
)


def normalise_plural(word: str) -> str:
    """Join plural forms the Snowball stemmer leaves apart, only into lexicon words."""
    if word.endswith(("'s", "\u2019s")):
        return word[:-2]
    if word in ("geleden", "verleden"):
        return word
    if word.endswith("leden") and len(word) > 6:
        candidate = word[:-5] + "lid"
        if candidate in lexicon():
            return candidate
    if word.endswith(("eeen", "ieen")) and word[:-2] in lexicon():
        return word[:-2]  # moskeeën -> moskee, categorieën -> categorie
    if word.endswith("ies") and word[:-1] in lexicon():
        return word[:-1]  # studies -> studie
    if (word.endswith("ens") and len(word) >= 7 and word not in ENS_NOT_PLURAL
            and word[:-1] in lexicon()):
        # Snowball stems gegeven to gegev but gegevens to gegeven: the plural joins the singular.
        return word[:-1]  # persoonsgegevens -> persoonsgegeven, vuurwapens -> vuurwapen
    return word


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


@lru_cache(maxsize=1)
def _highlight_analyzer() -> Composable:
    return dutch_analyzer()
