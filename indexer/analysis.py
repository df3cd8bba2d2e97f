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

from whoosh.analysis import Composable, Filter, Token, Tokenizer
from whoosh.lang import stemmer_for_language
from whoosh.support.charset import accent_map

from .distributions import installed_version

#: Bumped whenever the chain changes what it emits; with the lexicon version it
#: forms ANALYZER_VERSION, which is stored in the index and checked on open.
CHAIN_VERSION = 6
LEXICON_DISTRIBUTION = "pyspellchecker"


def _lexicon_version() -> str:
    return installed_version(LEXICON_DISTRIBUTION) or "absent"


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

# Last parts that look like words but are suffixes or inflections: never split them off.
REFUSED_LAST_PARTS = frozenset(
    """heid heden schap schappen atie aties ders isme isten istische istisch ische isch
    lijk lijke lijkheid baar bare loos loze ster sters teit iteit erij erijen ling lingen
    tjes tje aard ende enden ingen ering eringen eren king kende kend rende rend renden
    heen vandaan langs wijs matig matige eerd eerde eerden eert erde iele ieel name
    loosheid baarheid matigheid zaamheid tien tiende tig tigste honderd honderdste duizend
    duizendste maal malen""".split()
)
# Three-letter last parts: only these nouns (most three-letter endings are inflections: -den, -ere).
SHORT_LAST_PARTS = frozenset(
    """rol som pad wet bod dak dag hof put zak kop weg gas vis bos zee bal gat hek rit pot pen
    net les lot mes bus bak dam dek dijk gif kas kar lid man mes mol oog pak pan pet pit pop
    raad rij rug tak tas ton top vat vet web wit zin zon zorg""".split()
)
# What follows a doubled consonant in a derivation (strekk+ing, wetenschapp+ers, krabb+elt):
# a split between the two consonants is no compound boundary.
DERIVATION_ENDINGS = frozenset(
    "ing ingen er ers en ende enden end elt elen elde elden ert erde eren e elijk elijke".split()
)
LINKERS = ("", "s", "e", "en", "er")
# Particles, adverbs and prefixes: a split after them gives particle verbs (uit+reizen,
# her+kenden, onder+zoek, vast+leggen), pronominal adverbs (waar+door) or prefixed words
# (anti+virale, para+meter), not compounds.
REFUSED_FIRST_PARTS = frozenset(
    """aan af bij door mee na om onder op over uit voor weg toe terug her ver ont
    tegen samen neer achter mis vol weer erop buiten binnen boven
    waar daar hier erom ervan eraan erin des aller neder weder mede voort verder vooraf
    voorop vooruit overeen tegelijk terecht hiernaar daarnaar minder meerder anti micro macro para pseudo
    semi mega multi""".split()
)
# Adjectives, adverbs and nouns that also make separable verbs (vast+leggen, vrij+komen,
# deel+nemen, plaats+vinden): refused before a verb form, taken before anything else.
PARTICLE_FIRST_PARTS = frozenset(
    """vast goed vrij rond deel plaats vorm dicht los open stil klaar kwijt bekend thuis
    teleur lief ziek schoon gelijk""".split()
)
# Prefixes after which the rest of a word is often a word itself (ver+strekking,
# ge+kenmerkt): a cut inside such a word would cross the prefix boundary.
PREFIXES = ("ver", "be", "ge", "ont", "her", "in")
# Words the frequency list lacks but parliamentary texts use as parts of compounds.
EXTRA_WORDS = {"cyber": 3.0, "app": 3.5, "apps": 3.0, "ganger": 2.5, "gangers": 2.5,
               "brexit": 3.0}

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
    from importlib import resources  # only when the prebuilt table is missing: 9 ms to import

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


#: The frequency the list gives a word it holds without a count of its own (pyspellchecker
#: 0.9.1: 2.12): such a word is known, but its frequency says nothing about its use.
ZIPF_LISTED = 2.2
_VOWELS = frozenset("aeiou")


def _zipf(word: str) -> float:
    return lexicon().zipf(word) or EXTRA_WORDS.get(word, 0.0)


def _infinitives_of_stem(stem: str):
    """Infinitives a verb stem may belong to: zoek -> zoeken, speel -> spelen, leg -> leggen."""
    yield stem + "en"
    if len(stem) >= 2 and stem[-1] not in _VOWELS:
        yield stem + stem[-1] + "en"
    if len(stem) >= 4 and stem[-3] == stem[-2] and stem[-2] in _VOWELS and stem[-1] not in _VOWELS:
        last = {"f": "v", "s": "z"}.get(stem[-1], stem[-1])
        yield stem[:-2] + last + "en"
        yield stem[:-2] + stem[-1] + "en"
    if stem.endswith(("aa", "ee", "oo")):
        yield stem + "n"  # gaa(t) -> gaan


