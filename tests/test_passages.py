"""Passages worth reading (no running headers, tables of contents or dot leaders) and
suggestions that are words of the index, offered only when nothing is found."""
from __future__ import annotations

import json
import re
import subprocess
from html import unescape as html_unescape

import pytest

from conftest import build, kamerzoek_exe, require_shared
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


# -- furniture finds a page but adds nothing to its score ---------------------------------------
TOPICS = "beleid kabinet plannen begroting gemeente provincie veiligheid onderzoek".split()


def write_pdf(path, pages: list[list[str]]) -> None:
    """A PDF of text lines, one page each list (Helvetica, top to bottom)."""
    objects = [b"", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    kids = []
    for lines in pages:
        stream = "".join(f"BT /F1 10 Tf 50 {780 - 30 * i} Td ({line}) Tj ET\n" for i, line in enumerate(lines))
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream.encode("latin-1")))
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 3 0 R >> >> >>" % len(objects))
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Count %d /Kids [%s] >>" % (len(kids), b" ".join(b"%d 0 R" % k for k in kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))


def report_pages(header: str, body, count: int = 5) -> list[list[str]]:
    """Pages under a running header and over a running footer; the body line in the middle
    (the body itself is the same on every page but stands where furniture does not)."""
    pages = []
    for n in range(1, count + 1):
        lines = [f"In paragraaf {n}.{i} gaat het over {TOPICS[(n + i) % 8]} en {TOPICS[(n * i) % 8]}."
                 for i in range(6)]
        pages.append([f"{header}, blad {n}"] + lines[:3] + [body(n)] + lines[3:] + [f"Pagina {n} van {count}"])
    return pages


@pytest.fixture(scope="module")
def furnished_index(tmp_path_factory):
    """Two reports whose running header says Marechaussee; only page 3 of the first says it too."""
    folder = tmp_path_factory.mktemp("furniture-docs")
    write_pdf(folder / "kwartaal.pdf", report_pages(
        "Kwartaalbericht Marechaussee 2024",
        lambda n: f"Het toezicht aan de grens wordt in week {n} versterkt."
                  + (" De marechaussee controleert reizigers." if n == 3 else "")))
    write_pdf(folder / "jaar.pdf", report_pages(
        "Jaarverslag Marechaussee 2023", lambda n: f"Het toezicht op de luchthaven blijft in maand {n} gelijk."))
    for name, title in (("kwartaal", "Kwartaalbericht 2024"), ("jaar", "Jaarverslag 2023")):
        (folder / f"{name}.pdf.json").write_text(json.dumps({"title": title}), encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("furniture-index")
    done = subprocess.run([kamerzoek_exe(), "index", str(folder), "--index", str(index_dir), "--workers", "1",
                           "--quiet"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return index_dir


def cli_search(index, q: str) -> dict:
    done = subprocess.run([kamerzoek_exe(), "search", "--json", "--index", str(index), q],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return {r["title"]: r for r in json.loads(done.stdout)["results"]}


def test_a_word_only_in_the_running_header_finds_the_page_and_scores_nothing(furnished_index):
    found = cli_search(furnished_index, "marechaussee")
    assert list(found) == ["Kwartaalbericht 2024", "Jaarverslag 2023"]
    assert found["Kwartaalbericht 2024"]["score"] > 0 and found["Kwartaalbericht 2024"]["passages"][0]["page"] == 3
    assert found["Jaarverslag 2023"]["score"] == 0.0
    assert not any("Marechaussee" in p["text"] for p in found["Jaarverslag 2023"]["passages"])


def test_a_header_word_adds_nothing_to_what_the_page_scores_without_it(furnished_index):
    both = cli_search(furnished_index, "marechaussee toezicht")
    alone = cli_search(furnished_index, "toezicht")
    assert list(both) == ["Kwartaalbericht 2024", "Jaarverslag 2023"]
    assert both["Jaarverslag 2023"]["score"] == alone["Jaarverslag 2023"]["score"] > 0
    assert both["Kwartaalbericht 2024"]["score"] > alone["Kwartaalbericht 2024"]["score"]


def test_a_phrase_in_the_running_header_finds_the_page(furnished_index):
    found = cli_search(furnished_index, '"jaarverslag marechaussee"')
    assert list(found) == ["Jaarverslag 2023"] and found["Jaarverslag 2023"]["score"] == 0.0


def _doc_id(client, title: str) -> str:
    return next(r["doc_id"] for r in client.get("/api/search?q=toezicht").get_json()["results"] if r["title"] == title)


def test_the_document_page_shows_a_running_header_but_marks_no_word_of_it(furnished_index):
    from webapp import create_app
    client = create_app({"INDEX_DIR": str(furnished_index)}).test_client()
    html = client.get(f"/document/{_doc_id(client, 'Kwartaalbericht 2024')}?q=marechaussee").get_data(as_text=True)
    pages = dict(re.findall(r'<section[^>]*id="p(\d+)"(.*?)</section>', html, re.S))
    assert [pages[str(n)].count("<mark>") for n in range(1, 6)] == [0, 0, 1, 0, 0]  # page 3's body, no header
    assert "Kwartaalbericht Marechaussee 2024, blad 1" in pages["1"]
    assert "De <mark>marechaussee</mark> controleert" in pages["3"]
    assert "1 treffer voor ‘marechaussee’" in html
    other = client.get(f"/document/{_doc_id(client, 'Jaarverslag 2023')}?q=marechaussee").get_data(as_text=True)
    assert "<mark>" not in other and "Jaarverslag Marechaussee 2023" in other


def test_the_page_view_marks_no_word_of_the_running_header(furnished_index, tmp_path):
    from webapp import create_app
    client = create_app({"INDEX_DIR": str(furnished_index), "PAGE_CACHE_DIR": str(tmp_path)}).test_client()
    doc_id = _doc_id(client, "Kwartaalbericht 2024")
    page3 = client.get(f"/document/{doc_id}/page/3?q=marechaussee").get_data(as_text=True)
    assert "1 treffer op deze pagina" in page3
    hits = json.loads(html_unescape(re.search(r'data-hits="([^"]*)"', page3).group(1)))
    assert [h["text"] for h in hits] == ["marechaussee"]   # the body's word; "Marechaussee" of the header is none
    page1 = client.get(f"/document/{doc_id}/page/1?q=marechaussee").get_data(as_text=True)
    assert "Geen treffers op deze pagina." in page1
    assert "1 treffer op deze pagina" in client.get(f"/document/{doc_id}/page/1?q=toezicht").get_data(as_text=True)
