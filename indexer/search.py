"""The search engine proper: query parsing, synonyms, filters, grouping by document,
facets, highlighting, citations and suggestions. Shared by the CLI and the web app.

A QueryError carries a Dutch message that is safe to show a user (HTTP 400, exit 2).
"""
from __future__ import annotations

import bisect
import html
import itertools
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from whoosh import highlight, qparser, query
from whoosh.collectors import TimeLimit, TimeLimitCollector, TopCollector
from whoosh.qparser import QueryParser
from whoosh.util.times import long_to_datetime

from .analysis import analyze, dutch_analyzer, fold, lexicon
from .schema import DOCUMENT_TYPES

MAX_QUERY_LENGTH = 500
MAX_PAGE = 100
MAX_PER_PAGE = 50
MAX_EXPANSIONS = 200        # terms a prefix, wildcard or fuzzy query may expand to
QUERY_TIME_LIMIT = 5.0      # seconds before partial results are returned
PASSAGES_PER_DOCUMENT = 3
PASSAGE_CHARS = 250
EXPORT_CAP = 5000
SORTS = ("relevance", "newest", "oldest")

FIELD_ALIASES = {
    "titel": "title", "title": "title", "type": "type", "soort": "type",
    "dossier": "dossier", "nummer": "number", "nr": "number", "number": "number",
    "jaar": "year", "year": "year", "datum": "date", "date": "date",
    "tekst": "content", "content": "content",
}
DATE_FIELDS = {"year", "date"}


class QueryError(ValueError):
    """A query or request that cannot be answered; the message is for the user."""


@dataclass
class SearchRequest:
    q: str
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"
    types: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    dossiers: list[str] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    synonyms: bool = True
    passages: int = PASSAGES_PER_DOCUMENT


# -- synonyms ---------------------------------------------------------------------------
DEFAULT_SYNONYMS = Path(__file__).parent / "data" / "synonyms.txt"


def synonyms_path() -> Path:
    return Path(os.environ.get("KAMERZOEK_SYNONYMS") or DEFAULT_SYNONYMS)


@lru_cache(maxsize=4)
def _synonym_groups(path: str, mtime: float) -> tuple[tuple[str, ...], ...]:
    groups = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        variants = tuple(v.strip() for v in re.split(r"\s*[|=]\s*", line) if v.strip())
        if len(variants) > 1:
            groups.append(variants)
    return tuple(groups)


def synonym_groups() -> tuple[tuple[str, ...], ...]:
    path = synonyms_path()
    try:
        return _synonym_groups(str(path), path.stat().st_mtime)
    except OSError:
        return ()


@lru_cache(maxsize=4)
def _synonym_index(groups: tuple[tuple[str, ...], ...]) -> dict[tuple[str, ...], list[tuple[str, tuple[str, ...]]]]:
    """Analyzed form of each variant -> the other variants (original text, analyzed form)."""
    index: dict[tuple[str, ...], list[tuple[str, tuple[str, ...]]]] = {}
    for group in groups:
        analyzed = [(v, tuple(analyze(v))) for v in group]
        for variant, terms in analyzed:
            if not terms:
                continue
            others = [(o, t) for o, t in analyzed if t and t != terms]
            index.setdefault(terms, []).extend(o for o in others if o not in index.get(terms, []))
    return index


# -- parsing ----------------------------------------------------------------------------
_OPERATORS = {"EN": "AND", "OF": "OR", "NIET": "NOT"}
_FIELD_RE = re.compile(r'(?<![\w"])([A-Za-zÀ-ÿ]+):(?=\S)')
_DATE_RE = re.compile(r'(?<![\w"])(datum|date|jaar|year):(\S+)', re.IGNORECASE)


@dataclass
class ParsedQuery:
    query: query.Query
    notices: list[str]
    expansions: list[dict]
    highlight_terms: frozenset
    date_filter: tuple[datetime | None, datetime | None] | None = None


def _outside_quotes(text: str):
    """Yield (segment, quoted) pieces of a query string."""
    for i, piece in enumerate(text.split('"')):
        yield piece, i % 2 == 1