def _is_verb_form(word: str) -> bool:
    """An infinitive or a present-tense form (leggen, komt, vindt, gaat), as far as the lexicon tells."""
    if word.endswith("t") and len(word) >= 3:
        return any(_zipf(v) >= ZIPF_KNOWN for v in _infinitives_of_stem(word[:-1]))
    if word.endswith("aan") or word.endswith("en") and _zipf(word) >= ZIPF_KNOWN:
        stem = word[:-1] if word.endswith("aan") else word[:-2]
        if len(stem) >= 3 and stem[-1] == stem[-2]:
            stem = stem[:-1]  # leggen -> leg
        forms = [stem + "t"]
        if len(stem) >= 2 and stem[-2] in _VOWELS and stem[-1] not in _VOWELS:
            forms.append(stem[:-1] + stem[-2] + stem[-1] + "t")  # komen -> komt, lopen -> loopt
        return any(_zipf(f) >= ZIPF_KNOWN for f in forms)
    return False


def _head_zipf(head: str) -> float:
    """A first part's frequency; a verb stem (speel, verleng, redeneer) counts as its infinitive."""
    z = _zipf(head)
    if z >= ZIPF_FLOOR or len(head) < 4:
        return z
    best = max((_zipf(v) for v in _infinitives_of_stem(head)), default=0.0)
    return min(best, ZIPF_KNOWN) if best >= ZIPF_KNOWN else z


def _tail_zipf(tail: str) -> float:
    """A last part's frequency; an inflected form the list lacks (varenden, wegend, apps) counts
    as the word it inflects."""
    z = _zipf(tail)
    if z >= ZIPF_FLOOR:
        return z
    bases = []
    for ending in ("enden", "ende", "end"):
        if tail.endswith(ending) and len(tail) >= len(ending) + 3:
            bases += [tail[: -len(ending)] + "en", tail[: -len(ending) + 1]]  # varend -> varen
            break
    if tail.endswith("s"):
        bases.append(tail[:-1])
    if tail.endswith(("en", "es")):
        bases.append(tail[:-2])
    best = max((_zipf(b) for b in bases if len(b) >= 3), default=0.0)
    return min(best, ZIPF_KNOWN) if best >= ZIPF_KNOWN else z


def _derived(word: str) -> bool:
    """A word made from one word that is no compound: ver+strekking, ge+kenmerkt, vol+trekking,
    in+levering (a prefix or particle before it), presterende, verrekenbare (a verb's participle
    or adjective). A cut inside it makes no compound; a compound after a particle (aan+looptijd)
    is not refused here."""
    for prefix in PREFIXES + tuple(REFUSED_FIRST_PARTS):
        rest = word[len(prefix):]
        if (word.startswith(prefix) and len(rest) >= 5 and _zipf(rest) >= ZIPF_LISTED - 0.1
                and not split_compound(rest)):
            return True
    for ending, verb_ending in (("enden", "en"), ("ende", "en"), ("end", "en"),
                                ("bare", "en"), ("baar", "en")):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            stem = word[: -len(ending)]
            verbs = [stem + verb_ending] if ending.startswith("end") else list(_infinitives_of_stem(stem))
            if any(_zipf(v) >= ZIPF_LISTED - 0.1 and not split_compound(v) for v in verbs):
                return True
    return False


ADJECTIVE_ENDINGS = ("elijke", "elijk", "lijke", "lijk", "ige", "ig", "ische", "isch")


def _adjective_of_compound(joint: str, tail: str) -> bool:
    """grond+wettige is grondwet+tig: the adjective is made of a compound, not the other way."""
    for ending in ADJECTIVE_ENDINGS:
        if tail.endswith(ending) and len(tail) - len(ending) >= 3:
            base = tail[: -len(ending)]
            bases = [base, base[:-1]] if len(base) >= 4 and base[-1] == base[-2] else [base]
            if any(_zipf(joint + b) >= ZIPF_LISTED - 0.1 for b in bases):
                return True
    return False


def _particle_verb(joint: str, tail: str) -> bool:
    """vast+leggen, plaats+vindt, goed+keurt, vrij+stellingen: the first part and the verb
    in the last part make a separable verb the lexicon knows (vastleggen, vrijstellen)."""
    verbs: list[str] = []
    if tail.endswith("t") and _is_verb_form(tail):
        verbs += list(_infinitives_of_stem(tail[:-1]))
    for ending in ("ingen", "ing"):
        if tail.endswith(ending) and len(tail) - len(ending) >= 3:
            verbs += list(_infinitives_of_stem(tail[: -len(ending)]))
            verbs.append(tail[: -len(ending)] + "en")
            break
    return any(_zipf(joint + v) >= ZIPF_LISTED - 0.1 for v in verbs)


