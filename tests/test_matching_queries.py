"""The matching queries of issue 13 in the CLI (`kamerzoek search --json`), the API and a real
browser: a plural the stemmer leaves apart (halfjaarsrapportages finds halfjaarsrapportage on
page 7 of a besluitenlijst), compounds whose last part is a participle or a noun
(grensoverschrijdende is found by grens, jihadgangers by jihad), and one result per
publication (grens lists kst-32545-143 once, not once per format).

The index holds the shipped corpus/ and, from ../shared/corpus, kst-32545-143 in four formats,
a 16-page besluitenlijst and a law.
"""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import CORPUS, build, kamerzoek_exe, require_shared
from webapp import create_app

# query, file, page, the word marked on that page
EXPECTED = [
    ("halfjaarsrapportages", "besluitenlijst_example2.pdf", 7, "halfjaarsrapportage"),
    ("grens", "BWBR0031788.md", 2, "grensoverschrijdende"),
    ("jihad", "dtn-59.pdf", 22, "jihadgangers"),
]
PUBLICATION = "kst-32545-143"


@pytest.fixture(scope="module")
def match_index(tmp_path_factory):
    shared = require_shared() / "corpus"
    paths = [CORPUS, shared / "parliamentary" / "kamerstukken",
             shared / "parliamentary" / "besluitenlijsten" / "besluitenlijst_example2.pdf",
             shared / "laws" / "BWBR0031788.md"]
    index_dir = tmp_path_factory.mktemp("match-index")
    build(paths, index_dir, workers=1)
    return index_dir


def cli(index, q: str) -> dict:
    done = subprocess.run([kamerzoek_exe(), "search", "--json", "--limit", "50", "--index", str(index), q],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def marked_on(result: dict) -> dict[int, set[str]]:
    """page -> the words marked in its passages."""
    out: dict[int, set[str]] = {}
    for p in result["passages"]:
        out.setdefault(p["page"], set()).update(m.lower() for m in re.findall(r"<mark>(.*?)</mark>", p["html"]))
    return out


def expect(answer: dict, name: str, page: int, word: str) -> dict:
    found = [r for r in answer["results"] if Path(r["path"]).name == name]
    assert len(found) == 1, [Path(r["path"]).name for r in answer["results"]]
    assert word in marked_on(found[0]).get(page, set()), marked_on(found[0])
    assert answer["suggestion"] is None
    return found[0]


def expect_one_publication(answer: dict) -> None:
    assert [r.get("identifier") for r in answer["results"]].count(PUBLICATION) == 1
    assert answer["total"] == len(answer["results"])   # every result on this page: none hides a copy
    result = next(r for r in answer["results"] if r.get("identifier") == PUBLICATION)
    assert sorted(f["format"] for f in result["formats"]) == ["html", "odt", "pdf", "xml"]


@pytest.mark.parametrize("q,name,page,word", EXPECTED)
def test_in_the_cli(match_index, q, name, page, word):
    expect(cli(match_index, q), name, page, word)


def test_grens_lists_the_publication_once_in_the_cli(match_index):
    expect_one_publication(cli(match_index, "grens"))


def test_in_the_api(match_index):
    client = create_app({"INDEX_DIR": str(match_index), "TESTING": True}).test_client()
    for q, name, page, word in EXPECTED:
        response = client.get(f"/api/search?q={quote(q)}&per_page=50")
        assert response.status_code == 200
        api = response.json
        assert [r["doc_id"] for r in api["results"]] == [r["doc_id"] for r in cli(match_index, q)["results"]]
        expect(api, name, page, word)
    expect_one_publication(client.get("/api/search?q=grens&per_page=50").json)


def test_in_the_browser(match_index, tmp_path):
    from live_server import LiveServer, launch_chromium, require_chromium, submit_query
    require_chromium()
    from playwright.sync_api import sync_playwright
    answers = {q: cli(match_index, q) for q, *_ in EXPECTED}
    live = LiveServer(kamerzoek_exe(), match_index, tmp_path / "serve.log")
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page(locale="nl-NL")
            page.set_default_timeout(15_000)
            for q, name, number, word in EXPECTED:
                submit_query(page, live.url, q)
                doc_id = expect(answers[q], name, number, word)["doc_id"]
                result = page.locator(f'li.result[data-doc-id="{doc_id}"]')
                assert result.count() == 1, q
                passages = result.locator("li.passage")
                on_page = [i for i in range(passages.count())
                           if passages.nth(i).locator("a.page").inner_text().replace("\xa0", " ") == f"p. {number}"]
                assert on_page, q
                marks = {m.lower() for m in passages.nth(on_page[0]).locator("mark").all_inner_texts()}
                assert word in marks, (q, marks)
                if q == "grens":
                    publication = next(r["doc_id"] for r in answers[q]["results"] if r.get("identifier") == PUBLICATION)
                    assert page.locator(f'li.result[data-doc-id="{publication}"]').count() == 1
                    assert page.locator("li.result").count() == answers[q]["total"]
            browser.close()
    finally:
        live.stop()
