"""The engine seam: the one interface between the query plan and an index.

Everything above it (the query language, rewriting, highlighting, citations, suggestions,
the answers the CLI and the web app show) is ours and the same for every engine; below it
an engine stores, matches, scores and counts. No Whoosh type crosses it: a plan is made of
the records in plan.py, records are plain dicts, answers are the dataclasses below.

What an engine gets
-------------------
- A plan (plan.py): analysed index terms (stems, folded; compound parts prefixed with
  analysis.PART_PREFIX) with field and boost, phrases with slop, And/Or/Not/AndNot, year and
  date ranges, keyword-field filters (type, dossier, number); prefix, wildcard and fuzzy terms
  already expanded (plan.Expansion) where the plan was made with this engine as the term
  dictionary, else as patterns to expand through its own dictionary. Scores are BM25F per
  page (Whoosh's: K1=1.2, B=0.75, idf = log(N / (df + 1)) + 1 over every record, title with
  field boost 1.5); an engine that cannot reproduce them exactly should rank alike.
- Filters: facet choices (types, years, dossiers), applied to documents after matching.
  Each facet is counted over the documents that pass the *other* filters (so choices stay
  visible); "type" ordered by count, "year" by year, "dossier" by count (at most 30).
- ResultsPage: which documents to return (start, count, sort) and how many best pages each.

Records (what an engine stores, written by indexer/build.py through indexer/store.py):
- page records (kind "page"): id "<doc_id>:<page>", doc_id, page (1-based), content (the
  page's text), title, type, dossier, number, vergaderjaar, year, date, ocr (bool);
- document records (kind "doc"): id "doc:<doc_id>", doc_id, title, type, dossier, number,
  vergaderjaar, year, date, info (a dict: files, format, pages, status, needs_ocr, …).
Dates come back as datetime (or None), the rest as stored.

What a second engine must implement: every abstract method of ``Engine`` below, and a
branch in ``open_engine`` for its URL scheme (``opensearch://HOST:PORT/INDEX``, see
../shared/INTERFACE.md). Damage or unreachability is raised as ``EngineUnavailable``
(exit 3, HTTP 503); a spec it cannot use as ``EngineConfigError`` (exit 2).
"""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Hashable, Iterable, Iterator

from ..analysis import PART_PREFIX
from . import plan


class EngineConfigError(ValueError):
    """The engine named cannot be used as given (exit code 2); the message is for the user."""


class EngineUnavailable(Exception):
    """The engine cannot answer: its index is missing, damaged or unreachable (exit 3, HTTP 503)."""


@dataclass(frozen=True)
class Filters:
    types: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    dossiers: tuple[str, ...] = ()
    # Only these documents (None: all): what entered the index since a date, a chunk of a
    # streamed export. Facets are counted before this restriction.
    doc_ids: frozenset[str] | None = None


@dataclass(frozen=True)
class ResultsPage:
    start: int = 0                 # documents skipped (0-based offset in the ranking)
    count: int | None = 10         # documents returned (None: every one)
    sort: str = "relevance"        # relevance | newest | oldest (undated documents last)
    passages: int = 3              # best pages returned per document (0: none, only the ranking)


@dataclass
class PageMatch:
    score: float
    record: dict                   # the page record: page, content, ocr, …


@dataclass
class DocumentMatch:
    doc_id: str
    score: float                   # the score of its best page
    pages: list[PageMatch]         # its best matching pages, best first (ties: earlier page)


@dataclass
class Matches:
    total: int                     # documents that match and pass the filters
    documents: list[DocumentMatch]
    facets: dict = field(default_factory=lambda: {"type": [], "year": [], "dossier": []})
    truncated: bool = False        # the deadline passed: counts and ranking may be incomplete


