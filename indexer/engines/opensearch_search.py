"""A query plan as OpenSearch's query DSL (used by opensearch_engine.OpenSearchEngine).

The plan (parsed, rewritten and analysed above the engine seam, given to the engine as
plan.py's dataclasses and turned into a Whoosh query tree by whoosh_plan.to_whoosh) becomes a
bool query over page records. NIET excludes documents: the documents with a page that
matches the excluded part are looked up first and left out by doc_id.

Scores: BM25 with Whoosh's k1 and b, statistics over all shards (dfs_query_then_fetch).
Lucene's idf differs from Whoosh's (ln(1 + (N - df + .5)/(df + .5)) against ln(N/(df + 1)) + 1),
so each term's boost carries the ratio of the two, and scores are Whoosh's BM25F scores.

Also the answer's side of a search: the aggregations for the total and the facets, the exact
total, and how a search cut short by its timeout is told from one that failed.
"""
from __future__ import annotations

import math
import re

from whoosh import query

from ..search.request import TEXT_FIELDS
from ..search.whoosh_plan import FURNITURE
from .opensearch_mapping import encode

KEYWORD_FIELDS = {"id", "kind", "doc_id", "type", "dossier", "number", "vergaderjaar", "identifier", "cites"}
EXACT_TOTAL = 20_000       # documents counted exactly (beyond: OpenSearch's cardinality estimate)
MAX_EXCLUDED = 65000       # documents a NIET may exclude


def _regex_literal(text: str) -> str:
    return "".join(ch if ch.isalnum() else "\\" + ch for ch in text)


def _levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _facets(aggs: dict) -> dict:
    def values(name, key=lambda v: v):
        return [{"value": key(b["key"]), "count": b["docs"]["value"]} for b in aggs[name]["v"]["buckets"]]
    by_count = lambda f: (-f["count"], str(f["value"]))  # noqa: E731
    return {"type": sorted(values("type"), key=by_count),
            "year": sorted(values("year", int), key=lambda f: f["value"]),
            "dossier": sorted(values("dossier"), key=by_count)[:30]}


def brief_error(resp: dict) -> str:
    error = resp.get("error")
    if isinstance(error, dict):
        return str(error.get("reason") or error.get("type"))[:200]
    return str(error)[:200]


def _text_field(fieldname: str, text: str) -> tuple[str, str]:
    return ("content" if fieldname == "content" else "title_terms"), encode(text)


def _term_query(fieldname: str, text) -> dict:
    text = text.decode("utf-8") if isinstance(text, bytes) else str(text)
    if fieldname in TEXT_FIELDS:
        name, value = _text_field(fieldname, text)
        return {"term": {name: value}}
    if fieldname in KEYWORD_FIELDS:
        return {"term": {fieldname: text}}
    if fieldname in ("year", "page"):
        return {"term": {fieldname: int(text)}} if text.lstrip("-").isdigit() else {"match_none": {}}
    return {"match_none": {}}


def _whoosh_idf(n: int, df: int) -> float:
    return math.log(n / (df + 1)) + 1 if n else 1.0


def _lucene_idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


