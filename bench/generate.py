"""A deterministic generator of a Dutch parliamentary corpus of any size, counted in pages.

The same seed and size always give the same documents, texts and queries. Pages hold
250–600 words drawn from three layers with Zipf-like frequencies:

* written Dutch function words (de, het, van, …), which occur on nearly every page;
* the domain: terrorism and security policy with its inflections (terrorist,
  terroristen, terroristische), compounds (terrorismebestrijding, dreigingsbeeld,
  veiligheidsdiensten), diacritics (coördinator, moskeeën, Oekraïne), fixed phrases
  (Tweede Kamer, Openbaar Ministerie), abbreviations (NCTV, AIVD, IS), names, parties,
  places and numbers (dossier 29754, vergaderjaar 2020-2021, € 12,5 miljoen);
* general Dutch from the OpenTaal word list that ships with pyspellchecker (a project
  dependency), ranked by its frequency, so the tail holds words that occur on a few pages.

Each document has a type (motie, kamerbrief, handelingen, …) with its own length range
(1–150 pages, most documents short, a few transcripts long: about 19 pages on average, so
100,000 pages make about 5,400 files) and a topic that makes some words cluster in it.

At benchmark sizes nothing is rendered to PDF: `write_corpus` writes, per document, a small
placeholder file with a JSON sidecar (the metadata, as `kamerzoek index` reads it) and puts
the pages into Kamerzoek's extraction cache under the placeholder's content hash. Indexing
the folder then goes through `build_index` exactly as a re-index from cached text does.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import itertools
import json
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

GENERATOR_VERSION = 1
MIN_WORDS, MAX_WORDS = 250, 600

# -- vocabulary ------------------------------------------------------------------------
# Written Dutch function words with rough relative frequencies (per 1,000 words).
FUNCTION_WORDS = {
    "de": 60, "van": 34, "het": 30, "een": 25, "en": 28, "in": 22, "dat": 14, "te": 12,
    "is": 12, "op": 11, "voor": 10, "met": 9, "die": 10, "zijn": 8, "niet": 7, "aan": 6,
    "door": 5, "worden": 5, "wordt": 6, "er": 5, "als": 5, "bij": 5, "ook": 5, "om": 4,
    "of": 4, "naar": 3, "over": 4, "deze": 4, "dit": 3, "tot": 3, "uit": 3, "kan": 3,
    "zij": 3, "heeft": 4, "hebben": 3, "werd": 2, "nog": 3, "maar": 2, "meer": 2, "dan": 2,
    "onder": 2, "zal": 2, "zullen": 1, "daarnaast": 1, "hierbij": 1, "waarin": 1,
    "waarbij": 1, "welke": 1, "tussen": 1, "binnen": 1, "tegen": 1, "sinds": 1, "vanuit": 1,
    "hun": 2, "haar": 1, "ons": 1, "wij": 1, "u": 1, "ik": 1, "geen": 1, "alle": 1,
    "andere": 1, "verschillende": 1, "enkele": 1, "aantal": 1, "mede": 1, "echter": 1,
    "bovendien": 1, "namelijk": 1, "tevens": 1, "inmiddels": 1, "eveneens": 1,
}

# The domain: each line is one lemma with inflected forms; earlier lines are more frequent.
DOMAIN = """
dreiging dreigingen dreigt dreigde bedreiging bedreigingen bedreigd
terrorisme terroristisch terroristische terrorist terroristen
minister ministers ministerie
regering kabinet kabinetten
kamer kamerlid kamerleden fractie fracties
veiligheid veilig veilige onveiligheid
radicalisering radicaliseren geradicaliseerd geradicaliseerde radicale
extremisme extremistisch extremistische extremist extremisten
jihadisme jihadistisch jihadistische jihadist jihadisten
aanslag aanslagen aanslagpleger aanslagplegers
coördinator coördinatie coördineren gecoördineerd
gemeente gemeenten gemeentelijke burgemeester burgemeesters
politie politieagent politieagenten
inlichtingen inlichtingendienst inlichtingendiensten
maatregel maatregelen maatregelen
beleid beleidsmatig beleidsmatige
dreigingsniveau dreigingsniveaus
aanpak aanpakken aangepakt
toezicht toezichthouder toezichthouders
informatie informeren geïnformeerd
onderzoek onderzoeken onderzocht onderzoeker onderzoekers
terugkeerder terugkeerders terugkeer
uitreiziger uitreizigers uitreis
netwerk netwerken
propaganda propagandistisch
online internet sociale media platform platforms
minderjarige minderjarigen jongere jongeren
moskee moskeeën moskeebestuur moskeebesturen
religie religieus religieuze geloof
rechtsstaat rechtsstatelijk rechtsstatelijke
wetgeving wetsvoorstel wetsvoorstellen wet wetten
vervolging vervolgen vervolgd strafrechtelijk strafrechtelijke
veroordeling veroordeeld veroordeelde veroordeelden
detentie gedetineerde gedetineerden gevangenis
financiering financieren gefinancierd financiële
samenwerking samenwerken samenwerkingsverband
internationale internationaal buitenlandse buitenland
Europese Europa lidstaten lidstaat
Syrië Irak Afghanistan Oekraïne Rusland Turkije Marokko België Frankrijk Duitsland
polarisatie gepolariseerd
desinformatie beïnvloeding statelijke actoren
cybersecurity cyberaanval cyberaanvallen digitale
kritieke infrastructuur vitale processen
weerbaarheid weerbaar
preventie preventief preventieve voorkomen
signalering signaleren gesignaleerd
casusoverleg casusoverleggen persoonsgerichte
reclassering reclasseringstoezicht
paspoort paspoorten uitreisverbod
nationaliteit intrekking ingetrokken
evaluatie evaluaties geëvalueerd
rapport rapporten rapportage rapportages
analyse analyses geanalyseerd
ontwikkeling ontwikkelingen ontwikkeld
risico risico's risicovol
incident incidenten
geweld gewelddadig gewelddadige
slachtoffer slachtoffers
ideologie ideologieën ideologisch
rechts-extremisme rechts-extremistisch rechts-extremistische links-extremisme
antisemitisme moslimhaat discriminatie
vrijheid vrijheden privacy
grondrechten proportionaliteit
bevoegdheid bevoegdheden
capaciteit middelen budget
kosten miljoen miljard
reëel reële ideeën cliënten financiën categorieën
""".strip().splitlines()

# Compounds: head (+ linker) + tail, built in combination, and a fixed list of real ones.
COMPOUND_HEADS = ["terrorisme", "dreiging", "veiligheid", "inlichtingen", "extremisme", "radicalisering",
                  "jihad", "contraterrorisme", "aanslag", "politie", "gemeente", "informatie", "cyber",
                  "grens", "reis", "strafrecht", "wapen", "moskee", "detentie", "risico", "crisis"]
COMPOUND_TAILS = ["bestrijding", "beeld", "diensten", "dienst", "beleid", "analyse", "niveau", "aanpak",
                  "maatregelen", "onderzoek", "netwerk", "organisatie", "verdachte", "verdachten",
                  "wetgeving", "overleg", "zaken", "rapport", "keten", "plannen", "preventie", "toezicht"]
FIXED_COMPOUNDS = """terrorismebestrijding dreigingsbeeld dreigingsbeelden veiligheidsdiensten
veiligheidsdienst inlichtingendienst inlichtingendiensten contraterrorisme terrorismefinanciering
jihadgangers jihadganger uitreisverbod vreemdelingenketen rechtshandhaving strafrechtketen
persoonsgerichte terugkeerbeleid deradicalisering deradicaliseringsprogramma burgemeestersbevoegdheden
gebiedsverbod meldplicht contactverbod terroristenafdeling beveiligingsmaatregelen
beveiligingsniveau dreigingsniveau bewakingsmaatregelen radicaliseringsproces vrijheidsbeneming
veiligheidsregio veiligheidsregio's kamerbrief kamerbrieven kamervragen kamerstuk kamerstukken
wetsvoorstel procedurevergadering commissiedebat notaoverleg begrotingsbehandeling""".split()

PHRASES = """Tweede Kamer|Eerste Kamer|Nationaal Coördinator Terrorismebestrijding en Veiligheid
Openbaar Ministerie|Islamitische Staat|Algemene Inlichtingen- en Veiligheidsdienst
Militaire Inlichtingen- en Veiligheidsdienst|minister van Justitie en Veiligheid
minister van Binnenlandse Zaken en Koninkrijksrelaties|Dreigingsbeeld Terrorisme Nederland
Raad van State|Europese Unie|Verenigde Naties|Koninklijke Marechaussee|lokale overheid
sociale media|online radicalisering|kritieke infrastructuur|nationale veiligheid
de regering verzoekt|verzoekt de regering|gaat over tot de orde van de dag
gehoord de beraadslaging|constaterende dat|overwegende dat|het kabinet
dreigingsniveau 4|dreigingsniveau 3|de heer|mevrouw de voorzitter|de voorzitter
in het kader van|ten aanzien van|naar aanleiding van|op grond van|met betrekking tot""".replace(
    "\n", "|").split("|")

ABBREVIATIONS = ["NCTV", "AIVD", "MIVD", "IS", "EU", "NAVO", "OM", "VN", "IND", "NCSC", "KMar", "DTN", "ISIS"]
PARTIES = ["VVD", "PVV", "CDA", "D66", "GroenLinks", "PvdA", "SP", "ChristenUnie", "SGP", "DENK", "JA21",
           "BBB", "NSC", "Volt", "PvdD", "FvD"]
SURNAMES = ["Van Leeuwerden", "De Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "De Boer",
            "Mulder", "De Groot", "Bos", "Vos", "Peters", "Hendriks", "Van Dijk", "Dekker", "Brouwer",
            "Van der Linden", "Kuipers", "Van den Berg", "Özdemir", "El Idrissi", "Ploumen", "Drenth",
            "Yeşilgöz", "Grapperhaus", "Koolmees", "Azarkan", "Michon", "Van Nispen", "Ellian"]
PLACES = ["Amsterdam", "Rotterdam", "Den Haag", "Utrecht", "Eindhoven", "Arnhem", "Zwolle", "Almere",
          "Brussel", "Parijs", "Berlijn", "Londen", "Wenen", "Kabul", "Damascus", "Bagdad", "Kyiv"]
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
          "oktober", "november", "december"]
DOSSIERS = ["29754", "29754", "29754", "30821", "32545", "34775", "35538", "36200", "31066", "33400",
            "27925", "26643", "35165", "36410", "29911"]

TOPICS = ["de aanpak van terugkeerders", "de beveiliging van moskeeën", "het dreigingsniveau",
          "online radicalisering van minderjarigen", "de financiering van terrorisme",
          "desinformatie rond de oorlog in Oekraïne", "de bevoegdheden van de inlichtingendiensten",
          "rechts-extremisme en polarisatie", "kinderen in kampen in Syrië", "de terroristenafdeling",
          "het intrekken van het Nederlanderschap", "de bescherming van kritieke infrastructuur",
          "bedreigingen van volksvertegenwoordigers", "de evaluatie van de Wet op de inlichtingendiensten",
          "het persoonsgerichte casusoverleg", "het Dreigingsbeeld Terrorisme Nederland"]

# type: (share of documents, fewest pages, most pages)
DOCUMENT_TYPES = {
    "motie": (0.21, 1, 2),
    "kamervragen": (0.15, 1, 5),
    "kamerbrief": (0.19, 1, 14),
    "besluitenlijst": (0.07, 2, 16),
    "kamerstuk": (0.14, 3, 90),
    "handelingen": (0.15, 25, 150),
    "dreigingsbeeld": (0.03, 15, 45),
    "wet": (0.03, 4, 60),
    "overig": (0.03, 1, 40),
}

TYPE_PHRASES = {
    "motie": ["constaterende dat", "overwegende dat", "verzoekt de regering", "gehoord de beraadslaging",
              "gaat over tot de orde van de dag"],
    "handelingen": ["De voorzitter:", "Ik geef het woord aan", "mevrouw de voorzitter", "interruptie",
                    "De heer", "Minister", "Dank u wel"],
    "kamervragen": ["Vraag 1", "Antwoord", "Bent u bekend met het bericht", "Deelt u de mening"],
    "besluitenlijst": ["Besluit:", "Agendapunt", "Zaak:", "Noot:"],
    "dreigingsbeeld": ["Dreigingsbeeld Terrorisme Nederland", "dreigingsniveau", "NCTV", "samenvatting"],
    "kamerbrief": ["Geachte voorzitter", "Hoogachtend", "In deze brief", "Uw Kamer"],
    "kamerstuk": ["Memorie van toelichting", "Artikel", "Nota naar aanleiding van het verslag"],
    "wet": ["Artikel", "Wij Willem-Alexander", "lid", "onderdeel"],
    "overig": ["Bijlage", "Rapport", "Inleiding"],
}

# Shares of all tokens per layer; the rest is general Dutch.
SHARE_FUNCTION = 0.42
SHARE_DOMAIN = 0.14
SHARE_COMPOUND = 0.035
SHARE_PHRASE = 0.015
SHARE_NAMES = 0.012
SHARE_NUMBERS = 0.012
SHARE_TOPIC = 0.06
GENERAL_SKIP = 250        # the lexicon's most frequent words are spoken-language function words
GENERAL_SIZE = 150_000    # lexicon words used; the last ones occur a few times per 100,000 pages


@dataclass
class Document:
    key: str
    type: str
    title: str
    date: str
    dossier: str | None
    number: str | None
    vergaderjaar: str
    pages: list[str]
    seed: int = 0
    version: int = 0

    def meta(self) -> dict:
        return {"title": self.title, "date": self.date, "type": self.type, "dossier": self.dossier,
                "number": self.number, "vergaderjaar": self.vergaderjaar,
                "url": f"https://zoek.officielebekendmakingen.nl/bench/{self.key}"}


@dataclass
class Query:
    kind: str              # word, rare, and2, and3, phrase, prefix, field, compound, part, number, folded
    text: str              # as a Kamerzoek user types it
    fts: str               # the same as an FTS5 MATCH expression
    type: str | None = None  # field filter, for FTS5 a WHERE on the type column


def _zipf_cumulative(count: int, exponent: float = 1.0, offset: float = 2.7) -> list[float]:
    weights = [1.0 / (rank + offset) ** exponent for rank in range(count)]
    return list(itertools.accumulate(weights))


def _lexicon_words() -> list[str]:
    """General Dutch, most frequent first: pyspellchecker's OpenTaal list with subtitle counts."""
    path = resources.files("spellchecker") / "resources" / "nl.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        counts = json.load(handle)
    words = sorted(((w, c) for w, c in counts.items() if w.isalpha() and len(w) > 2),
                   key=lambda wc: (-wc[1], wc[0]))
    return [w for w, _ in words[GENERAL_SKIP:GENERAL_SKIP + GENERAL_SIZE]]


