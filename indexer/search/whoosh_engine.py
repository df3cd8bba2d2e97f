"""The Whoosh engine: the engine seam (engine.py) over the index folder's Whoosh index.

Its parts: columns.py (per-segment arrays), evaluate.py (BM25F a block of postings at a time),
scan.py (one cached pass per plan and index generation), rank.py (filters, facets, order).
A plan is turned back into a Whoosh query (whoosh_plan.to_whoosh) and evaluated there.
"""
from __future__ import annotations

import functools
import itertools
import pickle
import struct
import threading
import zlib
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Iterable, Iterator

from whoosh import query
from whoosh.index import IndexError as WhooshIndexError

from ..analysis import PART_PREFIX
from ..schema import DOCUMENT, PAGE, document_record_id
from ..store import Store
from .searcher_pool import SearcherPool
from . import plan, publications, vocabulary
from .columns import _generation_key
from .engine import DocumentMatch, Engine, EngineUnavailable, Filters, Matches, PageMatch, ResultsPage
from .expand import Expansion, expand_fuzzy, expand_prefix, expand_wildcard, prefix_terms, terms_within
from .request import QueryError
from .rank import _best_pages, _facets_and_allowed, _rank_by_date
from .scan import _page_scores, _ranked, _scan
from .whoosh_plan import to_whoosh

# What reading a damaged index raises: missing or truncated files, garbled pickles, blocks
# and numbers. Our own errors (QueryError is a ValueError) pass through unchanged.
READ_ERRORS = (OSError, EOFError, struct.error, zlib.error, pickle.UnpicklingError, UnicodeDecodeError,
               WhooshIndexError)
# Damaged bytes can also surface as these, but so can a bug in Kamerzoek: they are taken for
# damage only when the index files differ from their checksums (or have none to compare).
MAYBE_DAMAGE = (IndexError, KeyError, ValueError, TypeError, AttributeError)
DAMAGE = READ_ERRORS + MAYBE_DAMAGE


class IndexDamaged(EngineUnavailable):
    """The index could be opened but not read: its files are damaged (exit 3, HTTP 503)."""


def _damaged(store: Store | None, error: BaseException) -> IndexDamaged:
    where = f" in {store.root}" if store is not None else ""
    return IndexDamaged(f"de index{where} is beschadigd en kan niet worden gelezen "
                        f"({type(error).__name__}); bouw hem opnieuw met: kamerzoek index --rebuild PAD")


_INTACT: dict = {}   # (folder, generation) -> whether its files match their checksums


def _files_damaged(store: Store | None) -> bool:
    """Whether the live generation's files differ from their checksums; True when there are
    none to compare (an index of before `kamerzoek check`): then damage cannot be ruled out."""
    if store is None:
        return True
    from .. import integrity
    finding = integrity.verify_files(store.whoosh_dir)
    if finding.generation is None or integrity.read_manifest(store.whoosh_dir, finding.generation) is None:
        return True
    key = (str(store.whoosh_dir), finding.generation)
    if key not in _INTACT:
        _INTACT[key] = not finding.problems
    return not _INTACT[key]


def _reads(method):
    """Errors met while reading the index become IndexDamaged, naming the rebuild; an error
    that damage can cause but a bug can too is re-raised as it is when the files are intact."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (QueryError, EngineUnavailable):
            raise
        except READ_ERRORS as e:
            raise _damaged(self.store, e) from e
        except MAYBE_DAMAGE as e:
            if _files_damaged(self.store):
                raise _damaged(self.store, e) from e
            raise
    return wrapper


_RECORDS: OrderedDict = OrderedDict()   # (generation, doc_id) -> the document record
_RECORDS_LOCK = threading.Lock()
RECORD_CACHE_SIZE = 4096
_FREQUENCIES: dict = {}   # (generation, field, term) -> document frequency
FREQUENCY_CACHE_SIZE = 100_000
MLT_PAGES = 12      # pages read for a document's key terms (spread over a long document)
_SIMILAR: OrderedDict = OrderedDict()
_SIMILAR_LOCK = threading.Lock()


#: Terms kept, over every prefix, of the dictionary walks of suggestions (a walk reads Whoosh's
#: term dictionary at some microseconds a term; the same first letters come back often).
PREFIX_CACHE_TERMS = 400_000
_PREFIXES: OrderedDict = OrderedDict()
_PREFIXES_LOCK = threading.Lock()


def _prefix_terms(searcher, fieldname: str, prefix: str, deadline: float | None):
    """The field's terms starting with prefix, cached per index generation (None: not in time)."""
    key = (_generation_key(searcher), fieldname, prefix)
    with _PREFIXES_LOCK:
        found = _PREFIXES.get(key)
        if found is not None:
            _PREFIXES.move_to_end(key)
            return found
    words = prefix_terms(searcher.reader(), fieldname, prefix, deadline)
    if words is not None and len(words) <= PREFIX_CACHE_TERMS:
        with _PREFIXES_LOCK:
            _PREFIXES[key] = words
            total = sum(len(w) for w in _PREFIXES.values())
            while total > PREFIX_CACHE_TERMS:
                total -= len(_PREFIXES.popitem(last=False)[1])
    return words


