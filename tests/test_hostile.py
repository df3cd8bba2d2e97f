"""Hostile input and abuse: escaping, the Content-Security-Policy, the original-file route,
no debug mode, and queries that must never give a 500.

Each test names the protection it guards; removing that protection makes it fail.
"""
from __future__ import annotations

import csv
import http.client
import io
import json
import logging
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import kamerzoek_exe
from live_server import LiveServer, launch_chromium, require_chromium
from webapp import create_app

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
SVG = "<svg onload=alert(3)>"
TITLE = f"{SCRIPT} Kwaadaardige titel"
NUMBER = "<b>5</b>"
DOSSIER = '"><svg/onload=alert(4)>'
A_NAME = f"{IMG} verslag.txt"
B_NAME = f"{SVG} motie.txt"
BROKEN_NAME = f"{IMG} kapot.pdf"
FORMULA = '=HYPERLINK("http://example.invalid","klik")'
SECRET = "topgeheim wachtwoord van de beheerder"


# -- the hostile corpus -----------------------------------------------------------------------
def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _sidecar(document: Path, **fields) -> None:
    _write(document.with_name(document.name + ".json"), json.dumps(fields))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A folder of documents whose text, titles, file names and sidecars carry markup, indexed."""
    from indexer.build import Options, build_index
    from indexer.store import Store

    base = tmp_path_factory.mktemp("hostile")
    docs, outside = base / "docs", base / "outside"
    _write(outside / "secret.txt", f"{SECRET}\n")
    a = _write(docs / A_NAME, f"Kwaadaardig verslag\n\nDit kwaadaardig verslag bevat {SCRIPT} en {IMG} en {SVG} "
                              "als gewone tekst, met het woord terrorismebestrijding.\n")
    _sidecar(a, title=TITLE, date="2020-01-02", type="motie", dossier=DOSSIER, number=NUMBER,
             vergaderjaar="2019-2020", url="javascript:alert(5)")
    _write(docs / B_NAME, f"{SCRIPT} kwaadaardig\n\nEen tweede kwaadaardig stuk met {IMG} in de tekst.\n")
    c = _write(docs / "formule.txt", "Een kwaadaardig werkblad probeert een formule in de export te krijgen.\n")
    _sidecar(c, title=FORMULA, date="2021-03-04", type="kamerbrief")
    _write(docs / "wissel.txt", "Dit wisselbestand wordt na het indexeren vervangen door een koppeling.\n")
    _write(docs / "verdwenen.txt", "Dit verdwenen bestand wordt na het indexeren verwijderd.\n")
    _write(docs / "gewoon.txt", "Een gewoon kwaadaardig bestand dat het origineel mag laten zien.\n")
    (docs / "koppeling.txt").symlink_to(outside / "secret.txt")
    (docs / BROKEN_NAME).write_bytes(b"%PDF-1.4\n this is not a real PDF \x00\x01\x02")
    # Words enough for the expansion cap of a prefix query.
    _write(docs / "woorden.txt", " ".join(f"zqx{i:04d}" for i in range(400)) + "\n")

    index_dir = base / "index"
    report = build_index([docs], Store(index_dir), Options(workers=1))
    app = create_app({"INDEX_DIR": str(index_dir)})
    ids = {}
    with app.test_client() as client:
        for word in ("kwaadaardig", "wisselbestand", "verdwenen", "gewoon", "topgeheim"):
            answer = client.get("/api/search", query_string={"q": word, "per_page": 50}).get_json()
            ids[word] = [r["doc_id"] for r in answer.get("results", [])]
            if word == "kwaadaardig":
                ids["by_title"] = {r["title"]: r["doc_id"] for r in answer["results"]}
    # After indexing: an indexed file becomes a link to outside, another disappears.
    swapped = docs / "wissel.txt"
    swapped.unlink()
    swapped.symlink_to(outside / "secret.txt")
    (docs / "verdwenen.txt").unlink()
    return {"index": index_dir, "app": app, "ids": ids, "base": base, "report": report}


@pytest.fixture
def client(hostile):
    return hostile["app"].test_client()


def _ids_of(client, q: str) -> list[str]:
    return [r["doc_id"] for r in client.get("/api/search", query_string={"q": q, "per_page": 50}).get_json()["results"]]


class Elements(HTMLParser):
    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text = ""
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text += data


def assert_inert(markup: str, *shown: str) -> None:
    """The markup holds no element or attribute that the payloads could have injected,
    and shows each payload as text."""
    page = Elements(markup)
    for tag, attrs in page.elements:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert tag not in ("b", "style", "iframe", "object", "embed"), (tag, attrs)
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), attrs
        if tag == "img":
            assert attrs.get("src", "").startswith("/static/"), attrs
        if tag == "svg":
            assert "onload" not in attrs and attrs.get("role") == "group", attrs
        for name in ("href", "src", "action"):
            assert not attrs.get(name, "").strip().lower().startswith(("javascript:", "data:")), (tag, attrs)
    for text in shown:
        assert text in page.text, f"{text!r} is not shown as text"


# -- escaping -----------------------------------------------------------------------------------
def test_results_page_shows_hostile_text_title_and_metadata_as_text(client):
    """Guards Jinja's autoescaping of titles, metadata and passages (only <mark> is markup)."""
    response = client.get("/?q=kwaadaardig")
    assert response.status_code == 200
    markup = response.get_data(as_text=True)
    assert SCRIPT not in markup and IMG not in markup and SVG not in markup
    assert_inert(markup, TITLE, NUMBER, f"{SCRIPT} kwaadaardig")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup


