"""The Dutch analyzer on real Dutch forms: what matches what, and what must stay apart."""
import pytest

from indexer.analysis import ANALYZER_VERSION, analyze, split_compound


def same_terms(a: str, b: str) -> bool:
    return analyze(a) == analyze(b)


@pytest.mark.parametrize("a,b", [
    ("terugkeerders", "terugkeerder"),
    ("Terugkeerders", "terugkeerder"),
    ("coördinator", "coordinator"),
    ("Coördinator", "COORDINATOR"),
    ("reëel", "reeel"),
    ("Oekraïne", "oekraine"),
    ("moskeeën", "moskee"),
    ("Kamerleden", "Kamerlid"),
    ("categorieën", "categorie"),
    ("studies", "studie"),
    ("NCTV's", "NCTV"),
    ("persoonsgegevens", "persoonsgegeven"),
    ("vuurwapens", "vuurwapen"),
    ("gevoelens", "gevoelen"),
    # Plural families the Snowball stemmer leaves apart (found in ../shared/corpus).
    ("rapportages", "rapportage"),
    ("halfjaarsrapportages", "halfjaarsrapportage"),
    ("analyses", "analyse"),
    ("codes", "code"),
    ("niveaus", "niveau"),
    ("blokjes", "blokje"),
    ("grenzen", "grens"),
    ("prijzen", "prijs"),
    ("brieven", "brief"),
    ("mensen", "mens"),
    ("toetsen", "toets"),
    ("processen", "proces"),
])
def test_forms_that_match(a, b):
    assert same_terms(a, b)


@pytest.mark.parametrize("a,b", [
    # The stemmer and the rules leave these apart, on purpose or by limitation.
    ("terrorisme", "terroristen"),
    ("jihadisme", "jihadistische"),
    ("geleden", "lid"),
    ("mens", "men"),
    ("volgens", "volgen"),
    ("tijdens", "tijden"),
])
def test_forms_that_stay_apart(a, b):
    assert not same_terms(a, b)


def test_numbers_stay_searchable():
    assert analyze("29754") == ["29754"]
    assert analyze("2020-2021") == ["2020-2021"]
    # At index time the parts of a number range are added as part terms, so 2021 finds 2020-2021.
    assert analyze("2020-2021", mode="index") == ["2020-2021", "~2020", "~2021"]
    assert analyze("kst-32545-143", mode="index") == ["kst-32545-143", "~kst", "~32545", "~143"]


def test_abbreviation_is_not_a_stop_word():
    assert analyze("IS") == ["is"]
    assert analyze("wat is dat") == []  # all Dutch stop words
    assert analyze("de NCTV") == ["nctv"]


@pytest.mark.parametrize("word,parts", [
    ("terrorismebestrijding", ("terrorisme", "bestrijding")),
    ("dreigingsbeeld", ("dreiging", "beeld")),
    ("veiligheidsdiensten", ("veiligheid", "diensten")),
    ("draagmoederschap", ("draag", "moederschap")),
    ("kinderopvang", ("kind", "opvang")),
    ("persvrijheid", ("pers", "vrijheid")),
    ("grensoverschrijdende", ("grens", "overschrijdende")),
    ("jihadgangers", ("jihad", "gangers")),
    ("halfjaarsrapportages", ("halfjaar", "rapportages")),
    ("beursgenoteerde", ("beurs", "genoteerde")),
    ("levensbegeleiding", ("leven", "begeleiding")),
    ("beveiligingstaken", ("beveiliging", "taken")),
    ("hoofdrol", ("hoofd", "rol")),
])
def test_compounds_split(word, parts):
    assert split_compound(word) == parts


@pytest.mark.parametrize("word", ["jihadistische", "moskeeen", "minister", "paragraaf",
                                  "herkenden", "onderzoek", "bestrijding", "terugkeerders", "samenleving",
                                  "vastleggen", "plaatsvindt", "waardoor", "verstrekking", "gekenmerkt",
                                  "wetenschappers", "tweehonderd", "veiligere", "presterende", "grondwettige"])
def test_non_compounds_stay_whole(word):
    assert split_compound(word) == ()


def test_compound_parts_only_at_index_time_as_part_terms():
    # Parts are terms of their own ("~bestrijd"), at the whole word's position, so the
    # search engine can weigh "bestrijding" inside a compound below the word standing alone.
    from indexer.analysis import dutch_analyzer
    tokens = [(t.text, t.pos) for t in dutch_analyzer()("de terrorismebestrijding", mode="index", positions=True)]
    assert tokens == [("terrorismebestrijd", 1), ("~terrorism", 1), ("~bestrijd", 1)]
    assert analyze("terrorismebestrijding") == ["terrorismebestrijd"]


def test_version_names_the_lexicon():
    assert ANALYZER_VERSION.endswith("+pyspellchecker-0.9.1")


def test_a_compound_plural_finds_the_singular_and_its_parts():
    # halfjaarsrapportages: the word's own term is the singular's, and halfjaar and
    # rapportage are parts, so each of them finds it.
    terms = analyze("halfjaarsrapportages", mode="index")
    assert terms[0] == analyze("halfjaarsrapportage")[0]
    assert "~" + analyze("halfjaar")[0] in terms and "~" + analyze("rapportage")[0] in terms
    assert "~" + analyze("grens")[0] in analyze("grensoverschrijdende", mode="index")
