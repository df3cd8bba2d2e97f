"""One result per publication: the manifestations of one official publication (the same
identifier from its record or file name: kst-32545-143.pdf, .html, .xml, .odt) are shown as
one result, the manifestation with pages (the PDF) first, with every format downloadable.

Computed per index generation from the `identifier` field, so adding, changing or removing
one manifestation changes the group at the next search without anything stored.
"""
from __future__ import annotations


#: The manifestation whose text and pages stand for the publication: pages first (PDF).
FORMAT_ORDER = ("pdf", "docx", "odt", "xml", "html", "htm", "md", "txt")
_CACHE: dict = {}


def _rank(fmt: str | None) -> int:
    return FORMAT_ORDER.index(fmt) if fmt in FORMAT_ORDER else len(FORMAT_ORDER)


def groups(engine) -> dict[str, list[tuple[str, str]]]:
    """doc_id -> [(doc_id, format), …] of its publication, primary first; only for publications
    with more than one manifestation. engine: an Engine (engine.py)."""
    # Keyed by what the index holds, not by the engine object: a library caller (the CLI, the
    # bench, a test) wraps a searcher in a new engine for every search, and reading every
    # document record again each time was the largest cost of an answer.
    # Whoosh's generation names its segments (random ids), so it tells indexes apart by itself.
    key = (engine.name if engine.name == "whoosh" else id(engine), engine.generation())
    cached = _CACHE.get("groups")
    if cached is not None and cached[0] == key:
        return cached[1]
    members: dict[str, list[tuple[str, str]]] = {}
    for record in engine.documents():
        identifier = record.get("identifier")
        if identifier:
            fmt = (record.get("info") or {}).get("format") or ""
            members.setdefault(identifier, []).append((record["doc_id"], fmt))
    out: dict[str, list[tuple[str, str]]] = {}
    for group in members.values():
        if len(group) > 1:
            group.sort(key=lambda m: (_rank(m[1]), m[0]))
            for doc_id, _ in group:
                out[doc_id] = group
    _CACHE["groups"] = (key, out)
    return out


def collapse(engine, allowed: set) -> set:
    """The allowed documents with one manifestation per publication: the primary where it
    matched, otherwise the best-placed other one."""
    by_doc = groups(engine)
    if not by_doc:
        return allowed
    out = set()
    for doc_id in allowed:
        group = by_doc.get(doc_id)
        if group is None:
            out.add(doc_id)
            continue
        chosen = next(d for d, _ in group if d in allowed)
        out.add(chosen)
    return out


def formats(engine, doc_id: str, own_format: str | None) -> list[dict]:
    """The formats of a result's publication, each with its download link, primary first."""
    group = groups(engine).get(doc_id) or [(doc_id, own_format or "")]
    return [{"format": fmt, "link": f"/original/{member}"} for member, fmt in group]