class Engine(abc.ABC):
    """An index that answers plans. Methods may be called from several threads at once."""

    name: str = "?"

    # -- searching -------------------------------------------------------------------
    @abc.abstractmethod
    def search(self, query: plan.Node, filters: Filters, page: ResultsPage, deadline: float) -> Matches:
        """The documents with a page matching the plan, ranked by their best page.
        deadline: time.monotonic() past which to stop and answer with truncated=True."""

    @abc.abstractmethod
    def more_like_this(self, doc_id: str, limit: int, deadline: float) -> list[str]:
        """Other documents like this one, most alike first (not the document itself)."""

    # -- records ---------------------------------------------------------------------
    @abc.abstractmethod
    def document(self, doc_id: str) -> dict | None:
        """The document record, or None when there is no such document."""

    @abc.abstractmethod
    def pages(self, doc_id: str, first: int | None = None, last: int | None = None) -> list[dict]:
        """The document's page records, in page order; with first/last only those pages
        (a window of a long document)."""

    @abc.abstractmethod
    def documents(self) -> Iterator[dict]:
        """Every document record (for the status overview and the publications' groups)."""

    @abc.abstractmethod
    def records(self, fieldname: str, value: str, limit: int | None = None) -> Iterator[dict]:
        """The records (pages and documents) whose field holds value (a keyword, or an index
        term of a text field), e.g. the pages that cite an identifier (field "cites"); at most
        limit of them, in no particular order."""

    # -- the term dictionary (suggestions, expansion, compound parts) -----------------
    @abc.abstractmethod
    def doc_count(self) -> int:
        """The number of records idf is computed over."""

    @abc.abstractmethod
    def doc_frequency(self, fieldname: str, text: str) -> int:
        """Records whose field holds this index term."""

    @abc.abstractmethod
    def expand(self, pattern: plan.Prefix | plan.Wildcard | plan.Fuzzy, limit: int,
               deadline: float | None = None, accept: Callable[[str], bool] | None = None):
        """The field's terms that the pattern matches (and accept passes), in term order, at most
        limit: an object with ``terms``, ``capped`` (more matched) and ``timed_out`` (the deadline
        passed first), as expand.Expansion. Never unbounded: no automaton without a limit."""

    @abc.abstractmethod
    def terms_within(self, fieldname: str, text: str, maxdist: int, prefix: int,
                     deadline: float | None = None) -> Iterable[str]:
        """The field's terms within maxdist edits of text, sharing its first prefix characters."""

    def near_terms(self, fieldname: str, text: str, maxdist: int, prefix: int,
                   deadline: float | None = None) -> list[tuple[str, int]]:
        """(term, document frequency) of the field's words (no compound part terms, no numbers)
        within maxdist edits of text sharing its first prefix characters, in term order: the
        candidates of a suggestion. An engine may answer from a word list of an earlier commit."""
        return [(t, self.doc_frequency(fieldname, t))
                for t in self.terms_within(fieldname, text, maxdist, prefix, deadline)
                if not t.startswith(PART_PREFIX) and t.isalpha()]

    @abc.abstractmethod
    def lookup(self, fieldname: str, value: str) -> str | None:
        """The doc_id of the document record whose keyword field holds value (an official
        identifier, for references), or None."""

    # -- the index as a whole ----------------------------------------------------------
    @abc.abstractmethod
    def generation(self) -> Hashable:
        """A token that changes whenever what the index answers may change (for caches)."""

    def ready(self) -> None:
        """Raise EngineUnavailable now if the engine cannot answer (to fail early)."""
        self.generation()

    def info(self) -> dict:
        """Facts for the status page: index (where), size_bytes, version, last_run."""
        return {"index": self.name, "size_bytes": 0, "version": None, "last_run": None}

    def reset(self) -> None:
        """Drop connections and handles opened so far (after a fork: each process opens its own)."""

    def close(self) -> None:
        """Let go of what the engine holds open."""


WHOOSH = "whoosh"


def open_engine(spec: str | None, index_dir: Path | str, check_interval: float = 1.0) -> Engine:
    """The engine a ``--engine`` / KAMERZOEK_ENGINE value names: absent or "whoosh" is the
    Whoosh index in index_dir; a distributed engine is a URL whose scheme names it."""
    spec = (spec or "").strip()
    if spec in ("", WHOOSH):
        from .whoosh_engine import WhooshEngine
        return WhooshEngine.open(index_dir, check_interval=check_interval)
    scheme = spec.split("://", 1)[0].lower() if "://" in spec else ""
    # Further engines go here, one branch per URL scheme.
    if scheme in ("opensearch", "opensearchs"):
        from ..engines.opensearch_engine import OpenSearchEngine
        return OpenSearchEngine.open(spec, index_dir)
    if scheme:
        raise EngineConfigError(f"onbekende zoekmachine '{scheme}://' in --engine '{spec}'; "
                                "gebruik whoosh (de indexmap) of een ondersteunde URL.")
    raise EngineConfigError(f"onbekende zoekmachine '{spec}' in --engine; gebruik whoosh (de indexmap) "
                            "of een URL als opensearch://HOST:PORT/INDEX.")


def as_engine(source) -> Engine:
    """An engine as it is, or a Whoosh searcher wrapped as one (for library callers and tests)."""
    if isinstance(source, Engine):
        return source
    from .whoosh_engine import WhooshEngine
    return WhooshEngine.for_searcher(source)