class WhooshEngine(Engine):
    name = "whoosh"

    def __init__(self, searcher: Callable, store: Store | None = None, pool: SearcherPool | None = None):
        self._searcher = searcher   # this thread's current searcher
        self.store = store
        self._pool = pool

    @classmethod
    def open(cls, index: Path | str | Store, check_interval: float = 1.0) -> "WhooshEngine":
        """The index in a folder (or a Store), opened on first use; each thread's searcher
        follows commits."""
        store = index if isinstance(index, Store) else Store(index)
        pool = SearcherPool(store, check_interval)
        return cls(pool.get, store, pool)

    @classmethod
    def for_searcher(cls, searcher) -> "WhooshEngine":
        return cls(lambda: searcher)

    # -- searching -------------------------------------------------------------------
    @_reads
    def search(self, query_plan: plan.Node, filters: Filters, page: ResultsPage, deadline: float) -> Matches:
        searcher = self._searcher()
        scan = _scan(searcher, to_whoosh(query_plan), deadline)
        key = (tuple(filters.types), tuple(filters.years), tuple(filters.dossiers))
        if key not in scan.facets:
            # One manifestation per publication, before facets are counted (kst-32545-143 counts once).
            docs = scan.docs
            kept = publications.collapse(self, set(docs))
            if len(kept) != len(docs):
                docs = {d: docs[d] for d in kept}
            scan.facets = {key: _facets_and_allowed(docs, filters)}  # the last filter choice
        facets, allowed = scan.facets[key]
        facets = {name: [dict(f) for f in values] for name, values in facets.items()}
        if filters.doc_ids is not None:
            allowed = allowed & filters.doc_ids
        needed = None if page.count is None else page.start + page.count
        if page.sort == "relevance":
            ranked = _ranked(scan)
            ordered = (ranked[:needed] if needed is not None else list(ranked)) if len(allowed) == len(ranked) else \
                list(itertools.islice((d for d in ranked if d in allowed), needed))
        else:
            ordered = _rank_by_date(scan.docs, allowed, page.sort == "newest")
        shown = ordered[page.start:needed]
        if page.passages <= 0:  # the ranking alone: no page is scored or read
            return Matches(len(allowed), [DocumentMatch(d, scan.best[d], []) for d in shown], facets,
                           scan.truncated)
        _page_scores(searcher, scan, shown)
        documents = []
        for doc_id in shown:
            hits = _best_pages(searcher, scan, doc_id, page.passages)
            documents.append(DocumentMatch(doc_id, scan.best[doc_id],
                                           [PageMatch(score, dict(fields)) for score, fields in hits]))
        return Matches(len(allowed), documents, facets, scan.truncated)

    @_reads
    def more_like_this(self, doc_id: str, limit: int, deadline: float) -> list[str]:
        """Its most distinctive words (Whoosh's key terms of a sample of its pages), searched for."""
        searcher = self._searcher()
        key = (_generation_key(searcher), doc_id, limit)
        with _SIMILAR_LOCK:
            if key in _SIMILAR:
                return list(_SIMILAR[key])
        docnums = sorted(searcher.document_numbers(doc_id=doc_id, kind=PAGE))
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
            similar = [d for d in _ranked(_scan(searcher, q, deadline))[:limit + 1] if d != doc_id][:limit]
        with _SIMILAR_LOCK:
            _SIMILAR[key] = similar
            while len(_SIMILAR) > 256:
                _SIMILAR.popitem(last=False)
        return list(similar)

    # -- records ---------------------------------------------------------------------
    @_reads
    def document(self, doc_id: str) -> dict | None:
        """Cached per index generation: every answer reads its ten documents' records, and the
        same documents come back query after query."""
        searcher = self._searcher()
        key = (_generation_key(searcher), doc_id)
        with _RECORDS_LOCK:
            record = _RECORDS.get(key)
            if record is not None:
                _RECORDS.move_to_end(key)
        if record is None:
            record = dict(searcher.document(id=document_record_id(doc_id)) or {})
            with _RECORDS_LOCK:
                _RECORDS[key] = record
                while len(_RECORDS) > RECORD_CACHE_SIZE:
                    _RECORDS.popitem(last=False)
        return dict(record) or None

    @_reads
    def pages(self, doc_id: str, first: int | None = None, last: int | None = None) -> list[dict]:
        searcher = self._searcher()
        if first is None and last is None:
            rows = searcher.documents(doc_id=doc_id, kind=PAGE)
        else:
            window = query.And([query.Term("doc_id", doc_id), query.Term("kind", PAGE),
                                query.NumericRange("page", first, last)])
            rows = (searcher.stored_fields(n) for n in searcher.docs_for_query(window))
        return sorted((dict(p) for p in rows), key=lambda p: p["page"])

    @_reads
    def documents(self) -> Iterator[dict]:
        return iter([dict(d) for d in self._searcher().documents(kind=DOCUMENT)])

    # -- the term dictionary ---------------------------------------------------------
    @_reads
    def doc_count(self) -> int:
        return self._searcher().reader().doc_count_all()

    @_reads
    def doc_frequency(self, fieldname: str, text: str) -> int:
        """Cached per index generation: parsing asks it for every word (synonyms, compounds,
        suggestions), and the same words come back."""
        searcher = self._searcher()
        key = (_generation_key(searcher), fieldname, text)
        found = _FREQUENCIES.get(key)
        if found is None:
            found = searcher.reader().doc_frequency(fieldname, text)
            with _RECORDS_LOCK:
                if len(_FREQUENCIES) >= FREQUENCY_CACHE_SIZE:
                    _FREQUENCIES.clear()
                _FREQUENCIES[key] = found
        return found

    @_reads
    def expand(self, pattern: plan.Prefix | plan.Wildcard | plan.Fuzzy, limit: int,
               deadline: float | None = None, accept=None) -> Expansion:
        searcher = self._searcher()
        reader = searcher.reader()
        if isinstance(pattern, plan.Fuzzy):
            return expand_fuzzy(reader, pattern.field, pattern.text, pattern.maxdist, pattern.prefix, limit,
                                deadline, accept, words=_prefix_terms(
                                    searcher, pattern.field, pattern.text[:pattern.prefix], deadline)
                                if pattern.prefix else None)
        if isinstance(pattern, plan.Prefix):
            return expand_prefix(reader, pattern.field, pattern.text, limit, deadline, accept,
                                 words=_prefix_terms(searcher, pattern.field, pattern.text, deadline)
                                 if pattern.text else None)
        return expand_wildcard(reader, pattern.field, pattern.pattern, limit, deadline, accept)

    @_reads
    def terms_within(self, fieldname: str, text: str, maxdist: int, prefix: int,
                     deadline: float | None = None) -> Iterable[str]:
        searcher = self._searcher()
        words = _prefix_terms(searcher, fieldname, text[:prefix], deadline) if prefix else None
        return terms_within(searcher.reader(), fieldname, text, maxdist, prefix=prefix, deadline=deadline,
                            words=words)

    @_reads
    def near_terms(self, fieldname: str, text: str, maxdist: int, prefix: int,
                   deadline: float | None = None) -> list[tuple[str, int]]:
        """From the word list the last run wrote (vocabulary.py), read once per process; without
        one, or with a damaged one, by walking the term dictionary."""
        searcher = self._searcher()
        if self.store is not None and fieldname == vocabulary.FIELD:
            found = vocabulary.Vocabulary.latest(self.store.whoosh_dir, searcher.reader().generation() or 0)
            if found is not None:
                try:
                    return found.near(text, maxdist, prefix)
                except vocabulary.VocabularyError as e:
                    import logging  # only here: a plain search does not import it
                    logging.getLogger("kamerzoek.search").warning("suggestions walk the term dictionary: %s", e)
        return super().near_terms(fieldname, text, maxdist, prefix, deadline)

    @_reads
    def records(self, fieldname: str, value: str, limit: int | None = None) -> Iterator[dict]:
        searcher = self._searcher()
        found = searcher.docs_for_query(query.Term(fieldname, value))
        return [dict(searcher.stored_fields(n)) for n in itertools.islice(found, limit)]

    @_reads
    def lookup(self, fieldname: str, value: str) -> str | None:
        record = self._searcher().document(**{fieldname: value, "kind": DOCUMENT})
        return record.get("doc_id") if record else None

    # -- the index as a whole ----------------------------------------------------------
    @_reads
    def generation(self):
        return _generation_key(self._searcher())

    def ready(self) -> None:
        """The index is there, readable and of this version (its segments are read when searched)."""
        if self.store is not None:
            self.store.open()

    def reset(self) -> None:
        """Let go of the searchers opened so far (a forked server worker opens its own)."""
        if self._pool is not None:
            self._pool.reset()

    @_reads
    def info(self) -> dict:
        store = self.store
        if store is None:
            return {**super().info(), "generation": self._searcher().reader().generation()}
        return {"index": str(store.root), "size_bytes": store.size_bytes(),
                "version": store.stored_versions(), "last_run": store.last_run(),
                "last_check": store.last_check() if hasattr(store, "last_check") else None,
                "generation": self._searcher().reader().generation()}
