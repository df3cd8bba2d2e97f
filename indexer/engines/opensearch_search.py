"""Searching an OpenSearch index: the same query plan as Whoosh, as OpenSearch's query DSL.

The plan (parsed, rewritten and analysed by ``indexer.search.parse_query``) becomes a bool
query over page records; the best page of each document ranks it (collapse on doc_id, the
best pages as inner hits); the total and the facets are aggregations over documents, each
facet leaving out its own filter. NIET excludes documents: the documents with a page that
matches the excluded part are looked up first and left out by doc_id.

Scores: BM25 with Whoosh's k1 and b, statistics over all shards (dfs_query_then_fetch).
Lucene's idf differs from Whoosh's (ln(1 + (N - df + .5)/(df + .5)) against ln(N/(df + 1)) + 1),
so each term's boost carries the ratio of the two, and scores are Whoosh's BM25F scores.
"""
from __future__ import annotations

import heapq
import math
import re
import time
from functools import lru_cache

from whoosh import query

from ..search import request as limits
from ..search.answer import _document_result, _iso
from ..search.parse import parse_query
from ..search.request import TEXT_FIELDS, SearchRequest, normalise_request, request_dates
from ..search.similar import MLT_PAGES
from ..search.suggest import suggest
from ..schema import build_schema
from ..store import StoreError
from .opensearch import K1, OpenSearchStore, brief, encode, stored

KEYWORD_FIELDS = {"id", "kind", "doc_id", "type", "dossier", "number", "vergaderjaar", "identifier", "cites"}
MAX_EXCLUDED = 65000       # documents a NIET may exclude
DF_CACHE_SECONDS = 5.0


@lru_cache(maxsize=1)
def _schema():
    return build_schema()


class _Reader:
    """What parse_query and suggest ask of a Whoosh reader, answered by the engine."""

    def __init__(self, searcher: "OpenSearchSearcher"):
        self.s = searcher
        self.schema = _schema()

    def generation(self) -> int:
        """Grows with every commit (refresh) of the index behind the alias."""
        stats = self.s.store._call("de statistieken", self.s.client.indices.stats, index=self.s.index,
                                   metric="refresh")
        return int(stats["_all"]["primaries"]["refresh"]["total"])

    def doc_count_all(self) -> int:
        return self.s.counts()[0]

    def doc_frequency(self, fieldname: str, text) -> int:
        return self.s.doc_frequencies([(fieldname, text)])[(fieldname, text)]

    def _terms(self, include: str, size: int) -> list[str]:
        body = {"size": 0, "query": {"term": {"kind": "page"}},
                "aggs": {"t": {"terms": {"field": "vocab", "include": include, "size": size,
                                         "order": {"_key": "asc"}}}}}
        answer = self.s.call("het opzoeken van woorden", body)
        return [b["key"] for b in answer["aggregations"]["t"]["buckets"]]

    def expand_prefix(self, fieldname: str, prefix):
        prefix = prefix.decode("utf-8") if isinstance(prefix, bytes) else prefix
        return self._terms(_regex_literal(prefix) + ".*", limits.MAX_EXPANSIONS * 4)

    def lexicon(self, fieldname: str):
        return self._terms(".*", 10000)

    def terms_within(self, fieldname: str, text: str, maxdist: int, prefix: int = 0):
        head = text[:prefix]
        candidates = self._terms(_regex_literal(head) + ".*", 10000)
        return [t for t in candidates if abs(len(t) - len(text)) <= maxdist
                and _levenshtein(text, t) <= maxdist]


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


_DF: dict = {}


