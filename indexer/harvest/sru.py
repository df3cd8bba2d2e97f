"""KOOP's SRU service for the official publications: the query (CQL) and the answer pages.

A query page is `searchRetrieveResponse` (SRU 2.0) whose records each describe one
publication: its identifier, title, type, publication name, modified date, dossier and
number, and under `gzd:enrichedData` one `gzd:itemUrl` per manifestation (html, xml, pdf,
odt, metadata, metadataowms). Paging follows `sru:nextRecordPosition`.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

DEFAULT_BASE_URL = "https://repository.overheid.nl/sru"
PAGE_SIZE = 250          # the service allows up to 1000; 250 keeps a page under about a megabyte
PRODUCT_AREA = "c.product-area==officielepublicaties"
FORMATS = ("pdf", "xml", "html", "odt")      # the manifestations --formats can choose
DEFAULT_FORMATS = ("pdf", "xml")            # the PDF for pages, the XML for text and metadata
EXTENSIONS = {"pdf": ".pdf", "xml": ".xml", "html": ".html", "odt": ".odt", "metadata": ".metadata.xml"}

NS = {
    "sru": "http://docs.oasis-open.org/ns/search-ws/sruResponse",
    "gzd": "http://standaarden.overheid.nl/sru",
    "dcterms": "http://purl.org/dc/terms/",
    "ow": "http://standaarden.overheid.nl/wetgeving/",
    "diag": "http://docs.oasis-open.org/ns/search-ws/diagnostic",
}

# --type: the CQL for each kind of publication. Appendices (blg-) carry the publication
# name "Kamerstuk" of the document they belong to, so a Kamerstuk harvest includes them.
TYPE_QUERIES = {
    "kamerstuk": 'w.publicatienaam==Kamerstuk',
    "bijlage": 'dt.type==Bijlage',
    "handelingen": 'w.publicatienaam==Handelingen',
    "kamervragen": '(w.publicatienaam=="Kamervragen (Aanhangsel)" OR '
                   'w.publicatienaam=="Kamervragen zonder antwoord")',
    "niet-dossierstuk": 'w.publicatienaam==Niet-dossierstuk',
    "agenda": 'w.publicatienaam==Agenda',
    "staatsblad": 'w.publicatienaam==Staatsblad',
    "staatscourant": 'w.publicatienaam==Staatscourant',
    "tractatenblad": 'w.publicatienaam==Tractatenblad',
}

# Where a publication lands, by its identifier's prefix (then by its publication name).
FOLDERS = ("kamerstukken", "bijlagen", "handelingen", "kamervragen", "overig")
_PREFIX_FOLDERS = (("kst-", "kamerstukken"), ("blg-", "bijlagen"), ("h-", "handelingen"),
                   ("ah-", "kamervragen"), ("kv-", "kamervragen"))
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


class SruError(Exception):
    """The service's answer is not an SRU page we can read (malformed or unexpected)."""


class SruDiagnostic(Exception):
    """The service answered with an SRU diagnostic (usually: it rejects the query)."""


@dataclass
class Record:
    identifier: str
    title: str
    modified: str                   # dcterms:modified (YYYY-MM-DD), else the enrichment timestamp
    kind: str                       # dcterms:type, e.g. "Kamerstuk", "Bijlage", "Handeling"
    publication: str                # overheidwetgeving:publicatienaam
    manifestations: dict[str, str] = field(default_factory=dict)   # "pdf" -> URL

    @property
    def folder(self) -> str:
        """kamerstukken, bijlagen, handelingen, kamervragen or overig."""
        ident = self.identifier.lower()
        for prefix, folder in _PREFIX_FOLDERS:
            if ident.startswith(prefix):
                return folder
        kind = f"{self.kind} {self.publication}".lower()
        if "bijlage" in kind:
            return "bijlagen"
        if "kamervragen" in kind or "aanhangsel" in kind:
            return "kamervragen"
        if "handeling" in kind:
            return "handelingen"
        if "kamerstuk" in kind:
            return "kamerstukken"
        return "overig"


@dataclass
class Page:
    records: list[Record]
    total: int
    next_position: int | None


def _quote(value: str) -> str:
    return value if re.fullmatch(r"[\w.-]+", value) else '"' + value.replace('"', "") + '"'


