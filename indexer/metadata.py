"""Document metadata: title, date, type, dossier, number, vergaderjaar and url.

Sources, most trusted first; each fills only the fields still missing:
1. the official record `<stem>.metadata.xml` beside the file;
2. a JSON sidecar `<name>.json` (or `<stem>.json`);
3. hints from inside the file (`Extraction.meta`: PDF info, XML/HTML/ODT metadata, headings);
4. the file name (`kst-32545-143`, `ah-tk-20202021-3235`, `h-tk-20172018-70-3`, `BWBR…`);
5. the text itself: its first line as title, "Motie van het lid …" as type.
Nothing is invented: a field no source gives stays None, except type, which falls back
to "overig".
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from indexer.extract import SUPPORTED_EXTENSIONS, Extraction
from indexer.extract.official import (
    TYPES,
    iso_date,
    normalize_dossier,
    normalize_vergaderjaar,
    record_fields,
)

FIELDS = ("title", "date", "type", "dossier", "number", "vergaderjaar", "url")
TITLE_MAX = 200
METADATA_SUFFIX = ".metadata.xml"


def _stem(path: Path) -> str:
    """The name without its extension; for a.metadata.xml also without ".metadata"."""
    name = path.name
    if name.lower().endswith(METADATA_SUFFIX):
        return name[: -len(METADATA_SUFFIX)]
    return path.stem


def is_sidecar(path: Path) -> bool:
    """True for files that describe a document rather than being one.

    `<name>.metadata.xml` always; `X.json` when a file X (report.pdf.json) or a file with
    stem X and a supported extension (report.json beside report.pdf) exists beside it.
    """
    path = Path(path)
    name = path.name.lower()
    if name.endswith(METADATA_SUFFIX):
        return True
    if not name.endswith(".json"):
        return False
    described = path.with_name(path.name[: -len(".json")])
    if described.suffix.lower() in SUPPORTED_EXTENSIONS and described.is_file():
        return True
    return any(path.with_name(described.name + ext).is_file() for ext in SUPPORTED_EXTENSIONS)


def sidecars(path: Path) -> list[list]:
    """[name, size, mtime] of each sidecar that describes this file (the official record, the
    JSON sidecars), so that a run notices a changed, added or removed one: its document is then
    read again (from the text cache) with the new metadata."""
    path = Path(path)
    found = []
    for candidate in dict.fromkeys((path.with_name(_stem(path) + METADATA_SUFFIX),
                                    path.with_name(path.name + ".json"), path.with_name(_stem(path) + ".json"))):
        if candidate == path:
            continue
        try:
            stat = candidate.stat()
        except OSError:
            continue
        found.append([candidate.name, stat.st_size, stat.st_mtime])
    return found


def _official_record(path: Path) -> dict:
    record = path.with_name(_stem(path) + METADATA_SUFFIX)
    if record == path or not record.is_file():
        return {}
    try:
        root = ET.parse(record).getroot()
    except (ET.ParseError, OSError):
        return {}
    entries = [
        (e.get("name", ""), e.get("scheme", ""), e.get("content", ""))
        for e in root.iter()
        if e.get("name") and e.get("content") is not None
    ]
    return record_fields(entries)


def _json_sidecar(path: Path) -> dict:
    for candidate in (path.with_name(path.name + ".json"), path.with_name(_stem(path) + ".json")):
        if candidate == path or not candidate.is_file():
            continue
        try:
            data = json.loads(candidate.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        return _clean(data)
    return {}


def _clean(data: dict) -> dict:
    """Our fields from a dict of hints, normalised; unknown or empty values dropped."""
    out: dict = {}
    for key in FIELDS:
        value = data.get(key)
        if value is None or isinstance(value, (dict, list, bool)):
            continue
        value = re.sub(r"\s+", " ", str(value)).strip()
        if not value:
            continue
        if key == "date":
            value = iso_date(value)
        elif key == "dossier":
            value = normalize_dossier(value)
        elif key == "vergaderjaar":
            value = normalize_vergaderjaar(value) or value
        elif key == "type":
            value = value.lower()
            value = value if value in TYPES else None
        if value:
            out[key] = value
    return out


_NAME_RULES: list[tuple[re.Pattern, callable]] = [
    (
        re.compile(r"^kst-(\d+(?:-[a-z]{1,5})?)-(\d+)", re.I),
        lambda m: {"type": "kamerstuk", "dossier": normalize_dossier(m.group(1)), "number": m.group(2)},
    ),
    (
        re.compile(r"^ah-(?:tk|ek)-(\d{4})(\d{4})-(\d+)", re.I),
        lambda m: {"type": "kamervragen", "vergaderjaar": f"{m.group(1)}-{m.group(2)}", "number": m.group(3)},
    ),
    (re.compile(r"^kv-(?:tk|ek)-", re.I), lambda m: {"type": "kamervragen"}),
    (
        re.compile(r"^h-(?:tk|ek|vv)-(\d{4})(\d{4})-\d+", re.I),
        lambda m: {"type": "handelingen", "vergaderjaar": f"{m.group(1)}-{m.group(2)}"},
    ),
    (re.compile(r"^blg-", re.I), lambda m: {"type": "overig"}),
    (re.compile(r"^bwb[rv]\d+", re.I), lambda m: {"type": "wet"}),
]
# The form of a document before its subject: "kamerbrief-over-dtn" is a letter.
_NAME_WORDS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"besluitenlijst", re.I), "besluitenlijst"),
    (re.compile(r"motie", re.I), "motie"),
    (re.compile(r"kamerbrief", re.I), "kamerbrief"),
    (re.compile(r"dreigingsbeeld|(?<![a-z])dtn(?![a-z])", re.I), "dreigingsbeeld"),
]


def _from_name(path: Path) -> dict:
    stem = _stem(path)
    for pattern, fields in _NAME_RULES:
        m = pattern.match(stem)
        if m:
            return {k: v for k, v in fields(m).items() if v}
    for pattern, kind in _NAME_WORDS:
        if pattern.search(stem):
            return {"type": kind}
    return {}


_MOTIE = re.compile(r"\bmotie van (?:het lid|de leden)\b", re.I)
_DTN = re.compile(r"dreigingsbeeld\s+terrorisme\s+nederland", re.I)


def _from_text(extraction: Extraction | None) -> dict:
    if extraction is None or not extraction.pages:
        return {}
    first = next((p.text for p in extraction.pages if p.text.strip()), "")
    out: dict = {}
    for line in first.splitlines():
        line = line.strip()
        if sum(c.isalpha() for c in line) >= 3:  # not a page number or a rule
            out["title"] = line if len(line) <= TITLE_MAX else line[:TITLE_MAX].rsplit(" ", 1)[0] + "…"
            break
    if _MOTIE.search(first[:3000]):
        out["type"] = "motie"
    elif _DTN.search(first[:600]):
        out["type"] = "dreigingsbeeld"
    return out


def read_metadata(path: Path, extraction: Extraction | None) -> dict:
    """The metadata of one document, from its sidecars, contents and name.

    path: the document file. extraction: its extracted text (or None when unread).
    Returns exactly the keys title, date (YYYY-MM-DD), type, dossier, number,
    vergaderjaar and url; strings, or None when no source gives them (type: "overig").
    """
    path = Path(path)
    hints = extraction.meta if extraction is not None else {}
    record = _official_record(path)
    sidecar = _json_sidecar(path)
    sources = [
        record,
        sidecar,
        _clean(hints),
        _from_name(path),
        _from_text(extraction),
    ]
    meta: dict = dict.fromkeys(FIELDS)
    for source in sources:
        for key in FIELDS:
            if meta[key] is None and source.get(key):
                meta[key] = source[key]
    # A Kamerstuk known only by its name or record type may say in its text what it is.
    if meta["type"] == "kamerstuk":
        refined = _from_text(extraction).get("type")
        # An archivist's explicit type in the JSON sidecar is never second-guessed.
        if refined in ("motie", "dreigingsbeeld") and not record.get("type") and not sidecar.get("type"):
            meta["type"] = refined
    if meta["type"] is None:
        meta["type"] = "overig"
    return meta