class Translator:
    """A Whoosh query plan as OpenSearch query DSL."""

    def __init__(self, searcher):  # an OpenSearchEngine: call(), counts(), doc_frequencies()
        self.s = searcher
        self.terms: list[tuple[str, str]] = []
        # id(node) -> name: which of them a page matched comes back with it (matched_queries),
        # for opensearch_rescore.py. Text terms, And, Or and Every are told from the page itself.
        self.names: dict[int, str] = {}

    def translate(self, q: query.Query, late: bool = False) -> dict:
        """The DSL of a plan. ``late`` (the deadline passed already): without Whoosh's idf per
        term, which costs a count per term; OpenSearch's own idf ranks instead."""
        self._collect(q)
        self.df = None if late else self.s.doc_frequencies(self.terms) if self.terms else {}
        self.n_all = self.s.counts()[0]
        return self._dsl(q)

    def _collect(self, q: query.Query) -> None:
        if type(q) is query.Term and q.fieldname in TEXT_FIELDS:
            self.terms.append((q.fieldname, q.text))
        elif isinstance(q, query.Phrase) and q.fieldname in TEXT_FIELDS:
            self.terms.extend((q.fieldname, w) for w in q.words)
        for child in q.children():
            self._collect(child)

    def _ratio(self, fieldname: str, words: list[str]) -> float:
        boost = 1.5 if fieldname == "title" else 1.0  # the title's field boost in the Whoosh schema
        if self.df is None:
            return boost
        whoosh = sum(_whoosh_idf(self.n_all, self.df.get((fieldname, w), 0)) for w in words)
        lucene = sum(_lucene_idf(self.n_all, max(1, self.df.get((fieldname, w), 0))) for w in words)
        return boost * whoosh / lucene if lucene > 0 else 1.0

    def _dsl(self, q: query.Query) -> dict:
        body = self._node(q)
        if (type(q) is query.Term and q.fieldname in TEXT_FIELDS) or isinstance(q, (query.And, query.Or, query.Every)):
            return body
        name = self.names.setdefault(id(q), f"n{len(self.names)}")
        return {"bool": {"must": [body], "_name": name}}

    def _node(self, q: query.Query) -> dict:
        kind = type(q)
        if q is query.NullQuery or isinstance(q, query.NullQuery.__class__):
            return {"match_none": {}}
        if isinstance(q, (query.Term, query.Phrase)) and q.fieldname == FURNITURE:
            return self._furniture(q)
        if kind is query.Term:
            if q.fieldname in TEXT_FIELDS:
                name, value = _text_field(q.fieldname, q.text)
                return {"term": {name: {"value": value, "boost": q.boost * self._ratio(q.fieldname, [q.text])}}}
            return {"constant_score": {"filter": _term_query(q.fieldname, q.text), "boost": q.boost}}
        if isinstance(q, query.Phrase):
            if q.fieldname not in TEXT_FIELDS:
                return {"match_none": {}}
            name = "content" if q.fieldname == "content" else "title_terms"
            words = [encode(w) for w in q.words]
            # Whoosh scores a phrase as the sum of its words' scores on the page (an intersection
            # filtered by positions): the words score, the phrase only filters.
            scored = [{"term": {name: {"value": e, "boost": q.boost * self._ratio(q.fieldname, [w])}}}
                      for w, e in zip(q.words, words)]
            if len(words) == 1:
                return scored[0]
            if q.slop <= 1:
                near = {"match_phrase": {name: {"query": " ".join(words)}}}
            else:
                # Whoosh's slop bounds each adjacent pair, in order: slop - 1 words between them.
                near = {"span_near": {"clauses": [{"span_term": {name: w}} for w in words],
                                      "slop": (q.slop - 1) * (len(words) - 1), "in_order": True}}
            return _bool(must=scored, filter=[near])
        if isinstance(q, query.Or):
            return _bool(should=[self._dsl(c) for c in q.subqueries], boost=q.boost, minimum=1)
        if kind is query.And:
            must, must_not, filters = [], [], []
            for c in q.subqueries:
                if isinstance(c, query.Not):
                    must_not.append(self._excluded(c.query))
                elif isinstance(c, (query.NumericRange, query.DateRange)):
                    filters.append(self._dsl(c))
                else:
                    must.append(self._dsl(c))
            if not must:
                must = [{"match_all": {}}]
            return _bool(must=must, must_not=must_not, filter=filters, boost=q.boost)
        if kind is query.AndNot:
            return _bool(must=[self._dsl(q.a)], must_not=[self._excluded(q.b)])
        if kind is query.Not:
            return _bool(must=[{"match_all": {}}], must_not=[self._excluded(q.query)])
        if kind is query.AndMaybe:
            return _bool(must=[self._dsl(q.a)], should=[self._dsl(q.b)], boost=q.boost, minimum=0)
        if kind in (query.Prefix, query.Wildcard) and q.fieldname in KEYWORD_FIELDS:
            op = "prefix" if kind is query.Prefix else "wildcard"
            return {"constant_score": {"filter": {op: {q.fieldname: q.text}}, "boost": q.boost}}
        if kind is query.Every:
            return {"match_all": {"boost": q.boost}}
        if kind is query.Require:
            return _bool(must=[self._dsl(q.a)], filter=[self._dsl(q.b)])
        if isinstance(q, query.DateRange):
            rng = {}
            if q.startdate is not None:
                rng["lt" if False else ("gt" if q.startexcl else "gte")] = q.startdate.isoformat()
            if q.enddate is not None:
                rng["lt" if q.endexcl else "lte"] = q.enddate.isoformat()
            return {"range": {"date": rng}} if rng else {"exists": {"field": "date"}}
        if isinstance(q, query.NumericRange) and q.fieldname in ("year", "page"):
            rng = {}
            if q.start is not None:
                rng["gt" if q.startexcl else "gte"] = q.start
            if q.end is not None:
                rng["lt" if q.endexcl else "lte"] = q.end
            return {"range": {q.fieldname: rng}} if rng else {"exists": {"field": q.fieldname}}
        return {"match_none": {}}

    @staticmethod
    def _furniture(q: query.Query) -> dict:
        """A term or phrase of the page's running headers and footers: it matches with its boost
        (0 from to_whoosh), whatever BM25 would make of it."""
        if isinstance(q, query.Term):
            found = {"term": {FURNITURE: encode(q.text)}}
        elif len(q.words) == 1:
            found = {"term": {FURNITURE: encode(q.words[0])}}
        elif q.slop <= 1:
            found = {"match_phrase": {FURNITURE: {"query": " ".join(encode(w) for w in q.words)}}}
        else:
            found = {"span_near": {"clauses": [{"span_term": {FURNITURE: encode(w)}} for w in q.words],
                                   "slop": (q.slop - 1) * (len(q.words) - 1), "in_order": True}}
        return {"constant_score": {"filter": found, "boost": q.boost}}

    def _excluded(self, q: query.Query) -> dict:
        """NIET takes out whole documents: those with any page matching q."""
        body = {"size": 0, "query": {"bool": {"must": [self._dsl(q)], "filter": [{"term": {"kind": "page"}}]}},
                "aggs": {"d": {"terms": {"field": "doc_id", "size": MAX_EXCLUDED}}}}
        found = self.s.call("het zoeken", body)
        doc_ids = [b["key"] for b in found["aggregations"]["d"]["buckets"]]
        return {"terms": {"doc_id": doc_ids}} if doc_ids else {"match_none": {}}


