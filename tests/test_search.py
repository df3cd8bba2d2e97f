"""The search engine as a library: query syntax, Dutch matching, synonyms, compounds, filters,
facets, sorting, suggestions, passages, citations and links.

Most tests run over a small folder of documents written here, each made to show one behaviour;
a few use the shipped corpus/ (the `corpus_index` fixture)."""
import hashlib
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from conftest import build
from indexer import search as engine
from indexer.search import QueryError, SearchRequest
from indexer.store import Store

FILLER = ("Het kabinet heeft de Kamer in de afgelopen jaren regelmatig geïnformeerd over de voortgang "
          "van het beleid, de inzet van gemeenten en de samenwerking met maatschappelijke partners. ")

# name -> (metadata, pages); a page break is a form feed in a .txt file.
DOCUMENTS = {
    "alleen.txt": (
        {"title": "Brief over georganiseerde misdaad", "date": "2019-03-01", "type": "kamerbrief",
         "dossier": "11111", "number": "5", "vergaderjaar": "2018-2019"},
        [FILLER * 3 + "Over de bestrijding van georganiseerde misdaad is veel gezegd. " + FILLER * 3]),
    "samenstelling.txt": (
        {"title": "Brief over het stelsel", "date": "2020-05-01", "type": "kamerbrief",
         "dossier": "11111", "number": "6", "vergaderjaar": "2019-2020"},
        ["De terrorismebestrijding vraagt veel. Terrorismebestrijding is een taak van velen. "
         "Voor terrorismebestrijding is geld nodig; de terrorismebestrijding groeit."]),
    "moeder.txt": (
        {"title": "Notitie over draagmoederschap", "date": "2018-09-12", "type": "kamerstuk",
         "dossier": "22222", "number": "1", "vergaderjaar": "2018-2019"},
        ["Het draagmoederschap is geregeld in het wetsvoorstel. Het dreigingsbeeld speelt geen rol. "
         "De Kamerleden stelden vragen over moskeeën en over de coördinator."]),
    "vijandig.txt": (
        {"title": "<script>alert('titel')</script> & co", "date": "2021-02-03", "type": "overig",
         "dossier": None, "number": None, "vergaderjaar": None},
        ["Een tekst met <script>alert('x')</script> en R&D over terugkeerders in Oekraïne.",
         "Tweede pagina: Noord-Holland in 2020-2021."]),
    "voluit.txt": (
        {"title": "Voluit geschreven namen", "date": "2022-06-01", "type": "kamerbrief",
         "dossier": "29754", "number": "700", "vergaderjaar": "2021-2022"},
        ["De Nationaal Coördinator Terrorismebestrijding en Veiligheid werkt met de Algemene "
         "Inlichtingen- en Veiligheidsdienst en de Militaire Inlichtingen- en Veiligheidsdienst. "
         "De Islamitische Staat verloor terrein; de Dienst Speciale Interventies oefende. "
         "Het Dreigingsbeeld Terrorisme Nederland noemt jihadgangers."]),
    "afgekort.txt": (
        {"title": "Afkortingen", "date": "2023-01-10", "type": "kamervragen",
         "dossier": None, "number": "123", "vergaderjaar": "2022-2023"},
        ["De NCTV, de AIVD en de MIVD spraken over IS en Daesh. De DSI en het DTN. "
         "Het aantal uitreizigers daalde. Het is niet zo dat dit is gebeurd."]),
    "paginas.txt": (
        {"title": "Verslag met drie pagina's", "date": "2017-11-20", "type": "handelingen",
         "dossier": None, "number": "24", "vergaderjaar": "2017-2018"},
        ["Eerste pagina over de open samenleving en terugkeerders met hun kinderen.",
         "Tweede pagina: de polarisatie neemt toe in de samenleving.",
         "Derde pagina: buitenlandse inmenging in de open samenleving."]),
    "motie.txt": (
        {"title": "Motie over de open samenleving", "date": "2016-04-12", "type": "motie",
         "dossier": "22222", "number": "9", "vergaderjaar": "2015-2016"},
        ["De Kamer, gehoord de beraadslaging, verzoekt de regering de open samenleving te "
         "beschermen tegen terugkeerders, en gaat over tot de orde van de dag."]),
    "zonder-metadata.txt": (
        {},
        ["Een notitie zonder metadata over polarisatie."]),
}


