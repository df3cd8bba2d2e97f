"""One pass over the matches gives totals, facets, ranking and the passages' pages; cached per
query and index generation, so paging, sorting and facet clicks cost almost nothing."""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from whoosh import query

from .columns import _generation_key, _leaves
from .evaluate import _Evaluator
from .whoosh_plan import _Expansion


@dataclass
class _Scan:
    query: query.Query
    docs: dict           # doc_id -> (type, year, dossier, date)
    best: dict           # doc_id -> score of its best page
    where: dict          # doc_id -> (leaf number, local ordinal)
    truncated: bool
    scores: dict         # leaf number -> {docnum: score} of every matching page, when not too many
    facets: dict = field(default_factory=dict)   # filters -> (facets, allowed documents)
    ranked: list | None = None                   # every doc_id, best first
    pages: dict = field(default_factory=dict)    # doc_id -> [(score, docnum)] of its matching pages


_SCANS: OrderedDict = OrderedDict()
_SCANS_LOCK = threading.Lock()
SCAN_CACHE_SIZE = 64
KEEP_SCORES = 5000      # page scores a cached scan keeps per segment (more are asked again)


def _scan(searcher, q: query.Query, deadline: float) -> _Scan:
    """Every document with a page matching the query: its facet values and the score of its best
    page. Cached per query and index generation, so paging, sorting and facet clicks cost
    nothing more."""
    key = (_generation_key(searcher), repr(q))
    with _SCANS_LOCK:
        found = _SCANS.get(key)
        if found is not None:
            _SCANS.move_to_end(key)
            return found
    evaluator = _Evaluator(searcher, deadline)
    docs: dict = {}
    best: dict = {}
    where: dict = {}
    kept: dict = {}
    for leaf, (sub, offset, seg) in enumerate(_leaves(searcher)):
        scores = evaluator.scores(q, sub, seg)
        ordinal = seg.ordinal
        best_of: dict = {}
        get = best_of.get
        for docnum, score in scores.items():
            o = ordinal[docnum]
            if score > get(o, -1.0):
                best_of[o] = score
        best_of.pop(-1, None)   # records that are not pages
        seg_docs = seg.docs
        for o, score in best_of.items():
            doc_id, *facet_values = seg_docs[o]
            docs[doc_id] = tuple(facet_values)
            best[doc_id] = score
            where[doc_id] = (leaf, o)
        if len(scores) <= KEEP_SCORES:
            kept[leaf] = scores  # small enough to keep: the passages' pages come from it
        if evaluator.timed_out:
            break
    scan = _Scan(q, docs, best, where, evaluator.timed_out, kept)
    if not scan.truncated:
        with _SCANS_LOCK:
            _SCANS[key] = scan
            while len(_SCANS) > SCAN_CACHE_SIZE:
                _SCANS.popitem(last=False)
    return scan


def _ranked(scan: _Scan) -> list:
    """Every matching document, best first (doc_id breaks ties), computed once per scan."""
    if scan.ranked is None:
        scan.ranked = sorted(scan.best, key=lambda d: (-scan.best[d], d))
    return scan.ranked


def _page_scores(searcher, scan: _Scan, doc_ids: list) -> None:
    """Fill scan.pages with (score, global docnum) of each matching page of these documents.

    Only the shown documents need this, so it is asked of Whoosh's own matchers (which give the
    same scores): one matcher per segment, skipping from one shown document's pages to the next."""
    wanted: dict = {}
    leaves = _leaves(searcher)
    for doc_id in doc_ids:
        if doc_id in scan.pages:
            continue
        leaf, o = scan.where[doc_id]
        scores = scan.scores.get(leaf)
        if scores is not None:
            offset, pages = leaves[leaf][1], leaves[leaf][2].pages[o]
            scan.pages[doc_id] = [(scores[d], d + offset) for d in pages if d in scores]
        else:
            wanted.setdefault(leaf, []).append((doc_id, o))
    if not wanted:
        return
    q = _for_pages(scan.query)
    for leaf, docs in wanted.items():
        sub, offset, seg = leaves[leaf]
        try:
            m = q.matcher(sub, searcher.context())
        except Exception:  # a term this segment does not have
            m = None
        for doc_id, o in sorted(docs, key=lambda d: seg.pages[d[1]][0]):
            found = []
            for docnum in seg.pages[o]:
                if m is None or not m.is_active():
                    break
                if m.id() < docnum:
                    m.skip_to(docnum)
                    if not m.is_active():
                        break
                if m.id() == docnum:
                    found.append((m.score(), docnum + offset))
            # a document whose pages Whoosh cannot tell apart (a range alone): its first page
            scan.pages[doc_id] = found or [(scan.best[doc_id], seg.pages[o][0] + offset)]


def _for_pages(q: query.Query) -> query.Query:
    """The query for scoring a shown document's pages: date and year ranges hold for all pages of
    a document alike (and Whoosh's range matchers are slow to build), so they are left out."""
    if isinstance(q, query.And):
        kept = [_for_pages(c) for c in q.subqueries if not _Evaluator._range(c)]
        if not kept:
            return query.Every()
        return kept[0] if len(kept) == 1 else query.And(kept, boost=q.boost)
    if isinstance(q, query.AndNot):
        return query.AndNot(_for_pages(q.a), q.b)
    if isinstance(q, (query.Or, query.Require)) and not isinstance(q, _Expansion):
        return q.apply(_for_pages)
    if _Evaluator._range(q):
        return query.Every()
    return q
