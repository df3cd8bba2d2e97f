"""A query that is a reference (indexer.references): the document referred to, marked and
first; a reference to a document that is not indexed says so; ``dossier N`` filters."""
from __future__ import annotations

import re

from ..references import Reference, canonical, describe, parse_reference


def read_reference(text: str) -> Reference | None:
    return parse_reference(text or "")


def find_document(engine, identifier: str) -> str | None:
    """The doc_id of the indexed document with this official identifier, or None."""
    doc_id = engine.lookup("identifier", identifier)
    if doc_id is None:
        return None
    from .publications import groups
    group = groups(engine).get(doc_id)
    return group[0][0] if group else doc_id  # a publication's primary manifestation


def not_indexed(ref: Reference) -> str:
    return f"{describe(ref)} staat niet in de index; hieronder de resultaten voor de woorden."


def dossier_notice(ref: Reference) -> str:
    return (f"Gelezen als filter: alle documenten van dossier {ref.dossier}. "
            f"Zoek op een los nummer zonder ‘dossier’ om het als woord te zoeken.")


def reference_pages(engine, doc_id: str, ref: Reference, count: int) -> list:
    """(score, page record) of the pages to show for the document referred to: for a law
    with an article the page where that article starts, otherwise the first pages."""
    pages = engine.pages(doc_id)
    if ref.article:
        heading = re.compile(rf"(?mi)^\W*artikel\s+{re.escape(ref.article)}(?![\w.])")
        for page in pages:
            if heading.search(page.get("content", "")):
                return [(0.0, page)]
    return [(0.0, page) for page in pages[:max(1, min(count, 1))]]


# -- references between documents ---------------------------------------------------------
_CITES = re.compile(r"^\s*verwijst:\s*(\S+)\s*$", re.I)


def cited_identifier(text: str) -> str | None:
    """`verwijst:kst-29754-541`: the identifier whose citing documents are asked for.
    Raises QueryError when what follows is no identifier."""
    m = _CITES.match(text or "")
    if not m:
        return None
    found = canonical(m.group(1).strip("'\""))
    if found is None:
        from .request import QueryError
        raise QueryError(f"‘verwijst:’ verwacht een kenmerk zoals kst-29754-541, niet ‘{m.group(1)}’.")
    return found


def citing_notice(identifier: str) -> str:
    ref = parse_reference(identifier)
    return f"Documenten die verwijzen naar {describe(ref) if ref else identifier} ({identifier})."


def outgoing(engine, info: dict) -> list[dict]:
    """What a document refers to, each linked to the indexed document where there is one."""
    out = []
    for ref in info.get("references") or ():
        out.append({**ref, "doc_id": find_document(engine, ref["identifier"])})
    return out


def incoming(engine, identifier: str | None, limit: int = 200) -> list[dict]:
    """The indexed documents whose text refers to this identifier, with the pages that do."""
    if not identifier:
        return []
    pages: dict[str, list[int]] = {}
    for record in engine.records("cites", identifier):
        pages.setdefault(record["doc_id"], []).append(record.get("page"))
    out = []
    for doc_id in sorted(pages)[:limit]:
        record = engine.document(doc_id) or {}
        out.append({"doc_id": doc_id, "title": record.get("title") or "", "identifier": record.get("identifier"),
                    "pages": sorted(p for p in pages[doc_id] if p)})
    return out
