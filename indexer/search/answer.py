"""Answering a request: documents with their best passages, facets and the year curve; and one
document with every page highlighted."""
from __future__ import annotations

import itertools
import time
from datetime import datetime
from typing import Iterator

from whoosh import query

from ..analysis import lexicon
from . import refer
from . import request as limits
from .cite import citation, passage_link
from .highlight import highlight_text, strip_marks
from .parse import ParsedQuery, parse_query
from .rank import _best_pages, _facets_and_allowed, _rank_by_date
from .request import (ARRIVED, MAX_PAGE, SUGGEST_BELOW, QueryError, SearchRequest, normalise_request,
                      request_dates, since_value)
from .scan import _for_pages, _page_scores, _ranked, _scan
from .suggest import suggest


def search(searcher, request: SearchRequest) -> dict:
    """Answer a request: documents with their best passages, facets and the year curve."""
    lexicon()  # opened (built, the first time on a machine) before the query's clock starts
    started = time.monotonic()
    deadline = started + limits.QUERY_TIME_LIMIT
    normalise_request(request)
    dates = request_dates(request)
    ref = refer.read_reference(request.q)
    referred, reference, words = None, None, request.q
    if ref is not None and ref.kind == "dossier":
        request.dossiers = list(dict.fromkeys([*request.dossiers, ref.dossier]))
        words = f"dossier:{ref.dossier}"
    elif ref is not None:
        referred = refer.find_document(searcher, ref.identifier)
        reference = {"matched": ref.identifier} if referred else \
            {"matched": None, "notice": refer.not_indexed(ref)}
    try:
        parsed = parse_query(words, searcher.schema, searcher.reader(), synonyms=request.synonyms,
                             deadline=deadline)
    except QueryError:
        if referred is None:
            raise
        parsed = parse_query("", searcher.schema, searcher.reader())  # the reference alone
    notices = list(parsed.notices)
    if ref is not None and ref.kind == "dossier":
        notices.insert(0, refer.dossier_notice(ref))
    elif reference and reference["matched"] is None:
        notices.insert(0, reference["notice"])
    answer = {
        "query": request.q, "total": 0, "page": request.page, "per_page": request.per_page,
        "pages": 1, "sort": request.sort, "results": [],
        "facets": {"type": [], "year": [], "dossier": []},
        "expansions": parsed.expansions, "notices": notices, "notice": None,
        "suggestion": None, "took_ms": 0, "reference": reference,
        # How the query was read: the query that ran, expansions and compound parts included.
        "read_as": None if parsed.empty else str(parsed.query),
    }
    if not parsed.empty:
        scan, facets, allowed = _matches(searcher, request, parsed, dates, deadline, notices)
        total = len(allowed)
        needed = request.page * request.per_page
        shown = _ordered(scan, allowed, request, needed)[(request.page - 1) * request.per_page: needed]
        _page_scores(searcher, scan, shown)
        answer.update(
            total=total, facets=facets,
            pages=max(1, min(MAX_PAGE, -(-total // request.per_page))),
            results=[_document_result(searcher, doc_id, _best_pages(searcher, scan, doc_id, request.passages),
                                      parsed, request, deadline)
                     for doc_id in shown])
        if time.monotonic() > deadline and not scan.truncated:
            notices.append("De zoekvraag duurde te lang; niet alle passages zijn gemarkeerd.")
    if referred is not None:
        _put_first(searcher, answer, referred, ref, parsed, request)
    if answer["total"] < SUGGEST_BELOW and not parsed.empty and referred is None:
        answer["suggestion"] = suggest(searcher, request.q, deadline)
    answer["notice"] = " ".join(notices) or None
    answer["took_ms"] = round((time.monotonic() - started) * 1000, 1)
    return answer


def _put_first(searcher, answer: dict, doc_id: str, ref, parsed: ParsedQuery, request: SearchRequest) -> None:
    """The document referred to heads the first page of results, marked; it is not repeated."""
    results = [r for r in answer["results"] if r["doc_id"] != doc_id]
    if len(results) == len(answer["results"]):
        answer["total"] += 1
        answer["pages"] = max(1, min(MAX_PAGE, -(-answer["total"] // request.per_page)))
    if request.page == 1:
        hits = refer.reference_pages(searcher, doc_id, ref, request.passages)
        first = _document_result(searcher, doc_id, hits, parsed, request)
        first["reference"] = True
        results = [first, *results][:request.per_page]
    answer["results"] = results


def _matches(searcher, request: SearchRequest, parsed: ParsedQuery, dates, deadline: float, notices: list):
    """The scan of the query, the facets and the documents that pass every filter."""
    q = parsed.query if dates is None else query.And([parsed.query, dates]).normalize()
    scan = _scan(searcher, q, deadline)
    if scan.truncated:
        notices.append("De zoekvraag duurde te lang; de resultaten zijn mogelijk onvolledig.")
    key = (tuple(request.types), tuple(request.years), tuple(request.dossiers))
    if key not in scan.facets:
        scan.facets = {key: _facets_and_allowed(scan.docs, request)}  # the last filter choice
    facets, allowed = scan.facets[key]
    facets = {name: [dict(f) for f in values] for name, values in facets.items()}
    if request.since is not None:
        since, arrived = since_value(request.since), request.arrived or {}
        allowed = {d for d in allowed if d in arrived and arrived[d][0] >= since}
    return scan, facets, allowed


def _ordered(scan, allowed: set, request: SearchRequest, needed: int | None) -> list:
    """The allowed documents in the request's order; the first `needed` (None: all)."""
    if request.sort == "relevance":
        ranked = _ranked(scan)
        if len(allowed) == len(ranked):
            return ranked[:needed] if needed is not None else list(ranked)
        return list(itertools.islice((d for d in ranked if d in allowed), needed))
    if request.sort == ARRIVED:
        arrived = request.arrived or {}
        # Newest arrival first; a document the ledger does not know yet (a run in progress) first of all.
        return sorted(allowed, key=lambda d: (d not in arrived, arrived.get(d, (None,))[0] or _EPOCH, d),
                      reverse=True)[:needed]
    return _rank_by_date(scan.docs, allowed, request.sort == "newest")[:needed]


_EPOCH = datetime(1970, 1, 1).astimezone()
STREAM_CHUNK = 200  # documents whose pages are scored at once when streaming every result


def search_all(searcher, request: SearchRequest) -> tuple[dict, Iterator[dict]]:
    """Every result of a request, without the page limits: the answer's head (total, notices,
    expansions, facets) and an iterator of the documents in order, each built as it is taken."""
    request.page, request.per_page = 1, 1  # paging does not apply; checked as any request
    head = search(searcher, SearchRequest(**{**request.__dict__, "passages": 0}))
    head.pop("results")
    if head["total"] == 0:
        return head, iter(())
    deadline = time.monotonic() + limits.QUERY_TIME_LIMIT
    parsed = parse_query(request.q, searcher.schema, searcher.reader(), synonyms=request.synonyms,
                         deadline=deadline)
    scan, _, allowed = _matches(searcher, request, parsed, request_dates(request), deadline, [])
    ordered = _ordered(scan, allowed, request, None)

    def documents() -> Iterator[dict]:
        for start in range(0, len(ordered), STREAM_CHUNK):
            chunk = ordered[start:start + STREAM_CHUNK]
            _page_scores(searcher, scan, chunk)
            for doc_id in chunk:
                yield _document_result(searcher, doc_id, _best_pages(searcher, scan, doc_id, request.passages),
                                       parsed, request)

    head.update(total=len(ordered), page=1, per_page=len(ordered), pages=1)
    return head, documents()


def _document_record(searcher, doc_id: str) -> dict:
    return dict(searcher.document(id=f"doc:{doc_id}") or {})


def _iso(value) -> str | None:
    return value.date().isoformat() if isinstance(value, datetime) else (value or None)


def _document_result(searcher, doc_id: str, hits: list, parsed: ParsedQuery,
                     request: SearchRequest, deadline: float | None = None) -> dict:
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
        "identifier": record.get("identifier"),
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
        # Past the deadline a passage is the page's first lines, unmarked: the answer comes on time.
        late = deadline is not None and time.monotonic() > deadline
        markup = highlight_text(fields.get("content", ""), frozenset() if late else parsed.highlight_terms)
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
DOCUMENT_WINDOW = 40      # pages of a document shown at once on its page
HIT_PAGES_CAP = 500       # hit pages listed for a whole document


def document(searcher, doc_id: str, q: str = "", synonyms: bool = True, page: int | None = None,
             window: int | None = None) -> dict | None:
    """A document with its pages, the query's words highlighted on each.

    :param window: show only this many pages: the window holding `page` (default the first),
        so a 50,000-page document never goes out whole; `doc["window"]` says which pages
        these are, and `doc["hit_pages"]` lists the pages of the whole document with hits.
    """
    record = _document_record(searcher, doc_id)
    if not record:
        return None
    parsed = None
    terms: frozenset = frozenset()
    if q.strip():
        try:
            parsed = parse_query(q, searcher.schema, searcher.reader(), synonyms=synonyms)
            terms = parsed.highlight_terms
        except QueryError:
            parsed = None
    info = record.get("info") or {}
    total = int(info.get("pages") or 0)
    span = None
    if window:
        last = max(total, 1)
        wanted = min(max(1, page or 1), last)
        first = (wanted - 1) // window * window + 1
        span = (first, min(first + window - 1, last))
        in_window = query.And([query.Term("doc_id", doc_id), query.Term("kind", "page"),
                               query.NumericRange("page", span[0], span[1])])
        rows = [searcher.stored_fields(n) for n in searcher.docs_for_query(in_window)]
    else:
        rows = searcher.documents(doc_id=doc_id, kind="page")
    pages = sorted((dict(p) for p in rows), key=lambda p: p["page"])
    out_pages = []
    for row in pages:
        markup = highlight_text(row["content"], terms, whole=True)
        out_pages.append({"page": row["page"], "html": markup, "hits": markup.count("<mark>"),
                          "ocr": bool(row.get("ocr"))})
    doc = {
        "doc_id": doc_id, "title": record.get("title") or "", "type": record.get("type") or "overig",
        "date": _iso(record.get("date")), "dossier": record.get("dossier"),
        "number": record.get("number"), "vergaderjaar": record.get("vergaderjaar"),
        "identifier": record.get("identifier"),
        "paths": [f["path"] for f in info.get("files", [])], "format": info.get("format"),
        "status": info.get("status", "ok"), "stale": info.get("status") == "stale",
        "needs_ocr": info.get("needs_ocr", []), "url": info.get("url"),
        "pages": out_pages, "hits": sum(p["hits"] for p in out_pages),
    }
    if span is not None:
        doc["window"] = {"first": span[0], "last": span[1], "size": window, "pages": total,
                         "starts": list(range(1, max(total, 1) + 1, window))}
        doc["hit_pages"] = _hit_pages(searcher, doc_id, parsed, out_pages)
    else:
        doc["hit_pages"] = [p["page"] for p in out_pages if p["hits"]]
    doc["citation_base"] = citation(doc, 1).rsplit(", p. ", 1)[0]
    return doc


def _hit_pages(searcher, doc_id: str, parsed, shown: list[dict]) -> list[int]:
    """The pages of the whole document that match the query (at most HIT_PAGES_CAP)."""
    found = {p["page"] for p in shown if p["hits"]}
    if parsed is None or parsed.empty:
        return sorted(found)
    try:
        within = query.And([query.Term("doc_id", doc_id), query.Term("kind", "page"), _for_pages(parsed.query)])
        for n in itertools.islice(searcher.docs_for_query(within), HIT_PAGES_CAP):
            found.add(searcher.stored_fields(n)["page"])
    except Exception:  # a query form Whoosh cannot match on its own: the window's hits only
        pass
    return sorted(found)[:HIT_PAGES_CAP]


def document_paths(searcher, doc_id: str) -> list[str]:
    record = _document_record(searcher, doc_id)
    return [f["path"] for f in (record.get("info") or {}).get("files", [])]


def document_file(searcher, doc_id: str) -> dict | None:
    """A document's content hash, files, format and page count, as the index records them
    (without reading its pages)."""
    record = _document_record(searcher, doc_id)
    if not record:
        return None
    info = record.get("info") or {}
    return {"doc_id": doc_id, "sha": info.get("sha", ""), "paths": [f["path"] for f in info.get("files", [])],
            "format": info.get("format"), "pages": info.get("pages"), "indexed": info.get("indexed")}
