"""A query that is a reference (indexer.references): the document referred to, marked and
first; a reference to a document that is not indexed says so; ``dossier N`` filters."""
from __future__ import annotations

import re

from ..references import Reference, describe, parse_reference


def read_reference(text: str) -> Reference | None:
    return parse_reference(text or "")


def find_document(engine, identifier: str) -> str | None:
    """The doc_id of the indexed document with this official identifier, or None."""
    return engine.lookup("identifier", identifier)


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
