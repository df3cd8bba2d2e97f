"""Big documents: the document page shows a window of pages with links to the rest, never the
whole document in one response; old links to a page outside the window still land on it."""
from __future__ import annotations

import re

import pytest

from conftest import build, kamerzoek_exe
from live_server import LiveServer, launch_chromium, require_chromium
from webapp import create_app

WORDS = "begroting visserij landbouw defensie onderwijs zorg wonen klimaat energie water".split()
RARE = "zeldzaamwoord"


@pytest.fixture(scope="module")
def long_doc(tmp_path_factory):
    base = tmp_path_factory.mktemp("big")
    docs = base / "docs"
    docs.mkdir()
    paragraphs = []
    for i in range(3000):
        words = " ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(60))
        paragraphs.append(words + (f" {RARE}" if i in (5, 2900) else ""))
    (docs / "lang.txt").write_text("Een lang verslag\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    build([docs], base / "index", workers=1)
    app = create_app({"INDEX_DIR": str(base / "index")})
    with app.test_client() as client:
        [result] = client.get(f"/api/search?q={RARE}").get_json()["results"]
        yield {"client": client, "doc_id": result["doc_id"], "pages": result["pages"],
               "hits": [p["page"] for p in result["passages"]], "index": base / "index"}


def sections(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<section class="page[^"]*" id="p(\d+)"', html)]


def test_the_document_page_shows_one_window_of_pages(long_doc):
    client, doc_id, pages = long_doc["client"], long_doc["doc_id"], long_doc["pages"]
    assert pages > 300
    html = client.get(f"/document/{doc_id}").get_data(as_text=True)
    assert sections(html) == list(range(1, 41))
    # Links to the other windows carry ?page=N#pN.
    assert f'href="/document/{doc_id}?page=41#p41"' in html
    last_start = (pages - 1) // 40 * 40 + 1
    assert f'href="/document/{doc_id}?page={last_start}#p{last_start}"' in html
    middle = client.get(f"/document/{doc_id}?page=250").get_data(as_text=True)
    assert sections(middle) == list(range(241, 281))
    end = client.get(f"/document/{doc_id}?page=999999").get_data(as_text=True)
    assert sections(end) == list(range(last_start, pages + 1))
    assert sections(client.get(f"/document/{doc_id}?page=nul").get_data(as_text=True)) == list(range(1, 41))


def test_hit_pages_of_the_whole_document_are_listed_with_page_links(long_doc):
    client, doc_id = long_doc["client"], long_doc["doc_id"]
    first, last = sorted(long_doc["hits"])
    assert first <= 40 < last
    html = client.get(f"/document/{doc_id}?q={RARE}").get_data(as_text=True)
    hitpages = re.search(r'class="hitpages">(.*?)</span>', html, re.S).group(1)
    assert f'<a href="#p{first}">{first}</a>' in hitpages
    assert f'href="/document/{doc_id}?q={RARE}&amp;page={last}#p{last}"' in hitpages
    window = client.get(f"/document/{doc_id}?q={RARE}&page={last}").get_data(as_text=True)
    assert f'id="p{last}"' in window and window.count("<mark>") >= 1


def test_an_old_link_outside_the_window_lands_on_its_page(long_doc, tmp_path):
    require_chromium()
    from playwright.sync_api import sync_playwright
    doc_id, last = long_doc["doc_id"], max(long_doc["hits"])
    server = LiveServer(kamerzoek_exe(), long_doc["index"], tmp_path / "serve.log")
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                page = browser.new_page(base_url=server.url)
                errors = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.goto(f"/document/{doc_id}?q={RARE}#p{last}")  # a link handed out before windows
                page.wait_for_url(re.compile(rf"page={last}#p{last}$"))
                page.wait_for_selector(f"#p{last}")
                assert page.locator(f"#p{last} .pagetext mark").count() >= 1
                box = page.locator(f"#p{last}").bounding_box()
                assert box is not None and box["y"] < page.viewport_size["height"]
                assert not errors, errors  # no CSP violation: the script is a static file
            finally:
                browser.close()
    finally:
        server.stop()
