"""The search engine proper: query parsing, synonyms, compounds, filters, grouping by
document, facets, highlighting, citations and suggestions. Shared by the CLI and the web app.

A QueryError carries a Dutch message that is safe to show a user (HTTP 400, exit 2).

How a search runs:
1. The query string is repaired where it is half-typed (with a notice), Dutch operators and
   field names are translated, and Whoosh parses it. The parsed query is then rewritten:
   phrases allow for the stop words they contained, date and year ranges become range
   queries, two words that form a compound in the index also look for the compound,
   prefix/wildcard/fuzzy terms are expanded (capped), synonyms are added, and every word is
   also looked up as a part of compounds ("~bestrijd"), with a weight so low that a document
   where the word stands alone ranks above one where it only occurs inside a compound.
2. One pass over the matching pages scores them (BM25F, as Whoosh does, but a block of
   postings at a time) and groups them by document, using per-segment column arrays: this
   gives the total, the facets (before ranking and paging) and the order. It is cached per
   query and index generation, so paging, sorting and facet clicks cost almost nothing.
3. The shown documents' best pages (at most three) become passages: highlighted, cited and
   linked. Words must occur on the same page to match together; NIET excludes documents.
"""
from __future__ import annotations

import bisect
import heapq
import html
import itertools
import math
import os
import re
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from whoosh import qparser, query, scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.qparser import QueryParser
from whoosh.support.charset import accent_map
from whoosh.util.numeric import byte_to_length
from whoosh.util.times import long_to_datetime

from .analysis import PART_PREFIX, TOKEN_PATTERN, analyze, dutch_analyzer, fold, lexicon, word_terms
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
#: A word found only as part of a compound scores at most this fraction of the word
#: standing alone (after evening out the two terms' idf), so it ranks below it.
PART_WEIGHT = 0.1
SUGGEST_BELOW = 3           # "Bedoelde u" when a query finds fewer documents than this
TEXT_FIELDS = ("content", "title")

FIELD_ALIASES = {
    "titel": "title", "title": "title", "type": "type", "soort": "type",
    "dossier": "dossier", "nummer": "number", "nr": "number", "number": "number",
    "jaar": "year", "year": "year", "datum": "date", "date": "date",
    "tekst": "content", "content": "content",
}

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")


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
    """The groups in the synonyms file (re-read when the file changes)."""
    path = synonyms_path()
    try:
        return _synonym_groups(str(path), path.stat().st_mtime)
    except OSError:
        return ()


@dataclass(frozen=True)
class _Variant:
    text: str                  # as written in the file, shown to the user
    terms: tuple[str, ...]     # as analysed
    slop: int                  # 1 + the most stop words between two of its words


def _variant(text: str) -> _Variant:
    tokens = [(t.text, t.pos) for t in dutch_analyzer()(text, positions=True, mode="query")]
    gaps = [b - a for (_, a), (_, b) in zip(tokens, tokens[1:])]
    return _Variant(text, tuple(t for t, _ in tokens), max(gaps, default=1))


@lru_cache(maxsize=4)
def _synonym_index(groups: tuple[tuple[str, ...], ...]) -> dict[tuple[str, ...], tuple[str, list[_Variant]]]:
    """Analysed form of each variant -> (its text, the other variants of its group)."""
    index: dict[tuple[str, ...], tuple[str, list[_Variant]]] = {}
    for group in groups:
        variants = [v for v in map(_variant, group) if v.terms]
        for variant in variants:
            label, others = index.setdefault(variant.terms, (variant.text, []))
            for other in variants:
                if other.terms != variant.terms and all(o.terms != other.terms for o in others):
                    others.append(other)
    return index


# -- parsing ----------------------------------------------------------------------------
_OPERATORS = {"EN": "AND", "OF": "OR", "NIET": "NOT"}
_BINARY = {"AND", "OR", "EN", "OF"}
_UNARY = {"NOT", "NIET", "-"}
_FIELD_RE = re.compile(r'(?<![\w"])([A-Za-zÀ-ÿ]+):(?=\S)')
_RANGE_FIELD_RE = re.compile(r'(?<![\w"])(year|date):([^\s()]*)')
_LEX_RE = re.compile(r'"[^"]*"(?:~\d+)?|[()]|[^\s()"]+')
_PLACEHOLDER = "kzrange"
EMPTY_QUERY = "Geef een zoekvraag op."


@dataclass
class ParsedQuery:
    query: query.Query
    notices: list[str]
    expansions: list[dict]
    highlight_terms: frozenset
    empty: bool = False        # only stop words: nothing to search for


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
    return _drop_dangling_operators(text, notices)


def _drop_dangling_operators(text: str, notices: list[str]) -> str:
    """Remove operator words with nothing to work on: at the start or end, doubled, next to a bracket."""
    tokens = [[m.start(), m.end(), m.group(0)] for m in _LEX_RE.finditer(text)]

    def kind(tok):
        word = tok[2]
        return ("binary" if word in _BINARY else "unary" if word in _UNARY
                else "open" if word == "(" else "close" if word == ")" else "word")

    dropped: list[str] = []
    changed = True
    while changed:
        changed = False
        for i, tok in enumerate(tokens):
            k = kind(tok)
            if k not in ("binary", "unary"):
                continue
            before = kind(tokens[i - 1]) if i else None
            after = kind(tokens[i + 1]) if i + 1 < len(tokens) else None
            if k == "binary":
                dangling = before in (None, "binary", "unary", "open") or after in (None, "binary", "close")
            else:
                dangling = after in (None, "binary", "close", "unary")
            if dangling:
                dropped.append(tok[2])
                del tokens[i]
                changed = True
                break
    if not dropped:
        return text
    keep = {(s, e) for s, e, _ in tokens}
    pieces, last = [], 0
    for m in _LEX_RE.finditer(text):
        if (m.start(), m.end()) not in keep:
            pieces.append(text[last:m.start()])
            last = m.end()
    pieces.append(text[last:])
    words = ", ".join(f"'{w}'" for w in dict.fromkeys(dropped))
    notices.append(f"Een los operatorwoord ({words}) zonder woord ervoor of erna is genegeerd.")
    return re.sub(r"\s+", " ", "".join(pieces)).strip()


def _translate(text: str, ranges: list[query.Query]) -> str:
    """Dutch operator words and field names to what the Whoosh parser reads.

    Date and year ranges become placeholders (kept in ``ranges``) so that they can stand
    anywhere a word can: inside brackets, after NIET, between OF."""
    text = _signs(text)
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
        piece = re.sub(r"(?<![\w\"])(type|dossier|number):(\S+)",
                       lambda m: f"{m.group(1)}:{m.group(2).lower()}", piece)

        def range_placeholder(m: re.Match) -> str:
            ranges.append(_range_query(m.group(1), m.group(2)))
            return f" id:{_PLACEHOLDER}{len(ranges) - 1} "

        piece = _RANGE_FIELD_RE.sub(range_placeholder, piece)
        out.append(piece)
    return '"'.join(out)


def _signs(text: str) -> str:
    """A leading - excludes (NOT), a leading + is what every word already is. A hyphen inside
    a word (Noord-Holland, 2020-2021) stays part of it: Whoosh's own plus/minus plugin splits
    words at every hyphen, and fails inside brackets."""
    out, last = [], 0
    tokens = list(_LEX_RE.finditer(text))
    for i, m in enumerate(tokens):
        word = m.group(0)
        if word[:1] not in "+-" or (m.start() and not text[m.start() - 1].isspace() and text[m.start() - 1] != "("):
            continue
        followed = len(word) > 1 or (i + 1 < len(tokens) and tokens[i + 1].start() == m.end())
        if followed:
            out.append(text[last:m.start()])
            out.append("NOT " if word[0] == "-" else "")
            last = m.start() + 1
    out.append(text[last:])
    return "".join(out)