def _lenient(text: str, notices: list[str]) -> str:
    """Repair what people type half-finished, saying how it was read."""
    if text.count('"') % 2:
        text = text + '"'
        notices.append("Het openstaande aanhalingsteken is aan het eind gesloten.")
    depth = 0
    out = []
    dropped = False
    for piece, quoted in _outside_quotes(text):
        if quoted:
            out.append(piece)
            continue
        chars = []
        for ch in piece:
            if ch == "(":
                depth += 1
            elif ch == ")":
                if depth == 0:
                    dropped = True
                    continue
                depth -= 1
            chars.append(ch)
        out.append("".join(chars))
    text = '"'.join(out)
    if dropped:
        notices.append("Een losse sluitende haak is genegeerd.")
    if depth:
        text += ")" * depth
        notices.append("Ontbrekende sluitende haakjes zijn aangevuld.")
    words = text.split()
    trimmed = False
    while words and words[-1].upper() in ("AND", "OR", "NOT", "EN", "OF", "NIET", "-"):
        words.pop()
        trimmed = True
    while words and words[0].upper() in ("AND", "OR", "EN", "OF"):
        words.pop(0)
        trimmed = True
    if trimmed:
        notices.append("Een los operatorwoord aan het begin of eind is genegeerd.")
        text = " ".join(words)
    return text


def _translate(text: str) -> str:
    """Dutch operator words and field names to what the Whoosh parser reads."""
    out = []
    for piece, quoted in _outside_quotes(text):
        if quoted:
            out.append(piece)
            continue
        piece = re.sub(r"(?<!\S)(EN|OF|NIET)(?!\S)", lambda m: _OPERATORS[m.group(1)], piece)

        def field_name(m: re.Match) -> str:
            name = m.group(1).lower()
            if name not in FIELD_ALIASES:
                raise QueryError(
                    f"Onbekend veld '{m.group(1)}:'. Gebruik titel:, type:, dossier:, nummer:, "
                    "jaar: of datum: (zie de hulppagina).")
            return FIELD_ALIASES[name] + ":"

        piece = _FIELD_RE.sub(field_name, piece)
        piece = re.sub(r"\b(type|dossier|number):(\S+)", lambda m: f"{m.group(1)}:{m.group(2).lower()}", piece)
        out.append(piece)
    return '"'.join(out)


def parse_date_value(value: str, end: bool = False) -> datetime:
    """2019, 2019-05 or 2019-05-17 as the first (or last) moment it covers."""
    value = value.strip()
    try:
        if re.fullmatch(r"\d{4}", value):
            return datetime(int(value), 12, 31) if end else datetime(int(value), 1, 1)
        if re.fullmatch(r"\d{4}-\d{1,2}", value):
            year, month = map(int, value.split("-"))
            if end:
                nxt = datetime(year + (month == 12), month % 12 + 1, 1)
                return datetime.fromordinal(nxt.toordinal() - 1)
            return datetime(year, month, 1)
        return datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise QueryError(f"Ongeldige datum '{value}': gebruik JJJJ, JJJJ-MM of JJJJ-MM-DD.") from None


def _date_range(spec: str) -> tuple[datetime | None, datetime | None]:
    first, sep, last = spec.partition("..")
    if not sep:
        return parse_date_value(spec), parse_date_value(spec, end=True)
    start = parse_date_value(first) if first else None
    stop = parse_date_value(last, end=True) if last else None
    if start and stop and start > stop:
        raise QueryError(f"Ongeldig datumbereik '{spec}': het begin ligt na het eind.")
    return start, stop


def _parser(schema) -> QueryParser:
    parser = QueryParser("content", schema, group=qparser.AndGroup)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    parser.add_plugin(qparser.PlusMinusPlugin())
    parser.remove_plugin_class(qparser.BoostPlugin)
    return parser


