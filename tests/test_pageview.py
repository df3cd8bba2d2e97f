"""The page view: the original page as an image with every hit marked where the word stands.

PDFs are made here with reportlab (a text layer) and Pillow (a scan for OCR); positions are
checked against poppler's own (`pdftotext -bbox-layout`), in headless Chromium against
`kamerzoek serve`.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import ROOT, build, kamerzoek_exe
from live_server import LiveServer, launch_chromium, require_chromium
from test_browser import Watched

SCREENSHOTS = ROOT / "docs" / "screenshots"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

LINES_1 = [
    "Terugkeerders uit Syrie blijven een zorg voor de veiligheid.",
    "Het aantal terugkeerders dat in Nederland woont is bekend bij de diensten.",
    "Over de re-integratie van een terugkeerder spreekt de minister in juni.",
    "De Kamer vraagt hoe het toezicht op terug-",
    "keerders wordt ingericht, en wat gemeenten daarbij doen.",
    "Andere onderwerpen: jihadisme, online radicalisering en extremisme.",
]
LINES_2 = [
    "Tweede pagina: de rol van gemeenten bij de aanpak.",
    "Ook hier gaat het om terugkeerders en hun familie.",
]
LINES_3 = ["Derde pagina zonder het gezochte woord, over het dreigingsniveau."]


def _text_pdf(path: Path, pages: list[list[str]], title: str) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle(title)
    for lines in pages:
        y = 760
        c.setFont("Helvetica-Bold", 16)
        c.drawString(72, y + 30, "Kamerbrief")
        c.setFont("Helvetica", 12)
        for line in lines:
            c.drawString(72, y, line)
            y -= 22
        c.showPage()
    c.save()


# Where the scan's words are drawn (pixels at 150 dpi on an A4 page of 1240 x 1754).
SCAN_WORD_Y = 300


def _scan_pdf(path: Path) -> tuple[float, float, float, float]:
    """A scanned page without a text layer; returns the box of its word 'Terugkeerders' in points."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 44)
    draw.text((150, SCAN_WORD_Y), "Terugkeerders en hun kinderen", font=font, fill=0)
    draw.text((150, SCAN_WORD_Y + 120), "De gemeente houdt toezicht.", font=font, fill=0)
    word = draw.textbbox((150, SCAN_WORD_Y), "Terugkeerders", font=font)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
    c.showPage()
    c.save()
    return tuple(v * 72 / 150 for v in word)


