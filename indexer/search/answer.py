"""Answering a request: documents with their best passages, facets and the year curve; and one
document with every page highlighted."""
from __future__ import annotations

import itertools
import time
from datetime import datetime

from whoosh import query

from . import request as limits
from .cite import citation, passage_link
from .highlight import highlight_text, strip_marks
from .parse import ParsedQuery, parse_query
from .rank import _best_pages, _facets_and_allowed, _rank_by_date
from .request import (MAX_PAGE, SUGGEST_BELOW, QueryError, SearchRequest, normalise_request,
                      request_dates)
from .scan import _page_scores, _ranked, _scan
from .suggest import suggest


def search(searcher, request: SearchRequest) -> dict:
    """Answer a request: documents with their best passages, facets and the year curve."""
    started = time.monotonic()
    deadline = started + limits.QUERY_TIME_LIMIT
    normalise_request(request)
    dates = request_dates(request)
    parsed = parse_query(request.q, searcher.schema, searcher.reader(), synonyms=request.synonyms,
                         deadline=deadline)
    notices = list(parsed.notices)
    answer = {
        "query": request.q, "total": 0, "page": request.page, "per_page": request.per_page,
        "pages": 1, "sort": request.sort, "results": [],
        "facets": {"type": [], "year": [], "dossier": []},
        "expansions": parsed.expansions, "notices": notices, "notice": None,
        "suggestion": None, "took_ms": 0,
    }
    if not parsed.empty:
        q = parsed.query if dates is None else query.And([parsed.query, dates]).normalize()
        scan = _scan(searcher, q, deadline)
        if scan.truncated:
            notices.append("De zoekvraag duurde te lang; de resultaten zijn mogelijk onvolledig.")
        key = (tuple(request.types), tuple(request.years), tuple(request.dossiers))
        if key not in scan.facets:
            scan.facets = {key: _facets_and_allowed(scan.docs, request)}  # the last filter choice
        facets, allowed = scan.facets[key]
        facets = {name: [dict(f) for f in values] for name, values in facets.items()}
        total = len(allowed)
        needed = request.page * request.per_page
        if request.sort == "relevance":
            ranked = _ranked(scan)
            ordered = ranked[:needed] if len(allowed) == len(ranked) else \
                list(itertools.islice((d for d in ranked if d in allowed), needed))
        else:
            ordered = _rank_by_date(scan.docs, allowed, request.sort == "newest")
        shown = ordered[(request.page - 1) * request.per_page: needed]
        _page_scores(searcher, scan, shown)
        answer.update(
            total=total, facets=facets,
            pages=max(1, min(MAX_PAGE, -(-total // request.per_page))),
            results=[_document_result(searcher, doc_id, _best_pages(searcher, scan, doc_id, request.passages),
                                      parsed, request)
                     for doc_id in shown])
    if answer["total"] < SUGGEST_BELOW and not parsed.empty:
        answer["suggestion"] = suggest(searcher, request.q)
    answer["notice"] = " ".join(notices) or None
    answer["took_ms"] = round((time.monotonic() - started) * 1000, 1)
    return answer


def _document_record(searcher, doc_id: str) -> dict:
    return dict(searcher.document(id=f"doc:{doc_id}") or {})


def _iso(value) -> str | None:
    return value.date().isoformat() if isinstance(value, datetime) else (value or None)


def _document_result(searcher, doc_id: str, hits: list, parsed: ParsedQuery,
                     request: SearchRequest) -> dict:
    record = _document_record(searcher, doc_id)
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
        "score": round(float(hits[0][0]), 4) if hits else 0.0,
    }
    passages = []
    cite = citation(doc, 0).rsplit(", p. ", 1)[0]
    for _, fields in hits:
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
def document(searcher, doc_id: str, q: str = "", synonyms: bool = True) -> dict | None:
    """A document with every page, the query's words highlighted on each."""
    record = _document_record(searcher, doc_id)
    if not record:
        return None
    terms: frozenset = frozenset()
    if q.strip():
        try:
            terms = parse_query(q, searcher.schema, searcher.reader(), synonyms=synonyms).highlight_terms
        except QueryError:
            terms = frozenset()
    info = record.get("info") or {}
    pages = sorted((dict(p) for p in searcher.documents(doc_id=doc_id, kind="page")),
                   key=lambda p: p["page"])
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


def document_paths(searcher, doc_id: str) -> list[str]:
    record = _document_record(searcher, doc_id)
    return [f["path"] for f in (record.get("info") or {}).get("files", [])]