def parse_date_value(value: str, end: bool = False) -> datetime:
    """2019, 2019-05 or 2019-05-17 as the first (or last) moment it covers."""
    value = value.strip()
    try:
        if re.fullmatch(r"\d{4}", value):
            return datetime(int(value), 12, 31, 23, 59, 59) if end else datetime(int(value), 1, 1)
        if re.fullmatch(r"\d{4}-\d{1,2}", value):
            year, month = map(int, value.split("-"))
            if end:
                nxt = datetime(year + (month == 12), month % 12 + 1, 1)
                return datetime.fromordinal(nxt.toordinal() - 1).replace(hour=23, minute=59, second=59)
            return datetime(year, month, 1)
        day = datetime.strptime(value, "%Y-%m-%d")
        return day.replace(hour=23, minute=59, second=59) if end else day
    except ValueError:
        raise QueryError(f"Ongeldige datum '{value}': gebruik JJJJ, JJJJ-MM of JJJJ-MM-DD, "
                         "of een bereik als 2018..2020.") from None


def date_range(spec: str) -> tuple[datetime | None, datetime | None]:
    """'2019', '2018..2020', '2018-03..', '..2020-06-30' as (start, stop)."""
    first, sep, last = spec.partition("..")
    if not sep:
        return parse_date_value(spec), parse_date_value(spec, end=True)
    if not first and not last:
        raise QueryError("Ongeldig datumbereik '..': geef een begin, een eind of allebei.")
    start = parse_date_value(first) if first else None
    stop = parse_date_value(last, end=True) if last else None
    if start and stop and start > stop:
        raise QueryError(f"Ongeldig datumbereik '{spec}': het begin ligt na het eind.")
    return start, stop


def _range_query(fieldname: str, spec: str) -> query.Query:
    if not spec:
        raise QueryError(f"Geef na {'jaar' if fieldname == 'year' else 'datum'}: een jaar, een datum "
                         "of een bereik, bijvoorbeeld 2018..2020.")
    start, stop = date_range(spec)
    if fieldname == "year":
        if re.search(r"\d{4}-", spec):
            raise QueryError(f"Ongeldig jaar '{spec}': gebruik jaar:2019 of jaar:2018..2020.")
        return query.NumericRange("year", start.year if start else None, stop.year if stop else None)
    return query.DateRange("date", start, stop)


_PARSERS: dict = {}
_PARSER_LOCK = threading.Lock()


def _parser(schema) -> QueryParser:
    """One parser per schema object (schemas are not hashable; the entry keeps it alive)."""
    entry = _PARSERS.get(id(schema))
    if entry is None or entry[0] is not schema:
        parser = QueryParser("content", schema, group=qparser.AndGroup)
        parser.add_plugin(qparser.FuzzyTermPlugin())
        parser.remove_plugin_class(qparser.BoostPlugin)
        if len(_PARSERS) > 16:
            _PARSERS.clear()
        entry = _PARSERS[id(schema)] = (schema, parser)
    return entry[1]


def parse_query(text: str, schema, reader=None, synonyms: bool = True,
                deadline: float | None = None) -> ParsedQuery:
    """Parse a user's query into a Whoosh query, leniently, with notices on how it was read.

    With a reader, prefix, wildcard and fuzzy terms are expanded (capped), and words are
    also looked up as parts of compounds."""
    text = (text or "").strip()
    if not text:
        raise QueryError(EMPTY_QUERY)
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"De zoekvraag is te lang (maximaal {MAX_QUERY_LENGTH} tekens).")
    notices: list[str] = []
    text = _lenient(text, notices)
    ranges: list[query.Query] = []
    translated = _translate(text, ranges).strip()
    if not re.search(r"\w", translated):
        raise QueryError(EMPTY_QUERY)
    q = _parse(schema, translated)
    if q is query.NullQuery:
        # '-inmenging' alone parses to nothing: read it as 'everything except inmenging'.
        ranges.append(query.Every())
        translated = f"id:{_PLACEHOLDER}{len(ranges) - 1} {translated}"
        q = _parse(schema, translated)
        if isinstance(q, query.Term) and q.fieldname == "id":
            q = query.NullQuery  # nothing but stop words
    q = _fix_phrases(q, translated)
    q = _put_ranges(q, ranges)
    _check_field_values(q)
    q = _only_negative(q)
    expansions: list[dict] = []
    if reader is not None:
        q = _join_compounds(q, translated, reader)
        q = _expand_multiterms(q, reader, _raw_multiterms(translated, schema), notices, deadline)
    if synonyms:
        q = _expand_synonyms(q, expansions)
    if reader is not None:
        q = _add_parts(q, reader)
    q = q.normalize()
    if q is query.NullQuery or isinstance(q, query.NullQuery.__class__):
        notices.append("De zoekvraag bevat alleen veelvoorkomende woorden (zoals 'de', 'het', 'is'); "
                       "probeer specifiekere woorden.")
        return ParsedQuery(query.NullQuery, notices, expansions, frozenset(), empty=True)
    return ParsedQuery(q, notices, expansions, frozenset(_positive_terms(q)))


def _parse(schema, text: str) -> query.Query:
    try:
        with _PARSER_LOCK:  # the parser is shared; its plugins are not documented as thread-safe
            return _parser(schema).parse(text)
    except Exception as e:  # the parser is lenient; anything left is a query we cannot read
        raise QueryError("Deze zoekvraag kan niet worden gelezen; zie de hulppagina voor de syntaxis.") from e


def _nothing(fieldname: str) -> query.Query:
    """A query that matches nothing and, unlike Whoosh's NullQuery, stays in an AND."""
    return query.Term(fieldname, PART_PREFIX * 2)  # the analyzer never makes this term


def _fix_phrases(q: query.Query, text: str) -> query.Query:
    """A phrase's stop words are not indexed, but they take up positions: allow for them."""
    if isinstance(q, query.Phrase):
        ranges = getattr(q, "char_ranges", None) or []
        gaps = []
        for (_, end), (start, _) in zip(ranges, ranges[1:]):
            if end is None or start is None:
                continue
            gaps.append(len(TOKEN_PATTERN.findall(text[end:start])))
        if gaps and max(gaps):
            q = q.copy()
            q.slop = q.slop + max(gaps)
        return q
    if q.children():
        return q.apply(lambda c: _fix_phrases(c, text))
    return q


def _put_ranges(q: query.Query, ranges: list[query.Query]) -> query.Query:
    if isinstance(q, query.Term) and q.fieldname == "id" and str(q.text).startswith(_PLACEHOLDER):
        return ranges[int(q.text[len(_PLACEHOLDER):])]
    if q.children():
        return q.apply(lambda c: _put_ranges(c, ranges))
    return q


def _check_field_values(q: query.Query) -> None:
    for node in _walk(q):
        if isinstance(node, query.Term) and node.fieldname == "type" and node.text not in DOCUMENT_TYPES:
            raise QueryError(f"Onbekend documenttype '{node.text}'. Kies uit: {', '.join(DOCUMENT_TYPES)}.")


def _walk(q: query.Query, skip_not: bool = False):
    yield q
    if skip_not and isinstance(q, query.Not):
        return
    if isinstance(q, query.AndNot) and skip_not:
        yield from _walk(q.a, skip_not)
        return
    for child in q.children():
        yield from _walk(child, skip_not)


