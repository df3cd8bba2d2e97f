"""Answering a request: documents with their best passages, facets and the year curve; and one
document with every page highlighted. Everything here goes through the engine seam (engine.py);
``source`` is an engine, or a Whoosh searcher (wrapped as the Whoosh engine)."""
from __future__ import annotations

import time
from datetime import datetime

from . import plan
from . import request as limits
from .cite import citation, passage_link
from .engine import DocumentMatch, Filters, ResultsPage, as_engine
from .highlight import highlight_text, strip_marks
from .parse import ParsedQuery, parse_query
from .request import (MAX_PAGE, SUGGEST_BELOW, QueryError, SearchRequest, normalise_request,
                      request_dates)
from .suggest import suggest


def search(source, request: SearchRequest) -> dict:
    """Answer a request: documents with their best passages, facets and the year curve."""
    started = time.monotonic()
    deadline = started + limits.QUERY_TIME_LIMIT
    engine = as_engine(source)
    normalise_request(request)
    dates = request_dates(request)
    parsed = parse_query(request.q, engine, synonyms=request.synonyms, deadline=deadline)
    notices = list(parsed.notices)
    answer = {
        "query": request.q, "total": 0, "page": request.page, "per_page": request.per_page,
        "pages": 1, "sort": request.sort, "results": [],
        "facets": {"type": [], "year": [], "dossier": []},
        "expansions": parsed.expansions, "notices": notices, "notice": None,
        "suggestion": None, "took_ms": 0,
    }
    if not parsed.empty:
        q = parsed.plan if dates is None else conjoin(parsed.plan, dates)
        filters = Filters(tuple(request.types), tuple(request.years), tuple(request.dossiers))
        page = ResultsPage((request.page - 1) * request.per_page, request.per_page, request.sort,
                           request.passages)
        matches = engine.search(q, filters, page, deadline)
        if matches.truncated:
            notices.append("De zoekvraag duurde te lang; de resultaten zijn mogelijk onvolledig.")
        answer.update(
            total=matches.total, facets=matches.facets,
            pages=max(1, min(MAX_PAGE, -(-matches.total // request.per_page))),
            results=[_document_result(engine, match, parsed, request) for match in matches.documents])
    if answer["total"] < SUGGEST_BELOW and not parsed.empty:
        answer["suggestion"] = suggest(engine, request.q)
    answer["notice"] = " ".join(notices) or None
    answer["took_ms"] = round((time.monotonic() - started) * 1000, 1)
    return answer


def conjoin(a: plan.Node, b: plan.Node) -> plan.Node:
    """a AND b, as one flat And (as Whoosh's normalize() leaves it)."""
    left = a.children if isinstance(a, plan.And) and a.boost == 1.0 else (a,)
    right = b.children if isinstance(b, plan.And) and b.boost == 1.0 else (b,)
    return plan.And(left + right)


def _document_record(engine, doc_id: str) -> dict:
    return engine.document(doc_id) or {}


def _iso(value) -> str | None:
    return value.date().isoformat() if isinstance(value, datetime) else (value or None)


def _document_result(engine, match: DocumentMatch, parsed: ParsedQuery,
                     request: SearchRequest) -> dict:
    doc_id, hits = match.doc_id, match.pages
    record = _document_record(engine, doc_id)
    info = record.get("info") or {}
    doc = {
        "doc_id": doc_id,
        "title": record.get("title") or "",
        "type": record.get("type") or "overig",
        "date": _iso(record.get("date")),
        "dossier": record.get("dossier"),
        "number": record.get("number"),
        "vergaderjaar": record.get("vergaderjaar"),
        "path": (info.get("files") or [{}])[0].get("path"),
        "paths": [f["path"] for f in info.get("files", [])],
        "format": info.get("format"),
        "pages": info.get("pages"),
        "status": info.get("status", "ok"),
        "stale": info.get("status") == "stale",
        "score": round(float(hits[0].score), 4) if hits else 0.0,
    }
    passages = []
    cite = citation(doc, 0).rsplit(", p. ", 1)[0]
    for hit in hits:
        fields = hit.record
        page = fields.get("page")
        markup = highlight_text(fields.get("content", ""), parsed.highlight_terms)
        passages.append({
            "page": page,
            "html": markup,
            "text": strip_marks(markup),
            "ocr": bool(fields.get("ocr")),
            "citation": f"{cite}, p. {page}",
            "link": passage_link(doc_id, page, request.q, request.synonyms),
        })
    doc["passages"] = passages
    return doc


# -- one document -----------------------------------------------------------------------
def document(source, doc_id: str, q: str = "", synonyms: bool = True) -> dict | None:
    """A document with every page, the query's words highlighted on each."""
    engine = as_engine(source)
    record = _document_record(engine, doc_id)
    if not record:
        return None
    terms: frozenset = frozenset()
    if q.strip():
        try:
            terms = parse_query(q, engine, synonyms=synonyms).highlight_terms
        except QueryError:
            terms = frozenset()
    info = record.get("info") or {}
    pages = engine.pages(doc_id)
    out_pages = []
    for page in pages:
        markup = highlight_text(page["content"], terms, whole=True)
        out_pages.append({"page": page["page"], "html": markup, "hits": markup.count("<mark>"),
                          "ocr": bool(page.get("ocr"))})
    doc = {
        "doc_id": doc_id, "title": record.get("title") or "", "type": record.get("type") or "overig",
        "date": _iso(record.get("date")), "dossier": record.get("dossier"),
        "number": record.get("number"), "vergaderjaar": record.get("vergaderjaar"),
        "paths": [f["path"] for f in info.get("files", [])], "format": info.get("format"),
        "status": info.get("status", "ok"), "stale": info.get("status") == "stale",
        "needs_ocr": info.get("needs_ocr", []), "url": info.get("url"),
        "pages": out_pages, "hits": sum(p["hits"] for p in out_pages),
    }
    doc["citation_base"] = citation(doc, 1).rsplit(", p. ", 1)[0]
    return doc


def document_paths(source, doc_id: str) -> list[str]:
    record = _document_record(as_engine(source), doc_id)
    return [f["path"] for f in (record.get("info") or {}).get("files", [])]
