"""XML: official publications (Kamerstukken, Handelingen, Aanhangsel) and any other XML."""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from indexer.extract import Extraction, ExtractionError, Page
from indexer.extract.normalize import decode_bytes, normalize_paragraph
from indexer.extract.official import iso_date, normalize_dossier, normalize_vergaderjaar, record_fields
from indexer.extract.paginate import paginate

# Elements whose text runs on inside the paragraph around them; every other element is a
# block of its own, so that words of neighbouring elements never run together.
INLINE = frozenset(
    """
    nadruk naam voornaam achternaam voorvoegsels functie extref intref datum organisatie
    politiek kamervraagonderwerp ondernummer afkorting noot-ref nootref sup inf sub i b u
    em strong a span abbr cite code q small big font vet cursief onderstreept redactie
    """.split()
)
# Never document text.
SKIPPED = frozenset({"script", "style"})

_XML_ENCODING = re.compile(rb"""<\?xml[^>]*encoding=["']([\w.:-]+)["']""")


def _local(tag) -> str:
    if not isinstance(tag, str):
        return ""  # comments and processing instructions
    return tag.rsplit("}", 1)[-1].lower()


def _clean_block(raw: str) -> str:
    # Pretty-printed XML puts a line break between text and the punctuation after an
    # element ("<nadruk>..</nadruk>\n   ."); that whitespace is not a word break.
    raw = re.sub(r"\s*\n\s*(?=[.,;:!?)\]])", "", raw)
    raw = re.sub(r"(?<=[(\[])\s*\n\s*", "", raw)
    return normalize_paragraph(raw)


class _Blocks:
    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.buffer: list[str] = []

    def add(self, text: str | None) -> None:
        if text:
            self.buffer.append(text)

    def flush(self) -> None:
        if self.buffer:
            paragraph = _clean_block("".join(self.buffer))
            if paragraph:
                self.paragraphs.append(paragraph)
            self.buffer = []

    def walk(self, element: ET.Element) -> None:
        tag = _local(element.tag)
        if tag in SKIPPED or not tag:
            return
        block = tag not in INLINE
        if block:
            self.flush()
        self.add(element.text)
        for child in element:
            self.walk(child)
            self.add(child.tail)
        if block:
            self.flush()


def _text_of(element: ET.Element | None) -> str | None:
    if element is None:
        return None
    return normalize_paragraph(_clean_block("".join(element.itertext()))) or None


def _find(root: ET.Element, *names: str) -> ET.Element | None:
    wanted = set(names)
    for element in root.iter():
        if _local(element.tag) in wanted:
            return element
    return None


def _official_meta(root: ET.Element) -> dict:
    """Hints from an official publication's own XML (and any embedded <meta> record)."""
    entries = [
        (m.get("name", ""), m.get("scheme", ""), m.get("content", ""))
        for m in root.iter()
        if _local(m.tag) == "meta" and m.get("name")
    ]
    meta = record_fields(entries)
    kinds = {_local(child.tag) for child in root}
    if "kamerstuk" in kinds:
        meta.setdefault("type", "kamerstuk")
        stuk, dossier_element = _find(root, "stuk"), _find(root, "dossier")
        stuk_title = _text_of(_find(stuk, "titel")) if stuk is not None else None
        dossier_title = _text_of(_find(dossier_element, "titel")) if dossier_element is not None else None
        if stuk_title and re.match(r"motie\b", stuk_title, re.I):
            meta["type"] = "motie" if meta["type"] == "kamerstuk" else meta["type"]
        elif stuk_title and re.match(r"brief\b", stuk_title, re.I):
            meta["type"] = "kamerbrief" if meta["type"] == "kamerstuk" else meta["type"]
        if stuk_title or dossier_title:
            meta.setdefault("title", stuk_title or dossier_title)
        dossier = normalize_dossier(_text_of(_find(root, "dossiernr")))
        if dossier:
            meta.setdefault("dossier", dossier)
        number = _text_of(_find(root, "ondernummer"))
        if number:
            meta.setdefault("number", number)
    elif "kamervragen" in kinds:
        meta.setdefault("type", "kamervragen")
        number = _text_of(_find(root, "kamervraagnummer"))
        if number:
            meta.setdefault("number", number)
        question = next(
            (e for e in root.iter() if _local(e.tag) == "kamervraagomschrijving" and e.get("type") == "vraag"),
            None,
        )
        if question is not None:
            meta.setdefault("title", _text_of(question))
        answer = next(
            (e for e in root.iter() if _local(e.tag) == "kamervraagomschrijving" and e.get("type") == "antwoord"),
            None,
        )
        if answer is not None:
            dated = _find(answer, "datum")
            if dated is not None and iso_date(dated.get("isodatum")):
                meta.setdefault("date", iso_date(dated.get("isodatum")))
    elif "handelingen" in kinds:
        meta.setdefault("type", "handelingen")
        title = _text_of(_find(root, "item-titel", "titel"))
        if title:
            meta.setdefault("title", title)
    for element in root.iter():
        if _local(element.tag) == "tekstregel" and element.get("inhoud") == "vergaderjaar":
            year = normalize_vergaderjaar(_text_of(element))
            if year:
                meta.setdefault("vergaderjaar", year)
            break
    for element in root.iter():
        date = iso_date(element.get("isodatum")) if _local(element.tag) == "datum" else None
        if date:
            meta.setdefault("date", date)
            break
    return meta