def _only_negative(q: query.Query) -> query.Query:
    """'-inmenging' or 'NIET inmenging' alone: everything except."""
    if isinstance(q, query.Not):
        return query.AndNot(query.Every(), q.query)
    if isinstance(q, query.And) and q.subqueries and all(isinstance(c, query.Not) for c in q.subqueries):
        return query.AndNot(query.Every(), query.Or([c.query for c in q.subqueries]))
    return q


def _plain_term(node: query.Query, fieldname: str = "content") -> bool:
    return type(node) is query.Term and node.fieldname == fieldname


def _join_compounds(q: query.Query, text: str, reader) -> query.Query:
    """'terrorisme bestrijding': also the compound the two words make, when the index has it."""
    if isinstance(q, query.And):
        children = list(q.subqueries)
        out, i, changed = [], 0, False
        while i < len(children):
            a = children[i]
            b = children[i + 1] if i + 1 < len(children) else None
            joined = _compound_of(a, b, text, reader) if b is not None else None
            if joined is not None:
                out.append(query.Or([query.And([a, b]), query.Term("content", joined)]))
                i += 2
                changed = True
            else:
                out.append(_join_compounds(a, text, reader))
                i += 1
        return q.__class__(out, boost=q.boost) if changed else q.apply(lambda c: _join_compounds(c, text, reader))
    if isinstance(q, query.Not):
        return q
    if q.children():
        return q.apply(lambda c: _join_compounds(c, text, reader))
    return q


def _compound_of(a, b, text: str, reader) -> str | None:
    if not (_plain_term(a) and _plain_term(b)):
        return None
    spans = [getattr(n, "startchar", None) for n in (a, b)] + [getattr(n, "endchar", None) for n in (a, b)]
    if None in spans:
        return None
    a_start, b_start, a_end, b_end = spans
    if text[a_end:b_start].strip():
        return None
    first, second = text[a_start:a_end], text[b_start:b_end]
    if not (first.isalpha() and second.isalpha()):
        return None
    for linker in ("", "s", "e", "en"):
        terms = analyze(fold((first + linker + second).lower()))
        if len(terms) == 1 and reader.doc_frequency("content", terms[0]):
            return terms[0]
    return None


class _Expansion(query.Or):
    """The terms a prefix, wildcard or fuzzy term stood for; left alone by later rewrites."""


def _expand_multiterms(q: query.Query, reader, raw: dict, notices: list[str],
                       deadline: float | None) -> query.Query:
    """Prefix, wildcard and fuzzy terms as explicit alternatives, capped, with a notice when cut."""
    if isinstance(q, (query.Prefix, query.Wildcard, query.FuzzyTerm)) and q.fieldname in TEXT_FIELDS:
        typed = raw.get((q.fieldname, q.text + "*" if isinstance(q, query.Prefix) else q.text), "")
        terms: dict[str, float] = {}
        capped = False
        for variant, weight in _multiterm_variants(q, typed):
            found, cut = _expand_one(variant, reader, deadline)
            capped = capped or cut
            for term in found:
                terms.setdefault(term, weight)
        if capped:
            shown = typed or q.text + ("*" if isinstance(q, query.Prefix) else "")
            notices.append(f"'{shown}' past op meer dan {MAX_EXPANSIONS} woorden; "
                           f"alleen de eerste {MAX_EXPANSIONS} zijn gebruikt.")
        if not terms:
            return _nothing(q.fieldname)
        return _Expansion([query.Term(q.fieldname, t, boost=q.boost * w) for t, w in terms.items()])
    if q.children():
        return q.apply(lambda c: _expand_multiterms(c, reader, raw, notices, deadline))
    return q


def _raw_multiterms(text: str, schema) -> dict:
    """(field, text as the parser made it) -> the pattern as typed, for prefix and wildcard terms:
    the parser runs them through the stemmer, which does not know about patterns."""
    out = {}
    for piece, quoted in _outside_quotes(text):
        if quoted:
            continue
        for m in re.finditer(r'[^\s()"]*[*?][^\s()"]*', piece):
            fieldname, _, word = m.group(0).rpartition(":")
            fieldname = fieldname or "content"
            if fieldname not in TEXT_FIELDS or not word:
                continue
            field_ = schema[fieldname]
            for pattern, suffix in ((word, ""), (word[:-1], "*")):
                processed = list(field_.process_text(pattern, mode="query", tokenize=False)) if pattern else []
                if processed:
                    out.setdefault((fieldname, processed[0] + suffix), word)
    return out


def _multiterm_variants(q: query.Query, typed: str) -> list[tuple[query.Query, float]]:
    """The patterns to expand. Fuzzy: the analysed word. Wildcard and prefix: what was typed
    (folded) and what the parser made of it (the stem of 'terugkeer' is 'terugker', no prefix of
    'terugkeerder'); a prefix also as a compound part, so 'bestrijd*' finds
    'terrorismebestrijding' too, weighted like a part."""
    fieldname = q.fieldname
    if isinstance(q, query.FuzzyTerm):
        stem = fold(q.text.lower())
        return [(query.FuzzyTerm(fieldname, stem, maxdist=q.maxdist, prefixlength=q.prefixlength), 1.0)]
    texts = [fold(q.text.lower())]
    raw = fold(typed.lower())
    if isinstance(q, query.Prefix):
        raw = raw.rstrip("*")
    if raw and raw not in texts:
        texts.insert(0, raw)
    if isinstance(q, query.Wildcard):
        return [(query.Wildcard(fieldname, t), 1.0) for t in texts]
    return ([(query.Prefix(fieldname, t), 1.0) for t in texts]
            + [(query.Prefix(fieldname, PART_PREFIX + t), PART_WEIGHT) for t in texts])


def _expand_one(q: query.Query, reader, deadline: float | None) -> tuple[list[str], bool]:
    found = []
    try:
        for n, btext in enumerate(q._btexts(reader)):
            word = btext.decode("utf-8") if isinstance(btext, bytes) else btext
            if word.startswith(PART_PREFIX) != q.text.startswith(PART_PREFIX):
                continue
            found.append(word)
            if len(found) > MAX_EXPANSIONS:
                return found[:MAX_EXPANSIONS], True
            if n % 1000 == 999 and deadline is not None and time.monotonic() > deadline:
                return found, True
    except Exception:  # an expansion that cannot run (e.g. a malformed pattern) finds nothing
        return found, False
    return found, False


def _expand_synonyms(q: query.Query, expansions: list[dict]) -> query.Query:
    index = _synonym_index(synonym_groups())
    if not index:
        return q
    longest = max(len(k) for k in index)

    def alternatives(key: tuple[str, ...], node: query.Query, fieldname: str) -> query.Query | None:
        entry = index.get(key)
        if not entry:
            return None
        label, others = entry
        added = [o.text for o in others]
        if not any(e["term"] == label for e in expansions):
            expansions.append({"term": label, "added": added})
        return query.Or([node] + [_variant_query(o, fieldname) for o in others])

    def walk(node: query.Query) -> query.Query:
        if isinstance(node, (query.Not, _Expansion)):
            return node  # never widen what is excluded
        if _plain_term(node) or (type(node) is query.Term and node.fieldname == "title"):
            return alternatives((node.text,), node, node.fieldname) or node
        if isinstance(node, query.Phrase) and node.fieldname in TEXT_FIELDS:
            return alternatives(tuple(node.words), node, node.fieldname) or node
        if isinstance(node, query.And) and len(node.subqueries) > 1:
            return walk_and(node)
        if isinstance(node, query.AndNot):
            return query.AndNot(walk(node.a), node.b)
        if node.children():
            return node.apply(walk)
        return node

    def walk_and(node: query.And) -> query.Query:
        # Words typed one after the other without quotes ("Islamitische Staat") can be a variant too.
        children = list(node.subqueries)
        out, i = [], 0
        while i < len(children):
            for size in range(min(longest, len(children) - i), 1, -1):
                run = children[i:i + size]
                if all(_plain_term(c) for c in run):
                    alt = alternatives(tuple(c.text for c in run), query.And(run), "content")
                    if alt is not None:
                        out.append(alt)
                        i += size
                        break
            else:
                out.append(walk(children[i]))
                i += 1
        return node.__class__(out, boost=node.boost)

    return walk(q)


