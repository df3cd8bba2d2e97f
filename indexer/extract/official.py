"""Official publication metadata (officielebekendmakingen.nl): fields and document types.

The same record appears as `<name>.metadata.xml` beside a file, as <meta> tags in the
HTML edition, as user-defined fields in the ODT edition and inside the XML edition; all of
them are read here, so every format maps them the same way.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

OFFICIAL_URL = "https://zoek.officielebekendmakingen.nl/"
TYPES = (
    "dreigingsbeeld",
    "kamerbrief",
    "kamerstuk",
    "motie",
    "kamervragen",
    "besluitenlijst",
    "handelingen",
    "wet",
    "overig",
)

_TITLE_NAMES = ("overheidop.documenttitel", "dc.title", "dcterms.title", "title")
_DATE_NAMES = (
    "dcterms.issued",
    "dc.date.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.available",
    "overheidop.datumontvangst",
)
_NUMBER_NAMES = ("overheidop.ondernummer", "overheidop.aanhangselnummer")


def iso_date(value: str | None) -> str | None:
    """YYYY-MM-DD from an ISO date or date-time, else None."""
    if not value:
        return None
    m = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value)
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"


def normalize_dossier(value: str | None) -> str | None:
    """A dossier number without spaces: "32 545" -> "32545", "36 600 VI" -> "36600-VI"."""
    if not value:
        return None
    value = value.split(";")[0].strip()
    m = re.fullmatch(r"([\d ]+?)\s*[- ]?\s*([A-Za-z]+(?:-[A-Za-z0-9]+)*)?", value)
    if m and m.group(1).strip():
        digits = re.sub(r"\s+", "", m.group(1))
        return f"{digits}-{m.group(2).upper()}" if m.group(2) else digits
    return re.sub(r"\s+", "", value) or None


def normalize_vergaderjaar(value: str | None) -> str | None:
    """A parliamentary year as "2020-2021" (from "2020-2021", "20202021" or "2020/2021")."""
    if not value:
        return None
    m = re.search(r"(\d{4})\s*[-/–]?\s*(\d{4})", value)
    if m and int(m.group(2)) == int(m.group(1)) + 1:
        return f"{m.group(1)}-{m.group(2)}"
    return None


def official_type(types: Iterable[tuple[str, str]], publication: str | None = None) -> str | None:
    """Our document type from DC.type values (scheme, value) and the publication name."""
    by_scheme: dict[str, str] = {}
    for scheme, value in types:
        by_scheme.setdefault(scheme.lower(), value.strip().lower())
    kamerstuk = by_scheme.get("overheidop.kamerstuktypen")
    if kamerstuk:
        if kamerstuk.startswith("motie"):
            return "motie"
        if kamerstuk.startswith("brief"):
            return "kamerbrief"
        return "kamerstuk"
    if "overheidop.aanhangseltypen" in by_scheme:
        return "kamervragen"
    candidates = [by_scheme.get("overheidop.parlementair", ""), (publication or "").lower()]
    for value in candidates:
        if not value:
            continue
        if value.startswith(("aanhangsel", "kamervragen")):
            return "kamervragen"
        if value.startswith("handelingen"):
            return "handelingen"
        if value.startswith("kamerstuk"):
            return "kamerstuk"
        if value.startswith("besluitenlijst"):
            return "besluitenlijst"
        if value.startswith(("bijlage", "agenda")):
            return "overig"
    for scheme, value in by_scheme.items():
        if "bwb" in scheme or value in {"wet", "amvb", "rijkswet", "ministeriele-regeling", "verdrag"}:
            return "wet"
    return None


def record_fields(entries: Iterable[tuple[str, str, str]]) -> dict:
    """Our metadata fields from official record entries (name, scheme, content).

    Returns only the fields found: title, date, type, dossier, number, vergaderjaar, url.
    """
    values: dict[str, str] = {}
    types: list[tuple[str, str]] = []
    for name, scheme, content in entries:
        name = (name or "").strip()
        content = re.sub(r"\s+", " ", content or "").strip()
        if not name or not content:
            continue
        lname = name.lower()
        if lname in ("dc.type", "dcterms.type"):
            types.append((scheme or "", content))
            continue
        values.setdefault(lname, content)
    out: dict = {}
    for key in _TITLE_NAMES:
        if values.get(key):
            out["title"] = values[key]
            break
    for key in _DATE_NAMES:
        date = iso_date(values.get(key))
        if date:
            out["date"] = date
            break
    dossier = normalize_dossier(values.get("overheidop.dossiernummer"))
    if dossier:
        out["dossier"] = dossier
    for key in _NUMBER_NAMES:
        if values.get(key):
            out["number"] = values[key]
            break
    year = normalize_vergaderjaar(values.get("overheidop.vergaderjaar"))
    if year:
        out["vergaderjaar"] = year
    kind = official_type(types, values.get("overheidop.publicationname"))
    if kind:
        out["type"] = kind
    url = official_url(values.get("dc.identifier") or values.get("dcterms.identifier"))
    if not url and values.get("overheidop.externmetadatarecord"):
        url = re.sub(r"/metadata\.xml$", "", values["overheidop.externmetadatarecord"])
    if url:
        out["url"] = url
    return out


def official_url(identifier: str | None) -> str | None:
    """The public address of an official publication from its identifier (kst-32545-143)."""
    if not identifier:
        return None
    identifier = identifier.strip()
    if identifier.startswith(("http://", "https://")):
        return identifier
    if re.fullmatch(r"(kst|ah|h|kv|blg|stb|stcrt|trb|gmb|prb|wsb|bgr|ag|nds|ks)-[\w.-]+", identifier, re.I):
        return OFFICIAL_URL + identifier
    return None