class OpenSearchSearcher:
    """A searcher over the alias: the calls of a Whoosh searcher that search.py's document
    page, status and suggestions use, plus search() and more_like_this()."""

    distributed = True   # indexer.engines.run_search() asks this searcher itself

    def __init__(self, store: OpenSearchStore):
        self.store = store
        self.client = store.client
        self.index = store.alias
        self.schema = _schema()

    # Whoosh searcher protocol (SearcherPool, context manager)
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self) -> None:
        pass

    def up_to_date(self) -> bool:
        return True

    def refresh(self):
        return self

    def reader(self) -> _Reader:
        return _Reader(self)

    # -- requests ------------------------------------------------------------------
    def call(self, what: str, body: dict, dfs: bool = False) -> dict:
        """One search request. Partial results are refused: when a node is lost, a shard can fail
        before its replica takes over, and that is tried once more, rather than counted wrong."""
        from opensearchpy.exceptions import TransportError
        params = {"allow_partial_search_results": "false"}
        if dfs:
            params["search_type"] = "dfs_query_then_fetch"
        for attempt in (1, 2):
            try:
                answer = self.client.search(index=self.index, body=body, params=params)
            except TransportError as e:
                if attempt == 1 and getattr(e, "status_code", None) in (500, 502, 503, 504, "N/A"):
                    time.sleep(0.5)
                    continue
                return self.store._call(what, self.client.search, index=self.index, body=body, params=params)
            if answer.get("_shards", {}).get("failed") and attempt == 1:
                time.sleep(0.5)
                continue
            return answer
        return answer

    def counts(self) -> tuple[int, int]:
        """(every record, page records): Whoosh's N and the pages that carry content."""
        key = ("counts", self.index)
        found = _DF.get(key)
        if found and time.monotonic() - found[0] < DF_CACHE_SECONDS:
            return found[1]
        body = {"size": 0, "track_total_hits": True, "aggs": {"pages": {"filter": {"term": {"kind": "page"}}}}}
        answer = self.call("het tellen", body)
        value = (answer["hits"]["total"]["value"], answer["aggregations"]["pages"]["doc_count"])
        _DF[key] = (time.monotonic(), value)
        return value

    def doc_frequencies(self, pairs: list[tuple[str, str]]) -> dict:
        """Pages holding each (field, term), one multi-search for those not cached."""
        now = time.monotonic()
        out, wanted = {}, []
        for pair in dict.fromkeys(pairs):
            found = _DF.get((self.index, pair))
            if found and now - found[0] < DF_CACHE_SECONDS:
                out[pair] = found[1]
            else:
                wanted.append(pair)
        if wanted:
            lines = []
            for fieldname, text in wanted:
                lines += [{}, {"size": 0, "track_total_hits": True, "query": _term_query(fieldname, text)}]
            answer = self.store._call("het tellen van woorden", self.client.msearch, index=self.index, body=lines)
            for pair, resp in zip(wanted, answer["responses"]):
                if "error" in resp:
                    raise StoreError(f"de zoekmachine {self.store.url} weigerde een telling: {brief_error(resp)}")
                out[pair] = resp["hits"]["total"]["value"]
                _DF[(self.index, pair)] = (now, out[pair])
        if len(_DF) > 100_000:
            _DF.clear()
        return out

    # -- records -------------------------------------------------------------------
    def document(self, **terms) -> dict | None:
        if set(terms) == {"id"}:
            from opensearchpy.exceptions import NotFoundError
            try:
                hit = self.client.get(index=self.index, id=terms["id"])
            except NotFoundError:
                return None
            except Exception as e:
                raise StoreError(f"de zoekmachine {self.store.url} kon {terms['id']} niet lezen: {brief(e)}") from e
            return stored(hit["_source"])
        found = self.documents(**terms)
        return found[0] if found else None

    def documents(self, **terms) -> list[dict]:
        q = {"bool": {"filter": [{"term": {k: v}} for k, v in terms.items()]}}
        return [stored(hit["_source"]) for hit in self.store.scan(q)]

    def document_numbers(self, **terms):
        """As many numbers as there are matching records (what counting them needs)."""
        q = {"bool": {"filter": [{"term": {k: v}} for k, v in terms.items()]}}
        answer = self.store._call("het tellen", self.client.count, index=self.index, body={"query": q})
        return range(answer["count"])

    def stored_records(self, ids: list[str]) -> dict:
        if not ids:
            return {}
        answer = self.store._call("het lezen van records", self.client.mget, index=self.index, body={"ids": ids})
        return {d["_id"]: stored(d["_source"]) for d in answer["docs"] if d.get("found")}

    # -- the search ----------------------------------------------------------------
    def search(self, request: SearchRequest) -> dict:
        """The same answer as indexer.search.search, from the engine."""
        started = time.monotonic()
        deadline = started + limits.QUERY_TIME_LIMIT
        normalise_request(request)
        dates = request_dates(request)
        parsed = parse_query(request.q, self.schema, self.reader(), synonyms=request.synonyms,
                                deadline=deadline)
        notices = list(parsed.notices)
        answer = {
            "query": request.q, "total": 0, "page": request.page, "per_page": request.per_page,
            "pages": 1, "sort": request.sort, "results": [],
            "facets": {"type": [], "year": [], "dossier": []},
            "expansions": parsed.expansions, "notices": notices, "notice": None,
            "suggestion": None, "took_ms": 0, "reference": None,
        }
        if not parsed.empty:
            q = parsed.query if dates is None else query.And([parsed.query, dates]).normalize()
            body = self._search_body(q, request)
            found = self.call("het zoeken", body, dfs=True)
            if found.get("timed_out"):
                notices.append("De zoekvraag duurde te lang; de resultaten zijn mogelijk onvolledig.")
            aggs = found["aggregations"]
            total = aggs["all"]["docs"]["value"]
            facets = _facets(aggs)
            hits = found["hits"]["hits"]
            records = self.stored_records([f"doc:{h['fields']['doc_id'][0]}" for h in hits])
            searcher = _Records(records)
            results = []
            for hit in hits:
                doc_id = hit["fields"]["doc_id"][0]
                pages = [(p["_score"] if p["_score"] is not None else 0.0, stored(p["_source"]))
                         for p in hit["inner_hits"]["best"]["hits"]["hits"]]
                pages = heapq.nsmallest(request.passages, pages, key=lambda p: (-p[0], p[1].get("page", 0)))
                results.append(_document_result(searcher, doc_id, pages, parsed, request))
            answer.update(total=total, facets=facets, results=results,
                          pages=max(1, min(limits.MAX_PAGE, -(-total // request.per_page))))
        if answer["total"] < limits.SUGGEST_BELOW and not parsed.empty:
            answer["suggestion"] = suggest(self, request.q)
        answer["notice"] = " ".join(notices) or None
        answer["took_ms"] = round((time.monotonic() - started) * 1000, 1)
        return answer

    def _search_body(self, q: query.Query, request: SearchRequest) -> dict:
        dsl = Translator(self).translate(q)
        pages = {"bool": {"must": [dsl], "filter": [{"term": {"kind": "page"}}]}}
        filters = {"type": [{"terms": {"type": request.types}}] if request.types else [],
                   "year": [{"terms": {"year": request.years}}] if request.years else [],
                   "dossier": [{"terms": {"dossier": request.dossiers}}] if request.dossiers else []}
        every = [f for fs in filters.values() for f in fs]
        docs = {"cardinality": {"field": "doc_id", "precision_threshold": 40000}}

        def others(name):
            return {"bool": {"filter": [f for k, fs in filters.items() if k != name for f in fs]}}

        aggs = {
            "all": {"filter": {"bool": {"filter": every}}, "aggs": {"docs": docs}},
            "type": {"filter": others("type"), "aggs": {"v": {
                "terms": {"field": "type", "size": 50, "order": {"docs": "desc"}}, "aggs": {"docs": docs}}}},
            "year": {"filter": others("year"), "aggs": {"v": {
                "terms": {"field": "year", "size": 500, "order": {"_key": "asc"}}, "aggs": {"docs": docs}}}},
            "dossier": {"filter": others("dossier"), "aggs": {"v": {
                "terms": {"field": "dossier", "size": 60, "order": {"docs": "desc"}}, "aggs": {"docs": docs}}}},
        }
        if request.sort == "relevance":
            sort = [{"_score": "desc"}, {"doc_id": "asc"}]
        else:
            order = "desc" if request.sort == "newest" else "asc"
            sort = [{"date": {"order": order, "missing": "_last"}}, {"doc_id": order}]
        return {
            "query": pages, "post_filter": {"bool": {"filter": every}}, "aggs": aggs,
            "from": (request.page - 1) * request.per_page, "size": request.per_page,
            "sort": sort, "track_scores": True, "_source": False, "track_total_hits": False,
            "collapse": {"field": "doc_id", "inner_hits": {
                "name": "best", "size": max(1, request.passages),
                "sort": [{"_score": "desc"}, {"page": "asc"}], "_source": ["page", "text", "ocr"]}},
            "timeout": f"{int(limits.QUERY_TIME_LIMIT * 1000)}ms",
        }

    def more_like_this(self, doc_id: str, limit: int = 8) -> list[dict]:
        """Documents like this one: OpenSearch's more-like-this over its pages' terms."""
        pages = self.call("het zoeken", {"size": MLT_PAGES, "_source": False,
                                        "query": {"bool": {"filter": [{"term": {"doc_id": doc_id}},
                                                                      {"term": {"kind": "page"}}]}},
                                        "sort": [{"page": "asc"}]})["hits"]["hits"]
        if not pages:
            return []
        like = [{"_index": h["_index"], "_id": h["_id"]} for h in pages]
        body = {"size": limit, "_source": False,
                "query": {"bool": {"must": [{"more_like_this": {
                    "fields": ["content"], "like": like, "min_term_freq": 1, "min_doc_freq": 1,
                    "max_query_terms": 25}}],
                    "filter": [{"term": {"kind": "page"}}],
                    "must_not": [{"term": {"doc_id": doc_id}}]}},
                "collapse": {"field": "doc_id"}, "sort": [{"_score": "desc"}, {"doc_id": "asc"}]}
        hits = self.call("het zoeken", body)["hits"]["hits"]
        records = self.stored_records([f"doc:{h['fields']['doc_id'][0]}" for h in hits])
        out = []
        for h in hits:
            record = records.get(f"doc:{h['fields']['doc_id'][0]}") or {}
            out.append({"doc_id": h["fields"]["doc_id"][0], "title": record.get("title") or "",
                        "type": record.get("type"), "date": _iso(record.get("date"))})
        return out


class _Records:
    """The document records of the shown results, as _document_result reads them."""

    def __init__(self, records: dict):
        self.records = records

    def document(self, id: str):
        return self.records.get(id)


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

    def __init__(self, searcher: OpenSearchSearcher):
        self.s = searcher
        self.terms: list[tuple[str, str]] = []

    def translate(self, q: query.Query) -> dict:
        self._collect(q)
        self.df = self.s.doc_frequencies(self.terms) if self.terms else {}
        self.n_all, self.n_pages = self.s.counts()
        return self._dsl(q)

    def _collect(self, q: query.Query) -> None:
        if type(q) is query.Term and q.fieldname in TEXT_FIELDS:
            self.terms.append((q.fieldname, q.text))
        elif isinstance(q, query.Phrase) and q.fieldname in TEXT_FIELDS:
            self.terms.extend((q.fieldname, w) for w in q.words)
        for child in q.children():
            self._collect(child)

    def _ratio(self, fieldname: str, words: list[str]) -> float:
        whoosh = sum(_whoosh_idf(self.n_all, self.df.get((fieldname, w), 0)) for w in words)
        lucene = sum(_lucene_idf(self.n_all, max(1, self.df.get((fieldname, w), 0))) for w in words)
        boost = 1.5 if fieldname == "title" else 1.0  # the title's field boost in the Whoosh schema
        return boost * whoosh / lucene if lucene > 0 else 1.0

    def _dsl(self, q: query.Query) -> dict:
        kind = type(q)
        if q is query.NullQuery or isinstance(q, query.NullQuery.__class__):
            return {"match_none": {}}
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
        body["minimum_should_match"] = minimum or 1
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