def _variant_query(variant: _Variant, fieldname: str) -> query.Query:
    if len(variant.terms) == 1:
        return query.Term(fieldname, variant.terms[0])
    return query.Phrase(fieldname, list(variant.terms), slop=variant.slop)


def _add_parts(q: query.Query, reader) -> query.Query:
    """Each word also as a part of compounds, weighted so the word standing alone ranks first."""
    if isinstance(q, (query.Not, _Expansion)):
        return q
    if isinstance(q, query.AndNot):
        return query.AndNot(_add_parts(q.a, reader), q.b)
    if type(q) is query.Term and q.fieldname in TEXT_FIELDS and not q.text.startswith(PART_PREFIX):
        part = PART_PREFIX + q.text
        part_df = reader.doc_frequency(q.fieldname, part)
        if not part_df:
            return q
        total = max(1, reader.doc_count_all())
        word_idf = math.log(total / (reader.doc_frequency(q.fieldname, q.text) + 1)) + 1
        part_idf = math.log(total / (part_df + 1)) + 1
        weight = PART_WEIGHT * min(1.0, word_idf / part_idf)
        return query.Or([q, query.Term(q.fieldname, part, boost=q.boost * weight)])
    if q.children():
        return q.apply(lambda c: _add_parts(c, reader))
    return q


def _positive_terms(q: query.Query):
    """The content and title terms a match may contain (not the excluded ones): to highlight."""
    for node in _walk(q, skip_not=True):
        if isinstance(node, query.Term) and node.fieldname in TEXT_FIELDS:
            yield node.text
        elif isinstance(node, query.Phrase) and node.fieldname in TEXT_FIELDS:
            yield from node.words


# -- per-segment columns: which document each page belongs to, and its facet values ------
@dataclass
class _Segment:
    ordinal: list        # docnum -> local document ordinal, -1 for records that are not pages
    docs: list           # local ordinal -> (doc_id, type, year, dossier, date)
    pages: list          # local ordinal -> its pages' docnums
    lengths: dict = field(default_factory=dict)   # field -> docnum -> field length
    norms: dict = field(default_factory=dict)     # (field, avg length) -> docnum -> BM25 length norm


_SEGMENTS: OrderedDict = OrderedDict()
_SEGMENTS_LOCK = threading.Lock()


def _segment_key(reader) -> tuple:
    try:
        return (reader.segment().segment_id(), reader.doc_count_all(), reader.field_length("content"))
    except Exception:  # not a plain segment reader: do not cache
        return ("uncached", id(reader))


def _segment(reader) -> _Segment:
    """The column arrays of one segment, built once: segments never change (deletions aside,
    which are applied when a query runs)."""
    key = _segment_key(reader)
    with _SEGMENTS_LOCK:
        found = _SEGMENTS.get(key)
        if found is not None:
            _SEGMENTS.move_to_end(key)
            return found
    found = _build_segment(reader)
    if key[0] != "uncached":
        with _SEGMENTS_LOCK:
            _SEGMENTS[key] = found
            while len(_SEGMENTS) > 256:
                _SEGMENTS.popitem(last=False)
    return found


def _deleted(reader) -> frozenset:
    """Deleted document numbers of one segment, through the classic reader API (an empty
    index has a reader without segments)."""
    if not reader.has_deletions():
        return frozenset()
    key = _segment_key(reader) + (reader.doc_count(),)
    found = _DELETED.get(key)
    if found is None:
        found = frozenset(d for d in range(reader.doc_count_all()) if reader.is_deleted(d))
        if key[0] != "uncached":
            if len(_DELETED) > 256:
                _DELETED.clear()
            _DELETED[key] = found
    return found


_DELETED: dict = {}


def _column(reader, name: str, translate: bool = True) -> list:
    n = reader.doc_count_all()
    if not reader.has_column(name):
        return [None] * n
    return list(reader.column_reader(name, translate=translate))


def _build_segment(reader) -> _Segment:
    n = reader.doc_count_all()
    pages = bytearray(n)
    if ("kind", b"page") in reader:
        for docnum in reader.postings("kind", "page").all_ids():
            pages[docnum] = 1
    doc_ids = _column(reader, "doc_id")
    types = _column(reader, "type")
    years = _column(reader, "year")
    dossiers = _column(reader, "dossier")
    dates = _column(reader, "date", translate=False)
    ordinal = [-1] * n
    docs: list = []
    doc_pages: list = []
    local: dict = {}
    for docnum in range(n):
        if not pages[docnum]:
            continue
        doc_id = doc_ids[docnum]
        o = local.get(doc_id)
        if o is None:
            o = local[doc_id] = len(docs)
            docs.append((doc_id, types[docnum] or "overig", years[docnum] or None,
                         dossiers[docnum] or None, _column_date(dates[docnum])))
            doc_pages.append([])
        ordinal[docnum] = o
        doc_pages[o].append(docnum)
    return _Segment(ordinal, docs, doc_pages)


def _column_date(value) -> datetime | None:
    """A raw DATETIME column value; documents without a date hold an out-of-range filler."""
    try:
        date = long_to_datetime(value) if value else None
    except (OverflowError, ValueError):
        return None
    return date if date is not None and date.year >= 1000 else None


_BYTE_LENGTHS = [byte_to_length(b) for b in range(256)]


def _lengths(seg: _Segment, reader, fieldname: str) -> list:
    """Every document's length of a field, read in one go (Whoosh keeps them as one byte each)."""
    lengths = seg.lengths.get(fieldname)
    if lengths is None:
        try:  # the per-document reader's length column: private, but whoosh3 is pinned exactly
            column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            lengths = [_BYTE_LENGTHS[b] or 1 for b in column] if column is not None else None
        except Exception:
            lengths = None
        if lengths is None or len(lengths) != reader.doc_count_all():
            lengths = [reader.doc_field_length(d, fieldname, 1) or 1 for d in range(reader.doc_count_all())]
        seg.lengths[fieldname] = lengths
    return lengths


def _norms(seg: _Segment, reader, fieldname: str, avg: float, k1: float, b: float) -> list:
    """BM25's length normalisation per document: K1 * (1 - B + B * length / average length)."""
    key = (fieldname, avg, k1, b)
    norms = seg.norms.get(key)
    if norms is None:
        factor, base = k1 * b / avg, k1 * (1 - b)
        norms = [base + factor * n for n in _lengths(seg, reader, fieldname)]
        seg.norms = {key: norms, **{k: v for k, v in seg.norms.items() if k[0] != fieldname}}
    return norms


def _leaves(searcher) -> list:
    return [(sub, offset, _segment(sub.reader())) for sub, offset in searcher.leaf_searchers()]


def _generation_key(searcher) -> tuple:
    return tuple(_segment_key(sub.reader()) + (sub.reader().doc_count(),)
                 for sub, _ in searcher.leaf_searchers())


