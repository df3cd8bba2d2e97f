"""More like this: other documents like one, as the engine finds them (engine.more_like_this)."""
from __future__ import annotations

import time

from . import request as limits
from .answer import _document_record, _iso
from .engine import as_engine


def more_like_this(source, doc_id: str, limit: int = 8) -> list[dict]:
    """Documents similar to a document: its most distinctive words, searched for elsewhere."""
    engine = as_engine(source)
    similar = []
    for other in engine.more_like_this(doc_id, limit, time.monotonic() + limits.QUERY_TIME_LIMIT):
        record = _document_record(engine, other)
        similar.append({"doc_id": other, "title": record.get("title") or "",
                        "type": record.get("type"), "date": _iso(record.get("date"))})
    return similar