def poppler_words(pdf: Path, page: int) -> tuple[float, list[tuple[str, tuple[float, float, float, float]]]]:
    """(page width in points, [(word, (xMin, yMin, xMax, yMax))]) as poppler reads the page."""
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox-layout", str(pdf), "-"],
                         check=True, capture_output=True, text=True).stdout
    out = re.sub(r"<!DOCTYPE[^>]*>", "", out)
    root = ET.fromstring(out)
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    page_el = root.find(".//x:page", ns)
    words = [(w.text or "", tuple(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
             for w in root.iterfind(".//x:word", ns)]
    return float(page_el.get("width")), words


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) is missing")
    folder = tmp_path_factory.mktemp("pageview-docs")
    _text_pdf(folder / "toezicht.pdf", [LINES_1, LINES_2, LINES_3], "Toezicht op terugkeerders")
    _text_pdf(folder / "verdwijnt.pdf", [["Deze terugkeerders brief verdwijnt na het indexeren."]], "Verdwenen brief")
    _text_pdf(folder / "beschadigd.pdf", [["Deze terugkeerders brief raakt beschadigd."]], "Beschadigde brief")
    _text_pdf(folder / "gewijzigd.pdf", [["Deze terugkeerders brief wordt later vervangen."]], "Gewijzigde brief")
    _text_pdf(folder / "aangeraakt.pdf", [["Deze terugkeerders brief krijgt een nieuwere tijd."]], "Aangeraakte brief")
    return folder


@pytest.fixture(scope="module")
def index(pdfs, tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("pageview-index")
    report = build([pdfs], index_dir, workers=1)
    assert not report.unreadable, report.unreadable
    (pdfs / "verdwijnt.pdf").unlink()
    (pdfs / "beschadigd.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 200)
    # Replaced by another valid PDF before the next run: not the content the index read.
    _text_pdf(pdfs / "gewijzigd.pdf", [["Een heel andere brief, over iets anders.", "Tweede regel."]], "Gewijzigde brief")
    import os
    later = (pdfs / "aangeraakt.pdf").stat().st_mtime + 60
    os.utime(pdfs / "aangeraakt.pdf", (later, later))  # a newer time, the same content
    return index_dir


@pytest.fixture(scope="module")
def server(index, tmp_path_factory):
    require_chromium()
    live = LiveServer(kamerzoek_exe(), index, tmp_path_factory.mktemp("pageview") / "serve.log")
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    w = Watched(browser, server.url, {"width": 1280, "height": 900})
    yield w.page
    try:
        w.check()
    finally:
        w.close()


def doc_id_of(base: str, title: str) -> str:
    import json
    import urllib.parse
    import urllib.request
    with urllib.request.urlopen(f"{base}/api/search?" + urllib.parse.urlencode({"q": "terugkeerders"})) as r:
        results = json.load(r)["results"]
    return next(d["doc_id"] for d in results if d["title"] == title)


def wait_for_image(page) -> None:
    page.wait_for_function("() => { const i = document.getElementById('page-image');"
                           " return i && i.complete && i.naturalWidth > 0; }")


def marks_in_points(page, page_width_pt: float) -> list[dict]:
    """Every drawn mark's rectangle in PDF points (top-left origin), with its hit number."""
    return page.evaluate("""(widthPt) => {
        const img = document.getElementById('page-image').getBoundingClientRect();
        const scale = widthPt / img.width;
        return Array.from(document.querySelectorAll('.pagemark')).map(m => {
            const r = m.getBoundingClientRect();
            return {hit: m.dataset.hit, text: m.title, x0: (r.left - img.left) * scale, y0: (r.top - img.top) * scale,
                    x1: (r.right - img.left) * scale, y1: (r.bottom - img.top) * scale};
        });
    }""", page_width_pt)


def covers(mark: dict, box: tuple, slack: float = 0.75) -> bool:
    x0, y0, x1, y1 = box
    return (mark["x0"] <= x0 + slack and mark["y0"] <= y0 + slack
            and mark["x1"] >= x1 - slack and mark["y1"] >= y1 - slack
            # and not a page-wide box that covers everything
            and (mark["x1"] - mark["x0"]) <= (x1 - x0) + 6 and (mark["y1"] - mark["y0"]) <= (y1 - y0) + 6)


HIT = re.compile(r"^terugkeerders?\W*$|^terug-$|^keerders\W*$", re.IGNORECASE)


def test_every_hit_is_marked_where_poppler_puts_the_word(page, server, pdfs):
    doc_id = doc_id_of(server.url, "Toezicht op terugkeerders")
    page.goto(f"/document/{doc_id}/page/1?q=terugkeerders")
    wait_for_image(page)
    width_pt, words = poppler_words(pdfs / "toezicht.pdf", 1)
    expected = [(text, box) for text, box in words if HIT.match(text)]
    # Terugkeerders, terugkeerders, terugkeerder, terug- + keerders (one hit over two lines).
    assert len(expected) == 5, expected
    marks = marks_in_points(page, width_pt)
    assert len(marks) == 5
    assert len({m["hit"] for m in marks}) == 4  # one mark per hit; the broken word has two boxes
    for text, box in expected:
        assert any(covers(m, box) for m in marks), (text, box, marks)
    for m in marks:  # and no mark where poppler sees no hit
        assert any(covers(m, box) for _, box in expected), m
    assert page.locator("#page-hitcount").inner_text() == "4 treffers op deze pagina"
    # The text view of the same page marks the same number of hits.
    page.goto(f"/document/{doc_id}?q=terugkeerders")
    assert page.locator("section#p1 .pagetext mark").count() == 4
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"/document/{doc_id}/page/1?q=terugkeerders")
    wait_for_image(page)
    page.screenshot(path=str(SCREENSHOTS / "page-view.png"), full_page=False)


def test_keys_step_through_hits_and_pages(page, server):
    doc_id = doc_id_of(server.url, "Toezicht op terugkeerders")
    page.goto(f"/document/{doc_id}/page/1?q=terugkeerders")
    wait_for_image(page)
    assert page.locator("#hit-position").inner_text() == "– / 4"
    page.keyboard.press("n")
    assert page.locator(".pagemark.current").count() == 1
    assert page.locator("#hit-position").inner_text() == "1 / 4"
    page.keyboard.press("n")
    page.keyboard.press("p")
    assert page.locator("#hit-position").inner_text() == "1 / 4"
    for _ in range(4):  # past the last hit of page 1: the first hit of page 2
        page.keyboard.press("n")
    page.wait_for_url(re.compile(rf"/document/{doc_id}/page/2\?q=terugkeerders#hit-first$"))
    wait_for_image(page)
    assert page.locator("#hit-position").inner_text() == "1 / 1"
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(rf"/document/{doc_id}/page/3\?q=terugkeerders$"))
    assert page.locator("#page-hitcount").inner_text() == "Geen treffers op deze pagina."
    assert page.locator(".pagemark").count() == 0
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(rf"/document/{doc_id}/page/2\?q=terugkeerders$"))