# -- scoring: one pass over the matches gives totals, facets, ranking and passage pages ----
class _Evaluator:
    """Scores every page a query matches, segment by segment, as Whoosh's BM25F would.

    Whoosh scores one posting at a time through a tree of matchers (about 2 us each); the
    common shapes (terms, OR, AND, AND NOT) are evaluated here a block of postings at a time
    instead, which is several times faster. Anything else (phrases, ranges) goes through
    Whoosh's own matchers."""

    def __init__(self, searcher, deadline: float):
        self.searcher = searcher
        self.deadline = deadline
        self.schema = searcher.schema
        self.context = searcher.context()
        weighting = searcher.weighting
        self.fast = isinstance(weighting, scoring.BM25F)
        self.k1 = getattr(weighting, "K1", 1.2)
        self.b = getattr(weighting, "B", 0.75)
        self.timed_out = False

    def scores(self, q: query.Query, sub, seg: _Segment) -> dict:
        """Local docnum -> score for one segment, deleted documents left out."""
        try:
            found = self._eval(q, sub, seg)
        except _TimeUp:
            self.timed_out = True
            return {}
        deleted = _deleted(sub.reader())
        if deleted and found:
            for docnum in deleted:
                found.pop(docnum, None)
        return found

    def _eval(self, q, sub, seg) -> dict:
        if time.monotonic() > self.deadline:
            self.timed_out = True
            return {}
        kind = type(q)
        if not self.fast:
            return self._generic(q, sub)
        if kind is query.Term:
            return self._term(q, sub, seg)
        if isinstance(q, query.Or) and type(q) in (query.Or, _Expansion):
            result: dict = {}
            for child in q.subqueries:
                part = self._eval(child, sub, seg)
                if not result:
                    result = part
                    continue
                get = result.get
                for docnum, score in part.items():
                    result[docnum] = get(docnum, 0.0) + score
            return self._boosted(result, q.boost)
        if kind is query.And:
            # Date and year ranges test each candidate page instead of listing their own pages.
            ranges = [c for c in q.subqueries if self._range(c)]
            negated = [c.query for c in q.subqueries if isinstance(c, query.Not)]
            others = [c for c in q.subqueries if not self._range(c) and not isinstance(c, query.Not)]
            if others:
                parts = sorted((self._eval(child, sub, seg) for child in others), key=len)
                result = parts[0]
                for part in parts[1:]:
                    result = {d: s + part[d] for d, s in result.items() if d in part}
                if ranges and result:
                    result = self._in_ranges(result, ranges, seg)
            elif ranges:
                result = self._range_pages(ranges, seg)
            else:
                result = self._every(sub, seg)
            for excluded in negated:
                result = self._without(result, excluded, sub, seg)
            return self._boosted(result, q.boost)
        if self._range(q):
            return self._range_pages([q], seg)
        if kind is query.AndNot:
            return self._without(self._eval(q.a, sub, seg), q.b, sub, seg)
        if kind is query.Not:
            return self._without(self._every(sub, seg), q.query, sub, seg)
        if kind is query.Every:
            return self._boosted(self._every(sub, seg), q.boost)
        if kind is query.Require:
            result = self._eval(q.a, sub, seg)
            if result:
                required = self._eval(q.b, sub, seg)
                result = {d: s for d, s in result.items() if d in required}
            return result
        return self._generic(q, sub)

    @staticmethod
    def _range(q: query.Query) -> bool:
        return isinstance(q, query.NumericRange) and q.fieldname in ("year", "date")

    @staticmethod
    def _tests(ranges: list) -> list:
        """(position in a segment's document tuple, low, high, boost) for each range."""
        tests = []
        for r in ranges:
            if isinstance(r, query.DateRange):
                low, high, position, step = r.startdate, r.enddate, 4, timedelta(microseconds=1)
            else:
                low, high, position, step = r.start, r.end, 2, 1
            if low is not None and r.startexcl:
                low = low + step
            if high is not None and r.endexcl:
                high = high - step
            tests.append((position, low, high, r.boost))
        return tests

    def _in_ranges(self, result: dict, ranges: list, seg: _Segment) -> dict:
        """Pages of the result whose document lies in every range; a range adds its boost, as in Whoosh."""
        tests = self._tests(ranges)
        ordinal, docs = seg.ordinal, seg.docs
        out = {}
        for docnum, score in result.items():
            o = ordinal[docnum]
            if o < 0:
                continue
            values = docs[o]
            for position, low, high, boost in tests:
                value = values[position]
                if value is None or (low is not None and value < low) or (high is not None and value > high):
                    break
                score += boost
            else:
                out[docnum] = score
        return out

    def _range_pages(self, ranges: list, seg: _Segment) -> dict:
        every = {d: 0.0 for d, o in enumerate(seg.ordinal) if o >= 0}
        return self._in_ranges(every, ranges, seg)

    @staticmethod
    def _every(sub, seg: _Segment) -> dict:
        """Every page, scored 1.0 as Whoosh's Every does."""
        return {d: 1.0 for d, o in enumerate(seg.ordinal) if o >= 0}

    def _without(self, result: dict, excluded_query: query.Query, sub, seg: _Segment) -> dict:
        """NIET excludes documents, not pages: a document that has the word on any page goes."""
        if not result:
            return result
        excluded = self._eval(excluded_query, sub, seg)
        if not excluded:
            return result
        deleted = _deleted(sub.reader())
        ordinal = seg.ordinal
        gone = {ordinal[d] for d in excluded if d not in deleted} - {-1}
        return {d: s for d, s in result.items() if d not in excluded and ordinal[d] not in gone}

    @staticmethod
    def _boosted(result: dict, boost: float) -> dict:
        if boost != 1.0:
            return {d: s * boost for d, s in result.items()}
        return result

    def _term(self, q: query.Term, sub, seg: _Segment) -> dict:
        reader = sub.reader()
        fieldname = q.fieldname
        if fieldname not in self.schema:
            return {}
        fieldobj = self.schema[fieldname]
        try:
            btext = fieldobj.to_bytes(q.text)
        except ValueError:
            return {}
        if (fieldname, btext) not in reader:
            return {}
        m = reader.postings(fieldname, btext)
        m = getattr(m, "child", m)  # deletions are taken out once, at the end
        if not hasattr(m, "_read_ids"):
            return self._generic(q, sub)
        result: dict = {}
        if not fieldobj.scorable:
            constant = q.boost
            for ids, _ in _blocks(m, self.deadline):
                result.update(dict.fromkeys(ids, constant))
            return result
        top = self.searcher
        factor = top.idf(fieldname, q.text) * (self.k1 + 1) * q.boost
        norms = _norms(seg, reader, fieldname, top.avg_field_length(fieldname) or 1, self.k1, self.b)
        for ids, weights in _blocks(m, self.deadline):
            if weights is None:
                weights = itertools.repeat(1.0)
            elif isinstance(weights, float):
                weights = itertools.repeat(weights)
            result.update({d: factor * w / (w + norms[d]) for d, w in zip(ids, weights)})
        return result

    def _generic(self, q: query.Query, sub) -> dict:
        result: dict = {}
        try:
            m = q.matcher(sub, self.context)
        except Exception:  # a term this segment does not have
            return result
        steps = 0
        while m.is_active():
            result[m.id()] = m.score()
            m.next()
            steps += 1
            if steps % 4096 == 0 and time.monotonic() > self.deadline:
                self.timed_out = True
                break
        return result


class _TimeUp(Exception):
    pass


