"""Whoosh query trees to plans and back.

The parser (language.py) and the rewrites (rewrite.py) work on the trees Whoosh's QueryParser
makes; ``to_plan`` turns the result into the plan that crosses the engine seam, and the Whoosh
engine turns a plan back into a Whoosh query with ``to_whoosh``. The two are inverse up to
form: ``to_whoosh(to_plan(tree))`` scores every page as the tree does, except that NIET inside
an AND becomes Whoosh's AndNot (which adds nothing for the exclusion, as the plan means), and
that a content term or phrase is also looked for in the page's furniture, with boost 0.
"""
from __future__ import annotations

from datetime import timedelta

from whoosh import query

from . import plan
from .request import QueryError


class _Union(query.Or):
    """OR as Kamerzoek means it: a page matching any child is a match, even at score 0 (a word
    found only in furniture). Whoosh's preloading Or, which it picks for small segments, drops
    pages whose sum is 0; its binary tree of unions does not."""
    matcher_type = query.Or.DEFAULT_MATCHER


class _Expansion(_Union):
    """The terms a prefix, wildcard or fuzzy term stood for; left alone by later rewrites."""


_UNREADABLE = "Deze zoekvraag kan niet worden gelezen; zie de hulppagina voor de syntaxis."


def to_plan(q: query.Query) -> plan.Node:
    kind = type(q)
    boost = float(getattr(q, "boost", 1.0))
    if kind is query.Term:
        return plan.Term(q.fieldname, q.text, boost)
    if kind is query.Phrase:
        return plan.Phrase(q.fieldname, tuple(q.words), q.slop, boost)
    if kind is _Expansion:
        return plan.Expansion(tuple(to_plan(c) for c in q.subqueries), boost)
    if kind is _Union and _furnished(q):
        return to_plan(q.subqueries[0])
    if kind in (query.Or, _Union):
        return plan.Or(tuple(to_plan(c) for c in q.subqueries), boost)
    if kind is query.And:
        return plan.And(tuple(to_plan(c) for c in q.subqueries), boost)
    if kind is query.Not:
        return plan.Not(to_plan(q.query))
    if kind is query.AndNot:
        return plan.AndNot(to_plan(q.a), to_plan(q.b), boost)
    if kind is query.AndMaybe:
        return plan.AndMaybe(to_plan(q.a), to_plan(q.b), boost)
    if kind is query.Require:
        return plan.Require(to_plan(q.a), to_plan(q.b), boost)
    if kind is query.Every:
        return plan.Every(boost)
    if kind is query.DateRange:
        step = timedelta(microseconds=1)
        low, high = q.startdate, q.enddate
        return plan.Range(q.fieldname, low + step if low is not None and q.startexcl else low,
                          high - step if high is not None and q.endexcl else high, boost)
    if kind is query.NumericRange:
        low, high = q.start, q.end
        return plan.Range(q.fieldname, low + 1 if low is not None and q.startexcl else low,
                          high - 1 if high is not None and q.endexcl else high, boost)
    if kind is query.TermRange:
        return plan.TermRange(q.fieldname, q.start, q.end, not q.startexcl, not q.endexcl, boost)
    if kind is query.Prefix:
        return plan.Prefix(q.fieldname, q.text, boost)
    if kind is query.Wildcard:
        return plan.Wildcard(q.fieldname, q.text, boost)
    if kind is query.FuzzyTerm:
        return plan.Fuzzy(q.fieldname, q.text, q.maxdist, q.prefixlength, boost)
    raise QueryError(_UNREADABLE)


FURNITURE = "furniture"  # the schema's field of running headers and footers (schema.py)


def _or_furniture(q: query.Query) -> query.Query:
    """A content term or phrase, or the same in the page's furniture, which scores 0: a word
    that stands only in a running header finds the page and adds nothing to its score."""
    if q.fieldname != "content":
        return q
    if isinstance(q, query.Term):
        twin = query.Term(FURNITURE, q.text, boost=0.0)
    else:
        twin = query.Phrase(FURNITURE, list(q.words), slop=q.slop, boost=0.0)
    return _Union([q, twin])


def _furnished(q: _Union) -> bool:
    """A content term or phrase with its furniture twin, as _or_furniture makes it."""
    first = q.subqueries[0] if len(q.subqueries) == 2 else None
    return isinstance(first, (query.Term, query.Phrase)) and first.fieldname == "content" and \
        _or_furniture(first) == q


def to_whoosh(node: plan.Node) -> query.Query:
    kind = type(node)
    if kind is plan.Term:
        return _or_furniture(query.Term(node.field, node.text, boost=node.boost))
    if kind is plan.Phrase:
        return _or_furniture(query.Phrase(node.field, list(node.words), slop=node.slop, boost=node.boost))
    if kind is plan.Expansion:
        return _Expansion([to_whoosh(c) for c in node.children], boost=node.boost)
    if kind is plan.Or:
        return _Union([to_whoosh(c) for c in node.children], boost=node.boost)
    if kind is plan.And:
        negated = [c.child for c in node.children if isinstance(c, plan.Not)]
        if negated:
            return _and_not(node, negated)
        return query.And([to_whoosh(c) for c in node.children], boost=node.boost)
    if kind is plan.Not:
        return query.Not(to_whoosh(node.child))
    if kind in (plan.AndNot, plan.AndMaybe, plan.Require):
        cls = {plan.AndNot: query.AndNot, plan.AndMaybe: query.AndMaybe, plan.Require: query.Require}[kind]
        q = cls(*(to_whoosh(c) for c in plan.children(node)))
        if node.boost != 1.0:
            q.boost = node.boost
        return q
    if kind is plan.Every:
        return query.Every(boost=node.boost)
    if kind is plan.Range:
        cls = query.DateRange if node.field == "date" else query.NumericRange
        return cls(node.field, node.low, node.high, boost=node.boost)
    if kind is plan.TermRange:
        return query.TermRange(node.field, node.low, node.high, startexcl=not node.include_low,
                               endexcl=not node.include_high, boost=node.boost)
    if kind is plan.Prefix:
        return query.Prefix(node.field, node.text, boost=node.boost)
    if kind is plan.Wildcard:
        return query.Wildcard(node.field, node.pattern, boost=node.boost)
    if kind is plan.Fuzzy:
        return query.FuzzyTerm(node.field, node.text, boost=node.boost, maxdist=node.maxdist,
                               prefixlength=node.prefix)
    raise TypeError(f"not a plan node: {node!r}")


def _and_not(node: plan.And, negated: list) -> query.Query:
    """'a NIET b' as AndNot(a, b): Whoosh would score And([a, Not(b)]) with 1.0 added for the
    Not (its inverse matcher's weight); an exclusion adds nothing, here as in the evaluator."""
    others = [to_whoosh(c) for c in node.children if not isinstance(c, plan.Not)]
    positive = query.Every() if not others else others[0] if len(others) == 1 else query.And(others)
    if node.boost != 1.0:
        positive = positive.with_boost(positive.boost * node.boost)
    excluded = [to_whoosh(c) for c in negated]
    return query.AndNot(positive, excluded[0] if len(excluded) == 1 else _Union(excluded))