def test_reachable_from_a_passage_and_from_the_document_page(page, server):
    page.goto("/?q=terugkeerders")
    result = page.locator("li.result", has_text="Toezicht op terugkeerders")
    result.locator("a.pageview").first.click()
    page.wait_for_url(re.compile(r"/document/[0-9a-f]+/page/\d+\?q=terugkeerders$"))
    wait_for_image(page)
    assert page.locator(".pagemark").count() >= 1
    page.locator("#text-view").click()
    page.wait_for_url(re.compile(r"/document/[0-9a-f]+\?q=terugkeerders#p\d+$"))
    page.locator("section#p2 a.pageview").click()
    page.wait_for_url(re.compile(r"/document/[0-9a-f]+/page/2\?q=terugkeerders$"))
    wait_for_image(page)


@pytest.mark.parametrize("title", ["Verdwenen brief", "Beschadigde brief"])
def test_missing_or_damaged_original_gives_the_text(page, server, title):
    doc_id = doc_id_of(server.url, title)
    response = page.goto(f"/document/{doc_id}/page/1?q=terugkeerders")
    assert response.status == 200
    assert page.locator("#page-notice").inner_text() == (
        "Het origineel van dit document is niet beschikbaar of beschadigd; hieronder staat de tekst van pagina 1.")
    assert page.locator("#page-image").count() == 0
    assert page.locator(".pagetext mark").inner_text() == "terugkeerders"


def test_an_original_changed_since_indexing_gives_the_text_not_another_page(page, server, index):
    doc_id = doc_id_of(server.url, "Gewijzigde brief")
    response = page.goto(f"/document/{doc_id}/page/1?q=terugkeerders")
    assert response.status == 200
    assert page.locator("#page-notice").inner_text() == (
        "Het origineel van dit document is veranderd sinds het werd geïndexeerd; hieronder staat de tekst "
        "van pagina 1 zoals die is geïndexeerd.")
    assert page.locator("#page-image").count() == 0
    assert page.locator(".pagetext mark").inner_text() == "terugkeerders"
    # Nor is the other file's page rendered and kept under this document's content hash.
    assert page.request.get(f"/document/{doc_id}/page/1.jpg?w=800").status == 404
    assert not any(p.name.endswith("-1-800.jpg") and p.name.startswith(doc_id)
                   for p in (index / "pages").rglob("*"))
    # A file with a newer time and the same content is the same original.
    doc_id = doc_id_of(server.url, "Aangeraakte brief")
    page.goto(f"/document/{doc_id}/page/1?q=terugkeerders")
    wait_for_image(page)
    assert page.locator(".pagemark").count() == 1 and page.locator("#page-notice").count() == 0


