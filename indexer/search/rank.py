"""Grouping per document, ranking and facets: filters, counts and the order of the shown documents."""
from __future__ import annotations

import heapq
from collections import Counter

from .engine import Filters
from .scan import _Scan


def _facets_and_allowed(docs: dict, request: Filters) -> tuple[dict, set]:
    """Facet counts (each ignoring its own filter, so choices stay visible) and the documents
    that pass every filter."""
    types, years, dossiers = set(request.types), set(request.years), set(request.dossiers)
    if not (types or years or dossiers):
        values = docs.values()
        counts = {"type": Counter(v[0] for v in values),
                  "year": Counter(v[1] for v in values if v[1]),
                  "dossier": Counter(v[2] for v in values if v[2])}
        allowed = set(docs)
    else:
        counts = {"type": Counter(), "year": Counter(), "dossier": Counter()}
        allowed = set()
        for doc_id, (doc_type, year, dossier, _) in docs.items():
            ok_type = not types or doc_type in types
            ok_year = not years or year in years
            ok_dossier = not dossiers or dossier in dossiers
            if ok_year and ok_dossier:
                counts["type"][doc_type] += 1
            if ok_type and ok_dossier and year:
                counts["year"][year] += 1
            if ok_type and ok_year and dossier:
                counts["dossier"][dossier] += 1
            if ok_type and ok_year and ok_dossier:
                allowed.add(doc_id)
    by_count = lambda kv: (-kv[1], str(kv[0]))  # noqa: E731
    facets = {
        "type": [{"value": v, "count": c} for v, c in sorted(counts["type"].items(), key=by_count)],
        "year": [{"value": v, "count": c} for v, c in sorted(counts["year"].items())],
        "dossier": [{"value": v, "count": c} for v, c in sorted(counts["dossier"].items(), key=by_count)][:30],
    }
    return facets, allowed


def _rank_by_date(docs: dict, allowed: set, newest: bool) -> list[str]:
    """Dated documents newest (or oldest) first, then the undated ones."""
    dated = [d for d in allowed if docs[d][3] is not None]
    undated = sorted(d for d in allowed if docs[d][3] is None)
    dated.sort(key=lambda d: (docs[d][3], d), reverse=newest)
    return dated + undated


def _by_score(hit: tuple) -> tuple:
    """Best page first; on a tie the earlier one."""
    return -hit[0], hit[1]


def _best_pages(searcher, scan: _Scan, doc_id: str, count: int) -> list:
    """(score, stored fields) of a document's best matching pages, best first."""
    hits = heapq.nsmallest(count, scan.pages[doc_id], key=_by_score)
    return [(score, searcher.stored_fields(docnum)) for score, docnum in hits]
