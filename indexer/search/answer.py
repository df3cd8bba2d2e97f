"""Answering a request: documents with their best passages, facets and the year curve; and one
document with its pages highlighted. Everything here goes through the engine seam (engine.py);
``source`` is an engine, or a Whoosh searcher (wrapped as the Whoosh engine)."""
from __future__ import annotations

import time
from datetime import datetime
from typing import Iterator

from ..analysis import lexicon
from ..passages import furnished, readable
from . import plan, publications, refer
from . import request as limits
from .cite import citation, passage_link
from .engine import DocumentMatch, Filters, PageMatch, ResultsPage, as_engine
from .highlight import highlight_text, strip_marks
from .parse import ParsedQuery, parse_query
from .request import (ARRIVED, MAX_PAGE, QueryError, SearchRequest, normalise_request,
                      request_dates, since_value)
from .suggest import suggest

TOO_LONG = "De zoekvraag duurde te lang; de resultaten zijn mogelijk onvolledig."


def search(source, request: SearchRequest) -> dict:
    """Answer a request: documents with their best passages, facets and the year curve."""
    lexicon()  # opened (built, the first time on a machine) before the query's clock starts
    started = time.monotonic()
    deadline = started + limits.QUERY_TIME_LIMIT
    engine = as_engine(source)
    normalise_request(request)
    dates = request_dates(request)
    ref = refer.read_reference(request.q)
    referred, reference, words = None, None, request.q
    if ref is not None and ref.kind == "dossier":
        request.dossiers = list(dict.fromkeys([*request.dossiers, ref.dossier]))
        words = f"dossier:{ref.dossier}"
    elif ref is not None:
        referred = refer.find_document(engine, ref.identifier)
        reference = {"matched": ref.identifier} if referred else \
            {"matched": None, "notice": refer.not_indexed(ref)}
    cited = refer.cited_identifier(request.q)
    try:
        if cited:  # verwijst:kst-29754-541 — the pages that refer to it
            parsed = ParsedQuery(plan.Term("cites", cited), [refer.citing_notice(cited)], [], frozenset())
        else:
            parsed = parse_query(words, engine, synonyms=request.synonyms, deadline=deadline)
    except QueryError:
        if referred is None:
            raise
        parsed = parse_query("", engine)  # the reference alone
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
        "read_as": None if parsed.empty else plan.describe(parsed.plan),
    }
    if not parsed.empty:
        q = _query(parsed, dates)
        start = (request.page - 1) * request.per_page
        if request.sort == ARRIVED:
            matches = engine.search(q, _filters(request), ResultsPage(0, None, "relevance", 0), deadline)
            shown = _by_arrival([m.doc_id for m in matches.documents], request)[start:start + request.per_page]
            documents = _with_pages(engine, q, shown, request.passages, deadline)
        else:
            matches = engine.search(q, _filters(request), ResultsPage(start, request.per_page, request.sort,
                                                                      request.passages), deadline)
            documents = matches.documents
        if matches.truncated:
            notices.append(TOO_LONG)
        answer.update(
            total=matches.total, facets=matches.facets,
            pages=max(1, min(MAX_PAGE, -(-matches.total // request.per_page))),
            results=[_document_result(engine, match, parsed, request, deadline) for match in documents])
        if time.monotonic() > deadline and not matches.truncated:
            notices.append("De zoekvraag duurde te lang; niet alle passages zijn gemarkeerd.")
    if referred is not None:
        _put_first(engine, answer, referred, ref, parsed, request)
    if answer["total"] == 0 and not parsed.empty and referred is None:  # only when nothing is found
        answer["suggestion"] = suggest(engine, request.q, deadline)
    answer["notice"] = " ".join(notices) or None
    answer["took_ms"] = round((time.monotonic() - started) * 1000, 1)
    return answer


def conjoin(a: plan.Node, b: plan.Node) -> plan.Node:
    """a AND b, as one flat And (as Whoosh's normalize() leaves it)."""
    left = a.children if isinstance(a, plan.And) and a.boost == 1.0 else (a,)
    right = b.children if isinstance(b, plan.And) and b.boost == 1.0 else (b,)
    return plan.And(left + right)


def _query(parsed: ParsedQuery, dates) -> plan.Node:
    return parsed.plan if dates is None else conjoin(parsed.plan, dates)


def _filters(request: SearchRequest) -> Filters:
    """The facet choices, and with --since only what entered the index since then (the arrivals
    ledger lives beside the index, not in it)."""
    doc_ids = None
    if request.since is not None:
        since, arrived = since_value(request.since), request.arrived or {}
        doc_ids = frozenset(d for d, when in arrived.items() if when[0] >= since)
    return Filters(tuple(request.types), tuple(request.years), tuple(request.dossiers), doc_ids)


_EPOCH = datetime(1970, 1, 1).astimezone()


def _by_arrival(doc_ids: list[str], request: SearchRequest) -> list[str]:
    """Newest arrival first; a document the ledger does not know yet (a run in progress) first of all."""
    arrived = request.arrived or {}
    return sorted(doc_ids, key=lambda d: (d not in arrived, arrived.get(d, (None,))[0] or _EPOCH, d),
                  reverse=True)


def _with_pages(engine, q: plan.Node, doc_ids: list[str], passages: int, deadline: float) -> list[DocumentMatch]:
    """These documents, in this order, each with its best pages for the query."""
    if not doc_ids:
        return []
    found = engine.search(q, Filters(doc_ids=frozenset(doc_ids)), ResultsPage(0, len(doc_ids), "relevance",
                                                                              max(1, passages)), deadline)
    by_id = {m.doc_id: m for m in found.documents}
    return [by_id[d] for d in doc_ids if d in by_id]


def _put_first(engine, answer: dict, doc_id: str, ref, parsed: ParsedQuery, request: SearchRequest) -> None:
    """The document referred to heads the first page of results, marked; it is not repeated."""
    siblings = {d for d, _ in publications.groups(engine).get(doc_id, [(doc_id, "")])}
    results = [r for r in answer["results"] if r["doc_id"] not in siblings]
    if len(results) == len(answer["results"]):
        answer["total"] += 1
        answer["pages"] = max(1, min(MAX_PAGE, -(-answer["total"] // request.per_page)))
    if request.page == 1:
        hits = refer.reference_pages(engine, doc_id, ref, request.passages)
        match = DocumentMatch(doc_id, 0.0, [PageMatch(score, page) for score, page in hits])
        first = _document_result(engine, match, parsed, request)
        first["reference"] = True
        results = [first, *results][:request.per_page]
    answer["results"] = results


STREAM_CHUNK = 200  # documents whose pages are scored at once when streaming every result


def search_all(source, request: SearchRequest) -> tuple[dict, Iterator[dict]]:
    """Every result of a request, without the page limits: the answer's head (total, notices,
    expansions, facets) and an iterator of the documents in order, each built as it is taken."""
    engine = as_engine(source)
    request.page, request.per_page = 1, 1  # paging does not apply; checked as any request
    head = search(engine, SearchRequest(**{**request.__dict__, "passages": 0}))
    head.pop("results")
    if head["total"] == 0:
        return head, iter(())
    deadline = time.monotonic() + limits.QUERY_TIME_LIMIT
    parsed = parse_query(request.q, engine, synonyms=request.synonyms, deadline=deadline)
    q = _query(parsed, request_dates(request))
    sort = "relevance" if request.sort == ARRIVED else request.sort
    ranking = engine.search(q, _filters(request), ResultsPage(0, None, sort, 0), deadline)
    ordered = [m.doc_id for m in ranking.documents]
    if request.sort == ARRIVED:
        ordered = _by_arrival(ordered, request)

    def documents() -> Iterator[dict]:
        for start in range(0, len(ordered), STREAM_CHUNK):
            chunk = ordered[start:start + STREAM_CHUNK]
            chunk_deadline = time.monotonic() + limits.QUERY_TIME_LIMIT
            for match in _with_pages(engine, q, chunk, request.passages, chunk_deadline):
                yield _document_result(engine, match, parsed, request)

    head.update(total=len(ordered), page=1, per_page=len(ordered), pages=1)
    return head, documents()


def _document_record(engine, doc_id: str) -> dict:
    return engine.document(doc_id) or {}


def _iso(value) -> str | None:
    return value.date().isoformat() if isinstance(value, datetime) else (value or None)


def _document_result(engine, match: DocumentMatch, parsed: ParsedQuery,
                     request: SearchRequest, deadline: float | None = None) -> dict:
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
        "identifier": record.get("identifier"),
        "path": (info.get("files") or [{}])[0].get("path"),
        "paths": [f["path"] for f in info.get("files", [])],
        "format": info.get("format"),
        "pages": info.get("pages"),
        "status": info.get("status", "ok"),
        "stale": info.get("status") == "stale",
        "score": round(float(hits[0].score), 4) if hits else 0.0,
        "reference": False,  # True for the document a reference query points to
        "formats": publications.formats(engine, doc_id, info.get("format")),
    }
    passages = []
    furniture = frozenset(info.get("furniture") or ())
    cite = citation(doc, 0).rsplit(", p. ", 1)[0]
    for hit in hits:
        fields = hit.record
        page = fields.get("page")
        # Past the deadline a passage is the page's first lines, unmarked: the answer comes on time.
        # Passages skip running headers and footers, tables of contents and dot leaders.
        late = deadline is not None and time.monotonic() > deadline
        markup = highlight_text(readable(fields.get("content", ""), furniture),
                                frozenset() if late else parsed.highlight_terms)
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


def document(source, doc_id: str, q: str = "", synonyms: bool = True, page: int | None = None,
             window: int | None = None) -> dict | None:
    """A document with its pages, the query's words highlighted on each.

    :param window: show only this many pages: the window holding `page` (default the first),
        so a 50,000-page document never goes out whole; `doc["window"]` says which pages
        these are, and `doc["hit_pages"]` lists the pages of the whole document with hits.
    """
    engine = as_engine(source)
    record = _document_record(engine, doc_id)
    if not record:
        return None
    parsed = None
    terms: frozenset = frozenset()
    if q.strip():
        try:
            parsed = parse_query(q, engine, synonyms=synonyms)
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
        pages = engine.pages(doc_id, span[0], span[1])
    else:
        pages = engine.pages(doc_id)
    out_pages = []
    furniture = frozenset(info.get("furniture") or ())
    for row in pages:
        # A running header's words are shown, never marked: they find the page but are no hit on it.
        body = furnished(row["content"], furniture)[0] if furniture and terms else None
        markup = highlight_text(row["content"], terms, whole=True, marked_in=body)
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
        doc["hit_pages"] = _hit_pages(engine, doc_id, parsed, out_pages)
    else:
        doc["hit_pages"] = [p["page"] for p in out_pages if p["hits"]]
    doc["citation_base"] = citation(doc, 1).rsplit(", p. ", 1)[0]
    doc["references"] = refer.outgoing(engine, info)
    doc["cited_by"] = refer.incoming(engine, record.get("identifier"))
    return doc


def _hit_pages(engine, doc_id: str, parsed, shown: list[dict]) -> list[int]:
    """The pages of the whole document that match the query (at most HIT_PAGES_CAP)."""
    found = {p["page"] for p in shown if p["hits"]}
    if parsed is None or parsed.empty:
        return sorted(found)
    deadline = time.monotonic() + limits.QUERY_TIME_LIMIT
    matches = engine.search(parsed.plan, Filters(doc_ids=frozenset([doc_id])),
                            ResultsPage(0, 1, "relevance", HIT_PAGES_CAP), deadline)
    for match in matches.documents:
        found.update(hit.record["page"] for hit in match.pages)
    return sorted(found)[:HIT_PAGES_CAP]


def document_paths(source, doc_id: str) -> list[str]:
    record = _document_record(as_engine(source), doc_id)
    return [f["path"] for f in (record.get("info") or {}).get("files", [])]


def document_file(source, doc_id: str) -> dict | None:
    """A document's content hash, files, format and page count, as the index records them
    (without reading its pages)."""
    record = _document_record(as_engine(source), doc_id)
    if not record:
        return None
    info = record.get("info") or {}
    return {"doc_id": doc_id, "sha": info.get("sha", ""), "paths": [f["path"] for f in info.get("files", [])],
            "format": info.get("format"), "pages": info.get("pages"), "indexed": info.get("indexed"),
            "furniture": list(info.get("furniture") or ()), "files": list(info.get("files", []))}