def _blocks(m, deadline: float):
    """(ids, weights) of each block of a whoosh3 posting list: what W3LeafMatcher reads for
    one posting at a time, read at once (ids are stored as deltas; weights as None when all
    are 1.0, a float when all are equal, else an array)."""
    count = 0
    while m.is_active():
        if m._data is None:
            m._read_data()
        ids, weights = m._data[0], m._data[1]
        yield (ids if m._byteids else itertools.accumulate(ids)), weights
        m._next_block()
        count += 1
        if count % 32 == 0 and time.monotonic() > deadline:
            raise _TimeUp


@dataclass
class _Scan:
    query: query.Query
    docs: dict           # doc_id -> (type, year, dossier, date)
    best: dict           # doc_id -> score of its best page
    where: dict          # doc_id -> (leaf number, local ordinal)
    truncated: bool
    scores: dict         # leaf number -> {docnum: score} of every matching page, when not too many
    facets: dict = field(default_factory=dict)   # filters -> (facets, allowed documents)
    ranked: list | None = None                   # every doc_id, best first
    pages: dict = field(default_factory=dict)    # doc_id -> [(score, docnum)] of its matching pages


_SCANS: OrderedDict = OrderedDict()
_SCANS_LOCK = threading.Lock()
SCAN_CACHE_SIZE = 64
KEEP_SCORES = 5000      # page scores a cached scan keeps per segment (more are asked again)


def _scan(searcher, q: query.Query, deadline: float) -> _Scan:
    """Every document with a page matching the query: its facet values and the score of its best
    page. Cached per query and index generation, so paging, sorting and facet clicks cost
    nothing more."""
    key = (_generation_key(searcher), repr(q))
    with _SCANS_LOCK:
        found = _SCANS.get(key)
        if found is not None:
            _SCANS.move_to_end(key)
            return found
    evaluator = _Evaluator(searcher, deadline)
    docs: dict = {}
    best: dict = {}
    where: dict = {}
    kept: dict = {}
    for leaf, (sub, offset, seg) in enumerate(_leaves(searcher)):
        scores = evaluator.scores(q, sub, seg)
        ordinal = seg.ordinal
        best_of: dict = {}
        get = best_of.get
        for docnum, score in scores.items():
            o = ordinal[docnum]
            if score > get(o, -1.0):
                best_of[o] = score
        best_of.pop(-1, None)   # records that are not pages
        seg_docs = seg.docs
        for o, score in best_of.items():
            doc_id, *facet_values = seg_docs[o]
            docs[doc_id] = tuple(facet_values)
            best[doc_id] = score
            where[doc_id] = (leaf, o)
        if len(scores) <= KEEP_SCORES:
            kept[leaf] = scores  # small enough to keep: the passages' pages come from it
        if evaluator.timed_out:
            break
    scan = _Scan(q, docs, best, where, evaluator.timed_out, kept)
    if not scan.truncated:
        with _SCANS_LOCK:
            _SCANS[key] = scan
            while len(_SCANS) > SCAN_CACHE_SIZE:
                _SCANS.popitem(last=False)
    return scan


def _ranked(scan: _Scan) -> list:
    """Every matching document, best first (doc_id breaks ties), computed once per scan."""
    if scan.ranked is None:
        scan.ranked = sorted(scan.best, key=lambda d: (-scan.best[d], d))
    return scan.ranked


def _page_scores(searcher, scan: _Scan, doc_ids: list) -> None:
    """Fill scan.pages with (score, global docnum) of each matching page of these documents.

    Only the shown documents need this, so it is asked of Whoosh's own matchers (which give the
    same scores): one matcher per segment, skipping from one shown document's pages to the next."""
    wanted: dict = {}
    leaves = _leaves(searcher)
    for doc_id in doc_ids:
        if doc_id in scan.pages:
            continue
        leaf, o = scan.where[doc_id]
        scores = scan.scores.get(leaf)
        if scores is not None:
            offset, pages = leaves[leaf][1], leaves[leaf][2].pages[o]
            scan.pages[doc_id] = [(scores[d], d + offset) for d in pages if d in scores]
        else:
            wanted.setdefault(leaf, []).append((doc_id, o))
    if not wanted:
        return
    q = _for_pages(scan.query)
    for leaf, docs in wanted.items():
        sub, offset, seg = leaves[leaf]
        try:
            m = q.matcher(sub, searcher.context())
        except Exception:  # a term this segment does not have
            m = None
        for doc_id, o in sorted(docs, key=lambda d: seg.pages[d[1]][0]):
            found = []
            for docnum in seg.pages[o]:
                if m is None or not m.is_active():
                    break
                if m.id() < docnum:
                    m.skip_to(docnum)
                    if not m.is_active():
                        break
                if m.id() == docnum:
                    found.append((m.score(), docnum + offset))
            # a document whose pages Whoosh cannot tell apart (a range alone): its first page
            scan.pages[doc_id] = found or [(scan.best[doc_id], seg.pages[o][0] + offset)]


def _for_pages(q: query.Query) -> query.Query:
    """The query for scoring a shown document's pages: date and year ranges hold for all pages of
    a document alike (and Whoosh's range matchers are slow to build), so they are left out."""
    if isinstance(q, query.And):
        kept = [_for_pages(c) for c in q.subqueries if not _Evaluator._range(c)]
        if not kept:
            return query.Every()
        return kept[0] if len(kept) == 1 else query.And(kept, boost=q.boost)
    if isinstance(q, query.AndNot):
        return query.AndNot(_for_pages(q.a), q.b)
    if isinstance(q, (query.Or, query.Require)) and not isinstance(q, _Expansion):
        return q.apply(_for_pages)
    if _Evaluator._range(q):
        return query.Every()
    return q


# -- filters and facets -----------------------------------------------------------------
def _facets_and_allowed(docs: dict, request: SearchRequest) -> tuple[dict, set]:
    """Facet counts (each ignoring its own filter, so choices stay visible) and the documents
    that pass every filter."""
    types, years, dossiers = set(request.types), set(request.years), set(request.dossiers)
    if not (types or years or dossiers):
        values = docs.values()
        counts = {"type": Counter(v[0] for v in values),
                  "year": Counter(v[1] for v in values if v[1]),
                  "dossier": Counter(v[2] for v in values if v[2])}
        allowed = set(docs)
    else:
        counts = {"type": Counter(), "year": Counter(), "dossier": Counter()}
        allowed = set()
        for doc_id, (doc_type, year, dossier, _) in docs.items():
            ok_type = not types or doc_type in types
            ok_year = not years or year in years
            ok_dossier = not dossiers or dossier in dossiers
            if ok_year and ok_dossier:
                counts["type"][doc_type] += 1
            if ok_type and ok_dossier and year:
                counts["year"][year] += 1
            if ok_type and ok_year and dossier:
                counts["dossier"][dossier] += 1
            if ok_type and ok_year and ok_dossier:
                allowed.add(doc_id)
    by_count = lambda kv: (-kv[1], str(kv[0]))  # noqa: E731
    facets = {
        "type": [{"value": v, "count": c} for v, c in sorted(counts["type"].items(), key=by_count)],
        "year": [{"value": v, "count": c} for v, c in sorted(counts["year"].items())],
        "dossier": [{"value": v, "count": c} for v, c in sorted(counts["dossier"].items(), key=by_count)][:30],
    }
    return facets, allowed


