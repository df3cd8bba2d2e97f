"""The researcher journeys in a real browser: headless Chromium against `kamerzoek serve` (gunicorn).

Every page a test opens is watched for console errors and Content-Security-Policy
violations; the tests write the screenshots in docs/screenshots/.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import ROOT, kamerzoek_exe
from live_server import LiveServer, launch_chromium, require_chromium

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture(scope="module")
def server(corpus_index, tmp_path_factory):
    require_chromium()
    live = LiveServer(kamerzoek_exe(), corpus_index, tmp_path_factory.mktemp("browser") / "serve.log")
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


class Watched:
    """A browser page whose console errors, uncaught exceptions and CSP violations are collected."""

    def __init__(self, browser, base: str, viewport: dict):
        self.context = browser.new_context(viewport=viewport, base_url=base, locale="nl-NL")
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.problems: list[str] = []
        self.allowed: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"exception: {e}"))
        self.page.add_init_script(WATCH)

    def check(self) -> None:
        try:
            violations = self.page.evaluate("window.__cspViolations || []")
        except Exception:  # the page is gone; the console listener saw what there was
            violations = []
        self.problems += [f"CSP: {v}" for v in violations]
        problems = [p for p in self.problems if not any(a in p for a in self.allowed)]
        assert not problems, problems

    def allow_status(self, status: int) -> None:
        """A page opened on purpose that answers with this error status (the browser logs it)."""
        self.allowed.append(f"the server responded with a status of {status} ")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser, server):
    pages = []

    def open_page(viewport=DESKTOP) -> Watched:
        w = Watched(browser, server.url, viewport)
        pages.append(w)
        return w

    yield open_page
    try:
        for w in pages:
            w.check()
    finally:
        for w in pages:
            w.close()


@pytest.fixture
def page(watched):
    return watched().page


def search(page, query: str) -> None:
    """Type a query in the box and press Enter, as a person does."""
    box = page.locator("#q")
    box.fill("")
    box.press_sequentially(query)
    box.press("Enter")
    page.wait_for_url(re.compile(r"[?&]q="))
    page.locator("#count").wait_for()


def count(page) -> int:
    text = page.locator("#count").inner_text()
    match = re.search(r"(\d+) documen", text)
    return int(match.group(1)) if match else 0


def query_args(page) -> dict:
    return parse_qs(urlsplit(page.url).query)


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# -- R1: a theme across the years ----------------------------------------------------------
def test_search_shows_count_time_and_highlighted_passages_with_pages(page):
    page.goto("/")
    search(page, "terugkeerders")
    assert re.fullmatch(r"\d+ documenten gevonden in \d+ ms", page.locator("#count").inner_text().strip())
    assert count(page) >= 3
    assert page.locator("#q").input_value() == "terugkeerders"
    first = page.locator("li.result").first
    assert first.locator("h2 a").inner_text().strip()
    assert first.locator(".meta .type").inner_text().strip()
    assert first.locator(".meta time").count() == 1
    labels = page.locator(".passage a.page").all_inner_texts()
    assert labels and all(re.fullmatch(r"p\.\s\d+", label) for label in labels)
    marked = {m.lower() for m in page.locator(".passage mark").all_inner_texts()}
    assert "terugkeerders" in marked
    assert "terugkeerder" in marked, "a form she did not type is highlighted too"
    assert page.locator("figure.chart a.year").count() >= 2
    screenshot(page, "search-desktop.png")


def test_unaccented_query_finds_and_highlights_the_accented_form(page):
    page.goto("/")
    search(page, "coordinator")
    assert count(page) >= 1
    assert "Coördinator" in page.locator(".passage mark").all_inner_texts()


def test_year_in_the_chart_narrows_and_the_url_holds_query_and_filter(page):
    page.goto("/?q=terrorisme")
    before = count(page)
    bar = page.locator("figure.chart a.year").first
    year = bar.get_attribute("data-year")
    bar.click()
    page.wait_for_url(re.compile(rf"year={year}"))
    assert query_args(page) == {"q": ["terrorisme"], "year": [year]}
    after = count(page)
    assert 1 <= after < before
    assert all(t.startswith(year) for t in page.locator("li.result time").evaluate_all(
        "ts => ts.map(t => t.getAttribute('datetime'))"))
    page.locator("a.chip").click()
    page.wait_for_url(lambda url: "year=" not in url)
    assert query_args(page) == {"q": ["terrorisme"]}
    assert count(page) == before


def test_type_facet_applies_and_removes_a_filter(page):
    page.goto("/")
    search(page, "terrorisme")
    before = count(page)
    facet = page.locator('a[data-facet="type"][data-value="motie"]')
    facet.click()
    page.wait_for_url(re.compile(r"type=motie"))
    assert query_args(page) == {"q": ["terrorisme"], "type": ["motie"]}
    assert 1 <= count(page) < before
    assert {t.strip().lower() for t in page.locator("li.result .meta .type").all_inner_texts()} == {"motie"}
    assert page.locator('a[data-facet="type"][data-value="motie"]').get_attribute("aria-current") == "true"
    page.locator('a[data-facet="type"][data-value="motie"]').click()
    page.wait_for_url(lambda url: "type=" not in url)
    assert count(page) == before


# -- paging, back and forward ------------------------------------------------------------------
def titles(page) -> list[str]:
    return page.locator("li.result h2 a").all_inner_texts()


def test_paging_and_the_back_and_forward_buttons(page):
    page.goto("/?q=terrorisme&per_page=4")
    assert count(page) > 8, "the corpus has enough documents for three pages"
    first = titles(page)
    page.locator("nav.pager a[rel=next]").click()
    page.wait_for_url(re.compile(r"page=2"))
    second = titles(page)
    assert second and not set(second) & set(first)
    assert page.locator("ol.results").get_attribute("start") == "5"
    page.locator("nav.pager a", has_text=re.compile(r"^3$")).click()
    page.wait_for_url(re.compile(r"page=3"))
    third = titles(page)
    page.go_back()
    page.wait_for_url(re.compile(r"page=2"))
    assert titles(page) == second
    page.go_back()
    page.wait_for_url(lambda url: not re.search(r"[?&]page=", url))
    assert titles(page) == first
    page.go_forward()
    page.wait_for_url(re.compile(r"page=2"))
    assert titles(page) == second
    page.go_forward()
    assert titles(page) == third


def test_back_restores_the_previous_search(page):
    page.goto("/")
    search(page, "terugkeerders")
    first = titles(page)
    search(page, "moskeeen")
    assert page.locator("#q").input_value() == "moskeeen"
    page.go_back()
    page.wait_for_url(re.compile(r"q=terugkeerders"))
    assert page.locator("#q").input_value() == "terugkeerders"
    assert titles(page) == first
    page.go_forward()
    page.wait_for_url(re.compile(r"q=moskeeen"))
    assert page.locator("#q").input_value() == "moskeeen"


# -- R2: from passage to page --------------------------------------------------------------
def in_view(page, selector: str) -> bool:
    return page.evaluate("""sel => { const r = document.querySelector(sel).getBoundingClientRect();
                                     return r.top < window.innerHeight && r.bottom > 0; }""", selector)


def test_passage_opens_the_document_at_its_page_and_steps_through_hits(page, server):
    page.goto("/?q=terugkeerders")
    link = page.locator(".passage a.page").first
    number = re.search(r"\d+", link.inner_text()).group()
    link.click()
    page.wait_for_url(re.compile(rf"/document/[0-9a-f]{{16}}\?q=terugkeerders#p{number}$"))
    assert in_view(page, f"#p{number}"), "the document opens at the cited page"
    assert page.locator(f"#p{number} .pagetext mark").count() >= 1
    total = page.locator(".pagetext mark").count()
    assert page.locator(".hitcount").inner_text().startswith(f"{total} treffers")

    page.locator("#next-hit").click()
    current = page.locator("mark.current")
    assert current.count() == 1
    first_page = current.evaluate("m => m.closest('section.page').id")
    assert int(first_page[1:]) >= int(number)
    position = page.locator("#hit-position").inner_text()
    k = int(position.split("/")[0])
    assert position == f"{k} / {total}"
    page.locator("#next-hit").click()
    assert page.locator("#hit-position").inner_text() == f"{k % total + 1} / {total}"
    page.keyboard.press("n")
    assert page.locator("#hit-position").inner_text() == f"{(k + 1) % total + 1} / {total}"
    assert in_view(page, "mark.current")


def open_letter(page) -> None:
    """A Kamerbrief about returnees, from the top: the document page as it first appears."""
    page.goto("/?q=terugkeerders&type=kamerbrief")
    page.locator("li.result h2 a").first.click()
    page.wait_for_url(re.compile(r"/document/[0-9a-f]{16}\?q=terugkeerders$"))
    assert page.locator("#p1 .pagetext mark").count() >= 1


def test_document_screenshots(watched):
    desktop = watched(DESKTOP).page
    open_letter(desktop)
    screenshot(desktop, "document-desktop.png")
    phone = watched(PHONE).page
    open_letter(phone)
    assert no_horizontal_scroll(phone)
    screenshot(phone, "document-phone.png")


def test_open_original_points_at_the_page(page, server):
    page.goto("/?q=terugkeerders&type=dreigingsbeeld")
    link = page.locator(".passage a.page").first
    number = re.search(r"\d+", link.inner_text()).group()
    link.click()
    page.wait_for_url(re.compile(rf"#p{number}$"))
    original = page.locator("#original")
    assert original.get_attribute("data-format") == "pdf"
    href = original.get_attribute("href")
    doc_id = re.search(r"/document/([0-9a-f]{16})", page.url).group(1)
    assert href == f"/original/{doc_id}#page={number}"
    assert page.locator(f"#p{number} a.pagelink").get_attribute("href") == f"/original/{doc_id}#page={number}"
    response = page.request.get(href.split("#")[0])
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"


# -- R3: citing ----------------------------------------------------------------------------
def test_cite_copies_the_citation_with_a_stable_link(page, server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page.goto("/?q=terugkeerders&type=motie")
    button = page.locator("li.result button.cite").first
    button.click()
    page.wait_for_function("() => document.querySelector('button.cite').textContent === 'Gekopieerd'")
    copied = button.get_attribute("data-copied")
    assert re.fullmatch(rf"Kamerstukken II \d{{4}}/\d\d, \d+, nr\. \d+, p\. \d+, {re.escape(server.url)}"
                        rf"/document/[0-9a-f]{{16}}\?q=terugkeerders#p\d+", copied), copied
    assert page.evaluate("navigator.clipboard.readText()") == copied
    link = copied.rsplit(", ", 1)[1]
    page.goto(link)
    number = link.rsplit("#p", 1)[1]
    assert in_view(page, f"#p{number}")
    assert page.locator(f"#p{number} mark").count() >= 1


# -- keyboard only -------------------------------------------------------------------------
def focused(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement;
        return {id: e.id, tag: e.tagName.toLowerCase(), cls: e.className, href: e.getAttribute('href'),
                outline: getComputedStyle(e).outlineStyle, inResult: !!e.closest('li.result h2')}; }""")