def _bool(must=(), should=(), must_not=(), filter=(), boost: float = 1.0, minimum: int | None = None) -> dict:
    body: dict = {}
    if must:
        body["must"] = list(must)
    if should:
        body["should"] = list(should)
        body["minimum_should_match"] = 1 if minimum is None else minimum
    if must_not:
        body["must_not"] = [m for m in must_not if "match_none" not in m]
        if not body["must_not"]:
            body.pop("must_not")
    if filter:
        body["filter"] = list(filter)
    if boost != 1.0:
        body["boost"] = boost
    return {"bool": body}


_SPACES = re.compile(r"\s+")


# -- answers: totals, facets' aggregations, searches cut short ---------------------------------
def _error_causes(e) -> list:
    """The root causes in a refused request's body (none when it has no body)."""
    try:
        info = e.info
    except IndexError:  # the client's TransportError without a response body
        return []
    error = info.get("error") if isinstance(info, dict) else None
    return list(error.get("root_cause") or [error]) if isinstance(error, dict) else []


def _only_out_of_time(reasons: list) -> bool:
    """Whether every failure is a shard running out of the request's time ("Time exceeded")."""
    def out_of_time(r) -> bool:
        return isinstance(r, dict) and (r.get("type") == "time_exceeded_exception"
                                        or r.get("reason") == "Time exceeded"
                                        or out_of_time(r.get("caused_by")))
    return bool(reasons) and all(out_of_time(r) for r in reasons)


def _nothing_in_time() -> dict:
    """The answer of a search whose every shard ran out of time before it found anything."""
    empty = {"docs": {"value": 0}, "v": {"buckets": []}}
    return {"timed_out": True, "hits": {"hits": []},
            "aggregations": {"all": empty, "type": empty, "year": empty, "dossier": empty}}


EXACT_BUCKETS = "aggregations.all.ids.buckets"


def _total(aggs: dict) -> int:
    """The documents that match. OpenSearch's cardinality is an estimate (HyperLogLog++): from
    a few thousand documents on it is often one off, even below its precision threshold. So the
    documents are counted exactly as buckets of doc_id (the buckets themselves are left out of
    the answer), up to EXACT_TOTAL; beyond that the estimate."""
    ids = aggs["all"].get("ids")
    if ids is not None and not ids.get("sum_other_doc_count") and "exact" in aggs["all"]:
        return int(aggs["all"]["exact"]["count"])
    return aggs["all"]["docs"]["value"]


def _aggregations(chosen: dict, every: list) -> dict:
    docs = {"cardinality": {"field": "doc_id", "precision_threshold": 40000}}
    exact = {"ids": {"terms": {"field": "doc_id", "size": EXACT_TOTAL}},
             "exact": {"stats_bucket": {"buckets_path": "ids>_count"}}}

    def others(name):
        return {"bool": {"filter": [f for k, fs in chosen.items() if k != name for f in fs]}}

    return {
        "all": {"filter": {"bool": {"filter": every}}, "aggs": {"docs": docs, **exact}},
        "type": {"filter": others("type"), "aggs": {"v": {
            "terms": {"field": "type", "size": 50, "order": {"docs": "desc"}}, "aggs": {"docs": docs}}}},
        "year": {"filter": others("year"), "aggs": {"v": {
            "terms": {"field": "year", "size": 500, "order": {"_key": "asc"}}, "aggs": {"docs": docs}}}},
        "dossier": {"filter": others("dossier"), "aggs": {"v": {
            "terms": {"field": "dossier", "size": 60, "order": {"docs": "desc"}}, "aggs": {"docs": docs}}}},
    }
