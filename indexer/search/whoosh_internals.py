"""Everything that reads Whoosh below its public API, in this one module.

whoosh3 is pinned exactly (pyproject.toml) because of what is read here:
- ``posting_blocks``: a whoosh3 posting list a block at a time (W3LeafMatcher's ``_data``,
  ``_read_data``, ``_byteids``, ``_next_block``, ``block_max_id``), where the public matcher API goes one
  posting at a time (about 2 us each); with ``values=True`` also each posting's encoded
  value (its positions, for phrases; ``_fixedsize``), decoded by the field's public format;
- ``field_lengths``: a segment's length column in one read (the per-document reader's
  ``_perdoc._cached_reader`` with ``_lenfield`` and ``LENGTHS_COLUMN``), where the public
  ``doc_field_length`` asks per document;
- ``around_commit_toc``: the crash tests' pause inside a commit (``writer._commit_toc``).

Nothing here falls back quietly. At first use in a process the version and the attributes
are checked, and the first posting list and length column read are compared with what
Whoosh's public API reads for them. ``verify()`` (run by the tests) also compares them on a
small index in memory whose postings span several blocks, with a deletion. Any difference
raises WhooshInternalsError (the engine cannot answer: exit 3, HTTP 503), naming it.
"""
from __future__ import annotations

import bisect
import itertools
import threading

from whoosh.codec import whoosh3
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length, length_to_byte

from ..distributions import installed_version
from .engine import EngineUnavailable

WHOOSH_VERSION = "3.54.0"
_BLOCK_ATTRIBUTES = ("_read_data", "_next_block", "block_max_id")
_BYTE_LENGTHS = [byte_to_length(b) for b in range(256)]


def stored_length(length: int) -> int:
    """A field length as Whoosh keeps it (one byte, rounded up) and scores with (at least 1):
    what another engine needs to reproduce Whoosh's BM25 length normalisation."""
    return _BYTE_LENGTHS[length_to_byte(length)] or 1


class WhooshInternalsError(EngineUnavailable):
    """The installed Whoosh differs from the one whose internals the fast path reads."""

    def __init__(self, detail: str):
        super().__init__(f"de geïnstalleerde Whoosh wijkt af van wat Kamerzoek verwacht ({detail}); "
                         f"installeer whoosh3=={WHOOSH_VERSION}")


def posting_blocks(reader, fieldname: str, btext: bytes, values: bool = False, within=None):
    """(ids, weights) of each block of a term's postings, deleted documents included (take them
    out once, at the end). ids: segment docnums; weights: None when all are 1.0, a float when
    all are equal, else a sequence. values=True: (ids, weights, values), values the postings'
    encoded values (bytes each; the field's format decodes them), for variable-size formats.
    within: sorted docnums; with values=True, blocks holding none of them are skipped unread
    (their range known from the block header: the previous block's last id to block_max_id())."""
    global _POSTINGS_COMPARED, _VALUES_COMPARED
    check()
    if not _POSTINGS_COMPARED:
        _compare_postings(reader, fieldname, btext)
        _POSTINGS_COMPARED = True
    if not values:
        return _blocks(_leaf(reader, fieldname, btext))
    if not _VALUES_COMPARED:
        _compare_values(reader, fieldname, btext)
        _VALUES_COMPARED = True
    return _value_blocks(_leaf(reader, fieldname, btext), within)


def _leaf(reader, fieldname: str, btext: bytes):
    m = reader.postings(fieldname, btext)
    if isinstance(m, FilterMatcher):
        m = m.child
    if type(m) is not whoosh3.W3LeafMatcher:
        raise WhooshInternalsError(f"postings als {type(m).__name__}, niet als W3LeafMatcher")
    return m


def _blocks(m):
    while m.is_active():
        if m._data is None:
            m._read_data()
        ids, weights = m._data[0], m._data[1]
        yield (ids if m._byteids else itertools.accumulate(ids)), weights
        m._next_block()


def _value_blocks(m, within=None):
    fixed = m._fixedsize
    if fixed is not None and fixed >= 0:
        raise WhooshInternalsError(f"waarden van vaste grootte ({fixed}) waar posities verwacht werden")
    after = -1   # every id of this block is above the previous block's last one
    while m.is_active():
        last = m.block_max_id()
        if within is not None and bisect.bisect_right(within, after) == bisect.bisect_right(within, last):
            after = last
            m._next_block()
            continue
        if m._data is None:
            m._read_data()
        ids, weights, values = m._data[0], m._data[1], m._data[2]
        yield (ids if m._byteids else itertools.accumulate(ids)), weights, values
        after = last
        m._next_block()


def field_lengths(reader, fieldname: str) -> list[int]:
    """Every document's length of a field (at least 1), read in one go (one byte each)."""
    global _LENGTHS_COMPARED
    check()
    column = reader._perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
    n = reader.doc_count_all()
    if column is None:  # no document of this segment has the field
        return [1] * n
    lengths = [_BYTE_LENGTHS[b] or 1 for b in column]
    if len(lengths) != n:
        raise WhooshInternalsError(f"de lengtekolom heeft {len(lengths)} waarden voor {n} documenten")
    if not _LENGTHS_COMPARED:
        public = [reader.doc_field_length(d, fieldname, 1) or 1 for d in range(min(n, 2000))]
        if lengths[:len(public)] != public:
            raise WhooshInternalsError("de lengtekolom verschilt van doc_field_length")
        _LENGTHS_COMPARED = True
    return lengths