def parse_query(text: str, schema, reader=None, synonyms: bool = True) -> ParsedQuery:
    """Parse a user's query into a Whoosh query, leniently, with notices on how it was read."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"De zoekvraag is te lang (maximaal {MAX_QUERY_LENGTH} tekens).")
    notices: list[str] = []
    date_filter = None
    for m in list(_DATE_RE.finditer(text)):
        start, stop = _date_range(m.group(2))
        date_filter = (start, stop)
        text = text.replace(m.group(0), " ")
    text = _lenient(text, notices)
    translated = _translate(text)
    if not translated.strip() and date_filter is None:
        raise QueryError("Geef een zoekvraag op.")
    parser = _parser(schema)
    try:
        q = parser.parse(translated) if translated.strip() else query.Every()
    except Exception as e:  # the parser is lenient; anything left is a query we cannot read
        raise QueryError("Deze zoekvraag kan niet worden gelezen; zie de hulppagina voor de syntaxis.") from e
    q = _fold_multiterms(q)
    if reader is not None:
        q = _cap_expansions(q, reader, notices)
    expansions: list[dict] = []
    if synonyms:
        q = _expand_synonyms(q, expansions)
    if q is query.NullQuery or isinstance(q, type(query.NullQuery)):
        raise QueryError("De zoekvraag bevat alleen stopwoorden; probeer specifiekere woorden.")
    terms = frozenset(t for f, t in _terms(q) if f in ("content", "title"))
    return ParsedQuery(q.normalize(), notices, expansions, terms, date_filter)


def _terms(q: query.Query):
    try:
        return list(q.iter_all_terms(phrases=True))
    except TypeError:
        return list(q.iter_all_terms())


def _fold_multiterms(q: query.Query) -> query.Query:
    """Prefix, wildcard and fuzzy terms skip the analyzer: lower-case and fold them here."""
    if isinstance(q, (query.Prefix, query.Wildcard, query.FuzzyTerm)) and q.fieldname in ("content", "title"):
        q = q.copy()
        q.text = fold(q.text.lower())
        return q
    if q.children():
        return q.apply(_fold_multiterms)
    return q


def _cap_expansions(q: query.Query, reader, notices: list[str]) -> query.Query:
    if isinstance(q, (query.Prefix, query.Wildcard, query.FuzzyTerm, query.Regex)):
        words = list(itertools.islice(q._btexts(reader), MAX_EXPANSIONS + 1))
        if len(words) > MAX_EXPANSIONS:
            notices.append(f"'{q.text}' past op meer dan {MAX_EXPANSIONS} woorden; alleen de "
                           f"eerste {MAX_EXPANSIONS} zijn gebruikt.")
            texts = [w.decode("utf-8") if isinstance(w, bytes) else w for w in words[:MAX_EXPANSIONS]]
            return query.Or([query.Term(q.fieldname, t) for t in texts], boost=q.boost)
        return q
    if q.children():
        return q.apply(lambda c: _cap_expansions(c, reader, notices))
    return q


def _expand_synonyms(q: query.Query, expansions: list[dict]) -> query.Query:
    index = _synonym_index(synonym_groups())
    if not index:
        return q

    def alternatives(key: tuple[str, ...]):
        return index.get(key, [])

    def build(terms: tuple[str, ...], fieldname: str) -> query.Query:
        if len(terms) == 1:
            return query.Term(fieldname, terms[0])
        return query.Phrase(fieldname, list(terms))

    def walk(node: query.Query) -> query.Query:
        key = None
        if isinstance(node, query.Term) and node.fieldname == "content" and not isinstance(node, query.FuzzyTerm):
            key = (node.text,)
        elif isinstance(node, query.Phrase) and node.fieldname == "content" and node.slop == 1:
            key = tuple(node.words)
        if key is not None:
            others = alternatives(key)
            if others:
                expansions.append({"term": " ".join(key), "added": [o for o, _ in others]})
                return query.Or([node] + [build(t, node.fieldname) for _, t in others])
            return node
        if isinstance(node, query.Not):
            return node  # never widen what is excluded
        if node.children():
            return node.apply(walk)
        return node

    return walk(q)


# -- filters and facets -----------------------------------------------------------------
def _doc_table(searcher, q: query.Query, deadline: float) -> tuple[dict, list[int], bool]:
    """Every matching page's document with its facet values: {doc_id: (type, year, dossier, date)}."""
    docs: dict[str, tuple] = {}
    pages_by_doc: dict[str, list[int]] = {}
    col_doc = searcher.reader().column_reader("doc_id", translate=True)
    col_type = searcher.reader().column_reader("type", translate=True)
    col_year = searcher.reader().column_reader("year", translate=True)
    col_dossier = searcher.reader().column_reader("dossier", translate=True)
    col_date = searcher.reader().column_reader("date", translate=False)
    page_query = query.And([q, query.Term("kind", "page")])
    truncated = False
    for count, docnum in enumerate(page_query.docs(searcher)):
        doc_id = col_doc[docnum]
        if doc_id not in docs:
            docs[doc_id] = (col_type[docnum] or "overig", col_year[docnum] or None,
                            col_dossier[docnum] or None, _column_date(col_date[docnum]))
        pages_by_doc.setdefault(doc_id, []).append(docnum)
        if count % 4096 == 4095 and time.monotonic() > deadline:
            truncated = True
            break
    return docs, pages_by_doc, truncated


