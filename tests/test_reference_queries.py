"""Each reference query of issue 13 in the CLI (`kamerzoek search --json`), the API and a real
browser: the document referred to comes first, marked; a reference to a document that is not
indexed says so and searches the words; `dossier 29754` filters.

The index holds the shipped corpus/ and, from ../shared/corpus, a Handelingen item, the
Aanhangsel answer, a law and the scanned bijlage (with its official record).
"""
from __future__ import annotations

import json
import subprocess
from urllib.parse import quote

import pytest

from conftest import CORPUS, build, kamerzoek_exe, require_shared
from indexer.references import find_references
from indexer.search import citation
from indexer.store import Store
from webapp import create_app

KST = "kst-29754-541"
QUERIES = [
    ("29754 nr. 541", KST), ("29 754, nr. 541", KST), ("29754-541", KST), ("kst-29754-541", KST),
    ("Kamerstuk 29754, nr. 541", KST), ("Kamerstuk 29 754, nr. 541", KST),
    ("Kamerstukken II 2019/20, 29754, nr. 541", KST), ("Kamerstukken II 2019/20, 29 754, nr. 541", KST),
    ("Kamerstukken I 2019/20, 29 754, nr. 541", KST),
    ("Handelingen II 2017/18, nr. 70, item 12", "h-tk-20172018-70-12"),
    ("h-tk-20172018-70-12", "h-tk-20172018-70-12"),
    ("Aanhangsel Handelingen II 2020/21, nr. 3235", "ah-tk-20202021-3235"),
    ("ah-tk-20202021-3235", "ah-tk-20202021-3235"),
    ("blg-1007826", "blg-1007826"),
    ("BWBR0018506", "BWBR0018506"),
    ("BWBR0018506 artikel 2", "BWBR0018506"),
]
MISSING = "Kamerstuk 29 754, nr. 999"


@pytest.fixture(scope="module")
def ref_index(tmp_path_factory):
    shared = require_shared() / "corpus"
    parliamentary = shared / "parliamentary"
    paths = [CORPUS, parliamentary / "handelingen" / "h-tk-20172018-70-12.xml",
             parliamentary / "kamervragen" / "ah-tk-20202021-3235.xml", shared / "laws" / "BWBR0018506.md",
             shared / "hard-pdfs" / "scan-no-text_blg-1007826.pdf"]
    index_dir = tmp_path_factory.mktemp("ref-index")
    build(paths, index_dir, workers=1, ocr=True)  # the bijlage is a scan
    return index_dir


def cli(index, q: str) -> dict:
    done = subprocess.run([kamerzoek_exe(), "search", "--json", "--index", str(index), q],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def expect_first(answer: dict, identifier: str) -> None:
    assert answer["reference"] == {"matched": identifier}
    first = answer["results"][0]
    assert first["identifier"] == identifier and first["reference"] is True
    assert [r["reference"] for r in answer["results"]].count(True) == 1
    assert answer["suggestion"] is None


def test_every_query_in_the_cli(ref_index):
    for q, identifier in QUERIES:
        expect_first(cli(ref_index, q), identifier)


def test_a_law_with_an_article_shows_that_article(ref_index):
    first = cli(ref_index, "BWBR0018506 artikel 2")["results"][0]
    assert first["passages"] and "Artikel 2" in first["passages"][0]["text"]


def test_not_indexed_says_so_and_searches_the_words(ref_index):
    answer = cli(ref_index, MISSING)
    assert answer["reference"]["matched"] is None
    assert answer["reference"]["notice"] == \
        "Kamerstuk 29 754, nr. 999 staat niet in de index; hieronder de resultaten voor de woorden."
    assert answer["reference"]["notice"] in answer["notice"]
    assert not any(r["reference"] for r in answer["results"])
    words = cli(ref_index, "terugkeerders kst-32545-999")
    assert words["reference"] is None  # words around a reference are a word search
    missing = cli(ref_index, "terugkeerders")
    notfound = cli(ref_index, "kst-12345-1 OF terugkeerders")
    assert notfound["reference"] is None and missing["total"] > 0


def test_dossier_is_a_filter_with_a_notice_and_a_bare_number_is_a_word(ref_index):
    answer = cli(ref_index, "dossier 29754")
    assert answer["total"] >= 7 and {r["dossier"] for r in answer["results"]} == {"29754"}
    assert answer["notice"].startswith("Gelezen als filter: alle documenten van dossier 29754.")
    bare = cli(ref_index, "29754")
    assert bare["reference"] is None and not (bare["notice"] or "").startswith("Gelezen als filter")


def test_every_query_in_the_api(ref_index):
    client = create_app({"INDEX_DIR": str(ref_index), "TESTING": True}).test_client()
    for q, identifier in QUERIES:
        response = client.get(f"/api/search?q={quote(q)}")
        assert response.status_code == 200
        expect_first(response.json, identifier)
    missing = client.get(f"/api/search?q={quote(MISSING)}").json
    assert missing["reference"]["matched"] is None and "niet in de index" in missing["reference"]["notice"]
    page = client.get(f"/?q={quote(MISSING)}").get_data(as_text=True)
    assert "staat niet in de index" in page


def _round_trip(doc: dict) -> bool:
    cite = citation(doc, 3)
    found = [r.identifier for r in find_references(cite)]
    if doc.get("identifier"):  # first the document itself (a bijlage then names its Kamerstuk)
        assert found[:1] == [doc["identifier"]] and len(found) <= 2, (cite, doc["identifier"])
    else:
        assert found == [], cite
    return bool(doc.get("identifier"))


def test_the_round_trip_of_citations(ref_index):
    """Everything citation() makes of a document is read back as that document: every document
    of the index above, and the metadata of every file in corpus/ and ../shared/corpus."""
    from indexer.extract import SUPPORTED_EXTENSIONS
    from indexer.metadata import is_sidecar, read_metadata
    from indexer.references import identifier_for
    checked = 0
    with Store(ref_index).searcher() as s:
        for record in s.documents(kind="doc"):
            doc = dict(record)
            doc["date"] = doc["date"].date().isoformat() if doc.get("date") else None  # as in a result
            checked += _round_trip(doc)
    roots = [CORPUS, require_shared() / "corpus"]
    for path in sorted(p for root in roots for p in root.rglob("*")):
        if path.is_file() and path.suffix.lower() in SUPPORTED_EXTENSIONS and not is_sidecar(path):
            meta = read_metadata(path, None)
            checked += _round_trip({**meta, "identifier": identifier_for(meta, str(path))})
    assert checked >= 40


def test_every_query_in_the_browser(ref_index, tmp_path):
    from live_server import LiveServer, launch_chromium, require_chromium, submit_query
    require_chromium()
    from playwright.sync_api import sync_playwright
    live = LiveServer(kamerzoek_exe(), ref_index, tmp_path / "serve.log")
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page(locale="nl-NL")
            page.set_default_timeout(15_000)
            for q, identifier in QUERIES + [(MISSING, None)]:
                submit_query(page, live.url, q)
                marked = page.locator("li.result.referred")
                if identifier is None:
                    assert marked.count() == 0
                    assert "staat niet in de index" in page.locator("p.notice").first.inner_text()
                    continue
                assert page.locator("li.result").first.get_attribute("class") == "result referred", q
                assert marked.count() == 1
                badge = marked.locator(".badge.referred")
                assert badge.get_attribute("data-identifier") == identifier
                assert badge.inner_text() == f"Het document waarnaar u verwijst: {identifier}"
            browser.close()
    finally:
        live.stop()
