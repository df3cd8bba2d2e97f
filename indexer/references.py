"""References to Dutch parliamentary documents and laws, as researchers write and copy them.

Pure functions, no index: `parse_reference` reads a whole query as a reference,
`find_references` finds the references in a document's text, `identifier_for` gives a
document's official identifier from its metadata and file name.

Forms (each also with ``29 754`` for 29754, ``II``/``I`` for the chamber, 2019/20 or
2019-2020 for the parliamentary year, and a trailing ``, p. 3``):

- Kamerstukken: ``29754 nr. 541``, ``29 754, nr. 541``, ``29754-541``, ``kst-29754-541``,
  ``Kamerstuk 29754, nr. 541``, ``Kamerstukken II 2019/20, 29754, nr. 541``,
  ``Tweede Kamer, vergaderjaar 2019–2020, 29 754, nr. 541``; budget dossiers with a
  roman numeral: ``35 300 VI, nr. 5`` -> ``kst-35300-VI-5``.
- Handelingen: ``Handelingen II 2017/18, nr. 70, item 12``, ``h-tk-20172018-70-12``.
- Aanhangsel: ``Aanhangsel Handelingen II 2020/21, nr. 3235``, ``ah-tk-20202021-3235``.
- Bijlagen: ``blg-1007826``. Laws: ``BWBR0018506``, ``BWBR0018506 artikel 2``.
- A dossier (whole queries only): ``dossier 29754``, a filter rather than a document.

A bare number (``29754``) is no reference: it stays a word search.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath

#: The kinds of reference; "dossier" refers to a file of documents, not to one document.
KINDS = ("kamerstuk", "handelingen", "aanhangsel", "bijlage", "wet", "dossier")
_CHAMBER_CODE = {"II": "tk", "I": "ek"}
_CHAMBER_NAME = {"tk": "II", "ek": "I"}


@dataclass(frozen=True)
class Reference:
    kind: str
    identifier: str | None          # kst-29754-541, h-tk-20172018-70-12, BWBR0018506; None for a dossier
    dossier: str | None = None      # "29754", "35300-VI"
    number: str | None = None
    vergaderjaar: str | None = None  # "2019-2020"
    chamber: str | None = None      # "tk" or "ek"
    item: str | None = None
    article: str | None = None
    text: str = field(default="", compare=False)   # the words as they stood
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


# -- building blocks ----------------------------------------------------------------------
_DOSSIER = r"(?P<d>\d{2}\s\d{3}|\d{5,6})(?:[\s-](?P<ds>(?-i:[IVXL]{1,5}|[A-Z]))(?![\w]))?"
_DOSSIER_ANY = r"(?P<d>\d{2}\s\d{3}|\d{4,6})(?:[\s-](?P<ds>(?-i:[IVXL]{1,5}|[A-Z]))(?![\w]))?"
_NR = r"(?:nr\.?|nummer|no\.)\s*(?P<n>\d{1,5}|(?-i:[A-Z]{1,3})(?![\w]))"
_VJ = r"(?P<y1>(?:19|20)\d{2})\s*[/\u2013\u2014-]\s*(?P<y2>\d{2}|(?:19|20)\d{2})"
_CH = r"(?P<c>(?-i:II|I))"
_PAGE = r"(?:\s*,?\s*(?:p\.|blz\.|pag\.|pagina)\s*\d+(?:\s*(?:-|\u2013|en)\s*\d+)?)?"

_SOURCES: list[tuple[str, str]] = [
    ("kst_id", r"\bkst-(?P<d>\d{4,6})(?:-(?P<ds>[IVXL]{1,5}|[A-Z]))?-(?P<n>\d{1,5}|[A-Z]{1,3})\b"),
    ("h_id", r"\b(?P<p>ah|h)-(?P<c>tk|ek)-(?P<y1>\d{4})(?P<y2>\d{4})-(?P<n>\d{1,5})(?:-(?P<i>\d{1,4}))?\b"),
    ("blg", r"\bblg-(?P<n>\d{3,9})\b"),
    ("bwb", r"\b(?P<id>BWB[RV]\d{7})\b(?:\s*,?\s*(?:artikel|art\.)\s*(?P<a>\d+[a-z]?(?:\.\d+)*))?"),
    ("aanhangsel", rf"\bAanhangsel\s+(?:van\s+de\s+)?Handelingen\s+(?:{_CH}\s+)?{_VJ}\s*,?\s*{_NR}"),
    ("handelingen", rf"\bHandelingen\s+(?:{_CH}\s+)?{_VJ}\s*,?\s*{_NR}(?:\s*,?\s*item\s*(?P<i>\d{{1,4}}))?"),
    ("kamerstuk", rf"\bKamerstuk(?:ken)?\s+(?:{_CH}\s+)?(?:{_VJ}\s*,?\s*)?{_DOSSIER_ANY}"
                  rf"(?:\s*,?\s*{_NR}|-(?P<n2>\d{{1,5}})\b)"),
    ("vergaderjaar", rf"\b(?P<k>Tweede|Eerste)\s+Kamer\s*,\s*vergaderjaar\s+{_VJ}\s*,\s*{_DOSSIER_ANY}\s*,?\s*{_NR}"),
    ("bare", rf"(?<![\w/.-]){_DOSSIER}\s*,?\s*{_NR}"),
    ("bare_hyphen", r"(?<![\w/.-])(?P<d>\d{5,6})(?:-(?P<ds>(?-i:[IVXL]{1,5})))?-(?P<n>\d{1,5})(?![\w/-]|[.,]\d)"),
]


# Compiled on first use, not at import: they take a tenth of a second, and a query without a
# digit (most of them) is never a reference, so `kamerzoek search kabinet` never needs them.
@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern]]:
    return [(kind, re.compile(p, re.I)) for kind, p in _SOURCES]


@lru_cache(maxsize=1)
def _whole() -> list[tuple[str, re.Pattern]]:
    return [(kind, re.compile(rf"(?:{p}){_PAGE}", re.I)) for kind, p in _SOURCES]


@lru_cache(maxsize=1)
def _dossier_query() -> re.Pattern:
    return re.compile(rf"^\s*dossier\s+{_DOSSIER_ANY}\s*$", re.I)
_EDGES = " \t\r\n\"'“”‘’()[]{}<>.,;:"


def _vergaderjaar(y1: str | None, y2: str | None) -> str | None:
    if not y1 or not y2:
        return None
    second = y2 if len(y2) == 4 else y1[:2] + y2
    if int(second) != int(y1) + 1:
        return None
    return f"{y1}-{second}"


def _dossier(d: str, suffix: str | None) -> str:
    d = re.sub(r"\s", "", d)
    return f"{d}-{suffix.upper()}" if suffix else d


def _from_match(kind: str, m: re.Match) -> Reference | None:
    g = m.groupdict()
    text, start, end = m.group(0), m.start(), m.end()
    if kind in ("kst_id", "kamerstuk", "vergaderjaar", "bare", "bare_hyphen"):
        dossier = _dossier(g["d"], g.get("ds"))
        number = (g.get("n") or g.get("n2") or "").upper()
        if not number:
            return None
        vj = _vergaderjaar(g.get("y1"), g.get("y2"))
        if g.get("y1") and not vj:
            return None
        chamber = _CHAMBER_CODE.get(g.get("c") or "")
        if kind == "vergaderjaar":
            chamber = "tk" if g["k"].lower() == "tweede" else "ek"
        return Reference("kamerstuk", f"kst-{dossier}-{number}", dossier=dossier, number=number,
                         vergaderjaar=vj, chamber=chamber, text=text, start=start, end=end)
    if kind == "h_id" or kind in ("aanhangsel", "handelingen"):
        vj = _vergaderjaar(g["y1"], g["y2"])
        if not vj:
            return None
        if kind == "h_id":
            prefix, chamber = g["p"].lower(), g["c"].lower()
        else:
            prefix, chamber = ("ah" if kind == "aanhangsel" else "h"), _CHAMBER_CODE.get(g.get("c") or "II")
        item = g.get("i")
        if prefix == "ah":
            item = None
        identifier = f"{prefix}-{chamber}-{vj.replace('-', '')}-{int(g['n'])}" + (f"-{int(item)}" if item else "")
        return Reference("aanhangsel" if prefix == "ah" else "handelingen", identifier,
                         number=str(int(g["n"])), vergaderjaar=vj, chamber=chamber,
                         item=str(int(item)) if item else None, text=text, start=start, end=end)
    if kind == "blg":
        return Reference("bijlage", f"blg-{g['n']}", number=g["n"], text=text, start=start, end=end)
    if kind == "bwb":
        return Reference("wet", g["id"].upper(), article=g.get("a"), text=text, start=start, end=end)
    return None


def find_references(text: str) -> list[Reference]:
    """Every reference in a text, in order, none overlapping another (the longest form wins)."""
    found: list[Reference] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _patterns():
        for m in pattern.finditer(text or ""):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            ref = _from_match(kind, m)
            if ref is not None:
                found.append(ref)
                taken.append((m.start(), m.end()))
    return sorted(found, key=lambda r: r.start)


def parse_reference(query: str) -> Reference | None:
    """The reference a whole query is, or None (a bare number, words, or words around a reference)."""
    q = (query or "").strip()
    if not any(ch.isdigit() for ch in q):
        return None  # every form has a number in it
    m = _dossier_query().match(q)
    if m:
        dossier = _dossier(m.group("d"), m.group("ds"))
        return Reference("dossier", None, dossier=dossier, text=q, start=0, end=len(q))
    core = q.strip(_EDGES)
    for kind, pattern in _whole():
        m = pattern.fullmatch(core)
        if m:
            return _from_match(kind, m)
    return None


#: At most this many different references are kept per document.
MAX_CITED = 500


def cited(pages, own: str | None = None) -> list[dict]:
    """The documents a text refers to, each once (its first mention): identifier, the words
    as they stood and the page. pages: objects with .number and .text (or (number, text)).
    The document's own identifier (a running footer citing itself) is left out."""
    out: dict[str, dict] = {}
    for page in pages:
        number, text = (page.number, page.text) if hasattr(page, "text") else page
        for ref in find_references(text or ""):
            if ref.identifier and ref.identifier != own and ref.identifier not in out:
                out[ref.identifier] = {"identifier": ref.identifier, "text": " ".join(ref.text.split()),
                                       "page": number}
                if len(out) >= MAX_CITED:
                    return list(out.values())
    return list(out.values())