def _column_date(value) -> datetime | None:
    """A raw DATETIME column value; documents without a date hold an out-of-range filler."""
    try:
        return long_to_datetime(value) if value else None
    except (OverflowError, ValueError):
        return None


def _passes(values: tuple, request: SearchRequest, date_filter, skip: str = "") -> bool:
    doc_type, year, dossier, date = values
    if skip != "type" and request.types and doc_type not in request.types:
        return False
    if skip != "year" and request.years and year not in request.years:
        return False
    if skip != "dossier" and request.dossiers and dossier not in request.dossiers:
        return False
    if date_filter is not None:
        start, stop = date_filter
        if date is None or not isinstance(date, datetime) or date.year < 1900:
            return False
        if (start and date < start) or (stop and date > stop.replace(hour=23, minute=59, second=59)):
            return False
    return True


def _facets(docs: dict, request: SearchRequest, date_filter) -> dict:
    facets = {"type": {}, "year": {}, "dossier": {}}
    for values in docs.values():
        for name, position in (("type", 0), ("year", 1), ("dossier", 2)):
            value = values[position]
            if value is None or value == "" or (name == "year" and not value):
                continue
            if _passes(values, request, date_filter, skip=name):
                facets[name][value] = facets[name].get(value, 0) + 1
    return {
        "type": [{"value": v, "count": c} for v, c in sorted(facets["type"].items(), key=lambda kv: (-kv[1], kv[0]))],
        "year": [{"value": v, "count": c} for v, c in sorted(facets["year"].items())],
        "dossier": [{"value": v, "count": c} for v, c in sorted(facets["dossier"].items(), key=lambda kv: (-kv[1], kv[0]))][:30],
    }


# -- citations --------------------------------------------------------------------------
def short_vergaderjaar(vergaderjaar: str | None) -> str | None:
    m = re.fullmatch(r"(\d{4})\s*[-/]\s*(\d{2})(\d{2})?", vergaderjaar or "")
    if not m:
        return None
    return f"{m.group(1)}/{m.group(3) or m.group(2)}" if m.group(3) else f"{m.group(1)}/{m.group(2)}"


def citation(doc: dict, page: int) -> str:
    """The usual Dutch citation of a passage, from the document's metadata."""
    vj = short_vergaderjaar(doc.get("vergaderjaar"))
    dossier, number, doc_type = doc.get("dossier"), doc.get("number"), doc.get("type")
    if doc_type in ("kamerstuk", "motie", "kamerbrief") and vj and dossier and number:
        return f"Kamerstukken II {vj}, {dossier}, nr. {number}, p. {page}"
    if doc_type == "kamervragen" and vj and number:
        return f"Aanhangsel Handelingen II {vj}, nr. {number}, p. {page}"
    if doc_type == "handelingen" and vj and number:
        return f"Handelingen II {vj}, nr. {number}, p. {page}"
    parts = [doc.get("title") or "Zonder titel"]
    if dossier and number:
        parts.append(f"{dossier}, nr. {number}")
    if doc.get("date"):
        parts.append(doc["date"])
    parts.append(f"p. {page}")
    return ", ".join(parts)