def test_document_pages_show_hostile_content_as_text(client, hostile):
    """Guards the document page: title, metadata, page text and the source link."""
    for doc_id in hostile["ids"]["kwaadaardig"]:
        response = client.get(f"/document/{doc_id}?q=kwaadaardig")
        assert response.status_code == 200
        markup = response.get_data(as_text=True)
        assert SCRIPT not in markup and IMG not in markup
        assert_inert(markup)
    a_id = hostile["ids"]["by_title"][TITLE]
    markup = client.get(f"/document/{a_id}?q=kwaadaardig").get_data(as_text=True)
    assert_inert(markup, TITLE, NUMBER, SCRIPT, IMG, SVG)
    assert "javascript:" not in markup, "a javascript: source URL is never a link"


def test_status_page_shows_hostile_file_names_as_text(client):
    """Guards the status page, where unreadable files are listed by path."""
    markup = client.get("/status").get_data(as_text=True)
    assert IMG not in markup
    assert_inert(markup, BROKEN_NAME)


def test_exports_carry_hostile_text_as_data_never_as_a_page(client):
    """Guards the exports: their content types, nosniff, attachment, and formula neutralising."""
    response = client.get("/export.csv?q=kwaadaardig")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines(keepends=True)
    rows = list(csv.DictReader(io.StringIO("".join(line for line in lines if not line.startswith("# ")))))
    titles = {row["title"] for row in rows}
    assert TITLE in titles, "the title is data, unchanged"
    assert "'" + FORMULA in titles, "a cell a spreadsheet would run as a formula is neutralised"
    assert FORMULA not in titles
    assert any(A_NAME in row["path"] for row in rows)
    assert any(SCRIPT in row["text"] for row in rows)

    response = client.get("/export.json?q=kwaadaardig")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")
    passages = json.loads(response.get_data(as_text=True))["passages"]
    assert TITLE in {p["title"] for p in passages}
    assert any(p["number"] == NUMBER for p in passages)


@pytest.mark.parametrize("q", [SCRIPT, f"{IMG} kwaadaardig", f"kwaadardig {SVG}", f'"{SCRIPT}', f"{SCRIPT} onzin:veld",
                               f"{IMG} zqx*"])
def test_the_echoed_query_is_escaped(client, q):
    """Guards the query echoed in the box, the title, the heading, notices, suggestions and messages."""
    response = client.get("/", query_string={"q": q})
    assert response.status_code in (200, 400)
    markup = response.get_data(as_text=True)
    assert SCRIPT not in markup and IMG not in markup and SVG not in markup
    assert_inert(markup)
    page = Elements(markup)
    assert [a.get("value") for t, a in page.elements if t == "input" and a.get("id") == "q"] == [q]


def test_the_query_echoed_on_a_document_page_is_escaped(client, hostile):
    doc_id = hostile["ids"]["gewoon"][0]
    markup = client.get(f"/document/{doc_id}", query_string={"q": f"{SCRIPT} {IMG}"}).get_data(as_text=True)
    assert SCRIPT not in markup and IMG not in markup
    assert_inert(markup)


# -- the Content-Security-Policy ------------------------------------------------------------------
def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = [w.lower() for w in words[1:]]
    return directives


