"""The reference recogniser (indexer.references): every form researchers type or copy."""
import pytest

from indexer.references import canonical, describe, find_references, identifier_for, parse_reference


@pytest.mark.parametrize("query,identifier", [
    ("29754 nr. 541", "kst-29754-541"),
    ("29754 nr 541", "kst-29754-541"),
    ("29 754, nr. 541", "kst-29754-541"),
    ("29754, nr. 541", "kst-29754-541"),
    ("29754-541", "kst-29754-541"),
    ("kst-29754-541", "kst-29754-541"),
    ("KST-29754-541", "kst-29754-541"),
    ("Kamerstuk 29754, nr. 541", "kst-29754-541"),
    ("kamerstuk 29 754, nr. 541", "kst-29754-541"),
    ("Kamerstuk 29754-541", "kst-29754-541"),
    ("Kamerstukken II 2019/20, 29754, nr. 541", "kst-29754-541"),
    ("Kamerstukken II 2019/20, 29 754, nr. 541", "kst-29754-541"),
    ("Kamerstukken I 2019/20, 29 754, nr. 541", "kst-29754-541"),
    ("Kamerstukken II 2019-2020, 29754, nr. 541", "kst-29754-541"),
    ("Kamerstukken II 2019/20, 29754, nr. 541, p. 3", "kst-29754-541"),
    ("(Kamerstuk 29 754, nr. 541)", "kst-29754-541"),
    ("Tweede Kamer, vergaderjaar 2019–2020, 35 538, nr. 4", "kst-35538-4"),
    ("35 300 VI, nr. 5", "kst-35300-VI-5"),
    ("kst-35300-vi-5", "kst-35300-VI-5"),
    ("Handelingen II 2017/18, nr. 70, item 12", "h-tk-20172018-70-12"),
    ("Handelingen II 2017/18, nr. 70", "h-tk-20172018-70"),
    ("Handelingen I 2017/18, nr. 7, item 3", "h-ek-20172018-7-3"),
    ("h-tk-20172018-70-12", "h-tk-20172018-70-12"),
    ("Aanhangsel Handelingen II 2020/21, nr. 3235", "ah-tk-20202021-3235"),
    ("Aanhangsel van de Handelingen II 2020/21, nr. 3235", "ah-tk-20202021-3235"),
    ("ah-tk-20202021-3235", "ah-tk-20202021-3235"),
    ("blg-1007826", "blg-1007826"),
    ("BWBR0018506", "BWBR0018506"),
    ("bwbr0018506", "BWBR0018506"),
    ("BWBR0018506 artikel 2", "BWBR0018506"),
])
def test_queries_that_are_references(query, identifier):
    ref = parse_reference(query)
    assert ref is not None and ref.identifier == identifier


def test_the_parts_of_a_reference():
    ref = parse_reference("Kamerstukken I 2019/20, 29 754, nr. 541")
    assert (ref.kind, ref.dossier, ref.number, ref.vergaderjaar, ref.chamber) == \
        ("kamerstuk", "29754", "541", "2019-2020", "ek")
    law = parse_reference("BWBR0018506 art. 2a")
    assert (law.kind, law.identifier, law.article) == ("wet", "BWBR0018506", "2a")
    h = parse_reference("Handelingen II 2017/18, nr. 70, item 12")
    assert (h.kind, h.number, h.item, h.chamber) == ("handelingen", "70", "12", "tk")


@pytest.mark.parametrize("query", ["dossier 29754", "Dossier 29 754", "dossier 35300 VI"])
def test_a_dossier_is_a_filter(query):
    ref = parse_reference(query)
    assert ref.kind == "dossier" and ref.identifier is None and ref.dossier.startswith(("29754", "35300"))


@pytest.mark.parametrize("query", [
    "29754",                    # a bare number stays a word search
    "2020-2021",                # a range of years is no Kamerstuk
    "2019 nr. 5",               # too short for a dossier
    "terrorisme 29754 nr. 541",  # words around a reference: a word search
    "Kamerstukken II 2019/21, 29754, nr. 541",  # no parliamentary year
    "grens", "", "nr. 541", "kst-", "BWBR001850", "dossier",
])
def test_queries_that_are_not(query):
    assert parse_reference(query) is None


def test_references_in_a_text():
    text = ("Bijlage 929506 bij Kamerstukken II 2019/20, 25 295, nr. 219. 109 Kamerstukken II 2019/20, "
            "25 295, nr. 223. Brief van de minister van 1 mei (Kamerstuk 29 754, nr. 480) en 30372 nr. 31 "
            "- 30372-31; motie (31200 XI, nr. 65); zie 31700 VII nr. 72 en h-tk-20172018-70-12. "
            "Vergaderjaar 2020-2021, telefoon 070-3182211, ISSN 0921 - 7371, Kamerstukken 26 294 en 28017.")
    assert [r.identifier for r in find_references(text)] == [
        "kst-25295-219", "kst-25295-223", "kst-29754-480", "kst-30372-31", "kst-30372-31",
        "kst-31200-XI-65", "kst-31700-VII-72", "h-tk-20172018-70-12"]
    first = find_references(text)[2]
    assert text[first.start:first.end] == first.text == "Kamerstuk 29 754, nr. 480"


def test_identifiers_of_documents():
    assert identifier_for({}, "/c/kst-32545-143.pdf") == "kst-32545-143"
    assert identifier_for({}, "/c/h-tk-20172018-70-12.xml") == "h-tk-20172018-70-12"
    assert identifier_for({}, "/c/scan-no-text_blg-1007826.pdf") == "blg-1007826"
    assert identifier_for({}, "/c/kst-32545-143x.pdf") is None
    assert identifier_for({"url": "https://zoek.officielebekendmakingen.nl/blg-1007826"}, "x.pdf") == "blg-1007826"
    assert identifier_for({}, "/laws/BWBR0018506.md") == "BWBR0018506"
    assert identifier_for({"type": "kamerbrief", "dossier": "29754", "number": "541"}, "brief.pdf") == "kst-29754-541"
    assert identifier_for({"type": "kamervragen", "vergaderjaar": "2024-2025", "number": "1389"}) == \
        "ah-tk-20242025-1389"
    assert identifier_for({"type": "handelingen", "vergaderjaar": "2016-2017", "number": "24"}) == "h-tk-20162017-24"
    assert identifier_for({"type": "dreigingsbeeld", "dossier": "29754"}, "dtn-50.pdf") is None
    assert canonical("KST-29754-541") == "kst-29754-541" and canonical("grens") is None


@pytest.mark.parametrize("query", [
    "Kamerstukken II 2019/20, 29754, nr. 541", "Handelingen II 2017/18, nr. 70, item 12",
    "Aanhangsel Handelingen II 2020/21, nr. 3235", "BWBR0018506 artikel 2", "Kamerstuk 29754, nr. 541",
])
def test_described_references_are_read_again(query):
    ref = parse_reference(query)
    assert parse_reference(describe(ref)) == ref