def around_commit_toc(writer, around) -> None:
    """Run around(commit, files) in place of the writer's table-of-contents step, inside its
    commit: after the new segments' files are written (files: their names) and before the
    table of contents that makes them live; around must call commit() once."""
    commit_toc = writer._commit_toc

    def wrapped(segments, *args, **kwargs):
        files = sorted({name for segment in segments for name in segment.list_files(writer.storage)})
        return around(lambda: commit_toc(segments, *args, **kwargs), files)

    writer._commit_toc = wrapped


def writer_location(writer) -> tuple[str, int]:
    """The folder a writer's index lives in and the generation its commit will write."""
    return writer.storage.folder, writer.generation


_CHECKED = _POSTINGS_COMPARED = _VALUES_COMPARED = _LENGTHS_COMPARED = False
_CHECK_LOCK = threading.Lock()


def check() -> None:
    """Once per process: the version and the attributes read here are as expected."""
    global _CHECKED
    if _CHECKED:
        return
    with _CHECK_LOCK:
        if not _CHECKED:
            check_attributes()
            _CHECKED = True


def verify() -> None:
    """The attributes, and on a small index in memory (several blocks, a deletion) the block
    reader and the length column against Whoosh's public API."""
    check_attributes()
    try:
        _compare_on_a_small_index()
    except WhooshInternalsError:
        raise
    except Exception as e:
        raise WhooshInternalsError(f"{type(e).__name__}: {e}") from e


def check_attributes() -> None:
    version = installed_version("whoosh3") or "?"
    if version != WHOOSH_VERSION:
        raise WhooshInternalsError(f"versie {version}")
    for name in _BLOCK_ATTRIBUTES:
        if not callable(getattr(whoosh3.W3LeafMatcher, name, None)):
            raise WhooshInternalsError(f"W3LeafMatcher.{name} ontbreekt")
    if not hasattr(whoosh3.W3LeafMatcher, "_read_values"):  # where _fixedsize is read
        raise WhooshInternalsError("W3LeafMatcher._read_values ontbreekt")
    for name in ("_lenfield", "LENGTHS_COLUMN"):
        if not hasattr(whoosh3, name):
            raise WhooshInternalsError(f"whoosh.codec.whoosh3.{name} ontbreekt")
    if not callable(getattr(whoosh3.W3PerDocReader, "_cached_reader", None)):
        raise WhooshInternalsError("W3PerDocReader._cached_reader ontbreekt")


def _compare_postings(reader, fieldname: str, btext: bytes) -> None:
    """The block reader gives the postings (deleted ones aside) the public matcher gives."""
    mine = []
    for ids, weights in _blocks(_leaf(reader, fieldname, btext)):
        ids = list(ids)
        if weights is None or isinstance(weights, float):
            weights = [1.0 if weights is None else weights] * len(ids)
        mine.extend(zip(ids, weights))
    public = reader.postings(fieldname, btext)
    theirs = []
    while public.is_active():
        theirs.append((public.id(), public.weight()))
        public.next()
    if [p for p in mine if not reader.is_deleted(p[0])] != theirs:
        word = btext.decode("utf-8", "replace")
        raise WhooshInternalsError(f"de postingblokken van '{word}' verschillen van wat de matcher leest")


def _compare_values(reader, fieldname: str, btext: bytes) -> None:
    """The block reader gives the values (deleted ones aside) the public matcher gives."""
    mine = []
    for ids, _, values in _value_blocks(_leaf(reader, fieldname, btext)):
        mine.extend(zip(ids, values))
    public = reader.postings(fieldname, btext)
    theirs = []
    while public.is_active():
        theirs.append((public.id(), public.value()))
        public.next()
    if [p for p in mine if not reader.is_deleted(p[0])] != theirs:
        word = btext.decode("utf-8", "replace")
        raise WhooshInternalsError(f"de posities van '{word}' verschillen van wat de matcher leest")


def _compare_on_a_small_index() -> None:
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage

    ix = RamStorage().create_index(Schema(id=ID(stored=True), body=TEXT(phrase=True)))
    with ix.writer() as w:
        for i in range(300):  # "common" in every document: three blocks of 128 postings
            w.add_document(id=str(i), body="common " * (1 + i % 5) + ("rare" if i % 7 == 0 else "other"))
    with ix.writer() as w:
        w.delete_by_term("id", "3")
    with ix.searcher() as s:
        reader = s.leaf_searchers()[0][0].reader()
        for word in ("common", "rare"):
            _compare_postings(reader, "body", word.encode())
            _compare_values(reader, "body", word.encode())
        lengths = [reader.doc_field_length(d, "body", 1) or 1 for d in range(reader.doc_count_all())]
        column = reader._perdoc._cached_reader(whoosh3._lenfield("body"), whoosh3.LENGTHS_COLUMN)
        if column is None or [_BYTE_LENGTHS[b] or 1 for b in column] != lengths:
            raise WhooshInternalsError("de lengtekolom verschilt van doc_field_length")
