"""The query language: lenient repair of half-typed queries, Dutch operators (EN, OF, NIET),
field names (titel:, type:, dossier:, nummer:, jaar:, datum:), date and year ranges, and
Whoosh's parser for the rest."""
from __future__ import annotations

import re
import threading

from whoosh import qparser, query
from whoosh.qparser import QueryParser

from ..analysis import PART_PREFIX, TOKEN_PATTERN
from ..schema import DOCUMENT_TYPES
from .request import QueryError, date_range

FIELD_ALIASES = {
    "titel": "title", "title": "title", "type": "type", "soort": "type",
    "dossier": "dossier", "nummer": "number", "nr": "number", "number": "number",
    "jaar": "year", "year": "year", "datum": "date", "date": "date",
    "tekst": "content", "content": "content",
}

_OPERATORS = {"EN": "AND", "OF": "OR", "NIET": "NOT"}
_BINARY = {"AND", "OR", "EN", "OF"}
_UNARY = {"NOT", "NIET", "-"}
_FIELD_RE = re.compile(r'(?<![\w"])([A-Za-zÀ-ÿ]+):(?=\S)')
_RANGE_FIELD_RE = re.compile(r'(?<![\w"])(year|date):([^\s()]*)')
_LEX_RE = re.compile(r'"[^"]*"(?:~\d+)?|[()]|[^\s()"]+')
_PLACEHOLDER = "kzrange"
EMPTY_QUERY = "Geef een zoekvraag op."


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
