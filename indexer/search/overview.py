"""The status overview: what the index holds, for `kamerzoek status` and the /status page."""
from __future__ import annotations


def index_overview(searcher) -> dict:
    """Counts for the status page: documents, pages, formats, types, OCR and stale documents."""
    documents = [dict(d) for d in searcher.documents(kind="doc")]
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


def status_data(store) -> dict:
    """What `status` and the /status page show: the overview, with the store's size, versions
    and last run."""
    with store.searcher() as searcher:
        overview = index_overview(searcher)
    last_run = store.last_run()
    return {"index": str(store.root), "size_bytes": store.size_bytes(),
            "version": store.stored_versions(), "last_run": last_run,
            "failures": (last_run or {}).get("unreadable", []), **overview}


def generation(searcher) -> int:
    """The index generation this searcher reads (each commit adds one; a rebuild starts again,
    so name it with the time of the last run)."""
    return searcher.reader().generation()
