"""Per-segment columns: which document each page belongs to, its facet values, field lengths
and BM25 length norms, built once per segment (segments never change)."""
from __future__ import annotations

import threading
import weakref
from array import array
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from whoosh.util.times import long_to_datetime

from ..schema import PAGE
from .whoosh_internals import field_lengths

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
    if ("kind", PAGE.encode()) in reader:
        for docnum in reader.postings("kind", PAGE).all_ids():
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


def _lengths(seg: _Segment, reader, fieldname: str) -> list:
    """Every document's length of a field, read in one go (Whoosh keeps them as one byte each)."""
    lengths = seg.lengths.get(fieldname)
    if lengths is None:
        lengths = seg.lengths[fieldname] = field_lengths(reader, fieldname)
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


_POSTINGS: OrderedDict = OrderedDict()   # (segment, field, term) -> (ids, weights)
_POSTINGS_LOCK = threading.Lock()
_POSTINGS_HELD = [0]
POSTINGS_CACHE = 2_000_000   # postings kept decoded (12 bytes each), the most recently used terms


def _postings(reader, fieldname: str, btext: bytes, blocks) -> tuple:
    """A term's postings in one segment as two arrays, (docnums, weights), deleted documents
    included; decoded from blocks() (an iterable of (ids, weights) as posting_blocks gives them)
    the first time, then kept: segments never change, and the same words come back query
    after query (unpickling and decompressing blocks was most of a term's cost)."""
    key = _segment_key(reader) + (fieldname, btext)
    cached = key[0] != "uncached"
    if cached:
        with _POSTINGS_LOCK:
            found = _POSTINGS.get(key)
            if found is not None:
                _POSTINGS.move_to_end(key)
                return found
    ids, weights = array("I"), array("d")
    for block_ids, block_weights in blocks():
        before = len(ids)
        ids.extend(block_ids)
        if block_weights is None or isinstance(block_weights, float):
            weights.extend([1.0 if block_weights is None else block_weights] * (len(ids) - before))
        else:
            weights.extend(block_weights)
    found = (ids, weights)
    if cached and len(ids) <= POSTINGS_CACHE // 4:
        with _POSTINGS_LOCK:
            if key not in _POSTINGS:
                _POSTINGS[key] = found
                _POSTINGS_HELD[0] += len(ids)
            while _POSTINGS_HELD[0] > POSTINGS_CACHE:
                _, (gone, _) = _POSTINGS.popitem(last=False)
                _POSTINGS_HELD[0] -= len(gone)
    return found


# A searcher reads one generation for as long as it lives: its leaves and its generation key
# are worked out once (an answer asks for them a hundred times).
_BY_SEARCHER: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _of_searcher(searcher) -> dict:
    try:
        found = _BY_SEARCHER.get(searcher)
        if found is None:
            found = _BY_SEARCHER[searcher] = {}
        return found
    except TypeError:  # not weakly referable: nothing kept
        return {}


def _leaves(searcher) -> list:
    kept = _of_searcher(searcher)
    leaves = kept.get("leaves")
    if leaves is None:
        leaves = kept["leaves"] = [(sub, offset, _segment(sub.reader()))
                                   for sub, offset in searcher.leaf_searchers()]
    return leaves


def _generation_key(searcher) -> tuple:
    kept = _of_searcher(searcher)
    key = kept.get("generation")
    if key is None:
        key = kept["generation"] = tuple(_segment_key(sub.reader()) + (sub.reader().doc_count(),)
                                         for sub, _ in searcher.leaf_searchers())
    return key
