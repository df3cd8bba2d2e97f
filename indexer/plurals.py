"""Plural rules the Snowball stemmer misses (rapportages, grenzen, brieven, persoonsgegevens):
a plural is joined to its singular, and only into a word the lexicon (or a compound's last
part) knows."""
from __future__ import annotations

from .compounds import split_compound
from .lexicon import ZIPF_FLOOR, _VOWELS, _zipf, lexicon


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