# -- citations --------------------------------------------------------------------------
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
    Handelingen II 2017/18, nr. 70, p. 3; without those numbers: title, dossier and number as far
    as known, date, page."""
    vj = short_vergaderjaar(doc.get("vergaderjaar"))
    dossier, number, doc_type = doc.get("dossier"), doc.get("number"), doc.get("type")
    if doc_type == "kamervragen" and vj and number:
        return f"Aanhangsel Handelingen II {vj}, nr. {number}, p. {page}"
    if doc_type == "handelingen" and vj and number:
        return f"Handelingen II {vj}, nr. {number}, p. {page}"
    if doc_type not in ("kamervragen", "handelingen", "wet") and vj and dossier and number:
        return f"Kamerstukken II {vj}, {dossier}, nr. {number}, p. {page}"
    parts = [(doc.get("title") or "").strip().rstrip(".:;,") or "Zonder titel"]
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


# -- highlighting -----------------------------------------------------------------------
_SPACES = re.compile(r"\s+")
_SPACE = re.compile(r"\s")
PASSAGE_LEAD = 70   # characters of context before the first marked word of a passage


@lru_cache(maxsize=256)
def _candidates(terms: frozenset):
    """A quick test that a word may have one of the terms: it contains the first three letters
    of one (a stem keeps a word's beginning; a part stands inside its compound). Only those
    words are analysed, so a page's other words cost almost nothing."""
    heads = sorted({t.lstrip(PART_PREFIX)[:3] for t in terms if t.lstrip(PART_PREFIX)})
    if not heads:
        return None
    # Each letter also matches its accented forms, so the page text need not be folded first.
    return re.compile("|".join("".join(_ACCENTED.get(ch, re.escape(ch)) for ch in head) for head in heads))


def _accented() -> dict:
    variants: dict = {}
    for code, plain in accent_map.items():
        if isinstance(plain, str) and len(plain) == 1 and chr(code).lower() == chr(code):
            variants.setdefault(plain.lower(), set()).add(chr(code))
    return {plain: "[" + re.escape(plain) + "".join(sorted(chars)) + "]" for plain, chars in variants.items()}


_ACCENTED = _accented()


_JOINERS = "-\u2010\u2011'\u2019"


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _token_start(text: str, i: int) -> int:
    """Where the token holding position i starts (the tokenizer's joiners taken into account)."""
    while i > 0:
        ch = text[i - 1]
        if _is_word_char(ch):
            i -= 1
        elif i > 1 and _is_word_char(text[i - 2]) and _is_word_char(text[i]) and (
                ch in _JOINERS or (ch in ".,/" and text[i - 2].isdigit() and text[i].isdigit())):
            i -= 1
        else:
            break
    return i


def _marks(text: str, terms: frozenset) -> list[tuple[int, int, str]]:
    """(start, end, matched term) of every word whose terms (own or of a part) were searched for."""
    out: list = []
    candidate = _candidates(terms)
    if candidate is None:
        return out
    low = text.lower()
    if len(low) == len(text):
        # Only the words around a candidate's letters are tokenized and analysed.
        end = 0
        for hit in candidate.finditer(low):
            if hit.start() < end:
                continue
            m = TOKEN_PATTERN.match(text, _token_start(text, hit.start()))
            if m is None or m.end() <= hit.start():
                continue
            end = m.end()
            _add_if_matched(m, terms, out)
        return out
    for m in TOKEN_PATTERN.finditer(text):
        if candidate.search(m.group(0).lower()):
            _add_if_matched(m, terms, out)
    return out


def _add_if_matched(m: re.Match, terms: frozenset, out: list) -> None:
    for term in word_terms(m.group(0)):
        if term in terms:
            out.append((m.start(), m.end(), term.lstrip(PART_PREFIX)))
            return


def _render(text: str, start: int, end: int, marks: list, collapse: bool) -> str:
    pieces, pos = [], start
    for s, e, _ in marks:
        if s < start or e > end:
            continue
        pieces.append(html.escape(text[pos:s], quote=False))
        pieces.append(f"<mark>{html.escape(text[s:e], quote=False)}</mark>")
        pos = e
    pieces.append(html.escape(text[pos:end], quote=False))
    if collapse:
        pieces = [p if p.startswith("<mark>") else _SPACES.sub(" ", p) for p in pieces]
    return "".join(pieces)


def _best_window(text: str, marks: list) -> tuple[int, int]:
    """The ~PASSAGE_CHARS window holding the most different matched words, then the most matches,
    cut at spaces."""
    best = None
    for i, (s, e, _) in enumerate(marks[:200]):
        start = max(0, s - PASSAGE_LEAD)
        inside = [m for m in marks[i:i + 60] if m[1] <= start + PASSAGE_CHARS] or [marks[i]]
        score = (len({m[2] for m in inside}), len(inside))
        if best is None or score > best[0]:
            best = (score, start, s, inside[-1][1])
    _, start, first, last = best
    if start > 0:
        space = _SPACE.search(text, start, first)
        start = space.end() if space else first
    end = start + PASSAGE_CHARS
    if end >= len(text):
        return start, len(text)
    cut = None
    for cut in _SPACE.finditer(text, last, end):
        pass
    return start, max(last, cut.start()) if cut else max(last, end)


def highlight_text(text: str, terms: frozenset, whole: bool = False) -> str:
    """Escaped text with the query's words in <mark>: a passage of about PASSAGE_CHARS, or the
    whole page. Every inflected form is marked, and so is a compound whose part was searched for."""
    marks = _marks(text, terms) if terms else []
    if whole:
        return _render(text, 0, len(text), marks, collapse=False)
    if not marks:
        return _lead(text)
    start, end = _best_window(text, marks)
    body = _render(text, start, end, marks, collapse=True).strip()
    return ("… " if start > 0 else "") + body + (" …" if end < len(text.rstrip()) else "")


def _lead(text: str) -> str:
    text = text.strip()
    if len(text) <= PASSAGE_CHARS:
        return _SPACES.sub(" ", html.escape(text, quote=False))
    cut = text[:PASSAGE_CHARS].rsplit(None, 1)[0]
    return _SPACES.sub(" ", html.escape(cut, quote=False)) + " …"


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
    request.types = list(dict.fromkeys(t.lower() for t in request.types if t))
    for t in request.types:
        if t not in DOCUMENT_TYPES:
            raise QueryError(f"Onbekend documenttype '{t}'. Kies uit: {', '.join(DOCUMENT_TYPES)}.")
    request.dossiers = list(dict.fromkeys(str(d).strip() for d in request.dossiers if str(d).strip()))
    request.years = list(dict.fromkeys(int(y) for y in request.years))


def _request_dates(request: SearchRequest) -> query.Query | None:
    if not (request.date_from or request.date_to):
        return None
    start = parse_date_value(request.date_from) if request.date_from else None
    stop = parse_date_value(request.date_to, end=True) if request.date_to else None
    if start and stop and start > stop:
        raise QueryError(f"Ongeldig datumbereik: {request.date_from} ligt na {request.date_to}.")
    return query.DateRange("date", start, stop)


def search(searcher, request: SearchRequest) -> dict:
    """Answer a request: documents with their best passages, facets and the year curve."""
    started = time.monotonic()
    deadline = started + QUERY_TIME_LIMIT
    _normalise_request(request)
    dates = _request_dates(request)
    parsed = parse_query(request.q, searcher.schema, searcher.reader(), synonyms=request.synonyms,
                         deadline=deadline)
    notices = list(parsed.notices)
    answer = {
        "query": request.q, "total": 0, "page": request.page, "per_page": request.per_page,
        "pages": 1, "sort": request.sort, "results": [],
        "facets": {"type": [], "year": [], "dossier": []},
        "expansions": parsed.expansions, "notices": notices, "notice": None,
        "suggestion": None, "took_ms": 0,
    }
    if not parsed.empty:
        q = parsed.query if dates is None else query.And([parsed.query, dates]).normalize()
        scan = _scan(searcher, q, deadline)
        if scan.truncated:
            notices.append("De zoekvraag duurde te lang; de resultaten zijn mogelijk onvolledig.")
        key = (tuple(request.types), tuple(request.years), tuple(request.dossiers))
        if key not in scan.facets:
            scan.facets = {key: _facets_and_allowed(scan.docs, request)}  # the last filter choice
        facets, allowed = scan.facets[key]
        facets = {name: [dict(f) for f in values] for name, values in facets.items()}
        total = len(allowed)
        needed = request.page * request.per_page
        if request.sort == "relevance":
            ranked = _ranked(scan)
            ordered = ranked[:needed] if len(allowed) == len(ranked) else \
                list(itertools.islice((d for d in ranked if d in allowed), needed))
        else:
            ordered = _rank_by_date(scan.docs, allowed, request.sort == "newest")
        shown = ordered[(request.page - 1) * request.per_page: needed]
        _page_scores(searcher, scan, shown)
        answer.update(
            total=total, facets=facets,
            pages=max(1, min(MAX_PAGE, -(-total // request.per_page))),
            results=[_document_result(searcher, doc_id, _best_pages(searcher, scan, doc_id, request.passages),
                                      parsed, request)
                     for doc_id in shown])
    if answer["total"] < SUGGEST_BELOW and not parsed.empty:
        answer["suggestion"] = suggest(searcher, request.q)
    answer["notice"] = " ".join(notices) or None
    answer["took_ms"] = round((time.monotonic() - started) * 1000, 1)
    return answer


def _rank_by_date(docs: dict, allowed: set, newest: bool) -> list[str]:
    """Dated documents newest (or oldest) first, then the undated ones."""
    dated = [d for d in allowed if docs[d][3] is not None]
    undated = sorted(d for d in allowed if docs[d][3] is None)
    dated.sort(key=lambda d: (docs[d][3], d), reverse=newest)
    return dated + undated


def _by_score(hit: tuple) -> tuple:
    """Best page first; on a tie the earlier one."""
    return -hit[0], hit[1]


def _best_pages(searcher, scan: _Scan, doc_id: str, count: int) -> list:
    """(score, stored fields) of a document's best matching pages, best first."""
    hits = heapq.nsmallest(count, scan.pages[doc_id], key=_by_score)
    return [(score, searcher.stored_fields(docnum)) for score, docnum in hits]


def _document_record(searcher, doc_id: str) -> dict:
    return dict(searcher.document(id=f"doc:{doc_id}") or {})


def _iso(value) -> str | None:
    return value.date().isoformat() if isinstance(value, datetime) else (value or None)


def _document_result(searcher, doc_id: str, hits: list, parsed: ParsedQuery,
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
        "score": round(float(hits[0][0]), 4) if hits else 0.0,
    }
    passages = []
    cite = citation(doc, 0).rsplit(", p. ", 1)[0]
    for _, fields in hits:
        page = fields.get("page")
        markup = highlight_text(fields.get("content", ""), parsed.highlight_terms)
        passages.append({
            "page": page,
            "html": markup,
            "text": strip_marks(markup),
            "ocr": bool(fields.get("ocr")),
            "citation": f"{cite}, p. {page}",
            "link": passage_link(doc_id, page, request.q, request.synonyms),
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


_SIMILAR: OrderedDict = OrderedDict()
MLT_PAGES = 12      # pages read for a document's key terms (spread over a long document)


def more_like_this(searcher, doc_id: str, limit: int = 8) -> list[dict]:
    """Documents similar to a document: its most distinctive words, searched for elsewhere."""
    key = (_generation_key(searcher), doc_id, limit)
    if key in _SIMILAR:
        return [dict(d) for d in _SIMILAR[key]]
    docnums = sorted(searcher.document_numbers(doc_id=doc_id, kind="page"))
    if not docnums:
        return []
    if len(docnums) > MLT_PAGES:  # key terms re-analyse the text: a sample of a long document will do
        step = len(docnums) / MLT_PAGES
        docnums = [docnums[int(i * step)] for i in range(MLT_PAGES)]
    terms = [(t, w) for t, w in searcher.key_terms(docnums, "content", numterms=40)
             if not t.startswith(PART_PREFIX) and not t[:1].isdigit()][:25]
    similar = []
    if terms:
        q = query.Or([query.Term("content", t, boost=w) for t, w in terms])
        scan = _scan(searcher, q, time.monotonic() + QUERY_TIME_LIMIT)
        for other in _ranked(scan)[:limit + 1]:
            if other == doc_id:
                continue
            record = _document_record(searcher, other)
            similar.append({"doc_id": other, "title": record.get("title") or "",
                            "type": record.get("type"), "date": _iso(record.get("date"))})
    similar = similar[:limit]
    with _SCANS_LOCK:
        _SIMILAR[key] = similar
        while len(_SIMILAR) > 256:
            _SIMILAR.popitem(last=False)
    return [dict(d) for d in similar]


# -- suggestions ------------------------------------------------------------------------
_SUGGEST_WORD = re.compile(r'(?<![\w:~*"])([^\W\d_]{4,})(?![\w:~*])')


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count once)."""
    prev2, prev = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if prev2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


@lru_cache(maxsize=1)
def _surface_words() -> list[str]:
    return sorted(lexicon()._zipf)


@lru_cache(maxsize=4096)
def _surface_for(stem: str, typed: str) -> str:
    """A readable word for an index term: the lexicon word closest to what was typed that
    analyses to it (the index keeps stems, 'terugker', not words)."""
    words = _surface_words()
    lex = lexicon()
    prefix = stem[:max(3, len(stem) - 2)]
    best, best_key = stem, None
    start = bisect.bisect_left(words, prefix)
    for word in itertools.islice(words, start, start + 400):
        if not word.startswith(prefix):
            break
        if analyze(word) == [stem]:
            key = (_distance(word, typed), -lex.zipf(word))
            if best_key is None or key < best_key:
                best, best_key = word, key
    return best


def suggest(searcher, text: str) -> str | None:
    """'Bedoelde u …?': each word the index does not know (or hardly), replaced by a close word
    from the index's own vocabulary that it does know."""
    reader = searcher.reader()
    out, changed = text or "", False
    for m in _SUGGEST_WORD.finditer(text or ""):
        word = m.group(1)
        if word.upper() in _BINARY | _UNARY | {"ANDNOT"}:
            continue
        terms = analyze(word)
        if len(terms) != 1:
            continue
        term = terms[0]
        df = reader.doc_frequency("content", term)
        if df >= SUGGEST_BELOW:
            continue
        typed = fold(word.lower())
        best = None
        # Every term sharing the prefix gets an edit-distance test in Python: two letters for
        # long words (typos in the first two letters of a long word are rare) cut that tenfold.
        prefix = 2 if len(term) >= 7 else 1
        for dist in (1, 2):
            for candidate in reader.terms_within("content", term, dist, prefix=prefix):
                if candidate == term or candidate.startswith(PART_PREFIX) or not candidate.isalpha():
                    continue
                cdf = reader.doc_frequency("content", candidate)
                if cdf <= max(df * 10, 0) or cdf < 1:
                    continue
                key = (_distance(term, candidate), -cdf)
                if best is None or key < best[0]:
                    best = (key, candidate)
            if best is not None:
                break
        if best is None:
            continue
        replacement = _surface_for(best[1], typed)
        if word[:1].isupper():
            replacement = replacement[:1].upper() + replacement[1:]
        out = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", replacement, out, count=1)
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