def tab_until(page, predicate, limit: int = 80) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = focused(page)
        if predicate(state):
            return state
    raise AssertionError("Tab never reached the element")


def test_keyboard_only(page):
    page.goto("/")
    assert focused(page)["id"] == "q", "the search box has the focus on arrival"
    page.keyboard.type("jihadisme")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=jihadisme"))
    # From the top of the results page: the skip link first, then on to the box.
    page.keyboard.press("Tab")
    assert "skip" in focused(page)["cls"]
    box = tab_until(page, lambda s: s["id"] == "q", limit=10)
    assert box["outline"] == "solid", "focus is visible"
    page.keyboard.press("Control+A")
    page.keyboard.type("terugkeerders")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=terugkeerders"))
    assert count(page) >= 1
    result = tab_until(page, lambda s: s["inResult"])
    assert result["outline"] == "solid"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/document/[0-9a-f]{16}\?q=terugkeerders"))
    assert page.locator(".pagetext mark").count() >= 1
    page.keyboard.press("n")
    assert page.locator("mark.current").count() == 1


# -- the English toggle ----------------------------------------------------------------------
def test_english_toggle_keeps_the_query(page):
    page.goto("/")
    search(page, "terugkeerders")
    dutch = count(page)
    page.locator("#lang-switch").click()
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#q").input_value() == "terugkeerders"
    assert re.fullmatch(r"\d+ documents found in \d+ ms", page.locator("#count").inner_text().strip())
    assert count(page) == dutch
    assert page.locator("label[for=q]").inner_text() == "Query"
    search(page, "coordinator")
    assert "lang=en" in page.url, "a new search stays in English"
    page.locator("#lang-switch").click()
    page.wait_for_url(lambda url: "lang=" not in url)
    assert page.locator("#q").input_value() == "coordinator"
    assert page.locator("html").get_attribute("lang") == "nl"