# -- OCR: Tesseract's word boxes ------------------------------------------------------------
def test_scanned_page_marks_tesseracts_boxes(tmp_path, browser):
    if not (shutil.which("tesseract") and shutil.which("pdftoppm")):
        pytest.skip("tesseract or pdftoppm is missing")
    folder = tmp_path / "scans"
    folder.mkdir()
    word_box = _scan_pdf(folder / "scan.pdf")
    index_dir = tmp_path / "index"
    report = build([folder], index_dir, workers=1, ocr=True)
    assert not report.unreadable, report.unreadable
    live = LiveServer(kamerzoek_exe(), index_dir, tmp_path / "serve.log")
    w = Watched(browser, live.url, {"width": 1280, "height": 900})
    try:
        import json
        import urllib.request
        with urllib.request.urlopen(f"{live.url}/api/search?q=terugkeerders") as r:
            doc_id = json.load(r)["results"][0]["doc_id"]
        w.page.set_default_timeout(60_000)  # the first view runs Tesseract for the boxes
        w.page.goto(f"/document/{doc_id}/page/1?q=terugkeerders")
        wait_for_image(w.page)
        marks = marks_in_points(w.page, 595.2756)
        assert len(marks) == 1, marks
        # Where Pillow drew the word (Tesseract reads a 300 dpi render of it: a pixel or two off).
        assert covers(marks[0], word_box, slack=2.5), (marks[0], word_box)
        w.check()
    finally:
        w.close()
        live.stop()


# -- the cache: content hash, page and width only; bounded ------------------------------------
def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.rglob("*") if p.is_file()}


def test_no_query_grows_the_cache(index, tmp_path):
    from webapp import create_app
    cache_dir = tmp_path / "pages"
    app = create_app({"INDEX_DIR": str(index), "PAGE_CACHE_DIR": str(cache_dir)})
    client = app.test_client()
    doc_id = next(d["doc_id"] for d in client.get("/api/search?q=terugkeerders").get_json()["results"]
                  if d["title"] == "Toezicht op terugkeerders")
    html = client.get(f"/document/{doc_id}/page/1?q=terugkeerders").get_data(as_text=True)
    src = re.search(r'<img id="page-image" src="([^"]+)"', html).group(1).replace("&amp;", "&")
    first = client.get(src)
    assert first.status_code == 200 and first.mimetype == "image/jpeg" and first.data[:3] == b"\xff\xd8\xff"
    after_one = _files(cache_dir)
    assert len(after_one) == 2  # the image and the page's word positions
    for q in ("gemeenten", "toezicht OF jihadisme", '"de kamer"', "terug*", "x" * 400):
        assert client.get(f"/document/{doc_id}/page/1", query_string={"q": q}).status_code == 200
        assert client.get(src + "&q=" + q).status_code == 200
    assert _files(cache_dir) == after_one
    assert client.get(f"/document/{doc_id}/page/1.jpg?w=333").status_code == 404  # only the offered widths
    assert client.get(f"/document/{doc_id}/page/9.jpg?w=800").status_code == 404
    assert client.get(f"/document/{doc_id}/page/9?q=x").status_code == 404


def test_cache_keeps_to_its_bound_least_recently_used_first(pdfs, tmp_path):
    from indexer.pageview import PageCache, cached_image
    pdf = pdfs / "toezicht.pdf"
    sizes = {n: len(cached_image(None, "a" * 64, pdf, n, 800)) for n in (1, 2, 3)}
    assert sizes[1] > sizes[2] and sizes[1] > sizes[3]
    cache = PageCache(tmp_path / "pages", max_bytes=sizes[2] + sizes[3] + 1)  # two pages fit, not three
    for n in (1, 2, 3):
        cached_image(cache, "a" * 64, pdf, n, 800)
    assert cache.size() <= cache.max_bytes
    names = _files(tmp_path / "pages")
    assert f"{'a' * 64}-3-800.jpg" in names and f"{'a' * 64}-1-800.jpg" not in names
    import os
    import time
    os.utime(tmp_path / "pages" / "aa" / f"{'a' * 64}-2-800.jpg", (time.time() + 5, time.time() + 5))
    cached_image(cache, "b" * 64, pdf, 1, 800)  # page 2 was used last: page 3 goes
    names = _files(tmp_path / "pages")
    assert f"{'a' * 64}-2-800.jpg" in names and f"{'a' * 64}-3-800.jpg" not in names
