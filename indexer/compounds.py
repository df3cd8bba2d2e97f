"""Compound splitting: the parts of a Dutch compound that are words of their own
(terrorismebestrijding -> terrorisme + bestrijding, grensoverschrijdende -> grens + …), and the
words that look like compounds but are none (derivations, particle verbs, prefixed words).

Decided on word frequencies (lexicon.py); measured on tests/compounds.tsv (test_compounds.py).
"""
from __future__ import annotations

from functools import lru_cache

from .lexicon import STOP_WORDS, ZIPF_FLOOR, ZIPF_FREQUENT, ZIPF_KNOWN, ZIPF_LISTED, _VOWELS, _zipf

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
