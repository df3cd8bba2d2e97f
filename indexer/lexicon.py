"""What the analysis knows of Dutch words: their frequencies (pyspellchecker's OpenTaal list,
accent-folded, kept as a prebuilt table by lexicon_table.py), accent folding, stop words and
the Zipf thresholds the compound and plural rules share."""
from __future__ import annotations

import gzip
import json
import math
from functools import lru_cache

from whoosh.support.charset import accent_map

from .distributions import installed_version

LEXICON_DISTRIBUTION = "pyspellchecker"


def _lexicon_version() -> str:
    return installed_version(LEXICON_DISTRIBUTION) or "absent"


STOP_WORDS = frozenset(
    """aan al alles als altijd andere ben bij daar dan dat de der deze die dit doch doen
    door dus een eens en er ge geen geweest haar had heb hebben heeft hem het hier hij
    hoe hun iemand iets ik in is ja je kan kon kunnen maar me meer men met mij mijn moet
    na naar niet niets nog nu of om omdat onder ons ook op over reeds te tegen toch toen
    tot u uit uw van veel voor want waren was wat werd wezen wie wil worden wordt zal ze
    zelf zich zij zijn zo zonder zou""".split()
)

# Words the frequency list lacks but parliamentary texts use as parts of compounds.
EXTRA_WORDS = {"cyber": 3.0, "app": 3.5, "apps": 3.0, "ganger": 2.5, "gangers": 2.5,
               "brexit": 3.0}

# Zipf thresholds over the OpenTaal/OpenSubtitles counts (see FINDINGS.md).
ZIPF_FLOOR = 1.5
ZIPF_KNOWN = 2.5
ZIPF_FREQUENT = 3.0


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
