"""The web pages through Flask's test client, on an index of the shipped corpus."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from webapp import create_app


@pytest.fixture(scope="module")
def app(corpus_index):
    return create_app({"INDEX_DIR": str(corpus_index)})


@pytest.fixture
def client(app):
    return app.test_client()


class Page(HTMLParser):
    """The elements of a page as (tag, attributes) pairs, and its visible text."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text_parts: list[str] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text_parts))

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def links(self) -> list[str]:
        return [a["href"] for t, a in self.elements if t == "a" and a.get("href")]


def page(response) -> Page:
    return Page(response.get_data(as_text=True))


def test_search_page_shows_count_time_and_highlighted_passages_with_pages(client):
    response = client.get("/?q=terugkeerders")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    doc = Page(html)
    assert re.search(r"\d+ documenten gevonden", doc.text)
    assert re.search(r"in \d+ ms", doc.text)
    assert "<mark>terugkeerders</mark>" in html
    passages = re.findall(r'<a class="page" href="/document/([0-9a-f]{16})\?q=terugkeerders#p(\d+)">p\.&nbsp;(\d+)</a>', html)
    assert passages, "every passage links to its page"
    assert all(anchor == label for _, anchor, label in passages)
    assert doc.find("input", id="q")[0]["value"] == "terugkeerders", "the box keeps the query"
    assert doc.find("html")[0]["lang"] == "nl"


@pytest.mark.parametrize("typed, found", [("terugkeerder", "terugkeerders"), ("coordinator", "Coördinator")])
def test_other_forms_are_found_and_highlighted(client, typed, found):
    html = client.get("/", query_string={"q": typed}).get_data(as_text=True)
    assert f"<mark>{found}</mark>" in html


def test_result_shows_title_type_date_and_dossier(client):
    html = client.get("/?q=terugkeerders&type=motie").get_data(as_text=True)
    doc = Page(html)
    assert "1 document gevonden" in doc.text
    assert doc.find("span", **{"class": "type"})
    assert re.search(r'<time datetime="\d{4}-\d{2}-\d{2}">\d{1,2} [a-z]+ \d{4}</time>', html)
    assert re.search(r"dossier \d+, nr\. \d+", doc.text)


def test_no_results_says_so_in_dutch_and_suggests_a_spelling(client):
    response = client.get("/?q=polarizatie")
    assert response.status_code == 200
    doc = page(response)
    assert "Geen resultaten voor ‘polarizatie’." in doc.text
    assert "Bedoelde u: polarisatie?" in doc.text
    assert "/?q=polarisatie" in doc.links()
    assert doc.find("input", id="q")[0]["value"] == "polarizatie"


def test_no_results_with_a_filter_offers_to_remove_it(client):
    doc = page(client.get("/?q=polarisatie&type=wet"))
    assert "Er staan filters aan." in doc.text
    assert "/?q=polarisatie" in doc.links()


def test_bad_query_gets_a_friendly_dutch_sentence_and_keeps_the_query(client):
    response = client.get("/?q=onzin:iets")
    assert response.status_code == 400
    doc = page(response)
    assert "Onbekend veld" in doc.text
    assert "/help" in doc.links()
    assert doc.find("input", id="q")[0]["value"] == "onzin:iets"


def test_half_typed_query_is_answered_with_a_notice(client):
    response = client.get('/?q="open samenleving')
    assert response.status_code == 200
    assert "Let op:" in page(response).text


def test_facet_links_hold_the_query_and_toggle_the_filter(client):
    doc = page(client.get("/?q=terugkeerders"))
    type_links = [a["href"] for a in doc.find("a") if a.get("data-facet") == "type"]
    assert type_links
    first = parse_qs(urlsplit(type_links[0]).query)
    assert first["q"] == ["terugkeerders"] and len(first["type"]) == 1
    narrowed = page(client.get(type_links[0]))
    chip = [a["href"] for a in narrowed.find("a", **{"class": "chip"})]
    assert len(chip) == 1
    assert parse_qs(urlsplit(chip[0]).query) == {"q": ["terugkeerders"]}, "the chip removes the filter"


def test_year_chart_bars_are_filter_links(client):
    html = client.get("/?q=terrorisme").get_data(as_text=True)
    years = re.findall(r'<a href="(/\?q=terrorisme&amp;year=(\d{4}))" class="year"', html)
    assert len(years) >= 2
    narrowed = page(client.get(years[0][0].replace("&amp;", "&")))
    assert "1 document gevonden" in narrowed.text or "documenten gevonden" in narrowed.text
    assert narrowed.find("a", **{"class": "chip"})


def test_paging_keeps_the_query_and_page_size(client):
    first = page(client.get("/?q=terrorisme&per_page=3"))
    next_links = [a["href"] for a in first.find("a", rel="next")]
    assert next_links
    args = parse_qs(urlsplit(next_links[0]).query)
    assert args == {"q": ["terrorisme"], "per_page": ["3"], "page": ["2"]}
    second = client.get(next_links[0]).get_data(as_text=True)
    assert '<ol class="results" start="4">' in second
    assert '<span aria-current="page">2</span>' in second


