"""The page view: the original PDF page as an image, the query's hits marked over it."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, g, render_template, request

from indexer import pageview
from indexer import search as engine
from indexer.search import QueryError
from indexer.store import StoreError

bp = Blueprint("kamerzoek_pages", __name__)


def _searcher():
    """The engine the app searches (indexer/search/engine.py)."""
    return current_app.extensions["kamerzoek_engine"]


def _valid_id(doc_id: str) -> bool:
    from .views import DOC_ID
    return bool(DOC_ID.match(doc_id))


def page_cache() -> pageview.PageCache | None:
    """The cache of rendered pages (KAMERZOEK_PAGE_CACHE, default: pages/ in the index folder)."""
    cache = current_app.extensions.get("kamerzoek_page_cache")
    if cache is None:
        folder = current_app.config.get("PAGE_CACHE_DIR") or os.environ.get("KAMERZOEK_PAGE_CACHE") \
            or str(Path(current_app.config["INDEX_DIR"]) / "pages")
        cache = pageview.PageCache(folder, current_app.config.get("PAGE_CACHE_BYTES"))
        current_app.extensions["kamerzoek_page_cache"] = cache
    return cache


def original_file(record: dict) -> tuple[str | None, str | None]:
    """The first of a document's files that is inside the indexed folders and still holds the
    content the index read; else (None, a file there that no longer holds it, if any)."""
    roots = [os.path.realpath(r) for r in current_app.extensions["kamerzoek_store"].roots()]
    entries = {e.get("path"): e for e in record.get("files") or ()}
    changed = None
    for path in record["paths"]:
        real = os.path.realpath(path)
        inside = any(real == r or real.startswith(r.rstrip("/") + "/") for r in roots)
        if inside and os.path.isfile(real):
            if pageview.holds_content(real, record["sha"], entries.get(path)):
                return real, None
            changed = changed or real
    return None, changed


def _replaced(path: str | None, n: int) -> bool:
    """Whether a file that no longer holds the indexed content is another readable PDF (not a
    damaged one): the page view then says the original changed rather than that it is damaged."""
    if path is None:
        return False
    try:
        pageview.page_size(path, n)
        return True
    except pageview.PageError:
        return False


def _terms(searcher, q: str, synonyms: bool) -> frozenset:
    if not q.strip():
        return frozenset()
    try:
        return engine.parse_query(q[:engine.MAX_QUERY_LENGTH], searcher, synonyms=synonyms).highlight_terms
    except QueryError:
        return frozenset()


def _link(doc_id: str, n: int, q: str, anchor: str = "") -> str:
    from urllib.parse import urlencode
    query = f"?{urlencode({'q': q})}" if q else ""
    return f"/document/{doc_id}/page/{n}{query}{anchor}"


@bp.get("/document/<doc_id>/page/<int:n>")
def page(doc_id, n):
    """One page of the original with the query's hits marked; the text view when it cannot be shown."""
    if not _valid_id(doc_id):
        abort(404)
    q = request.args.get("q", "")
    synonyms = request.args.get("synonyms", "1") not in ("0", "uit", "off")
    try:
        s = _searcher()
        store = current_app.extensions["kamerzoek_store"]
        if not any(store.inside(p) for p in engine.document_paths(s, doc_id)):
            abort(404)  # the rule of /document and /original: nothing from outside the indexed folders
        # A window of pages around n: a 50,000-page document is never read whole for one page.
        doc = engine.document(s, doc_id, q=q[:engine.MAX_QUERY_LENGTH], synonyms=synonyms,
                              page=n, window=engine.DOCUMENT_WINDOW)
        record = engine.document_file(s, doc_id) if doc else None
        terms = _terms(s, q, synonyms)
    except StoreError:
        abort(404)
    if doc is None or record is None:
        abort(404)
    pages = {p["page"]: p for p in doc["pages"]}
    total = max([record.get("pages") or 0] + list(pages))
    page_text = pages.get(n)
    context = {"doc": doc, "q": q, "n": n, "page_text": page_text, "hits": [], "notice": None,
               "image": None, "total": total}
    if doc["format"] != "pdf":
        if page_text is None:
            abort(404)
        context["notice"] = g.t("not_a_pdf", n=n)
        return render_template("page.html", **context, **_navigation(doc, n, q, total))
    path, changed = original_file(record)
    try:
        if path is None:
            raise pageview.PageError("het origineel is veranderd sinds het indexeren" if changed
                                     else "het origineel ontbreekt")
        size = pageview.page_size(path, n)
    except pageview.PageError as e:
        current_app.logger.info("request %s: page view of %s p. %s as text: %s", g.request_id, doc_id, n, e)
        if page_text is None:
            abort(404)
        context["notice"] = g.t("original_changed" if _replaced(changed, n) else "original_unavailable", n=n)
        return render_template("page.html", **context, **_navigation(doc, n, q, total))
    total = size.count
    width = pageview.DEFAULT_WIDTH
    context.update(total=total, image={
        "src": f"/document/{doc_id}/page/{n}.jpg?w={width}&v={record['sha'][:12]}",
        "src_small": f"/document/{doc_id}/page/{n}.jpg?w=800&v={record['sha'][:12]}",
        "width": width, "height": round(width * size.height / max(size.width, 1.0))})
    if terms:
        try:
            ocr = bool(page_text and page_text.get("ocr"))
            words = pageview.cached_words(page_cache(), record["sha"], path, n, ocr=ocr)
            context["hits"] = pageview.hits(words, terms, frozenset(record.get("furniture") or ()))
        except pageview.PageError as e:
            current_app.logger.info("request %s: no word positions for %s p. %s: %s", g.request_id, doc_id, n, e)
            context["notice"] = g.t("positions_unavailable")
    return render_template("page.html", **context, **_navigation(doc, n, q, total))


def _navigation(doc: dict, n: int, q: str, total: int) -> dict:
    """Links to the neighbouring pages and to the nearest pages with hits before and after."""
    with_hits = doc.get("hit_pages") or [p["page"] for p in doc["pages"] if p["hits"]]
    before = [p for p in with_hits if p < n]
    after = [p for p in with_hits if p > n]
    return {
        "prev_url": _link(doc["doc_id"], n - 1, q) if n > 1 else None,
        "next_url": _link(doc["doc_id"], n + 1, q) if n < total else None,
        "prev_hit_url": _link(doc["doc_id"], before[-1], q, "#hit-last") if before else None,
        "next_hit_url": _link(doc["doc_id"], after[0], q, "#hit-first") if after else None,
    }


@bp.get("/document/<doc_id>/page/<int:n>.jpg")
def page_image(doc_id, n):
    """The original page rendered as JPEG, in one of the offered widths (cached on disk)."""
    if not _valid_id(doc_id):
        abort(404)
    try:
        width = int(request.args.get("w", pageview.DEFAULT_WIDTH))
    except ValueError:
        abort(404)
    if width not in pageview.WIDTHS:
        abort(404)
    try:
        record = engine.document_file(_searcher(), doc_id)
    except StoreError:
        abort(404)
    if record is None or record["format"] != "pdf":
        abort(404)
    path, _ = original_file(record)
    if path is None:
        abort(404)
    try:
        data = pageview.cached_image(page_cache(), record["sha"], path, n, width)
    except pageview.PageError:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.set_etag(f"{record['sha'][:16]}-{n}-{width}")
    return response.make_conditional(request)


@bp.app_context_processor
def page_links():
    return {"page_url": _link}
