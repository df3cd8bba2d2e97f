"""Citations and links: the usual Dutch citation of a passage, and a link that survives a reindex."""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import quote

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")


def short_vergaderjaar(vergaderjaar: str | None) -> str | None:
    """'2020-2021' -> '2020/21'."""
    m = re.fullmatch(r"(\d{4})\s*[-/]\s*(\d{2})(\d{2})?", (vergaderjaar or "").strip())
    if not m:
        return None
    return f"{m.group(1)}/{m.group(3) or m.group(2)}"


def dutch_date(iso: str | None) -> str | None:
    """'2021-07-06' -> '6 juli 2021'."""
    try:
        d = date.fromisoformat((iso or "")[:10])
    except ValueError:
        return None
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def citation(doc: dict, page: int) -> str:
    """The usual Dutch citation of a passage, from the document's metadata.

    Kamerstukken II 2020/21, 32545, nr. 143, p. 2 · Aanhangsel Handelingen II 2020/21, nr. 3235, p. 1 ·
    Handelingen II 2017/18, nr. 70, item 12, p. 3; without those numbers: title, the official
    identifier (BWBR…, blg-…), dossier and number as far as known, date, page. Every reference
    in it is read again by indexer.references."""
    vj = short_vergaderjaar(doc.get("vergaderjaar"))
    dossier, number, doc_type = doc.get("dossier"), doc.get("number"), doc.get("type")
    identifier = doc.get("identifier") or ""
    chamber = "I" if identifier.startswith(("h-ek-", "ah-ek-")) else "II"
    if doc_type == "kamervragen" and vj and number:
        return f"Aanhangsel Handelingen {chamber} {vj}, nr. {number}, p. {page}"
    if doc_type == "handelingen" and vj and number:
        # h-tk-20172018-70-12: item 12 of sitting 70
        m = re.fullmatch(rf"h-(?:tk|ek)-\d{{8}}-{re.escape(str(number))}-(\d+)", identifier)
        item = f", item {m.group(1)}" if m else ""
        return f"Handelingen {chamber} {vj}, nr. {number}{item}, p. {page}"
    if doc_type not in ("kamervragen", "handelingen", "wet") and vj and dossier and number:
        if identifier.startswith("blg-"):  # a bijlage carries the number of the Kamerstuk it belongs to
            return f"Bijlage {identifier} bij Kamerstukken II {vj}, {dossier}, nr. {number}, p. {page}"
        return f"Kamerstukken II {vj}, {dossier}, nr. {number}, p. {page}"
    parts = [(doc.get("title") or "").strip().rstrip(".:;,") or "Zonder titel"]
    if identifier.startswith(("BWB", "blg-")) or (identifier and not (dossier and number)):
        parts.append(identifier)
    if dossier and number:
        parts.append(f"{dossier}, nr. {number}")
    elif dossier:
        parts.append(f"dossier {dossier}")
    date = dutch_date(doc.get("date"))
    if date:
        parts.append(date)
    parts.append(f"p. {page}")
    return ", ".join(parts)


def passage_link(doc_id: str, page: int, q: str, synonyms: bool = True) -> str:
    """A link to the passage that survives a reindex: the doc_id comes from the content hash."""
    link = f"/document/{doc_id}?q={quote(q, safe='')}"
    if not synonyms:
        link += "&synonyms=0"
    return f"{link}#p{page}"