def write_documents(folder: Path) -> Path:
    """Write the test documents (text plus JSON sidecar) into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (meta, pages) in DOCUMENTS.items():
        (folder / name).write_text("\f".join(pages), encoding="utf-8")
        if meta:
            (folder / f"{name}.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("search")
    report = build([write_documents(root / "docs")], root / "index", workers=1)
    assert not report.unreadable
    return root / "index"


@pytest.fixture(scope="module")
def searcher(index):
    with Store(index).searcher() as s:
        yield s


def run(searcher, q, **kwargs) -> dict:
    return engine.search(searcher, SearchRequest(q=q, **kwargs))


def files(answer) -> list[str]:
    return [Path(r["path"]).name for r in answer["results"]]


def marked(answer) -> list[str]:
    return [w for r in answer["results"] for p in r["passages"] for w in re.findall(r"<mark>(.*?)</mark>", p["html"])]


# -- query syntax -----------------------------------------------------------------------
@pytest.mark.parametrize("q,expected", [
    ("bestrijding misdaad", ["alleen.txt"]),                       # words: all must match
    ("draagmoederschap OF polarisatie", {"moeder.txt", "paginas.txt", "zonder-metadata.txt"}),
    ("draagmoederschap OR polarisatie", {"moeder.txt", "paginas.txt", "zonder-metadata.txt"}),
    ("polarisatie EN samenleving", ["paginas.txt"]),
    ('"bestrijding van georganiseerde misdaad"', ["alleen.txt"]),  # stop words inside a phrase
    ('"georganiseerde bestrijding"', []),
    ('"terugkeerders kinderen"~3', ["paginas.txt"]),
    ('"terugkeerders kinderen"', []),
    ("terugkeer*", {"paginas.txt", "motie.txt", "vijandig.txt"}),
    ("polarizatie~", {"paginas.txt", "zonder-metadata.txt"}),     # one edit
    ("polarisatei~2", {"paginas.txt", "zonder-metadata.txt"}),    # a swap is two
    ("(draagmoederschap OF polarisatie) EN samenleving", ["paginas.txt"]),
    ("titel:motie", ["motie.txt"]),
    ("type:motie", ["motie.txt"]),
    ("type:kamerbrief dossier:11111 nummer:6", ["samenstelling.txt"]),
    ("jaar:2018", ["moeder.txt"]),
    ("jaar:2018..2019 OF jaar:2016", {"moeder.txt", "alleen.txt", "motie.txt"}),
    ("datum:2018..2020 terrorismebestrijding", ["samenstelling.txt"]),
    ("datum:2020-05 terrorismebestrijding", ["samenstelling.txt"]),
    ("datum:..2017-12-31 samenleving", {"paginas.txt", "motie.txt"}),
])
def test_query_syntax(searcher, q, expected):
    found = files(run(searcher, q))
    assert (set(found) if isinstance(expected, set) else found) == expected


def test_not_excludes_whole_documents(searcher):
    # paginas.txt has the open samenleving on page 1 and 3, inmenging only on page 3:
    # NIET drops the document, not just the page.
    assert files(run(searcher, '"open samenleving"')) == ["paginas.txt", "motie.txt"]
    for q in ('"open samenleving" NIET inmenging', '"open samenleving" NOT inmenging',
              '"open samenleving" -inmenging'):
        assert files(run(searcher, q)) == ["motie.txt"], q
    everything = run(searcher, "-inmenging")
    assert everything["total"] == len(DOCUMENTS) - 1
    assert "paginas.txt" not in files(run(searcher, "-inmenging", per_page=20))


@pytest.mark.parametrize("q,notice", [
    ('"open samenleving', "Het openstaande aanhalingsteken is aan het eind gesloten."),
    ("(polarisatie OF inmenging", "Ontbrekende sluitende haakjes zijn aangevuld."),
    ("polarisatie)", "Een losse sluitende haak is genegeerd."),
    ("polarisatie OF", "Een los operatorwoord ('OF') zonder woord ervoor of erna is genegeerd."),
    ("EN polarisatie", "Een los operatorwoord ('EN') zonder woord ervoor of erna is genegeerd."),
    ("polarisatie NIET", "Een los operatorwoord ('NIET') zonder woord ervoor of erna is genegeerd."),
    ("polarisatie OF OF samenleving", "Een los operatorwoord ('OF') zonder woord ervoor of erna is genegeerd."),
])
def test_half_typed_queries_are_answered_with_a_notice(searcher, q, notice):
    answer = run(searcher, q)
    assert answer["notice"] == notice
    assert answer["notices"] == [notice]
    assert answer["total"] >= 1


def test_half_typed_phrase_is_read_as_a_phrase(searcher):
    assert files(run(searcher, '"open samenleving')) == files(run(searcher, '"open samenleving"'))


def test_only_stop_words_finds_nothing_and_says_why(searcher):
    answer = run(searcher, "het is dat")
    assert answer["total"] == 0 and answer["results"] == []
    assert answer["notice"] == ("De zoekvraag bevat alleen veelvoorkomende woorden (zoals 'de', 'het', "
                                "'is'); probeer specifiekere woorden.")


@pytest.mark.parametrize("q,kwargs,message", [
    ("", {}, "Geef een zoekvraag op."),
    ("   ", {}, "Geef een zoekvraag op."),
    ('"', {}, "Geef een zoekvraag op."),
    ("x" * 501, {}, "De zoekvraag is te lang (maximaal 500 tekens)."),
    ("auteur:jansen", {}, "Onbekend veld 'auteur:'. Gebruik titel:, type:, dossier:, nummer:, jaar: of datum: "
                          "(zie de hulppagina)."),
    ("datum:2020..2018", {}, "Ongeldig datumbereik '2020..2018': het begin ligt na het eind."),
    ("datum:2019-13", {}, "Ongeldige datum '2019-13': gebruik JJJJ, JJJJ-MM of JJJJ-MM-DD, of een bereik als "
                          "2018..2020."),
    ("datum:gisteren", {}, "Ongeldige datum 'gisteren': gebruik JJJJ, JJJJ-MM of JJJJ-MM-DD, of een bereik als "
                           "2018..2020."),
    ("jaar:2019-05", {}, "Ongeldig jaar '2019-05': gebruik jaar:2019 of jaar:2018..2020."),
    ("type:brief", {}, "Onbekend documenttype 'brief'. Kies uit: dreigingsbeeld, kamerbrief, kamerstuk, motie, "
                       "kamervragen, besluitenlijst, handelingen, wet, overig."),
    ("polarisatie", {"page": 101}, "Er kan niet verder dan pagina 100 worden gebladerd; verfijn de zoekvraag."),
    ("polarisatie", {"page": 0}, "Het paginanummer moet 1 of hoger zijn."),
    ("polarisatie", {"date_from": "2020-02-30"}, "Ongeldige datum '2020-02-30': gebruik JJJJ, JJJJ-MM of "
                                                 "JJJJ-MM-DD, of een bereik als 2018..2020."),
    ("polarisatie", {"date_from": "2021", "date_to": "2019"}, "Ongeldig datumbereik: 2021 ligt na 2019."),
    ("polarisatie", {"sort": "title"}, "Sorteer op relevance, newest of oldest."),
])
def test_bad_queries_raise_a_dutch_message(searcher, q, kwargs, message):
    with pytest.raises(QueryError) as caught:
        run(searcher, q, **kwargs)
    assert str(caught.value) == message


def test_query_of_exactly_the_length_cap_is_answered(searcher):
    q = "polarisatie" + " OF polarisatie" * 32 + " OF abcde"
    assert len(q) == 500
    assert run(searcher, q)["total"] == 2


@pytest.mark.parametrize("q,expected", [
    ("Noord-Holland", ["vijandig.txt"]),              # a hyphen inside a word is part of it
    ("Noord-Holland -Oekraïne", []),
    ("Holland", ["vijandig.txt"]),                    # a part of a hyphenated word is found too
    ("2020-2021", ["vijandig.txt"]),
    ("2021", ["vijandig.txt"]),
    ("-2020-2021 terugkeerders", ["paginas.txt", "motie.txt"]),
])
def test_hyphens(searcher, q, expected):
    assert sorted(files(run(searcher, q))) == sorted(expected)


# -- Dutch matching ---------------------------------------------------------------------
@pytest.mark.parametrize("typed,found_word", [
    ("terugkeerder", "terugkeerders"),
    ("Terugkeerders", "terugkeerders"),
    ("moskee", "moskeeën"),
    ("Kamerlid", "Kamerleden"),
    ("coordinator", "coördinator"),
    ("Oekraine", "Oekraïne"),
])
def test_inflected_and_unaccented_forms_match_and_are_marked(searcher, typed, found_word):
    answer = run(searcher, typed)
    assert answer["total"] >= 1
    assert found_word in marked(answer)


def test_a_part_finds_the_compound_but_ranks_below_the_word_standing_alone(searcher):
    # samenstelling.txt has "terrorismebestrijding" four times on a short page; alleen.txt has
    # "bestrijding" once on a long one. The word standing alone must still come first.
    answer = run(searcher, "bestrijding")
    assert files(answer) == ["alleen.txt", "samenstelling.txt", "voluit.txt"]
    assert "Terrorismebestrijding" in marked(answer) and "terrorismebestrijding" in marked(answer)


def test_the_compound_itself_matches_exactly_and_first(searcher):
    assert files(run(searcher, "terrorismebestrijding")) == ["samenstelling.txt", "voluit.txt"]


def test_two_words_find_the_compound_they_make(searcher):
    answer = run(searcher, "terrorisme bestrijding")
    assert files(answer)[0] == "samenstelling.txt"
    assert "terrorismebestrijding" in marked(answer)


@pytest.mark.parametrize("part,compound", [
    ("moederschap", "draagmoederschap"),
    ("dreiging", "dreigingsbeeld"),
])
def test_parts_find_compounds_and_the_whole_compound_is_marked(searcher, part, compound):
    answer = run(searcher, part)
    assert "moeder.txt" in files(answer)
    assert compound in marked(answer)


# -- synonyms and abbreviations ---------------------------------------------------------
@pytest.mark.parametrize("q,added", [
    ("NCTV", ["Nationaal Coördinator Terrorismebestrijding en Veiligheid"]),
    ("AIVD", ["Algemene Inlichtingen- en Veiligheidsdienst"]),
    ("MIVD", ["Militaire Inlichtingen- en Veiligheidsdienst"]),
    ("DSI", ["Dienst Speciale Interventies"]),
    ("DTN", ["Dreigingsbeeld Terrorisme Nederland"]),
    ("IS", ["ISIS", "ISIL", "Islamitische Staat", "Daesh"]),
    ("uitreizigers", ["jihadgangers"]),
])
def test_abbreviations_find_the_full_name_and_say_so(searcher, q, added):
    answer = run(searcher, q)
    assert answer["expansions"] == [{"term": q, "added": added}]
    assert set(files(answer)) == {"voluit.txt", "afgekort.txt"}
    off = run(searcher, q, synonyms=False)
    assert off["expansions"] == []
    assert files(off) == ["afgekort.txt"]


def test_full_names_find_the_abbreviation(searcher):
    answer = run(searcher, '"Nationaal Coördinator Terrorismebestrijding en Veiligheid"')
    assert set(files(answer)) == {"voluit.txt", "afgekort.txt"}
    answer = run(searcher, "Islamitische Staat")
    assert answer["expansions"][0]["term"] == "Islamitische Staat"
    assert set(files(answer)) == {"voluit.txt", "afgekort.txt"}
    assert files(run(searcher, "Daesh", synonyms=False)) == ["afgekort.txt"]


def test_the_stop_word_is_does_not_find_the_islamic_state(searcher):
    # "is" in lower case is the Dutch verb: a stop word, never the abbreviation.
    assert marked(run(searcher, "IS", synonyms=False)) == ["IS"]


def test_synonyms_file_is_editable(searcher, tmp_path, monkeypatch):
    own = tmp_path / "synoniemen.txt"
    own.write_text("# eigen lijst\npolarisatie | tweedeling\n", encoding="utf-8")
    monkeypatch.setenv("KAMERZOEK_SYNONYMS", str(own))
    assert run(searcher, "tweedeling")["expansions"] == [{"term": "tweedeling", "added": ["polarisatie"]}]
    assert run(searcher, "NCTV")["expansions"] == []


# -- filters, facets and sorting ---------------------------------------------------------
def test_facets_count_documents_before_paging(searcher):
    answer = run(searcher, "samenleving OF terrorismebestrijding OF draagmoederschap", per_page=1)
    assert answer["total"] == 5 and len(answer["results"]) == 1 and answer["pages"] == 5
    assert answer["facets"] == {
        "type": [{"value": "kamerbrief", "count": 2}, {"value": "handelingen", "count": 1},
                 {"value": "kamerstuk", "count": 1}, {"value": "motie", "count": 1}],
        "year": [{"value": 2016, "count": 1}, {"value": 2017, "count": 1}, {"value": 2018, "count": 1},
                 {"value": 2020, "count": 1}, {"value": 2022, "count": 1}],
        "dossier": [{"value": "22222", "count": 2}, {"value": "11111", "count": 1},
                    {"value": "29754", "count": 1}],
    }


@pytest.mark.parametrize("q", ["samenleving OF terrorismebestrijding OF draagmoederschap", "polarisatie OF IS",
                               "-inmenging"])
def test_each_facet_count_equals_the_total_of_the_search_filtered_by_it(searcher, q):
    answer = run(searcher, q)
    for name, key in (("type", "types"), ("year", "years"), ("dossier", "dossiers")):
        for facet in answer["facets"][name]:
            filtered = run(searcher, q, **{key: [facet["value"]]})
            assert filtered["total"] == facet["count"], (name, facet)
            # and a facet of another kind keeps counting within the filter
            if name != "type":
                for t in filtered["facets"]["type"]:
                    assert run(searcher, q, types=[t["value"]], **{key: [facet["value"]]})["total"] == t["count"]


def test_filters_combine_and_apply_before_paging(searcher):
    q = "samenleving OF terrorismebestrijding OF draagmoederschap"
    answer = run(searcher, q, types=["kamerbrief"], per_page=1, page=2)
    assert answer["total"] == 2
    assert files(run(searcher, q, types=["kamerbrief"])) == ["samenstelling.txt", "voluit.txt"]
    assert files(answer) == ["voluit.txt"]
    assert answer["facets"]["type"][0] == {"value": "kamerbrief", "count": 2}  # own filter left out
    assert run(searcher, q, types=["kamerbrief"], years=[2020])["total"] == 1
    assert files(run(searcher, q, dossiers=["22222"], sort="oldest")) == ["motie.txt", "moeder.txt"]
    assert files(run(searcher, q, date_from="2018", date_to="2020-06", sort="oldest")) == [
        "moeder.txt", "samenstelling.txt"]


def test_sort_newest_and_oldest(searcher):
    q = "samenleving OF terrorismebestrijding OF draagmoederschap OF polarisatie"
    newest = run(searcher, q, sort="newest")
    dates = [r["date"] for r in newest["results"]]
    assert dates == ["2022-06-01", "2020-05-01", "2018-09-12", "2017-11-20", "2016-04-12", None]
    oldest = run(searcher, q, sort="oldest")
    assert [r["date"] for r in oldest["results"]] == dates[-2::-1] + [None]


def test_paging_beyond_the_last_page_is_empty_not_an_error(searcher):
    answer = run(searcher, "polarisatie", page=5)
    assert answer["total"] == 2 and answer["results"] == []


# -- suggestions --------------------------------------------------------------------------
def test_did_you_mean_comes_from_the_index(searcher):
    answer = run(searcher, "polarisatei")
    assert answer["total"] == 0
    assert answer["suggestion"] == "polarisatie"
    assert run(searcher, "Polarisatei samenleving")["suggestion"] == "Polarisatie samenleving"
    assert run(searcher, "samenleving")["suggestion"] is None


def test_no_suggestion_for_a_word_nothing_resembles(searcher):
    assert run(searcher, "xylofoonquartet")["suggestion"] is None


# -- passages ------------------------------------------------------------------------------
def test_passages_escape_everything_but_the_marks(searcher):
    answer = run(searcher, "terugkeerders")
    hostile = next(r for r in answer["results"] if r["path"].endswith("vijandig.txt"))
    assert hostile["title"] == "<script>alert('titel')</script> & co"   # escaped by the templates
    html = hostile["passages"][0]["html"]
    assert html == ("Een tekst met &lt;script&gt;alert('x')&lt;/script&gt; en R&amp;D over "
                    "<mark>terugkeerders</mark> in Oekraïne.")
    assert hostile["passages"][0]["text"] == "Een tekst met <script>alert('x')</script> en R&D over " \
                                             "terugkeerders in Oekraïne."
    markup = run(searcher, "script")["results"][0]["passages"][0]["html"]
    assert "<script" not in markup and markup.count("<mark>script</mark>") == 2


def test_passages_are_about_250_characters_around_the_match(searcher):
    passage = run(searcher, "bestrijding misdaad")["results"][0]["passages"][0]
    assert passage["html"].startswith("… ") and passage["html"].endswith(" …")
    assert 150 <= len(passage["text"]) <= 260
    assert "<mark>bestrijding</mark>" in passage["html"] and "<mark>misdaad</mark>" in passage["html"]


def test_up_to_three_passages_each_with_its_page(searcher):
    answer = run(searcher, "samenleving")
    doc = next(r for r in answer["results"] if r["path"].endswith("paginas.txt"))
    assert sorted(p["page"] for p in doc["passages"]) == [1, 2, 3]


def test_excluded_words_are_not_marked(searcher):
    assert "inmenging" not in marked(run(searcher, "samenleving NIET inmenging"))


def test_document_page_marks_every_occurrence(searcher):
    doc_id = run(searcher, "samenleving")["results"][0]["doc_id"]
    doc = engine.document(searcher, doc_id, q="samenleving")
    assert [p["hits"] for p in doc["pages"]] == [1, 1, 1]
    assert doc["hits"] == 3
    assert doc["pages"][1]["html"] == "Tweede pagina: de polarisatie neemt toe in de <mark>samenleving</mark>."


# -- citations and links ----------------------------------------------------------------------
def test_citation_of_each_kind():
    kst = {"type": "kamerbrief", "vergaderjaar": "2020-2021", "dossier": "32545", "number": "143"}
    assert engine.citation(kst, 2) == "Kamerstukken II 2020/21, 32545, nr. 143, p. 2"
    assert engine.citation(dict(kst, type="motie"), 1) == "Kamerstukken II 2020/21, 32545, nr. 143, p. 1"
    vragen = {"type": "kamervragen", "vergaderjaar": "2020-2021", "number": "3235"}
    assert engine.citation(vragen, 3) == "Aanhangsel Handelingen II 2020/21, nr. 3235, p. 3"
    hand = {"type": "handelingen", "vergaderjaar": "2017-2018", "number": "70"}
    assert engine.citation(hand, 4) == "Handelingen II 2017/18, nr. 70, p. 4"
    # Without the numbers: title, what is known, the date in Dutch, the page.
    assert engine.citation({"type": "dreigingsbeeld", "title": "Dreigingsbeeld Terrorisme Nederland 59",
                            "dossier": "29754", "date": "2023-06-20", "vergaderjaar": "2022-2023"}, 4) == \
        "Dreigingsbeeld Terrorisme Nederland 59, dossier 29754, 20 juni 2023, p. 4"
    assert engine.citation({"title": None}, 1) == "Zonder titel, p. 1"
    assert engine.citation({"type": "wet", "title": "Wet op de inlichtingen- en veiligheidsdiensten",
                            "date": None}, 7) == "Wet op de inlichtingen- en veiligheidsdiensten, p. 7"


def test_results_carry_citations_and_stable_links(searcher, index):
    answer = run(searcher, "polarisatie")
    doc = next(r for r in answer["results"] if r["path"].endswith("paginas.txt"))
    passage = doc["passages"][0]
    assert passage["page"] == 2
    assert passage["citation"] == "Handelingen II 2017/18, nr. 24, p. 2"
    assert passage["link"] == f"/document/{doc['doc_id']}?q=polarisatie#p2"
    # The doc_id is the start of the content's sha256: the same after a rename and a reindex.
    content = Path(doc["path"]).read_bytes()
    assert doc["doc_id"] == hashlib.sha256(content).hexdigest()[:16]
    bare = next(r for r in answer["results"] if r["path"].endswith("zonder-metadata.txt"))
    assert bare["passages"][0]["citation"] == "Een notitie zonder metadata over polarisatie, p. 1"
    off = run(searcher, 'NCTV "open samenleving" & co', synonyms=False)
    assert all(p["link"].startswith(f"/document/{r['doc_id']}?q=NCTV%20%22open%20samenleving%22%20%26%20co"
                                    "&synonyms=0#p") for r in off["results"] for p in r["passages"])


def test_link_survives_a_rename_and_a_fresh_index(tmp_path, searcher):
    doc_id = run(searcher, "draagmoederschap")["results"][0]["doc_id"]
    moved = tmp_path / "elders"
    moved.mkdir()
    shutil.copy(Path(run(searcher, "draagmoederschap")["results"][0]["path"]), moved / "hernoemd.txt")
    build([moved], tmp_path / "index", workers=1)
    with Store(tmp_path / "index").searcher() as other:
        assert run(other, "draagmoederschap")["results"][0]["doc_id"] == doc_id
        assert engine.document(other, doc_id, q="draagmoederschap")["hits"] == 1


def test_more_like_this(searcher):
    doc_id = next(r["doc_id"] for r in run(searcher, "samenleving")["results"]
                  if r["path"].endswith("motie.txt"))
    similar = engine.more_like_this(searcher, doc_id)
    assert doc_id not in [s["doc_id"] for s in similar]
    assert similar[0]["title"] == "Verslag met drie pagina's"


# -- limits: answered with a notice, never an exception ---------------------------------
def test_time_limit_gives_partial_results_and_a_notice(searcher, monkeypatch):
    monkeypatch.setattr(engine.request, "QUERY_TIME_LIMIT", 0.0)
    answer = run(searcher, "samenleving OF polarisatie OF tijdslimiet")
    assert "De zoekvraag duurde te lang; de resultaten zijn mogelijk onvolledig." in answer["notices"]
    # an answer that was cut short is not cached
    monkeypatch.setattr(engine.request, "QUERY_TIME_LIMIT", 5.0)
    assert run(searcher, "samenleving OF polarisatie OF tijdslimiet")["total"] == 3


def test_expansion_cap_gives_a_notice(searcher, monkeypatch):
    monkeypatch.setattr(engine.request, "MAX_EXPANSIONS", 2)
    answer = run(searcher, "p*")
    assert answer["notice"] == "'p*' past op meer dan 2 woorden; alleen de eerste 2 zijn gebruikt."
    assert answer["total"] >= 1


# -- the fast scorer is Whoosh's BM25F ---------------------------------------------------------
@pytest.mark.parametrize("q", ["bestrijding", "terrorisme bestrijding", "NCTV", "samenleving OF polarisatie",
                               "titel:motie", "type:kamerbrief terrorismebestrijding", "terugkeer*",
                               '"open samenleving" jaar:2016..2017'])
def test_scores_equal_whoosh_bm25f(searcher, q):
    parsed = engine.parse_query(q, engine.as_engine(searcher))
    whoosh_query = engine.to_whoosh(parsed.plan)
    evaluator = engine._Evaluator(searcher, time.monotonic() + 10)
    mine = {}
    for sub, offset, seg in engine._leaves(searcher):
        for docnum, score in evaluator.scores(whoosh_query, sub, seg).items():
            if seg.ordinal[docnum] >= 0:
                mine[docnum + offset] = score
    theirs = {hit.docnum: hit.score for hit in searcher.search(whoosh_query, limit=None)
              if hit.get("kind") == "page"}
    assert mine.keys() == theirs.keys()
    assert all(abs(mine[d] - theirs[d]) < 1e-9 for d in mine)


# -- the shipped corpus ---------------------------------------------------------------------
def test_corpus_citation_and_page(corpus_index):
    with Store(corpus_index).searcher() as s:
        answer = run(s, "Noordoost-Syrië type:kamerbrief")
        assert files(answer) == ["kamerbrief-2020-kinderen-syrie.pdf"]
        passage = answer["results"][0]["passages"][0]
        assert passage["citation"] == f"Kamerstukken II 2019/20, 29754, nr. 541, p. {passage['page']}"
        dtn = run(s, "titel:dreigingsbeeld jaar:2023")["results"][0]
        assert dtn["passages"][0]["citation"] == "Dreigingsbeeld Terrorisme Nederland 59, dossier 29754, " \
                                                 f"20 juni 2023, p. {dtn['passages'][0]['page']}"
