"""Scoring: one pass over the matching pages of each segment, BM25F as Whoosh computes it."""
from __future__ import annotations

import bisect
import itertools
import time
from datetime import timedelta

from whoosh import formats, query, scoring

from .columns import _deleted, _norms, _postings, _Segment
from .whoosh_internals import posting_blocks
from .whoosh_plan import _Expansion, _Union


class _Evaluator:
    """Scores every page a query matches, segment by segment, as Whoosh's BM25F would.

    Whoosh scores one posting at a time through a tree of matchers (about 2 us each); the
    common shapes (terms, OR, AND, AND NOT, phrases and proximity) are evaluated here a block
    of postings at a time instead, which is several times faster. Anything else goes through
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
        if kind is query.Phrase:
            return self._phrase(q, sub, seg)
        if isinstance(q, query.Or) and type(q) in (query.Or, _Union, _Expansion):
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
        ids, weights = _postings(reader, fieldname, btext,
                                 lambda: _timed(posting_blocks(reader, fieldname, btext), self.deadline))
        if not fieldobj.scorable:
            return dict.fromkeys(ids, q.boost)
        top = self.searcher
        factor = top.idf(fieldname, q.text) * (self.k1 + 1) * q.boost
        norms = _norms(seg, reader, fieldname, top.avg_field_length(fieldname) or 1, self.k1, self.b)
        return {d: factor * w / (w + norms[d]) for d, w in zip(ids, weights)}

    def _phrase(self, q: query.Phrase, sub, seg: _Segment) -> dict:
        """A phrase as Whoosh's SpanNear2 (ordered, mindist 1, the phrase's slop) matches it: the
        pages holding every word, positions read only for those; each page scores the sum of
        its words' BM25F scores (as Whoosh's tree of intersections adds them), times the boost."""
        reader = sub.reader()
        fieldname = q.fieldname
        if fieldname not in self.schema or not q.words:
            return self._generic(q, sub)
        fieldobj = self.schema[fieldname]
        if type(fieldobj.format) is not formats.Positions or not fieldobj.scorable:
            return self._generic(q, sub)
        try:
            btexts = [fieldobj.to_bytes(w) for w in q.words]
        except ValueError:
            return {}
        if any((fieldname, b) not in reader for b in btexts):
            return {}
        # The rarest word first: its pages are the candidates the other words are read for.
        distinct = sorted(set(btexts), key=lambda b: reader.doc_frequency(fieldname, b))
        postings: dict = {}
        candidates = None
        for btext in distinct:
            found = {}
            within = None if candidates is None else sorted(candidates)
            blocks = posting_blocks(reader, fieldname, btext, values=True, within=within)
            for ids, weights, values in _timed(blocks, self.deadline):
                if weights is None or isinstance(weights, float):
                    weights = itertools.repeat(1.0 if weights is None else weights)
                if candidates is None:
                    found.update(zip(ids, zip(weights, values)))
                else:
                    found.update((d, wv) for d, wv in zip(ids, zip(weights, values)) if d in candidates)
            postings[btext] = found
            candidates = found.keys() if candidates is None else candidates & found.keys()
            if not candidates:
                return {}
        top = self.searcher
        avg = top.avg_field_length(fieldname) or 1
        norms = _norms(seg, reader, fieldname, avg, self.k1, self.b)
        factors = [top.idf(fieldname, w) * (self.k1 + 1) for w in q.words]
        decode = fieldobj.format.decode_positions
        columns = [postings[b] for b in btexts]
        slop, boost = q.slop, q.boost
        result: dict = {}
        for docnum in candidates:
            entries = [column[docnum] for column in columns]
            positions = [decode(value) for _, value in entries]
            if not (_adjacent(positions) if slop == 1 else _near(positions, slop)):
                continue
            norm = norms[docnum]
            scores = [f * w / (w + norm) for f, (w, _) in zip(factors, entries)]
            score = _tree_sum(scores)
            result[docnum] = score * boost if boost != 1.0 else score
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


def _adjacent(positions: list) -> bool:
    """Some position p of the first word with p + i a position of word i (slop 1)."""
    later = [set(p) for p in positions[1:]]
    return any(all(p + i in s for i, s in enumerate(later, 1)) for p in positions[0])


def _near(positions: list, slop: int) -> bool:
    """SpanNear2Matcher._get_spans (ordered, mindist 1) on these positions, with spans as
    (start, end) pairs: spans grow word by word; the phrase matches when one survives the last
    word. (Whoosh keeps them sorted by start; which spans survive does not depend on it.)"""
    aspans = {(p, p) for p in positions[0]}
    for later in positions[1:]:   # a word's positions, ascending
        spans = set()
        for start, end in aspans:
            j = bisect.bisect_left(later, start)
            while j < len(later):
                q = later[j]
                j += 1
                if q < start - slop or start > q:
                    continue
                if q > end + slop:
                    break
                dist = 0 if start <= q <= end else (q - end if end < q else start - q)
                if 1 <= dist <= slop:
                    spans.add((min(start, q), max(end, q)))
        if not spans:
            return False
        aspans = spans
    return True


def _tree_sum(scores: list) -> float:
    """The scores added up as Whoosh's make_binary_tree of intersection matchers adds them."""
    if len(scores) == 1:
        return scores[0]
    half = len(scores) // 2
    return _tree_sum(scores[:half]) + _tree_sum(scores[half:])


class _TimeUp(Exception):
    pass


def _timed(blocks, deadline: float):
    """The blocks of a posting list (deleted documents included: they are taken out once, at
    the end), stopping with _TimeUp past the deadline."""
    for count, block in enumerate(blocks, 1):
        yield block
        if count % 32 == 0 and time.monotonic() > deadline:
            raise _TimeUp