@lru_cache(maxsize=200_000)
def split_compound(word: str, _depth: int = 0) -> tuple[str, ...]:
    """The parts of a Dutch compound (folded, lower-case), or () when it is none.

    Parts have 3+ letters, the last 4+ (3 for a frequent word: hoofd+rol), joined directly
    or by -s-, -e-, -en-, -er-. A word more frequent than one of its parts is a lexical unit
    of its own (minister is not mini+ster) and is left whole. A split into two parts always
    wins over one into three (halfjaar+rapportages, not half+jaars+rapportages).
    """
    if len(word) < 7 or not word.isalpha() or _derived(word):
        return ()
    whole = _zipf(word)
    best: dict[int, tuple[float, tuple[str, ...]]] = {}
    # The longest refused first part the word starts with: no cut may fall inside it.
    refused = max((len(p) for p in REFUSED_FIRST_PARTS if word.startswith(p)), default=0)
    for cut in range(3, len(word) - 2):
        head = word[:cut]
        if head in REFUSED_FIRST_PARTS or head in STOP_WORDS:
            continue
        if refused > cut:
            continue  # wed+rechtelijk inside weder-
        head_zipf = _head_zipf(head)
        if head_zipf < (ZIPF_FREQUENT if len(head) == 3 else ZIPF_FLOOR):
            continue
        for linker in LINKERS:
            if not word.startswith(linker, cut):
                continue
            if linker and len(head) <= 3 and _zipf(head + linker) >= ZIPF_KNOWN:
                continue  # pers+vrijheid, not per+s+vrijheid
            if linker == "s" and head.endswith("s"):
                continue
            if (not linker and head.endswith(("ing", "heid", "teit", "schap")) and word.startswith("s", cut)
                    and _tail_zipf(word[cut + 1:]) >= ZIPF_FLOOR):
                continue  # beveiliging+s+taken, not beveiliging+staken
            if (not linker and head.endswith("s") and len(head) >= 5 and head[-2] != "s"
                    and _zipf(head[:-1]) >= ZIPF_KNOWN):
                continue  # leven+s+begeleiding, not levens+begeleiding
            tail = word[cut + len(linker):]
            if len(tail) < 3 or tail in REFUSED_LAST_PARTS or tail in STOP_WORDS:
                continue
            if len(tail) == 3 and (len(head) < 4 or tail not in SHORT_LAST_PARTS):
                continue
            if not linker and tail[0] == head[-1] and tail[1:] in DERIVATION_ENDINGS:
                continue  # strekk+ing, wetenschapp+ers
            if any((head[len(head) - k:] + linker + tail) in REFUSED_LAST_PARTS for k in (1, 2)):
                continue  # lev+ering, schend+erij: the cut falls inside a suffix
            if _adjective_of_compound(head + linker, tail):
                continue  # grondwet+tige, randvoorwaarde+lijke
            if ((head in PARTICLE_FIRST_PARTS and (_is_verb_form(tail) or tail.endswith(("end", "ende", "enden"))))
                    or _particle_verb(head + linker, tail)):
                continue  # vast+leggen, vrij+komen: particle verbs
            tail_zipf = _tail_zipf(tail)
            tail_parts: tuple[str, ...] = (tail,)
            if tail_zipf < ZIPF_FLOOR:
                if whole >= ZIPF_KNOWN or _depth:
                    continue  # only rare words split into three parts
                deeper = split_compound(tail, 1)
                if not deeper:
                    continue
                tail_parts = deeper
                tail_zipf = min(_tail_zipf(p) for p in deeper)
            weakest = min(head_zipf, tail_zipf)
            needed = ZIPF_FREQUENT if whole >= ZIPF_KNOWN else ZIPF_FLOOR
            if weakest < needed or (whole > ZIPF_LISTED and whole >= weakest + 0.5):
                continue
            # The weaker part decides (vervanging+s+vraagstuk beats vervangingsvraag+stuk).
            score = weakest + 0.1 * (head_zipf + tail_zipf) - (0.3 if linker else 0.0)
            count = 1 + len(tail_parts)
            if count not in best or score > best[count][0]:
                best[count] = (score, (head, *tail_parts))
    return best[min(best)][1] if best else ()


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
    if len(word) < 5:
        return word
    if word.endswith("jes") and len(word) >= 6:
        return word[:-1]  # blokjes -> blokje (diminutives)
    if word[-1] == "s" and word[-2] in _VOWELS and _known_singular(word[:-1]):
        return word[:-1]  # rapportages -> rapportage, analyses, codes, niveaus
    if len(word) >= 6 and word.endswith(("zen", "ven")):
        stem, last = word[:-3], "s" if word.endswith("zen") else "f"
        candidates = [stem + last]
        if stem[-1] in _VOWELS and stem[-2] not in _VOWELS:
            candidates = [stem + stem[-1] + last]  # rozen -> roos, neven -> neef (open syllable)
        for candidate in candidates:
            if _known_singular(candidate):
                return candidate  # grenzen -> grens, brieven -> brief, huizen -> huis
    if len(word) >= 6 and word.endswith("ssen") and _known_singular(word[:-3]):
        return word[:-3]  # processen -> proces, adressen -> adres
    if (len(word) >= 6 and word.endswith("sen") and word[-4] not in _VOWELS and word[-4] != "s"
            and _known_singular(word[:-2])):
        return word[:-2]  # mensen -> mens, toetsen -> toets, fondsen -> fonds
    return word


def _known_singular(word: str) -> bool:
    """A word of the lexicon, or a compound whose last part is one (halfjaarsrapportage)."""
    if _zipf(word) >= ZIPF_FLOOR:
        return True
    parts = split_compound(word)
    return bool(parts) and _zipf(parts[-1]) >= ZIPF_FLOOR


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
