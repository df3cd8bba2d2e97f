"""The query plan: what a query asks of the index, as our own small immutable records.

A plan is what crosses the engine seam (see engine.py): parsed, rewritten and analysed in
Python, so an engine only matches, scores and counts. Terms are index terms (analysed: stems,
folded; a compound part starts with analysis.PART_PREFIX), not the words as typed.

Scoring is BM25F per page, as Whoosh computes it; a node's boost multiplies its score:
- Term: one index term in a field. On a text field (content, title) it is scored; on a
  keyword field (type, dossier, number, kind, id) it is a filter that adds its boost.
- Phrase: the words within ``slop`` positions of each other, in order (slop 1 = adjacent).
- And: every child on the same page; the scores add up. A Not child excludes whole
  documents (NIET excludes documents, not pages) and adds nothing.
- Or / Expansion: any child; the scores of the children that match add up. An Expansion is
  the terms a prefix, wildcard or fuzzy term stood for (already expanded, capped).
- AndNot: the pages of ``positive`` in documents without ``negative``.
- AndMaybe: ``required``, plus the score of ``optional`` where it matches too.
- Require: pages of ``a`` that ``b`` matches as well, scored as ``a``.
- Every: every page, scored ``boost``.
- Range: the page's document year (field "year", ints) or date (field "date", datetimes)
  within [low, high] (None: open); adds its boost.
- Prefix / Wildcard / Fuzzy: patterns not yet expanded (on keyword fields, or when the plan
  was made without a term dictionary); an engine expands them through its own dictionary.
- TermRange: terms of a field between two texts (``nummer:[1 TO 5]``).
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterator, Union


class _Record:
    """An immutable record of the fields its class annotates (with class-level defaults):
    equal, hashed and shown by its kind and values, as a frozen dataclass would be. Made by
    hand because a frozen dataclass costs about a millisecond to create at import, and a
    command-line search imports these fifteen kinds every time."""
    __slots__ = ()
    _fields: tuple = ()
    _defaults: dict = {}

    def __init_subclass__(cls) -> None:
        cls._fields = tuple(cls.__dict__.get("__annotations__", {}))
        cls._defaults = {name: cls.__dict__[name] for name in cls._fields if name in cls.__dict__}

    def __init__(self, *args, **kwargs) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__} takes {len(fields)} fields, got {len(args)}")
        values = dict(zip(fields, args))
        for name, value in kwargs.items():
            if name not in fields or name in values:
                raise TypeError(f"{type(self).__name__}: unexpected or repeated field {name!r}")
            values[name] = value
        for name in fields:
            if name not in values:
                if name not in self._defaults:
                    raise TypeError(f"{type(self).__name__}: missing field {name!r}")
                values[name] = self._defaults[name]
            object.__setattr__(self, name, values[name])

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, self._values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields) + ")"

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable: cannot assign to field {name!r}")

    def __delattr__(self, name):
        raise AttributeError(f"{type(self).__name__} is immutable: cannot delete field {name!r}")

    def replace(self, **changes):
        """A copy with some fields changed (dataclasses.replace for these records)."""
        return self.__class__(**{**dict(zip(self._fields, self._values())), **changes})

    def __reduce__(self):
        return (self.__class__, self._values())


class Term(_Record):
    field: str
    text: str
    boost: float = 1.0


class Phrase(_Record):
    field: str
    words: tuple[str, ...]
    slop: int = 1
    boost: float = 1.0


class Prefix(_Record):
    field: str
    text: str
    boost: float = 1.0


class Wildcard(_Record):
    field: str
    pattern: str             # * any run of characters, ? one character
    boost: float = 1.0


class Fuzzy(_Record):
    field: str
    text: str
    maxdist: int = 1
    prefix: int = 0          # leading characters that must match exactly
    boost: float = 1.0


class TermRange(_Record):
    field: str
    low: str | None
    high: str | None
    include_low: bool = True
    include_high: bool = True
    boost: float = 1.0


class Range(_Record):
    field: str               # "year" (int bounds) or "date" (datetime bounds)
    low: int | datetime | None
    high: int | datetime | None
    boost: float = 1.0


class Every(_Record):
    boost: float = 1.0


class Not(_Record):
    child: "Node"


class And(_Record):
    children: tuple["Node", ...]
    boost: float = 1.0


class Or(_Record):
    children: tuple["Node", ...]
    boost: float = 1.0


class Expansion(_Record):
    children: tuple[Term, ...]
    boost: float = 1.0


class AndNot(_Record):
    positive: "Node"
    negative: "Node"
    boost: float = 1.0


class AndMaybe(_Record):
    required: "Node"
    optional: "Node"
    boost: float = 1.0


class Require(_Record):
    a: "Node"
    b: "Node"
    boost: float = 1.0


Node = Union[Term, Phrase, Prefix, Wildcard, Fuzzy, TermRange, Range, Every, Not, And, Or,
             Expansion, AndNot, AndMaybe, Require]
TEXT_FIELDS = ("content", "title")


def children(node: Node) -> tuple:
    if isinstance(node, (And, Or, Expansion)):
        return node.children
    if isinstance(node, Not):
        return (node.child,)
    if isinstance(node, AndNot):
        return (node.positive, node.negative)
    if isinstance(node, AndMaybe):
        return (node.required, node.optional)
    if isinstance(node, Require):
        return (node.a, node.b)
    return ()


def walk(node: Node, skip_negative: bool = False) -> Iterator[Node]:
    """Every node, depth first; with skip_negative, not what NIET excludes."""
    yield node
    if skip_negative and isinstance(node, Not):
        return
    if skip_negative and isinstance(node, AndNot):
        yield from walk(node.positive, skip_negative)
        return
    for child in children(node):
        yield from walk(child, skip_negative)


def positive_terms(node: Node) -> Iterator[str]:
    """The content and title terms a match may contain (not the excluded ones): to highlight."""
    for n in walk(node, skip_negative=True):
        if isinstance(n, Term) and n.field in TEXT_FIELDS:
            yield n.text
        elif isinstance(n, Phrase) and n.field in TEXT_FIELDS:
            yield from n.words


def describe(node: Node) -> str:
    """The plan as one line of text, in the query language's own terms (for 'read as' and
    export provenance): fields, terms as indexed, AND/OR/NOT, ^boost where it is not 1."""
    def boosted(text: str, boost: float) -> str:
        return text if boost == 1.0 else f"{text}^{boost:g}"

    if isinstance(node, Term):
        return boosted(f"{node.field}:{node.text}", node.boost)
    if isinstance(node, Phrase):
        return boosted(f'{node.field}:"{" ".join(node.words)}"' + (f"~{node.slop}" if node.slop != 1 else ""),
                       node.boost)
    if isinstance(node, Prefix):
        return boosted(f"{node.field}:{node.text}*", node.boost)
    if isinstance(node, Wildcard):
        return boosted(f"{node.field}:{node.pattern}", node.boost)
    if isinstance(node, Fuzzy):
        return boosted(f"{node.field}:{node.text}~{node.maxdist}", node.boost)
    if isinstance(node, TermRange):
        return boosted(f"{node.field}:[{node.low or ''} TO {node.high or ''}]", node.boost)
    if isinstance(node, Range):
        def bound(v):
            return "" if v is None else (v.date().isoformat() if isinstance(v, datetime) else str(v))
        return boosted(f"{node.field}:[{bound(node.low)} TO {bound(node.high)}]", node.boost)
    if isinstance(node, Every):
        return "*"
    if isinstance(node, Not):
        return f"NOT {describe(node.child)}"
    if isinstance(node, (And, Or, Expansion)):
        joiner = " AND " if isinstance(node, And) else " OR "
        return boosted("(" + joiner.join(describe(c) for c in node.children) + ")", node.boost)
    if isinstance(node, AndNot):
        return boosted(f"({describe(node.positive)} ANDNOT {describe(node.negative)})", node.boost)
    if isinstance(node, AndMaybe):
        return boosted(f"({describe(node.required)} ANDMAYBE {describe(node.optional)})", node.boost)
    if isinstance(node, Require):
        return boosted(f"({describe(node.a)} REQUIRE {describe(node.b)})", node.boost)
    return repr(node)
