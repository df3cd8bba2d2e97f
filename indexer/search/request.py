"""The request and its limits: what a search may ask for, checked before anything runs.

A QueryError carries a Dutch message that is safe to show a user (HTTP 400, exit 2)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime

from ..schema import DOCUMENT_TYPES
from . import plan

MAX_QUERY_LENGTH = 500
MAX_PAGE = 100
MAX_PER_PAGE = 50
MAX_EXPANSIONS = 200        # terms a prefix, wildcard or fuzzy query may expand to
MAX_QUERY_EXPANSIONS = 1000  # terms all of a query's prefixes, wildcards and fuzzy terms may expand to

def _seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name) or default)
    except ValueError:
        return default
    return value if value > 0 else default


#: Seconds a query may take (KAMERZOEK_QUERY_TIMEOUT); past it the answer has what was found so far.
QUERY_TIME_LIMIT = _seconds("KAMERZOEK_QUERY_TIMEOUT", 2.0)
PASSAGES_PER_DOCUMENT = 3
PASSAGE_CHARS = 250
EXPORT_CAP = 5000
SORTS = ("relevance", "newest", "oldest")
#: A word found only as part of a compound scores at most this fraction of the word
#: standing alone (after evening out the two terms' idf), so it ranks below it.
PART_WEIGHT = 0.1
SUGGEST_BELOW = 3           # "Bedoelde u" when a query finds fewer documents than this
TEXT_FIELDS = ("content", "title")


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
    #: Only documents that entered the index at or after this (a date or an ISO time); needs `arrived`.
    since: str | None = None
    #: doc_id -> (first indexed, last changed), from the arrivals ledger (indexer.arrivals); with
    #: sort "arrived" the documents come newest arrival first (the feeds).
    arrived: dict | None = None


ARRIVED = "arrived"


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


def normalise_request(request: SearchRequest) -> None:
    if request.page < 1:
        raise QueryError("Het paginanummer moet 1 of hoger zijn.")
    if request.page > MAX_PAGE:
        raise QueryError(f"Er kan niet verder dan pagina {MAX_PAGE} worden gebladerd; verfijn de zoekvraag.")
    if not 1 <= request.per_page <= max(MAX_PER_PAGE, EXPORT_CAP):
        raise QueryError(f"Het aantal resultaten per pagina moet tussen 1 en {MAX_PER_PAGE} liggen.")
    if request.sort not in SORTS and not (request.sort == ARRIVED and request.arrived is not None):
        raise QueryError("Sorteer op relevance, newest of oldest.")
    if request.since is not None:
        since_value(request.since)  # a bad value is refused before anything runs
    request.types = list(dict.fromkeys(t.lower() for t in request.types if t))
    for t in request.types:
        if t not in DOCUMENT_TYPES:
            raise QueryError(f"Onbekend documenttype '{t}'. Kies uit: {', '.join(DOCUMENT_TYPES)}.")
    request.dossiers = list(dict.fromkeys(str(d).strip() for d in request.dossiers if str(d).strip()))
    request.years = list(dict.fromkeys(int(y) for y in request.years))


def since_value(value: str) -> datetime:
    """'2026-12-01', '2026-12' or an ISO time ('2026-12-01T06:30', with or without offset) as a
    moment with a time zone (the machine's when none is given)."""
    text = (value or "").strip()
    if re.fullmatch(r"\d{4}(-\d{1,2}){0,2}", text):
        when = parse_date_value(text)
    else:
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise QueryError(f"Ongeldige datum '{value}': gebruik JJJJ-MM-DD of een tijdstip als "
                             "2026-12-01T06:30.") from None
    return when if when.tzinfo else when.astimezone()


def request_dates(request: SearchRequest) -> plan.Range | None:
    if not (request.date_from or request.date_to):
        return None
    start = parse_date_value(request.date_from) if request.date_from else None
    stop = parse_date_value(request.date_to, end=True) if request.date_to else None
    if start and stop and start > stop:
        raise QueryError(f"Ongeldig datumbereik: {request.date_from} ligt na {request.date_to}.")
    return plan.Range("date", start, stop)