class Generator:
    """Documents, page texts and queries, all determined by the seed."""

    def __init__(self, seed: int = 20261):
        self.seed = seed
        rng = random.Random(seed)
        self.function_words = list(FUNCTION_WORDS)
        self.function_cum = list(itertools.accumulate(FUNCTION_WORDS.values()))
        # Domain forms in order of their lines, lemma first: a Zipf curve over the lines.
        self.domain_lines = [line.split() for line in DOMAIN if line.strip()]
        self.domain_words = [w for line in self.domain_lines for w in line]
        self.domain_cum = _zipf_cumulative(len(self.domain_words), 0.9)
        combos = [self._join(h, t) for h in COMPOUND_HEADS for t in COMPOUND_TAILS]
        rng.shuffle(combos)
        self.compounds = list(dict.fromkeys(FIXED_COMPOUNDS + combos))
        self.compound_cum = _zipf_cumulative(len(self.compounds), 1.0)
        self.phrases = PHRASES
        self.phrase_cum = _zipf_cumulative(len(self.phrases), 0.8)
        self.general = _lexicon_words()
        self.general_cum = _zipf_cumulative(len(self.general), 1.0, offset=5.0)
        self.names = ([f"de heer {s}" for s in SURNAMES] + [f"mevrouw {s}" for s in SURNAMES]
                      + PARTIES + PLACES + ABBREVIATIONS * 3)
        self.layers = [
            (SHARE_FUNCTION, self.function_words, self.function_cum),
            (SHARE_DOMAIN, self.domain_words, self.domain_cum),
            (SHARE_COMPOUND, self.compounds, self.compound_cum),
            (SHARE_PHRASE, self.phrases, self.phrase_cum),
            (SHARE_NAMES, self.names, None),
        ]

    @staticmethod
    def _join(head: str, tail: str) -> str:
        """The linking -s- after -heid, -ing and reis: veiligheidsdiensten, dreigingsbeeld."""
        return head + ("s" if head.endswith(("heid", "ing")) or head == "reis" else "") + tail

    # -- numbers ---------------------------------------------------------------------
    @staticmethod
    def _number(rng: random.Random) -> str:
        kind = rng.random()
        if kind < 0.25:
            return f"Kamerstuk {rng.choice(DOSSIERS)}, nr. {rng.randint(1, 700)}"
        if kind < 0.4:
            year = rng.randint(2005, 2025)
            return f"vergaderjaar {year}-{year + 1}"
        if kind < 0.6:
            return f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2005, 2025)}"
        if kind < 0.75:
            return f"€ {rng.randint(1, 250)},{rng.randint(0, 9)} miljoen"
        if kind < 0.85:
            return f"{rng.randint(1, 99)},{rng.randint(0, 9)} procent"
        if kind < 0.95:
            return f"artikel {rng.randint(1, 150)}{rng.choice(['', 'a', 'b'])}"
        return f"{rng.randint(2, 4000)} personen"

    # -- pages -----------------------------------------------------------------------
    def page_text(self, rng: random.Random, doc_type: str, topic: list[str], page_number: int) -> str:
        target = rng.randint(MIN_WORDS, MAX_WORDS - 15)  # room for a heading or speaker
        draws = rng.random
        tokens: list[str] = []
        # Layer sizes for this page, then one bulk draw per layer, then a shuffle.
        counts = []
        for share, _, _ in self.layers:
            counts.append(max(0, round(target * share * (0.7 + 0.6 * draws()))))
        n_numbers = max(0, round(target * SHARE_NUMBERS * (0.5 + draws())))
        n_topic = round(target * SHARE_TOPIC * (0.5 + draws()))
        for (share, words, cum), k in zip(self.layers, counts):
            if cum is None:
                tokens.extend(rng.choices(words, k=k))
            else:
                tokens.extend(rng.choices(words, cum_weights=cum, k=k))
        tokens.extend(self._number(rng) for _ in range(n_numbers))
        tokens.extend(rng.choices(topic, k=n_topic))
        tokens.extend(rng.choices(TYPE_PHRASES[doc_type], k=max(1, target // 150)))
        words = sum(t.count(" ") + 1 for t in tokens)
        while words > target:  # multi-word layers ran over: drop from the end
            words -= tokens.pop().count(" ") + 1
        if words < target:
            tokens.extend(rng.choices(self.general, cum_weights=self.general_cum, k=target - words))
        rng.shuffle(tokens)
        return self._sentences(rng, tokens, doc_type, page_number)

    @staticmethod
    def _sentences(rng: random.Random, tokens: list[str], doc_type: str, page_number: int) -> str:
        paragraphs: list[str] = []
        sentences: list[str] = []
        i = 0
        if page_number > 1 and rng.random() < 0.3:
            sentences.append(f"{rng.randint(1, 9)}.{rng.randint(1, 9)} {rng.choice(TOPICS).capitalize()}")
            paragraphs.append(sentences.pop())
        while i < len(tokens):
            n = rng.randint(6, 26)
            words = tokens[i:i + n]
            i += n
            if len(words) > 5 and rng.random() < 0.35:
                j = rng.randint(2, len(words) - 2)
                words[j] = words[j] + ","
            sentence = " ".join(words)
            sentences.append(sentence[:1].upper() + sentence[1:] + ".")
            if len(sentences) >= rng.randint(3, 7):
                paragraphs.append(" ".join(sentences))
                sentences = []
        if sentences:
            paragraphs.append(" ".join(sentences))
        if doc_type == "handelingen" and rng.random() < 0.8:
            speaker = rng.choice(SURNAMES)
            paragraphs.insert(0, f"De heer {speaker} ({rng.choice(PARTIES)}): Voorzitter.")
        return "\n\n".join(paragraphs)

    # -- documents -------------------------------------------------------------------
    def _page_count(self, rng: random.Random, doc_type: str) -> int:
        _, low, high = DOCUMENT_TYPES[doc_type]
        if high - low < 20:
            return rng.randint(low, high)
        # Long types: log-uniform, so most are nearer the low end.
        return min(high, int(round(low * (high / low) ** rng.random())))

    def documents(self, total_pages: int):
        """Documents until `total_pages` pages are made (the last one is cut to fit)."""
        rng = random.Random(self.seed * 7919 + 1)
        types = list(DOCUMENT_TYPES)
        shares = [DOCUMENT_TYPES[t][0] for t in types]
        made = 0
        serial = 0
        while made < total_pages:
            doc_type = rng.choices(types, weights=shares)[0]
            count = min(self._page_count(rng, doc_type), total_pages - made)
            doc_seed = rng.getrandbits(48)
            yield self.document(serial, doc_type, count, doc_seed)
            made += count
            serial += 1

    def document(self, serial: int, doc_type: str, page_count: int, doc_seed: int, version: int = 0) -> Document:
        rng = random.Random(doc_seed)
        day = date(2005, 1, 1) + timedelta(days=rng.randint(0, 365 * 21))
        start = day.year if day.month >= 9 else day.year - 1
        vergaderjaar = f"{start}-{start + 1}"
        dossier = rng.choice(DOSSIERS) if doc_type in ("motie", "kamerbrief", "kamerstuk", "wet") else None
        number = str(rng.randint(1, 700)) if doc_type != "overig" else None
        subject = rng.choice(TOPICS)
        person = rng.choice(SURNAMES)
        title = {
            "motie": f"Motie van het lid {person} over {subject}",
            "kamervragen": f"Antwoord op vragen van het lid {person} over {subject}",
            "kamerbrief": f"Kamerbrief over {subject}",
            "besluitenlijst": f"Besluitenlijst procedurevergadering Justitie en Veiligheid {day.isoformat()}",
            "kamerstuk": f"Nota over {subject}",
            "handelingen": f"Handelingen Tweede Kamer, debat over {subject}",
            "dreigingsbeeld": f"Dreigingsbeeld Terrorisme Nederland {30 + (day.year - 2005) * 2 + (day.month > 6)}",
            "wet": f"Wijziging van de wet in verband met {subject}",
            "overig": f"Rapport over {subject}",
        }[doc_type]
        # The topic: a few domain words, compounds and a phrase that recur in this document.
        topic = (rng.sample(self.domain_words[:120], 6) + rng.sample(self.compounds[:60], 3)
                 + [rng.choice(self.phrases)] + subject.split()[-2:])
        text_rng = random.Random(doc_seed ^ (version * 0x9E3779B97F4A7C15 & 0xFFFFFFFFFFFF))
        pages = [self.page_text(text_rng, doc_type, topic, n + 1) for n in range(page_count)]
        return Document(key=f"d{serial:06d}", type=doc_type, title=title, date=day.isoformat(),
                        dossier=dossier, number=number, vergaderjaar=vergaderjaar, pages=pages,
                        seed=doc_seed, version=version)

    def revise(self, entry: dict) -> Document:
        """The next version of a written document (a manifest entry): same metadata and length, new text."""
        return self.document(int(entry["key"][1:]), entry["type"], entry["pages"], entry["seed"],
                             version=entry["version"] + 1)

    # -- queries ---------------------------------------------------------------------
    def queries(self, count: int = 240) -> list[Query]:
        """A mix like real use: single words (common to rare), two and three words, phrases,
        prefixes, a type filter, compounds and their parts, numbers, unaccented spellings."""
        rng = random.Random(self.seed * 104729 + 3)
        out: list[Query] = []

        def word(w: str) -> str:
            return f'"{w}"'

        common_domain = [w for w in self.domain_words[:60] if "-" not in w and "'" not in w]
        mid_domain = [w for w in self.domain_words[60:] if "-" not in w and "'" not in w]
        plan = {"word": 40, "general": 25, "rare": 15, "and2": 35, "and3": 20, "phrase": 25,
                "prefix": 15, "field": 20, "compound": 20, "part": 10, "number": 10, "folded": 5}
        for kind, n in plan.items():
            for _ in range(n):
                if kind == "word":
                    w = rng.choice(common_domain if rng.random() < 0.6 else mid_domain)
                    out.append(Query(kind, w, word(w)))
                elif kind == "general":
                    w = self.general[int(rng.random() ** 2 * 20_000)]
                    out.append(Query(kind, w, word(w)))
                elif kind == "rare":
                    w = self.general[rng.randint(30_000, GENERAL_SIZE - 1)]
                    out.append(Query(kind, w, word(w)))
                elif kind in ("and2", "and3"):
                    k = 2 if kind == "and2" else 3
                    pool = common_domain + mid_domain + self.general[:3000]
                    ws = [rng.choice(common_domain)] + rng.sample(pool, k - 1)
                    out.append(Query(kind, " ".join(ws), " ".join(word(w) for w in ws)))
                elif kind == "phrase":
                    p = rng.choice([x for x in self.phrases if not x[-1].isdigit()])
                    out.append(Query(kind, f'"{p}"', f'"{p}"'))
                elif kind == "prefix":
                    w = rng.choice(common_domain + self.compounds[:30])
                    stem = w[:max(4, min(len(w) - 2, rng.randint(5, 9)))]
                    out.append(Query(kind, f"{stem}*", f'"{stem}"*'))
                elif kind == "field":
                    t = rng.choice(list(DOCUMENT_TYPES))
                    w = rng.choice(common_domain + mid_domain)
                    out.append(Query(kind, f"type:{t} {w}", word(w), type=t))
                elif kind == "compound":
                    w = rng.choice(self.compounds[:80])
                    out.append(Query(kind, w, word(w)))
                elif kind == "part":
                    w = rng.choice(COMPOUND_TAILS)
                    out.append(Query(kind, w, word(w)))
                elif kind == "number":
                    if rng.random() < 0.5:
                        d = rng.choice(DOSSIERS)
                        out.append(Query(kind, d, word(d)))
                    else:
                        y = rng.randint(2005, 2024)
                        out.append(Query(kind, f"{y}-{y + 1}", word(f"{y}-{y + 1}")))
                elif kind == "folded":
                    w = rng.choice(["coordinator", "moskeeen", "Oekraine", "reele", "ideeen", "Syrie",
                                    "financiele", "geinformeerd", "Belgie", "cliënten"])
                    out.append(Query(kind, w, word(w)))
        rng.shuffle(out)
        if count > len(out):
            out = out + [out[i % len(out)] for i in range(count - len(out))]
        return out[:count]


# -- writing ---------------------------------------------------------------------------
def placeholder_bytes(doc: Document) -> bytes:
    return (f"Kamerzoek benchmark: document {doc.key}, version {doc.version}. "
            "Its pages are in the extraction cache.\n").encode("utf-8")


def document_path(folder: Path, doc: Document) -> Path:
    return Path(folder) / doc.type / f"{doc.key}.txt"


def write_document(folder: Path, cache, doc: Document) -> dict:
    """Write one document's placeholder, its sidecar and its cached pages; its manifest entry."""
    from indexer.extract import Extraction, Page

    path = document_path(folder, doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = placeholder_bytes(doc)
    path.write_bytes(data)
    path.with_suffix(".json").write_text(json.dumps(doc.meta(), ensure_ascii=False), encoding="utf-8")
    sha = hashlib.sha256(data).hexdigest()
    pages = [Page(n, text) for n, text in enumerate(doc.pages, 1)]
    cache.put(sha, Extraction(pages=pages, meta={}))
    return {"key": doc.key, "path": str(path), "sha": sha, "type": doc.type, "pages": len(doc.pages),
            "words": sum(len(p.split()) for p in doc.pages), "seed": doc.seed, "version": doc.version}


def write_corpus(folder: Path, cache_dir: Path, pages: int, seed: int = 20261, progress=None) -> list[dict]:
    """Generate `pages` pages as documents under `folder`, their text in the TextCache at `cache_dir`."""
    from indexer.cache import TextCache

    cache = TextCache(Path(cache_dir))
    generator = Generator(seed)
    manifest = []
    for doc in generator.documents(pages):
        manifest.append(write_document(Path(folder), cache, doc))
        if progress:
            progress(manifest[-1])
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="pages to generate")
    parser.add_argument("--seed", type=int, default=20261)
    parser.add_argument("--out", type=Path, help="folder for placeholders and sidecars; the text goes "
                        "to OUT/../index/cache (use it as the --index of `kamerzoek index`)")
    parser.add_argument("--print", dest="show", type=int, default=0, help="print N pages of text instead")
    parser.add_argument("--queries", type=int, default=0, help="print N queries instead")
    args = parser.parse_args(argv)
    generator = Generator(args.seed)
    if args.queries:
        for q in generator.queries(args.queries):
            print(f"{q.kind}\t{q.text}\t{q.fts}\t{q.type or ''}")
        return 0
    if args.show or not args.out:
        shown = 0
        for doc in generator.documents(args.size):
            for n, text in enumerate(doc.pages, 1):
                print(f"== {doc.key} {doc.type} p.{n}: {doc.title}\n{text}\n")
                shown += 1
                if shown >= (args.show or 2):
                    return 0
        return 0
    manifest = write_corpus(args.out, args.out.parent / "index" / "cache", args.size, args.seed)
    print(f"{len(manifest)} documents, {sum(m['pages'] for m in manifest)} pages in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