def test_sort_links(client):
    response = client.get("/?q=terrorisme&sort=newest")
    assert '<strong aria-current="true">nieuwste eerst</strong>' in response.get_data(as_text=True)
    doc = page(response)
    dates = [t["datetime"] for t in doc.find("time")]
    assert dates == sorted(dates, reverse=True)
    assert "/?q=terrorisme&sort=oldest" in doc.links()
    assert "/?q=terrorisme" in doc.links(), "relevance is the default, without sort="


def test_english_toggle_keeps_the_query(client):
    dutch = page(client.get("/?q=terugkeerders"))
    switch = [a["href"] for a in dutch.find("a", id="lang-switch")][0]
    assert parse_qs(urlsplit(switch).query) == {"q": ["terugkeerders"], "lang": ["en"]}
    english = client.get(switch)
    doc = page(english)
    assert doc.find("html")[0]["lang"] == "en"
    assert re.search(r"\d+ documents found", doc.text)
    assert doc.find("input", id="q")[0]["value"] == "terugkeerders"
    assert doc.find("input", type="hidden", name="lang")[0]["value"] == "en"
    assert any("lang=en" in href for href in doc.links() if href.startswith("/document/"))
    back = [a["href"] for a in doc.find("a", id="lang-switch")][0]
    assert parse_qs(urlsplit(back).query) == {"q": ["terugkeerders"]}


def test_document_page_has_page_anchors_highlights_and_original_link(client):
    html = client.get("/?q=terugkeerders").get_data(as_text=True)
    doc_id, page_number = re.search(r'href="/document/([0-9a-f]{16})\?q=terugkeerders#p(\d+)"', html).groups()
    response = client.get(f"/document/{doc_id}?q=terugkeerders")
    assert response.status_code == 200
    markup = response.get_data(as_text=True)
    doc = Page(markup)
    assert doc.find("section", id=f"p{page_number}")
    assert "<mark>" in markup
    assert re.search(r"\d+ treffers voor ‘terugkeerders’", doc.text)
    assert doc.find("a", id="original")[0]["href"] == f"/original/{doc_id}"
    cites = [b for b in doc.find("button") if "cite" in b.get("class", "")]
    assert cites and all(b["data-citation"] and b["data-link"].startswith(f"/document/{doc_id}") for b in cites)
    assert client.get(f"/original/{doc_id}").status_code == 200


def test_unknown_document_is_a_friendly_404(client):
    response = client.get("/document/0123456789abcdef")
    assert response.status_code == 404
    assert "bestaat niet" in page(response).text


@pytest.mark.parametrize("path", ["/", "/?q=terugkeerders", "/?q=onzin:iets", "/?q=polarizatie", "/help", "/status",
                                  "/document/0123456789abcdef", "/?q=terugkeerders&lang=en"])
def test_pages_have_no_inline_script_style_or_external_assets(client, path):
    doc = page(client.get(path))
    for tag, attrs in doc.elements:
        assert tag != "style", path
        assert "style" not in attrs, (path, tag, attrs)
        assert not any(name.startswith("on") for name in attrs), (path, tag, attrs)
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), "scripts come from our own static files"
        for name in ("src", "href"):
            value = attrs.get(name, "")
            assert not re.match(r"^(https?:)?//", value), f"external asset {value} on {path}"


def test_every_form_field_has_a_label(client):
    html = client.get("/?q=terugkeerders").get_data(as_text=True)
    doc = Page(html)
    for field in doc.find("input"):
        if field.get("type") != "hidden":
            assert f'for="{field["id"]}"' in html


def test_help_and_status_pages(client):
    assert "titel:" in page(client.get("/help")).text
    status = page(client.get("/status"))
    assert re.search(r"Documenten ?\d+", status.text)


def test_without_an_index_the_pages_say_how_to_make_one(tmp_path):
    client = create_app({"INDEX_DIR": str(tmp_path / "none")}).test_client()
    assert client.get("/").status_code == 200
    response = client.get("/?q=terugkeerders")
    assert response.status_code == 503
    assert "kamerzoek index" in page(response).text
    assert client.get("/api/search?q=terugkeerders").status_code == 503
    assert client.get("/status").status_code == 503
    assert client.get("/document/0123456789abcdef").status_code == 404


def test_english_pages_are_english(client):
    for path in ("/help?lang=en", "/status?lang=en", "/document/0123456789abcdef?lang=en", "/?q=polarizatie&lang=en"):
        doc = page(client.get(path))
        assert doc.find("html")[0]["lang"] == "en", path
        assert "Nederlands" in doc.text and "Zoekhulp" not in doc.text, path