def assert_strict_csp(header: str | None) -> None:
    assert header, "every answer carries a Content-Security-Policy"
    d = csp_directives(header)
    scripts = d.get("script-src", d.get("default-src"))
    assert scripts == ["'self'"], f"script-src allows only our own files, not {scripts}"
    assert d.get("default-src") == ["'self'"]
    assert d.get("object-src") == ["'none'"]
    assert d.get("base-uri") in (["'none'"], ["'self'"])
    assert d.get("frame-ancestors") == ["'none'"]
    for values in d.values():
        assert "'unsafe-inline'" not in values and "'unsafe-eval'" not in values and "*" not in values


@pytest.mark.parametrize("path", ["/", "/?q=kwaadaardig", "/status", "/help", "/api/search?q=kwaadaardig",
                                  "/export.csv?q=kwaadaardig", "/document/0123456789abcdef", "/static/app.js",
                                  "/?q=onzin:veld"])
def test_every_answer_has_a_strict_csp(client, path):
    """Guards the after_request hook that sets the policy on every response, errors included."""
    assert_strict_csp(client.get(path).headers.get("Content-Security-Policy"))


# -- the original-file route ------------------------------------------------------------------------
TRAVERSALS = [
    "/original/..", "/original/../../../../etc/passwd", "/original//etc/passwd", "/original/%2fetc%2fpasswd",
    "/original/..%2f..%2f..%2fetc%2fpasswd", "/original/%2e%2e/%2e%2e/etc/passwd", "/original/%2e%2e%2f%2e%2e%2fetc",
    "/original/..%5c..%5cetc%5cpasswd", "/original/0123456789abcdef", "/original/0123456789ABCDEF",
    "/original/%00", "/original/0123456789abcdef%00", "/static/..%2f__init__.py", "/static/../views.py",
    "/static/%2e%2e/views.py",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_and_unknown_ids_are_404(client, path):
    """Guards the route: a 16-hex doc id looked up in the index, never a path."""
    response = client.get(path)
    assert response.status_code == 404
    assert b"root:" not in response.data and SECRET.encode() not in response.data


def test_original_serves_an_indexed_file(client, hostile):
    """The control: a file inside the indexed folder is served."""
    doc_id = hostile["ids"]["gewoon"][0]
    response = client.get(f"/original/{doc_id}")
    assert response.status_code == 200
    assert b"gewoon kwaadaardig bestand" in response.data


def test_symbolic_link_pointing_outside_is_404(client, hostile):
    """Guards the realpath check: an indexed file replaced by a link to outside the folder."""
    doc_id = hostile["ids"]["wisselbestand"][0]
    response = client.get(f"/original/{doc_id}")
    assert response.status_code == 404
    assert SECRET.encode() not in response.data
    # A link that was there at indexing time: not indexed at all, or never served.
    for doc_id in hostile["ids"]["topgeheim"]:
        response = client.get(f"/original/{doc_id}")
        assert response.status_code == 404 and SECRET.encode() not in response.data


def test_file_removed_since_indexing_is_404(client, hostile):
    response = client.get(f"/original/{hostile['ids']['verdwenen'][0]}")
    assert response.status_code == 404


@pytest.fixture(scope="module")
def live(hostile, tmp_path_factory):
    server = LiveServer(kamerzoek_exe(), hostile["index"], tmp_path_factory.mktemp("hostile-serve") / "serve.log")
    yield server
    server.stop()


def raw_get(server: LiveServer, path: str) -> tuple[int, dict, bytes]:
    """A request with the path sent exactly as written (no client-side normalising)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_real_server_refuses_traversal_encoded_separators_and_links(live, hostile):
    """Guards the same route behind the production server (gunicorn), which decodes %2f before Flask sees the path."""
    swapped = hostile["ids"]["wisselbestand"][0]
    for path in TRAVERSALS + [f"/original/{swapped}", f"/original/{swapped}/..%2f..%2foutside%2fsecret.txt",
                              f"/original/{swapped}%2f..%2f..%2foutside%2fsecret.txt"]:
        status, _, body = raw_get(live, path)
        assert status == 404, path
        assert SECRET.encode() not in body and b"root:" not in body, path
    status, headers, body = raw_get(live, f"/original/{hostile['ids']['gewoon'][0]}")
    assert status == 200 and b"gewoon kwaadaardig bestand" in body


def test_real_server_sends_the_csp_and_escapes(live):
    status, headers, body = raw_get(live, "/?q=" + "%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert status == 200
    assert_strict_csp(headers.get("Content-Security-Policy"))
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert SCRIPT.encode() not in body


@pytest.mark.browser
def test_in_a_browser_no_payload_runs_or_is_even_attempted(live, hostile):
    """In Chromium: no dialog opens, and the CSP never has to block anything, so no
    payload became markup (an injected handler would show up as a violation)."""
    require_chromium()
    from playwright.sync_api import sync_playwright
    a_id = hostile["ids"]["by_title"][TITLE]
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(base_url=live.url)
            dialogs, errors = [], []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation', "
                                 "function (e) { window.__csp.push(e.violatedDirective); });")
            for path in ("/?q=kwaadaardig", f"/document/{a_id}?q=kwaadaardig", "/status",
                         "/?q=" + SCRIPT.replace("/", "%2F"), f"/document/{a_id}?q=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"):
                page.goto(path)
                page.wait_for_load_state("load")
                assert page.evaluate("window.__csp") == [], path
            assert TITLE in page.locator("h1").inner_text()
            assert dialogs == [] and errors == []
        finally:
            browser.close()


# -- no debug mode, friendly errors ------------------------------------------------------------------
def test_never_in_debug_mode(hostile, monkeypatch):
    """Guards create_app forcing DEBUG off, whatever the environment or configuration says."""
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app({"INDEX_DIR": str(hostile["index"]), "DEBUG": True})
    assert app.debug is False
    assert create_app({"INDEX_DIR": str(hostile["index"])}).debug is False


@pytest.fixture
def broken_client(hostile, monkeypatch):
    """A client whose search engine raises an unexpected error."""
    from webapp import views

    def explode(*args, **kwargs):
        raise RuntimeError("secret internal detail /srv/kamerzoek")

    monkeypatch.setattr(views.engine, "search", explode)
    return create_app({"INDEX_DIR": str(hostile["index"])}).test_client()


def test_unexpected_error_is_a_friendly_page_with_a_request_id(broken_client, caplog):
    """Guards the error handler: status 500, a Dutch sentence and the request id; the details
    go to the server log, never to the page."""
    with caplog.at_level(logging.ERROR):
        response = broken_client.get("/?q=kwaadaardig")
    assert response.status_code == 500
    markup = response.get_data(as_text=True)
    request_id = response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{12}", request_id)
    assert request_id in markup
    assert "Er ging iets mis" in markup
    assert "Traceback" not in markup and "secret internal detail" not in markup and "RuntimeError" not in markup
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR and request_id in r.getMessage()]
    assert logged and logged[0].exc_info, "the failure is logged with its request id and traceback"


def test_unexpected_error_on_the_api_is_json_with_a_request_id(broken_client):
    response = broken_client.get("/api/search?q=kwaadaardig")
    assert response.status_code == 500
    body = response.get_json()
    assert body["request_id"] == response.headers["X-Request-Id"]
    assert body["error"] and "secret" not in body["error"]


def test_real_server_hides_a_damaged_index_behind_a_friendly_page(hostile, tmp_path):
    """The production server with a damaged index: no traceback reaches the client, the log
    has the failure under the request id the page shows."""
    damaged = tmp_path / "index"
    shutil.copytree(hostile["index"], damaged)
    for segment in (damaged / "whoosh").glob("*.seg"):
        segment.write_bytes(b"\x00" * 16)
    server = LiveServer(kamerzoek_exe(), damaged, tmp_path / "serve.log")
    try:
        status, headers, body = raw_get(server, "/?q=kwaadaardig")
        log = server.log()
    finally:
        server.stop()
    assert status in (500, 503), status
    text = body.decode()
    request_id = headers["X-Request-Id"]
    assert request_id in text
    assert "Traceback" not in text and "File \"" not in text and str(damaged) not in text
    assert request_id in log, "the server log names the request"
    assert_strict_csp(headers.get("Content-Security-Policy"))


# -- query caps ------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    ({"q": "a" * 501}, "te lang"),
    ({"q": "kwaadaardig", "page": "101"}, "pagina"),
    ({"q": "kwaadaardig", "page": "99999999999999999999999"}, "pagina"),
    ({"q": "kwaadaardig", "per_page": "51"}, "per_page"),
    ({"q": "kwaadaardig", "per_page": "-1"}, "per_page"),
    ({"q": "kwaadaardig", "year": "1" * 5000}, "year"),
])
def test_caps_answer_400_with_a_message(client, args, message):
    """Guards the length cap and the deep-paging cap: a 400 with a sentence, never a 500."""
    response = client.get("/api/search", query_string=args)
    assert response.status_code == 400
    assert message in response.get_json()["error"].lower()
    page = client.get("/", query_string=args)
    assert page.status_code == 400
    assert 'class="error"' in page.get_data(as_text=True)


def test_prefix_expansion_is_capped_with_a_notice(client):
    """Guards the expansion cap: a prefix matching 400 words is answered, with a notice."""
    response = client.get("/api/search", query_string={"q": "zqx*"})
    assert response.status_code == 200
    assert response.get_json()["notices"]
    assert "Let op:" in client.get("/?q=zqx*").get_data(as_text=True)


# -- property: never a 500 ---------------------------------------------------------------------------
ADVERSARIAL = st.sampled_from([
    "", " ", '"', '""', "(", ")", "((((", "))))", "*", "?", "~", "^", "-", "+", "NOT", "NIET", "OF", "EN", "AND OR NOT",
    "titel:", "type:", "type:onzin", "datum:", "datum:2019..2018", "datum:0000", "datum:9999-12", "jaar:abc",
    "dossier:*", "nummer:\"", "title:(", ":", "::", "a:b:c", "\\", "\x00", "\u202e", "ë" * 300, "*" * 600,
    "a* b* c* d* e* f* g* h* i* j* k* l*", "~~~~~", "\"open samenleving", "x~99999999999", "\"a b\"~99999999999",
    "9" * 400, "-1", "1e308", "NaN", "inf", "<script>", "{q}", "{0}", "%s", "%n", "\ud7ff", "\U0001F600" * 50,
    "[a TO z]", "{a TO z}", "a^99999", "content:x", "kind:doc", "id:doc*", "doc_id:*", "info:*",
])
TEXT = st.one_of(st.text(max_size=80), ADVERSARIAL, st.lists(ADVERSARIAL, max_size=6).map(" ".join),
                 st.integers().map(str), st.integers(min_value=10**15, max_value=10**40).map(str))
# Values the app accepts, so that filters, sorting and paging are exercised and not only refused.
VALID = st.sampled_from(["terrorisme", "terugkeerders", "motie", "kamerbrief", "dreigingsbeeld", "2016", "2019",
                         "2023", "29754", "newest", "oldest", "relevance", "1", "2", "3", "50", "0", "en",
                         "2019-06", "2020-01-01"])
PARAM = st.one_of(VALID, TEXT)
ARGS = st.fixed_dictionaries({"q": st.one_of(VALID, TEXT)}, optional={
    "page": PARAM, "per_page": PARAM, "year": PARAM, "type": PARAM, "sort": PARAM, "from": PARAM, "to": PARAM,
    "dossier": PARAM, "synonyms": PARAM, "lang": PARAM})


@pytest.fixture(scope="module")
def corpus_client(corpus_index):
    return create_app({"INDEX_DIR": str(corpus_index)}).test_client()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(args=ARGS)
@example(args={"q": "terrorisme", "type": "motie"})
@example(args={"q": "terugkeerders", "year": "2019", "sort": "oldest", "page": "2", "per_page": "1"})
@example(args={"q": "terrorisme", "from": "2019-06", "to": "2018", "dossier": "29754"})
@example(args={"q": "terrorisme", "year": "99999999999999999999", "page": "100"})
def test_api_answers_200_or_400_with_a_message(corpus_client, args):
    response = corpus_client.get("/api/search", query_string=args)
    assert response.status_code in (200, 400), (args, response.get_data(as_text=True)[:500])
    body = response.get_json()
    if response.status_code == 400:
        assert isinstance(body.get("error"), str) and body["error"].strip()
    else:
        assert isinstance(body["results"], list)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(args=ARGS)
@example(args={"q": "terrorisme", "type": "motie", "year": "2018", "lang": "en"})
@example(args={"q": "terugkeerders", "synonyms": "0", "page": "2", "per_page": "3"})
def test_search_page_answers_200_or_400_with_a_message(corpus_client, args):
    response = corpus_client.get("/", query_string=args)
    assert response.status_code in (200, 400), (args, response.get_data(as_text=True)[-800:])
    if response.status_code == 400:
        assert 'class="error" role="alert"' in response.get_data(as_text=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(q=TEXT)
def test_document_page_takes_any_query(corpus_client, q):
    doc_id = re.search(r"/document/([0-9a-f]{16})", corpus_client.get("/?q=terrorisme").get_data(as_text=True)).group(1)
    response = corpus_client.get(f"/document/{doc_id}", query_string={"q": q})
    assert response.status_code == 200
