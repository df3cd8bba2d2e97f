"""More like this: a document's most distinctive words, searched for elsewhere."""
from __future__ import annotations

import time
from collections import OrderedDict

from whoosh import query

from ..analysis import PART_PREFIX
from . import request as limits
from .answer import _document_record, _iso
from .columns import _generation_key
from .scan import _SCANS_LOCK, _ranked, _scan

_SIMILAR: OrderedDict = OrderedDict()
MLT_PAGES = 12      # pages read for a document's key terms (spread over a long document)


def more_like_this(searcher, doc_id: str, limit: int = 8) -> list[dict]:
    """Documents similar to a document: its most distinctive words, searched for elsewhere."""
    key = (_generation_key(searcher), doc_id, limit)
    if key in _SIMILAR:
        return [dict(d) for d in _SIMILAR[key]]
    docnums = sorted(searcher.document_numbers(doc_id=doc_id, kind="page"))
    if not docnums:
        return []
    if len(docnums) > MLT_PAGES:  # key terms re-analyse the text: a sample of a long document will do
        step = len(docnums) / MLT_PAGES
        docnums = [docnums[int(i * step)] for i in range(MLT_PAGES)]
    terms = [(t, w) for t, w in searcher.key_terms(docnums, "content", numterms=40)
             if not t.startswith(PART_PREFIX) and not t[:1].isdigit()][:25]
    similar = []
    if terms:
        q = query.Or([query.Term("content", t, boost=w) for t, w in terms])
        scan = _scan(searcher, q, time.monotonic() + limits.QUERY_TIME_LIMIT)
        for other in _ranked(scan)[:limit + 1]:
            if other == doc_id:
                continue
            record = _document_record(searcher, other)
            similar.append({"doc_id": other, "title": record.get("title") or "",
                            "type": record.get("type"), "date": _iso(record.get("date"))})
    similar = similar[:limit]
    with _SCANS_LOCK:
        _SIMILAR[key] = similar
        while len(_SIMILAR) > 256:
            _SIMILAR.popitem(last=False)
    return [dict(d) for d in similar]