def passage_link(doc_id: str, page: int, q: str) -> str:
    return f"/document/{doc_id}?q={quote(q)}#p{page}"


# -- highlighting -----------------------------------------------------------------------
class _Formatter(highlight.HtmlFormatter):
    def __init__(self):
        super().__init__(tagname="mark", classname="", termclass="", between=" … ")

    def format_token(self, text, token, replace=False):
        return f"<mark>{highlight.htmlescape(highlight.get_text(text, token, replace), quote=False)}</mark>"


@lru_cache(maxsize=1)
def _analyzer():
    return dutch_analyzer()


_PASSAGE_FRAGMENTER = highlight.ContextFragmenter(maxchars=PASSAGE_CHARS, surround=110, charlimit=None)
_WHOLE_FRAGMENTER = highlight.WholeFragmenter(charlimit=None)
_FORMATTER = _Formatter()
_SCORER = highlight.BasicFragmentScorer()


def highlight_text(text: str, terms: frozenset, whole: bool = False, top: int = 1) -> str:
    """Escaped text with the query's words in <mark>; a passage, or the whole page.

    The text is analysed as at index time, so a compound whose part was searched
    for is marked whole, and so is every inflected form."""
    if not terms:
        return html.escape(text if whole else _lead(text), quote=False)
    tokens = _analyzer()(text, positions=True, chars=True, mode="index", removestops=False)
    tokens = highlight.set_matched_filter(tokens, terms)
    fragmenter = _WHOLE_FRAGMENTER if whole else _PASSAGE_FRAGMENTER
    fragments = list(fragmenter.fragment_tokens(text, tokens))
    fragments = highlight.top_fragments(fragments, top, _SCORER, order=highlight.FIRST)
    if not fragments:
        return html.escape(text if whole else _lead(text), quote=False)
    return _FORMATTER(text, fragments)


def _lead(text: str) -> str:
    return text[:PASSAGE_CHARS].rsplit(" ", 1)[0] + " …" if len(text) > PASSAGE_CHARS else text


