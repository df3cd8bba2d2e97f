"""Whoosh's BM25F, computed again in Python for OpenSearch's best candidates.

OpenSearch matches the same pages as Whoosh (the same terms, positions and plan), but Lucene's
BM25 scores them a little differently: it keeps a field's length in one byte with a coarser
rounding (SmallFloat, 3 mantissa bits: up to 12 % off) than Whoosh (3.3 %, rounded up), a
title word's weight of 1.5 is a factor outside its saturation instead of inside, its idf and
its average length count other records. On generated pages with many near-ties around rank 10
that reorders a quarter of the top tens.

So the engine asks OpenSearch for more documents than it shows, each with a few of its best
pages (by OpenSearch's score), and scores those pages here exactly as indexer/search/evaluate.py
does: from each page's stored term counts (``tf``) and field lengths, the index's record count,
document frequencies and total field lengths. Which phrases, keyword terms, ranges and
exclusions a page matched, OpenSearch says (named queries, see ``Translator``); a text term
matched when the page holds it.
"""
from __future__ import annotations

import math

from whoosh import query

from ..schema import TITLE_BOOST
from ..search.request import TEXT_FIELDS
from ..search.whoosh_internals import stored_length
from .opensearch_mapping import K1, B, encode

SHORT = {"content": "c", "title": "t"}
LENGTH = {"content": "content_length", "title": "title_length"}
FIELD_BOOST = {"content": 1.0, "title": TITLE_BOOST}


class Unsupported(Exception):
    """A plan node this module cannot score as Whoosh does: OpenSearch's order is kept."""


class Stats:
    """The index's statistics as Whoosh computes its scores from them."""

    def __init__(self, records: int, df: dict, totals: dict):
        self.records = records          # every record (Whoosh's doc_count_all)
        self.df = df                    # (field, term) -> records holding it
        self.averages = {f: (totals.get(f, 0) / (records or 1)) or 1 for f in TEXT_FIELDS}

    def idf(self, fieldname: str, text: str) -> float:
        return math.log(self.records / (self.df.get((fieldname, text), 0) + 1)) + 1


class Rescorer:
    """Scores OpenSearch's page hits for one plan (a Whoosh query tree) as Whoosh would."""

    def __init__(self, q: query.Query, names: dict, stats: Stats):
        self.q = q
        self.names = names              # id(node) -> the name of its named query
        self.stats = stats
        self.terms: set = set()
        self._check(q)

    def _check(self, q: query.Query) -> None:
        """Every node below is one this module can score (else Unsupported); the text terms
        whose document frequencies the scores need are collected."""
        kind = type(q)
        if kind is query.Term and q.fieldname in TEXT_FIELDS:
            self.terms.add((q.fieldname, q.text))
            return
        if isinstance(q, query.Phrase) and q.fieldname in TEXT_FIELDS:
            self.terms.update((q.fieldname, w) for w in q.words)
        if kind is query.AndMaybe or (id(q) not in self.names and not isinstance(q, (query.And, query.Or, query.Every))):
            raise Unsupported(type(q).__name__)
        if kind in (query.AndNot, query.Require):
            self._check(q.a)                 # the exclusion (or requirement) is matched, not scored
        elif kind is query.And:
            for child in q.subqueries:
                if not isinstance(child, query.Not):
                    self._check(child)
        elif kind is not query.Not:
            for child in q.children():
                self._check(child)

    def source(self) -> list[str]:
        """The stored fields a candidate page is fetched with."""
        fields = {"page", "content_length", "title_length"}
        fields.update(f"tf.{SHORT[f]}.{encode(t)}" for f, t in self.terms)
        return sorted(fields)

    def score(self, hit: dict) -> float | None:
        """A page hit's score as Whoosh's evaluator computes it (None: it does not match)."""
        return self._eval(self.q, _Page(hit, self.names))

    def _eval(self, q: query.Query, page: "_Page") -> float | None:
        kind = type(q)
        if kind is query.Term and q.fieldname in TEXT_FIELDS:
            weight = page.weight(q.fieldname, q.text)
            if not weight:
                return None
            s, k1, b = self.stats, K1, B
            factor = s.idf(q.fieldname, q.text) * (k1 + 1) * q.boost
            norm = k1 * (1 - b) + k1 * b / s.averages[q.fieldname] * page.length(q.fieldname)
            return factor * weight / (weight + norm)
        if not isinstance(q, (query.And, query.Or, query.Every)) and not page.matched(q):
            return None
        if isinstance(q, query.Phrase) and q.fieldname in TEXT_FIELDS:
            return self._phrase(q, page)
        if isinstance(q, query.Or):
            parts = [p for p in (self._eval(c, page) for c in q.subqueries) if p is not None]
            if not parts:
                return None
            return _boosted(sum(parts[1:], parts[0]), q.boost)
        if kind is query.And:
            ranges = [c for c in q.subqueries if _is_range(c)]
            negated = [c for c in q.subqueries if isinstance(c, query.Not)]
            others = [c for c in q.subqueries if not _is_range(c) and not isinstance(c, query.Not)]
            total = 0.0 if ranges else 1.0
            if others:
                parts = [self._eval(c, page) for c in others]
                if any(p is None for p in parts):
                    return None
                total = sum(parts[1:], parts[0])
            for r in ranges:
                if not page.matched(r):
                    return None
                total += r.boost
            if any(page.matched(n) for n in negated):
                return None
            return _boosted(total, q.boost)
        if kind in (query.AndNot, query.Require):
            return self._eval(q.a, page)     # the exclusion (or requirement) adds nothing
        if kind is query.Not:
            return 1.0
        if kind is query.Every:
            return 1.0 * q.boost if q.boost != 1.0 else 1.0
        if _is_range(q):
            return 0.0 + q.boost
        return q.boost                       # keyword terms, prefixes, wildcards, furniture: constant

    def _phrase(self, q: query.Phrase, page: "_Page") -> float:
        """Whoosh's phrase matcher scores the intersection of its words: the sum of each word's
        score on the page (its scorer's own arithmetic), times the phrase's boost."""
        s = self.stats
        total = None
        for word in q.words:
            weight = page.weight(q.fieldname, word)
            idf = s.idf(q.fieldname, word)
            fl, avgfl = page.length(q.fieldname), s.averages[q.fieldname]
            one = idf * ((weight * (K1 + 1)) / (weight + K1 * ((1 - B) + B * fl / avgfl)))
            total = one if total is None else total + one
        return total * q.boost if q.boost != 1.0 else total


class _Page:
    def __init__(self, hit: dict, names: dict):
        self.source = hit.get("_source") or {}
        self.found = set(hit.get("matched_queries") or ())
        self.names = names

    def weight(self, fieldname: str, text: str) -> float:
        count = ((self.source.get("tf") or {}).get(SHORT[fieldname]) or {}).get(encode(text), 0)
        return count * FIELD_BOOST[fieldname]

    def length(self, fieldname: str) -> int:
        return stored_length(int(self.source.get(LENGTH[fieldname]) or 0))

    def matched(self, q: query.Query) -> bool:
        return self.names.get(id(q)) in self.found


def _is_range(q: query.Query) -> bool:
    return isinstance(q, query.NumericRange) and q.fieldname in ("year", "date")


def _boosted(score: float, boost: float) -> float:
    return score * boost if boost != 1.0 else score