def build_query(dossiers=(), types=(), date_from: date | None = None, date_to: date | None = None,
                extra: str | None = None) -> str:
    """The CQL for a harvest, without the modified-since clause that each run adds.

    dossiers: numbers such as "29754" or "36600-VI" ("29 754" is normalised); types: keys of
    TYPE_QUERIES; date_from/date_to: publication dates (dt.date); extra: more CQL, ANDed.
    """
    from indexer.extract.official import normalize_dossier

    parts = [PRODUCT_AREA]
    if dossiers:
        terms = [f"w.dossiernummer=={_quote(normalize_dossier(d) or d)}" for d in dossiers]
        parts.append(terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")")
    if types:
        terms = [TYPE_QUERIES[t] for t in types]
        parts.append(terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")")
    if date_from:
        parts.append(f"dt.date>={date_from.isoformat()}")
    if date_to:
        parts.append(f"dt.date<={date_to.isoformat()}")
    if extra and extra.strip():
        parts.append(f"({extra.strip()})")
    return " AND ".join(parts)


def with_since(query: str, since: date | None) -> str:
    return f"{query} AND dt.modified>={since.isoformat()}" if since else query


def page_url(base_url: str, query: str, start: int, size: int = PAGE_SIZE) -> str:
    params = {"operation": "searchRetrieve", "version": "2.0", "query": query,
              "startRecord": start, "maximumRecords": size, "httpAccept": "application/xml"}
    return base_url + ("&" if "?" in base_url else "?") + urlencode(params)


def _text(element: ET.Element | None, path: str) -> str:
    found = element.find(path, NS) if element is not None else None
    return re.sub(r"\s+", " ", found.text or "").strip() if found is not None and found.text else ""


def parse_page(body: bytes, url: str) -> Page:
    """The records of one answer page.

    :raises SruError: not XML, not an SRU answer, or a record without a usable identifier.
    :raises SruDiagnostic: the service reports an error (its message).
    """
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise SruError(f"het antwoord van {url} is geen geldige XML ({e})") from e
    if root.tag != f"{{{NS['sru']}}}searchRetrieveResponse":
        raise SruError(f"het antwoord van {url} is geen SRU-zoekresultaat (maar <{root.tag}>)")
    diagnostic = root.find("sru:diagnostics/diag:diagnostic", NS)
    if diagnostic is not None:
        message = _text(diagnostic, "diag:message") or _text(diagnostic, "diag:details") or "onbekende fout"
        raise SruDiagnostic(f"de dienst wijst de zoekvraag af: {message} ({url})")
    total_text = _text(root, "sru:numberOfRecords")
    if not total_text.isdigit():
        raise SruError(f"het antwoord van {url} noemt geen aantal resultaten")
    records = [_record(r, url) for r in root.findall("sru:records/sru:record", NS)]
    next_text = _text(root, "sru:nextRecordPosition")
    if next_text and not next_text.isdigit():
        raise SruError(f"het antwoord van {url} heeft een ongeldige volgende positie: {next_text}")
    return Page(records, int(total_text), int(next_text) if next_text else None)


def _record(element: ET.Element, url: str) -> Record:
    data = element.find("sru:recordData/gzd:gzd", NS)
    if data is None:
        raise SruError(f"een resultaat in {url} bevat geen gzd-gegevens")
    meta = data.find("gzd:originalData/ow:meta", NS)
    identifier = _text(meta, "ow:owmskern/dcterms:identifier")
    if not _IDENTIFIER.fullmatch(identifier):
        raise SruError(f"een resultaat in {url} heeft een onbruikbare identifier: {identifier[:80]!r}")
    manifestations = {}
    for item in data.findall("gzd:enrichedData/gzd:itemUrl", NS):
        name, link = item.get("manifestation", "").strip().lower(), (item.text or "").strip()
        if name and link.startswith(("http://", "https://")):
            manifestations.setdefault(name, link)
    modified = (_text(meta, "ow:owmskern/dcterms:modified")
                or _text(data, "gzd:enrichedData/gzd:timestamp"))
    return Record(
        identifier=identifier,
        title=_text(meta, "ow:owmskern/dcterms:title"),
        modified=modified,
        kind=_text(meta, "ow:owmskern/dcterms:type"),
        publication=_text(meta, "ow:tpmeta/ow:publicatienaam"),
        manifestations=manifestations,
    )
