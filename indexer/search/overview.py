"""The status overview: what the index holds, for `kamerzoek status` and the /status page."""
from __future__ import annotations

from .engine import Engine, as_engine


def index_overview(source) -> dict:
    """Counts for the status page: documents, pages, formats, types, OCR and stale documents."""
    documents = list(as_engine(source).documents())
    formats: dict[str, int] = {}
    types: dict[str, int] = {}
    pages = 0
    needs_ocr, stale, ocr_pages = [], [], 0
    for d in documents:
        info = d.get("info") or {}
        formats[info.get("format", "?")] = formats.get(info.get("format", "?"), 0) + 1
        types[d.get("type", "overig")] = types.get(d.get("type", "overig"), 0) + 1
        pages += info.get("indexed_pages", 0)
        ocr_pages += len(info.get("ocr_pages", []))
        path = (info.get("files") or [{}])[0].get("path")
        if info.get("needs_ocr"):
            needs_ocr.append({"doc_id": d["doc_id"], "path": path, "pages": info["needs_ocr"]})
        if info.get("status") == "stale":
            stale.append({"doc_id": d["doc_id"], "path": path, "reason": info.get("stale_reason")})
    return {"documents": len(documents), "pages": pages, "formats": formats, "types": types,
            "ocr_pages": ocr_pages, "needs_ocr": needs_ocr, "stale": stale}


def status_data(source) -> dict:
    """What `status` and the /status page show: the overview, with where the index is, its
    size, versions and last run. source: an engine, or a Store (its Whoosh engine)."""
    engine = source if isinstance(source, Engine) else _store_engine(source)
    info = engine.info()
    last_run = info.get("last_run")
    return {"index": info.get("index"), "size_bytes": info.get("size_bytes", 0),
            "version": info.get("version"), "last_run": last_run,
            "failures": (last_run or {}).get("unreadable", []), "last_check": info.get("last_check"),
            **index_overview(engine)}


def _store_engine(store) -> Engine:
    from .whoosh_engine import WhooshEngine
    return WhooshEngine.open(store)


def generation(source) -> int | None:
    """The index generation an engine (or a Whoosh searcher) reads: each commit adds one; a
    rebuild starts again, so name it with the time of the last run."""
    engine = source if isinstance(source, Engine) else as_engine(source)
    return engine.info().get("generation")