# -- identifiers of documents ------------------------------------------------------------
_ID_NAME = re.compile(r"(?<![A-Za-z0-9])(kst-\d{4,6}(?:-[IVXL]{1,5}|-[A-Z])?-(?:\d{1,5}|[A-Z]{1,3})|(?:ah|h)-(?:tk|ek)-\d{8}-\d{1,5}"
                      r"(?:-\d{1,4})?|blg-\d{3,9}|BWB[RV]\d{7})(?![A-Za-z0-9])", re.I)


def canonical(identifier: str) -> str | None:
    """An identifier in its canonical spelling, or None when it is none."""
    ref = parse_reference(identifier)
    return ref.identifier if ref and ref.kind != "dossier" else None


def identifier_for(meta: dict, path: str | None = None) -> str | None:
    """A document's official identifier: from its official address, its file name, or its
    metadata (type, dossier, number, vergaderjaar); None for documents without one."""
    for source in ((meta.get("url") or "").rstrip("/").rsplit("/", 1)[-1],
                   PurePath(path).name if path else ""):
        m = _ID_NAME.search(source or "")
        if m:
            found = canonical(m.group(0))
            if found:
                return found
    vj = (meta.get("vergaderjaar") or "").replace("-", "")
    number, dossier, kind = meta.get("number"), meta.get("dossier"), meta.get("type")
    if kind == "kamervragen" and len(vj) == 8 and number and str(number).isdigit():
        return f"ah-tk-{vj}-{int(number)}"
    if kind == "handelingen" and len(vj) == 8 and number and str(number).isdigit():
        return f"h-tk-{vj}-{int(number)}"
    if kind not in ("kamervragen", "handelingen", "wet") and dossier and number:
        return canonical(f"kst-{dossier}-{number}")
    return None


def describe(ref: Reference) -> str:
    """A reference written out in the usual Dutch form (for notices and the document page)."""
    ch = _CHAMBER_NAME.get(ref.chamber or "tk", "II")
    vj = f" {ref.vergaderjaar[:4]}/{ref.vergaderjaar[-2:]}" if ref.vergaderjaar else ""
    if ref.kind == "kamerstuk":
        dossier = ref.dossier or ""
        spaced = f"{dossier[:2]} {dossier[2:]}" if re.fullmatch(r"\d{5}", dossier) else dossier.replace("-", " ")
        return f"Kamerstukken {ch}{vj}, {spaced}, nr. {ref.number}" if vj else f"Kamerstuk {spaced}, nr. {ref.number}"
    if ref.kind == "handelingen":
        return f"Handelingen {ch}{vj}, nr. {ref.number}" + (f", item {ref.item}" if ref.item else "")
    if ref.kind == "aanhangsel":
        return f"Aanhangsel Handelingen {ch}{vj}, nr. {ref.number}"
    if ref.kind == "wet":
        return ref.identifier + (f" artikel {ref.article}" if ref.article else "")
    if ref.kind == "dossier":
        return f"dossier {ref.dossier}"
    return ref.identifier or ref.text
