"""Passages worth reading (no running headers, tables of contents or dot leaders) and
suggestions that are words of the index, offered only when nothing is found."""
from __future__ import annotations

import pytest

from conftest import build, require_shared
from indexer.passages import furniture_lines, is_toc_line, readable
from indexer.search import SearchRequest, search
from indexer.store import Store

FOOTER = "Tweede Kamer, vergaderjaar 2019–2020, 35 538, nr. 4"


def test_furniture_is_what_stands_at_the_edge_of_most_pages():
    words = "grens toezicht marechaussee dreiging minister rapport kamer brief motie vraag".split()
    pages = ["\n".join([f"{FOOTER} {n}"] + [f"Over de {w} op pagina {n}, regel {i} ({'x' * (n + i)})."
                                            for i, w in enumerate(words)]) for n in range(1, 6)]
    furniture = furniture_lines(pages)
    assert furniture == ["tweede kamer, vergaderjaar #–#, # #, nr. # #"]
    assert FOOTER not in readable(pages[2], furniture) and "Over de grens op pagina 3" in readable(pages[2], furniture)
    assert len(readable(pages[2], furniture)) == len(pages[2])  # offsets stay
    assert furniture_lines(pages[:2]) == []  # two pages say nothing about furniture


@pytest.mark.parametrize("line,toc", [
    ("1 Inleiding . . . . . . . . 3", True), ("2.1 Dreiging van de grens ........ 12", True),
    (". . . . . . . . . . . . . . .", True), ("Inhoudsopgave", True),
    ("De grens is dicht. Dat zei de minister.", False), ("Zie p. 3 en 4.", False),
])
def test_table_of_contents_lines(line, toc):
    assert is_toc_line(line) is toc


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("passages-docs")
    (folder / "rapport.md").write_text(
        "# Rapport over de grens\n\nInhoud\n\n1 Inleiding . . . . . . . . . . 3\n\n"
        "2 Toezicht aan de grens . . . . . . . . . . 5\n\n"
        "De kwartaalrapportage beschrijft het toezicht aan de grens door de marechaussee.\n", encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("passages-index")
    build([folder], index_dir, workers=1)
    return index_dir


def run(index, q: str) -> dict:
    with Store(index).searcher() as s:
        return search(s, SearchRequest(q=q))


def test_a_passage_is_never_a_table_of_contents(index):
    answer = run(index, "grens")
    passage = answer["results"][0]["passages"][0]
    assert ". . . ." not in passage["text"] and "marechaussee" in passage["text"]


def test_suggestions_are_words_of_the_index_never_stems(index):
    # kwartaalrapportage is no word of the lexicon: its stem (kwartaalrapportag) was offered before.
    assert run(index, "kwartaalraportage")["suggestion"] == "kwartaalrapportage"
    assert run(index, "marechausee")["suggestion"] == "marechaussee"


def test_suggestions_only_when_nothing_is_found(index):
    answer = run(index, "grens OF marechausee")
    assert answer["total"] == 1 and answer["suggestion"] is None


def test_running_footer_is_no_passage(tmp_path):
    shared = require_shared()
    build([shared / "corpus" / "government" / "coronamelder" / "Bijlage_D_-_Advies_Raad_van_State.pdf"],
          tmp_path, workers=1)
    answer = run(tmp_path, "vergaderjaar")
    assert answer["total"] == 1
    texts = [p["text"] for p in answer["results"][0]["passages"]]
    assert texts and not any(FOOTER in t for t in texts)