# -- a phone -------------------------------------------------------------------------------
def test_phone_width_has_no_horizontal_scroll(watched):
    w = watched(PHONE)
    w.allow_status(400)  # the bad query's page below
    page = w.page
    for path in ("/", "/help", "/status", "/?q=onzin:iets", "/?q=polarizatie"):
        page.goto(path)
        assert no_horizontal_scroll(page), path
    page.goto("/?q=terugkeerders")
    assert no_horizontal_scroll(page)
    box = page.locator("#q").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    facets = page.locator("details#facets")
    assert facets.get_attribute("open") is None, "filters start folded on a phone"
    screenshot(page, "search-phone.png")
    facets.locator("summary").click()
    assert page.locator('a[data-facet="type"]').first.is_visible()
    assert no_horizontal_scroll(page)
    link = page.locator(".passage a.page").first
    number = re.search(r"\d+", link.inner_text()).group()
    link.click()
    page.wait_for_url(re.compile(rf"#p{number}$"))
    assert no_horizontal_scroll(page)
    page.locator("#next-hit").click()
    assert in_view(page, "mark.current")


# -- the Content-Security-Policy in force ---------------------------------------------------
def test_inline_script_is_refused_by_the_browser(browser, server):
    w = Watched(browser, server.url, DESKTOP)
    try:
        page = w.page
        page.goto("/?q=terugkeerders")
        with pytest.raises(Exception, match="Content Security Policy"):
            page.add_script_tag(content="window.__inline = 1;")
        page.evaluate("""() => { const d = document.createElement('div');
                                 d.innerHTML = '<img src="/static/favicon.svg" onload="window.__handler = 1">';
                                 document.body.appendChild(d); }""")
        page.wait_for_timeout(200)
        assert page.evaluate("window.__inline") is None
        assert page.evaluate("window.__handler") is None
        violations = page.evaluate("window.__cspViolations")
        assert any(v.startswith("script-src-elem") for v in violations)
        assert any(v.startswith("script-src-attr") for v in violations)
    finally:
        w.close()