def strip_marks(markup: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", markup))


# -- the search -------------------------------------------------------------------------
def _normalise_request(request: SearchRequest) -> None:
    if request.page < 1:
        raise QueryError("Het paginanummer moet 1 of hoger zijn.")
    if request.page > MAX_PAGE:
        raise QueryError(f"Er kan niet verder dan pagina {MAX_PAGE} worden gebladerd; verfijn de zoekvraag.")
    if not 1 <= request.per_page <= max(MAX_PER_PAGE, EXPORT_CAP):
        raise QueryError(f"Het aantal resultaten per pagina moet tussen 1 en {MAX_PER_PAGE} liggen.")
    if request.sort not in SORTS:
        raise QueryError("Sorteer op relevance, newest of oldest.")
    request.types = [t.lower() for t in request.types if t]
    for t in request.types:
        if t not in DOCUMENT_TYPES:
            raise QueryError(f"Onbekend documenttype '{t}'. Kies uit: {', '.join(DOCUMENT_TYPES)}.")


def search(searcher, request: SearchRequest) -> dict:
    """Answer a request: documents with their best passages, facets and the year curve."""
    started = time.monotonic()
    _normalise_request(request)
    parsed = parse_query(request.q, searcher.schema, searcher.reader(), synonyms=request.synonyms)
    date_filter = parsed.date_filter
    if request.date_from or request.date_to:
        start = parse_date_value(request.date_from) if request.date_from else None
        stop = parse_date_value(request.date_to, end=True) if request.date_to else None
        date_filter = _combine_dates(date_filter, (start, stop))
    deadline = started + QUERY_TIME_LIMIT
    notices = list(parsed.notices)

    docs, pages_by_doc, truncated = _doc_table(searcher, parsed.query, deadline)
    allowed = {d for d, values in docs.items() if _passes(values, request, date_filter)}
    total = len(allowed)
    facets = _facets(docs, request, date_filter)

    needed = request.page * request.per_page
    ordered, page_hits, timed_out = _rank(searcher, parsed.query, allowed, pages_by_doc, needed,
                                          request.sort, deadline)
    if truncated or timed_out:
        notices.append("De zoekvraag duurde te lang; de resultaten zijn mogelijk onvolledig.")
    shown = ordered[(request.page - 1) * request.per_page: needed]
    results = [_document_result(searcher, doc_id, score, page_hits.get(doc_id, []), parsed, request)
               for doc_id, score in shown]
    answer = {
        "query": request.q,
        "total": total,
        "page": request.page,
        "per_page": request.per_page,
        "pages": max(1, min(MAX_PAGE, -(-total // request.per_page))),
        "sort": request.sort,
        "results": results,
        "facets": facets,
        "expansions": parsed.expansions,
        "notices": notices,
        "notice": " ".join(notices) or None,
        "suggestion": None,
        "took_ms": 0,
    }
    if total < 3:
        answer["suggestion"] = suggest(searcher, request.q)
    answer["took_ms"] = round((time.monotonic() - started) * 1000, 1)
    return answer


def _combine_dates(a, b):
    if a is None:
        return b
    start = max([d for d in (a[0], b[0]) if d], default=None)
    stop = min([d for d in (a[1], b[1]) if d], default=None)
    return start, stop


def _rank(searcher, q, allowed: set, pages_by_doc: dict, needed: int, sort: str, deadline: float):
    """Documents in order with up to three best page hits each; scores from their best page."""
    if not allowed:
        return [], {}, False
    allowed_pages = {n for d in allowed for n in pages_by_doc.get(d, ())}
    page_query = query.And([q, query.Term("kind", "page")])
    limit = needed * PASSAGES_PER_DOCUMENT
    kwargs = {"filter": allowed_pages, "limit": limit, "collapse": "doc_id",
              "collapse_limit": PASSAGES_PER_DOCUMENT, "terms": False}
    if sort != "relevance":
        kwargs["sortedby"] = "date"
        kwargs["reverse"] = sort == "newest"
    collector = searcher.collector(**kwargs)
    timed = TimeLimitCollector(collector, timelimit=max(0.05, deadline - time.monotonic()), use_alarm=False)
    timed_out = False
    try:
        searcher.search_with_collector(page_query, timed)
    except TimeLimit:
        timed_out = True
    results = timed.results()
    ordered: list[tuple[str, float]] = []
    page_hits: dict[str, list] = {}
    for hit in results:
        doc_id = hit["doc_id"]
        if doc_id not in page_hits:
            page_hits[doc_id] = []
            ordered.append((doc_id, float(hit.score or 0.0)))
        page_hits[doc_id].append(hit)
    return ordered, page_hits, timed_out


def _document_record(searcher, doc_id: str) -> dict:
    return dict(searcher.document(id=f"doc:{doc_id}") or {})


def _iso(value) -> str | None:
    return value.date().isoformat() if isinstance(value, datetime) else (value or None)


def _document_result(searcher, doc_id: str, score: float, hits: list, parsed: ParsedQuery,
                     request: SearchRequest) -> dict:
    record = _document_record(searcher, doc_id)
    info = record.get("info") or {}
    doc = {
        "doc_id": doc_id,
        "title": record.get("title") or "",
        "type": record.get("type") or "overig",
        "date": _iso(record.get("date")),
        "dossier": record.get("dossier"),
        "number": record.get("number"),
        "vergaderjaar": record.get("vergaderjaar"),
        "path": (info.get("files") or [{}])[0].get("path"),
        "paths": [f["path"] for f in info.get("files", [])],
        "format": info.get("format"),
        "pages": info.get("pages"),
        "status": info.get("status", "ok"),
        "stale": info.get("status") == "stale",
        "score": round(score, 4),
    }
    passages = []
    for hit in sorted(hits, key=lambda h: -(h.score or 0))[: request.passages]:
        page = hit["page"]
        markup = highlight_text(hit.get("content", ""), parsed.highlight_terms)
        passages.append({
            "page": page,
            "html": markup,
            "text": strip_marks(markup),
            "ocr": bool(hit.get("ocr")),
            "citation": citation(doc, page),
            "link": passage_link(doc_id, page, request.q),
        })
    doc["passages"] = passages
    return doc


# -- one document -----------------------------------------------------------------------
def document(searcher, doc_id: str, q: str = "", synonyms: bool = True) -> dict | None:
    """A document with every page, the query's words highlighted on each."""
    record = _document_record(searcher, doc_id)
    if not record:
        return None
    terms: frozenset = frozenset()
    if q.strip():
        try:
            terms = parse_query(q, searcher.schema, searcher.reader(), synonyms=synonyms).highlight_terms
        except QueryError:
            terms = frozenset()
    info = record.get("info") or {}
    pages = sorted((dict(p) for p in searcher.documents(doc_id=doc_id, kind="page")),
                   key=lambda p: p["page"])
    out_pages = []
    for page in pages:
        markup = highlight_text(page["content"], terms, whole=True)
        out_pages.append({"page": page["page"], "html": markup, "hits": markup.count("<mark>"),
                          "ocr": bool(page.get("ocr"))})
    doc = {
        "doc_id": doc_id, "title": record.get("title") or "", "type": record.get("type") or "overig",
        "date": _iso(record.get("date")), "dossier": record.get("dossier"),
        "number": record.get("number"), "vergaderjaar": record.get("vergaderjaar"),
        "paths": [f["path"] for f in info.get("files", [])], "format": info.get("format"),
        "status": info.get("status", "ok"), "stale": info.get("status") == "stale",
        "needs_ocr": info.get("needs_ocr", []), "url": info.get("url"),
        "pages": out_pages, "hits": sum(p["hits"] for p in out_pages),
    }
    doc["citation_base"] = citation(doc, 1).rsplit(", p. ", 1)[0]
    return doc


def document_paths(searcher, doc_id: str) -> list[str]:
    record = _document_record(searcher, doc_id)
    return [f["path"] for f in (record.get("info") or {}).get("files", [])]


def more_like_this(searcher, doc_id: str, limit: int = 8) -> list[dict]:
    """Documents similar to a document: its key terms, searched for elsewhere."""
    docnums = list(searcher.document_numbers(doc_id=doc_id, kind="page"))
    if not docnums:
        return []
    terms = searcher.key_terms(docnums, "content", numterms=25)
    if not terms:
        return []
    q = query.And([query.Or([query.Term("content", t, boost=w) for t, w in terms]),
                   query.Term("kind", "page"), query.Not(query.Term("doc_id", doc_id))])
    results = searcher.search(q, limit=limit * 3, collapse="doc_id", collapse_limit=1)
    similar = []
    for hit in results:
        record = _document_record(searcher, hit["doc_id"])
        similar.append({"doc_id": hit["doc_id"], "title": record.get("title") or "",
                        "type": record.get("type"), "date": _iso(record.get("date"))})
        if len(similar) >= limit:
            break
    return similar


# -- suggestions ------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _surface_words() -> list[str]:
    return sorted(lexicon()._zipf)


def _surface_for(stem: str, typed: str) -> str:
    """A readable word for an index term: the most frequent lexicon word that analyzes to it."""
    words = _surface_words()
    lex = lexicon()
    start = bisect.bisect_left(words, stem)
    best, best_z = stem, -1.0
    for word in itertools.islice(words, start, start + 200):
        if not word.startswith(stem):
            break
        if analyze(word) == [stem] and lex.zipf(word) > best_z:
            best, best_z = word, lex.zipf(word)
    return best


def suggest(searcher, text: str) -> str | None:
    """'Bedoelde u …?': each word that is not in the index, replaced by a close word that is."""
    words = re.findall(r"[^\W\d_]{4,}", text or "")
    if not words:
        return None
    corrector = searcher.corrector("content")
    reader = searcher.reader()
    changed = False
    out = text
    for word in words:
        terms = analyze(word)
        if not terms or all(reader.doc_frequency("content", t) for t in terms):
            continue
        candidates = corrector.suggest(terms[0], limit=3, maxdist=2)
        if not candidates:
            continue
        replacement = _surface_for(candidates[0], word)
        out = re.sub(rf"\b{re.escape(word)}\b", replacement, out, count=1)
        changed = True
    return out if changed else None


# -- status -----------------------------------------------------------------------------
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