# Element names of metadata records (SRU responses, OWMS) and their record field names.
_RECORD_ELEMENTS = {
    "title": "dc.title",
    "titel": "dc.title",
    "documenttitel": "overheidop.documenttitel",
    "issued": "dcterms.issued",
    "available": "dcterms.available",
    "date": "dc.date",
    "datum": "dc.date",
    "identifier": "dc.identifier",
    "type": "dc.type",
    "subrubriek": "dc.type",
    "dossiernummer": "overheidop.dossiernummer",
    "ondernummer": "overheidop.ondernummer",
    "aanhangselnummer": "overheidop.aanhangselnummer",
    "vergaderjaar": "overheidop.vergaderjaar",
    "publicatienaam": "overheidop.publicationname",
    "publicationname": "overheidop.publicationname",
}


def _generic_meta(root: ET.Element) -> dict:
    """Hints from any other XML: title-, date- and record-like elements (e.g. SRU records)."""
    entries = []
    for element in root.iter():
        name = _RECORD_ELEMENTS.get(_local(element.tag))
        if name is None or len(element):
            continue
        value = element.get("isodatum") or _text_of(element) or ""
        entries.append((name, element.get("scheme", ""), value[:500]))
    return record_fields(entries)


_TAG = re.compile(r"<(/?)([\w:.-]+)[^>]*?(/?)>", re.S)
# A document type declaration with its internal subset: <!DOCTYPE r [ <!ENTITY a "…"> … ]>.
_DOCTYPE = re.compile(r"""<!DOCTYPE(?:[^\[>"']|"[^"]*"|'[^']*')*(?:\[(?:[^\]"']|"[^"]*"|'[^']*')*\]\s*)?>""",
                      re.S | re.I)
_ENTITY_REF = re.compile(r"&[\w.:-]+;")


def _without_doctype(text: str) -> str:
    """The document without its DTD: declarations are not content, and entities the file
    declares itself are never expanded (no billion laughs, no external entity read)."""
    return _DOCTYPE.sub(" ", text, count=1)


def _lenient_paragraphs(text: str) -> list[str]:
    """Text of XML that does not parse: tags stripped, block elements as paragraph breaks."""
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"<\?.*?\?>", " ", _without_doctype(text), flags=re.S)
    text = re.sub(r"<!\[CDATA\[(.*?)\]\]>", lambda m: html.escape(m.group(1)), text, flags=re.S)

    def tag(m: re.Match) -> str:
        name = m.group(2).rsplit(":", 1)[-1].lower()
        return "" if name in INLINE else "\n\n"

    text = _TAG.sub(tag, text)
    text = re.sub(r"<[^>]*$", "", text)  # a tag cut off at the end of the file
    text = html.unescape(text)
    text = _ENTITY_REF.sub(" ", text)  # references to entities of a DTD that is not read
    return [p for p in (_clean_block(b) for b in re.split(r"\n\s*\n", text)) if p]


def extract_file(path: Path) -> Extraction:
    """Extract an XML file as page-sized passages."""
    data = path.read_bytes()
    declared = _XML_ENCODING.search(data[:200])
    text = decode_bytes(data, declared.group(1).decode("ascii") if declared else None)
    text = text.lstrip()
    if not text:
        raise ExtractionError("empty", "het XML-bestand bevat geen tekst")
    try:
        root = ET.fromstring(_without_doctype(text))
    except ET.ParseError:
        root = None
    if root is not None:
        blocks = _Blocks()
        blocks.walk(root)
        blocks.flush()
        paragraphs = blocks.paragraphs
        official = _local(root.tag) == "officiele-publicatie"
        meta = _official_meta(root) if official else _generic_meta(root)
    else:
        paragraphs = _lenient_paragraphs(text)
        meta = {}
    if not paragraphs:
        raise ExtractionError("damaged", "geen tekst in het XML-bestand (onleesbare opmaak)")
    passages = paginate(paragraphs)
    pages = [Page(number, passage) for number, passage in enumerate(passages, 1)]
    return Extraction(pages=pages, meta={k: v for k, v in meta.items() if v})
