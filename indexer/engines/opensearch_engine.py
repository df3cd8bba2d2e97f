"""The OpenSearch engine: the engine seam (indexer/search/engine.py) over an OpenSearch index.

Everything above the seam (parsing, answers, references, exports, document windows, feeds) is
the same code as for Whoosh; this module matches, scores and counts. A plan becomes a bool
query over page records (opensearch_search.Translator); the best page of each document ranks
it (collapse on doc_id, the best pages as inner hits); the total and the facets are
aggregations over documents, each facet leaving out its own filter.

Scores: BM25 with Whoosh's k1 and b, statistics over all shards (dfs_query_then_fetch), each
term's boost carrying the ratio of Whoosh's idf to Lucene's (see opensearch_search.py).
"""
from __future__ import annotations

import time
from typing import Callable, Iterable, Iterator

from ..search import plan, publications
from ..search.engine import DocumentMatch, Engine, EngineUnavailable, Filters, Matches, PageMatch, ResultsPage
from ..search.expand import expand_fuzzy, expand_prefix, expand_wildcard
from ..search.whoosh_plan import to_whoosh
from ..store import IndexMissingError, StoreError
from .opensearch import OpenSearchStore, stored
from .opensearch_rescore import Rescorer, Stats, Unsupported
from .opensearch_search import (EXACT_BUCKETS, MAX_EXCLUDED, Translator, _aggregations, _error_causes, _facets,
                                _levenshtein, _nothing_in_time, _only_out_of_time, _regex_literal, _term_query,
                                _total, brief_error)

MLT_PAGES = 12             # pages whose terms describe a document for more_like_this
DF_CACHE_SECONDS = 5.0
GENERATION_SECONDS = 1.0
CHUNK = 1000               # documents a request when every one is asked for
MAX_RANKED = 100_000       # documents an answer without a count may list (index.max_result_window)
LEXICON_SIZE = 10_000      # terms read when a pattern has no literal prefix
RESCORE_DEPTH = 1000       # rankings to this depth get Whoosh's scores (deeper: OpenSearch's)
RESCORE_MARGIN = 10        # documents beyond the shown ones scored again (at least as many as shown)
RESCORE_PAGES = 3          # best pages (by OpenSearch's score) scored again per document


def _unavailable(e: StoreError) -> EngineUnavailable:
    return EngineUnavailable(str(e))


def _guarded(method):
    """StoreError (unreachable, refused, no index) becomes EngineUnavailable (exit 3, HTTP 503)."""
    import functools

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except EngineUnavailable:
            raise
        except StoreError as e:
            raise _unavailable(e) from e
    return wrapper


class _Dictionary:
    """The term dictionary as expand.py walks it (expand_prefix, lexicon): the vocab keywords."""

    def __init__(self, engine: "OpenSearchEngine", limit: int):
        self.engine = engine
        self.limit = limit

    def _terms(self, include: str) -> list[str]:
        body = {"size": 0, "query": {"term": {"kind": "page"}},
                "aggs": {"t": {"terms": {"field": "vocab", "include": include, "size": self.limit,
                                         "order": {"_key": "asc"}}}}}
        answer = self.engine.call("het opzoeken van woorden", body)
        return [b["key"] for b in answer["aggregations"]["t"]["buckets"]]

    def expand_prefix(self, fieldname: str, prefix):
        prefix = prefix.decode("utf-8") if isinstance(prefix, bytes) else prefix
        return self._terms(_regex_literal(prefix) + ".*")

    def lexicon(self, fieldname: str):
        return self._terms(".*")


class OpenSearchEngine(Engine):
    name = "opensearch"

    def __init__(self, store: OpenSearchStore):
        self.store = store
        self.index = store.alias
        self.name = str(store.url)
        self._df: dict = {}
        self._generation: tuple | None = None    # (when asked, the generation)

    @classmethod
    def open(cls, spec: str, index_dir) -> "OpenSearchEngine":
        from ..search.engine import EngineConfigError
        from . import EngineURLError, parse_engine_url
        try:
            url = parse_engine_url(spec)
        except EngineURLError as e:
            raise EngineConfigError(str(e)) from e
        return cls(OpenSearchStore(url, index_dir))

    @property
    def client(self):
        return self.store.client

    # -- requests ------------------------------------------------------------------
    def call(self, what: str, body: dict, dfs: bool = False, leave_out: str | None = None) -> dict:
        """One search request. A shard that ran out of the request's time (its "timeout") gives
        what it found so far: the answer is marked ``timed_out`` and above the seam it says so.
        Any other shard failure (a node lost before a replica took over) is tried once more, and
        is then refused rather than counted wrong."""
        from opensearchpy.exceptions import TransportError
        params = {"allow_partial_search_results": "true"}
        if leave_out:  # a part of the answer only the engine needs (filter_path's exclusion)
            params["filter_path"] = f"-{leave_out}"
        if dfs:
            params["search_type"] = "dfs_query_then_fetch"
        for attempt in (1, 2):
            try:
                answer = self.client.search(index=self.index, body=body, params=params)
            except TransportError as e:
                if _only_out_of_time(_error_causes(e)):
                    return _nothing_in_time()
                if attempt == 1 and getattr(e, "status_code", None) in (500, 502, 503, 504, "N/A"):
                    time.sleep(0.5)
                    continue
                return self.store._call(what, self.client.search, index=self.index, body=body, params=params)
            failures = answer.get("_shards", {}).get("failures") or []
            if not answer.get("_shards", {}).get("failed"):
                return answer
            if _only_out_of_time([f.get("reason") for f in failures]):
                answer["timed_out"] = True
                return answer
            if attempt == 1:
                time.sleep(0.5)
        raise StoreError(f"de zoekmachine {self.store.url} gaf bij {what} geen antwoord van alle shards "
                         f"({brief_error({'error': (failures or [{}])[0].get('reason')})})")

    def _cached(self, key, compute):
        found = self._df.get(key)
        if found and time.monotonic() - found[0] < DF_CACHE_SECONDS:
            return found[1]
        value = compute()
        if len(self._df) > 100_000:
            self._df.clear()
        self._df[key] = (time.monotonic(), value)
        return value

    def counts(self) -> tuple[int, int, dict]:
        """(every record, page records, each text field's total length): Whoosh's N, the pages
        that carry content, and what Whoosh's average field lengths come from."""
        def compute():
            body = {"size": 0, "track_total_hits": True,
                    "aggs": {"pages": {"filter": {"term": {"kind": "page"}}},
                             "content": {"sum": {"field": "content_length"}},
                             "title": {"sum": {"field": "title_length"}}}}
            answer = self.call("het tellen", body)
            aggs = answer["aggregations"]
            return (answer["hits"]["total"]["value"], aggs["pages"]["doc_count"],
                    {"content": int(aggs["content"]["value"]), "title": int(aggs["title"]["value"])})
        return self._cached("counts", compute)

    def doc_frequencies(self, pairs: list[tuple[str, str]]) -> dict:
        """Pages holding each (field, term), one multi-search for those not cached."""
        now = time.monotonic()
        out, wanted = {}, []
        for pair in dict.fromkeys(pairs):
            found = self._df.get(pair)
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
                self._df[pair] = (now, out[pair])
        return out

    # -- searching -------------------------------------------------------------------
    @_guarded
    def search(self, query_plan: plan.Node, filters: Filters, page: ResultsPage, deadline: float) -> Matches:
        tree = to_whoosh(query_plan)
        translator = Translator(self)
        # Past the deadline already (a query of many words, a busy cluster): the ranking by
        # OpenSearch's own scores and no best pages, whose inner searches OpenSearch's timeout
        # does not bound; the answer says it was cut short.
        late = time.monotonic() > deadline
        dsl = self._one_per_publication(translator.translate(tree, late))
        late = late or time.monotonic() > deadline
        rescorer = None if late else self._rescorer(tree, translator, page)
        if rescorer is not None:
            return self._rescored(dsl, filters, page, deadline, rescorer)
        wanted = MAX_RANKED if page.count is None else page.count
        inner = None if late else self._passages(page.passages)
        first = self._collapsed(dsl, filters, page.sort, page.start, min(wanted, CHUNK), deadline, True, inner)
        aggs = first["aggregations"]
        total = _total(aggs)
        hits = list(first["hits"]["hits"])
        truncated = bool(first.get("timed_out"))
        # Every document (an export, --since, sorting by arrival): the rest, a chunk at a time.
        while len(hits) < wanted and len(hits) < total - page.start and not truncated:
            more = self._collapsed(dsl, filters, page.sort, page.start + len(hits),
                                   min(CHUNK, wanted - len(hits)), deadline, False, inner)
            if not more["hits"]["hits"]:
                break
            hits.extend(more["hits"]["hits"])
            truncated = bool(more.get("timed_out"))
        documents = []
        for hit in hits:
            doc_id = hit["fields"]["doc_id"][0]
            pages = []
            if inner is not None:
                inner_hits = hit["inner_hits"]["best"]["hits"]["hits"]
                pages = [PageMatch(p["_score"] if p["_score"] is not None else 0.0, stored(p["_source"]))
                         for p in inner_hits]
                pages.sort(key=lambda p: (-p.score, p.record.get("page", 0)))
            documents.append(DocumentMatch(doc_id, hit["_score"] or 0.0, pages[:page.passages]))
        return Matches(total, documents, _facets(aggs), truncated or time.monotonic() > deadline)

    @staticmethod
    def _passages(count: int) -> dict | None:
        if count <= 0:
            return None
        return {"name": "best", "size": count, "sort": [{"_score": "desc"}, {"page": "asc"}],
                "_source": {"excludes": ["vocab", "tf"]}}

    def _rescorer(self, tree, translator: Translator, page: ResultsPage) -> Rescorer | None:
        """Whoosh's scores for a ranking by relevance that is not too deep (else OpenSearch's)."""
        if page.sort != "relevance" or page.count is None or page.start + page.count > RESCORE_DEPTH:
            return None
        try:
            rescorer = Rescorer(tree, translator.names, None)
        except Unsupported:
            return None
        records, _, totals = self.counts()
        rescorer.stats = Stats(records, self.doc_frequencies(sorted(rescorer.terms)), totals)
        return rescorer

    def _rescored(self, dsl: dict, filters: Filters, page: ResultsPage, deadline: float,
                  rescorer: Rescorer) -> Matches:
        """More documents than shown, their best pages scored again as Whoosh scores them
        (opensearch_rescore.py); ranked by their best page, doc_id breaking ties."""
        shown_end = page.start + page.count
        inner = {"name": "best", "size": max(RESCORE_PAGES, page.passages),
                 "sort": [{"_score": "desc"}, {"page": "asc"}], "_source": {"includes": rescorer.source()}}
        answer = self._collapsed(dsl, filters, "relevance", 0, shown_end + max(RESCORE_MARGIN, page.count),
                                 deadline, True, inner)
        aggs = answer["aggregations"]
        ranked = []
        for hit in answer["hits"]["hits"]:
            scored = []
            for p in hit["inner_hits"]["best"]["hits"]["hits"]:
                score = rescorer.score(p)
                if score is not None:
                    scored.append((score, (p.get("_source") or {}).get("page", 0), p["_id"]))
            if not scored:  # nothing to score it by: OpenSearch's score
                scored = [(hit["_score"] or 0.0, 0, None)]
            scored.sort(key=lambda s: (-s[0], s[1]))
            ranked.append((scored[0][0], hit["fields"]["doc_id"][0], scored))
        ranked.sort(key=lambda r: (-r[0], r[1]))
        shown = ranked[page.start:shown_end]
        wanted = [pid for _, _, scored in shown for _, _, pid in scored[:page.passages] if pid]
        records = self._page_records(wanted) if wanted else {}
        documents = [DocumentMatch(doc_id, score, [PageMatch(s, records[pid]) for s, _, pid in scored[:page.passages]
                                                   if pid in records])
                     for score, doc_id, scored in shown]
        return Matches(_total(aggs), documents, _facets(aggs),
                       bool(answer.get("timed_out")) or time.monotonic() > deadline)

    def _page_records(self, ids: list[str]) -> dict:
        answer = self.store._call("het lezen van pagina's", self.client.mget, index=self.index,
                                  body={"ids": ids}, _source_excludes=["tf"])
        return {d["_id"]: stored(d["_source"]) for d in answer["docs"] if d.get("found")}

    def _one_per_publication(self, dsl: dict) -> dict:
        """One manifestation per publication (publications.py, as the Whoosh engine does): the
        others that match are left out of the query, so of the ranking, the total and the facets."""
        groups = publications.groups(self)
        if not groups:
            return dsl
        grouped = sorted(groups)
        where = [{"term": {"kind": "page"}}]
        if len(grouped) <= MAX_EXCLUDED:
            where.append({"terms": {"doc_id": grouped}})
        body = {"size": 0, "query": {"bool": {"must": [dsl], "filter": where}},
                "aggs": {"d": {"terms": {"field": "doc_id", "size": min(len(grouped), MAX_EXCLUDED)}}}}
        found = self.call("het zoeken", body)["aggregations"]["d"]["buckets"]
        hidden = publications.hidden(self, {b["key"] for b in found} & groups.keys())
        if not hidden:
            return dsl
        return {"bool": {"must": [dsl], "must_not": [{"terms": {"doc_id": sorted(hidden)}}]}}

    def _collapsed(self, dsl: dict, filters: Filters, sort_by: str, start: int, size: int,
                   deadline: float, aggs: bool, inner: dict | None) -> dict:
        chosen = {"type": [{"terms": {"type": list(filters.types)}}] if filters.types else [],
                  "year": [{"terms": {"year": list(filters.years)}}] if filters.years else [],
                  "dossier": [{"terms": {"dossier": list(filters.dossiers)}}] if filters.dossiers else []}
        every = [f for fs in chosen.values() for f in fs]
        if filters.doc_ids is not None:  # facets are counted before this restriction
            every_and_ids = every + [{"terms": {"doc_id": sorted(filters.doc_ids)}}]
        else:
            every_and_ids = every
        if sort_by == "relevance":
            sort = [{"_score": "desc"}, {"doc_id": "asc"}]
        else:
            order = "desc" if sort_by == "newest" else "asc"
            sort = [{"date": {"order": order, "missing": "_last"}}, {"doc_id": order}]
        remaining = max(0.05, deadline - time.monotonic())
        body = {
            "query": {"bool": {"must": [dsl], "filter": [{"term": {"kind": "page"}}]}},
            "post_filter": {"bool": {"filter": every_and_ids}},
            "from": start, "size": size, "sort": sort, "track_scores": True, "_source": False,
            "track_total_hits": False, "timeout": f"{int(remaining * 1000)}ms",
            "collapse": {"field": "doc_id"},
        }
        if inner is not None:
            body["collapse"]["inner_hits"] = inner
        if aggs:
            body["aggs"] = _aggregations(chosen, every_and_ids)
        return self.call("het zoeken", body, dfs=True, leave_out=EXACT_BUCKETS)

    @_guarded
    def more_like_this(self, doc_id: str, limit: int, deadline: float) -> list[str]:
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
        return [h["fields"]["doc_id"][0] for h in self.call("het zoeken", body)["hits"]["hits"]]

    # -- records ---------------------------------------------------------------------
    @_guarded
    def document(self, doc_id: str) -> dict | None:
        from opensearchpy.exceptions import NotFoundError
        try:
            hit = self.client.get(index=self.index, id=f"doc:{doc_id}")
        except NotFoundError:
            return None
        except Exception as e:
            return self._read_error(e)
        return stored(hit["_source"])

    def _read_error(self, e: Exception):
        from opensearchpy.exceptions import ConnectionError as OSConnectionError
        if isinstance(e, OSConnectionError):
            raise EngineUnavailable(f"de zoekmachine {self.store.url} is niet bereikbaar") from e
        raise EngineUnavailable(f"de zoekmachine {self.store.url} kon niet lezen: {type(e).__name__}") from e

    @_guarded
    def pages(self, doc_id: str, first: int | None = None, last: int | None = None) -> list[dict]:
        q: dict = {"bool": {"filter": [{"term": {"doc_id": doc_id}}, {"term": {"kind": "page"}}]}}
        if first is not None or last is not None:
            rng = {k: v for k, v in (("gte", first), ("lte", last)) if v is not None}
            q["bool"]["filter"].append({"range": {"page": rng}})
        rows = [stored(hit["_source"]) for hit in self.store.scan(q)]
        return sorted(rows, key=lambda p: p["page"])

    @_guarded
    def documents(self) -> Iterator[dict]:
        return iter([stored(hit["_source"]) for hit in self.store.scan({"term": {"kind": "doc"}})])

    @_guarded
    def records(self, fieldname: str, value: str, limit: int | None = None) -> Iterator[dict]:
        """Pages and documents whose field holds value (e.g. the pages citing an identifier)."""
        if limit is not None:
            hits = self.call("het lezen van records", {"size": limit, "query": {"term": {fieldname: value}}})
            return iter([stored(hit["_source"]) for hit in hits["hits"]["hits"]])
        return iter([stored(hit["_source"]) for hit in self.store.scan({"term": {fieldname: value}})])

    # -- the term dictionary ---------------------------------------------------------
    @_guarded
    def doc_count(self) -> int:
        return self.counts()[0]

    @_guarded
    def doc_frequency(self, fieldname: str, text: str) -> int:
        return self.doc_frequencies([(fieldname, text)])[(fieldname, text)]

    @_guarded
    def expand(self, pattern: plan.Prefix | plan.Wildcard | plan.Fuzzy, limit: int,
               deadline: float | None = None, accept: Callable[[str], bool] | None = None):
        words = _Dictionary(self, max(limit * 4, 64) if isinstance(pattern, plan.Prefix) else LEXICON_SIZE)
        if isinstance(pattern, plan.Fuzzy):
            return expand_fuzzy(words, pattern.field, pattern.text, pattern.maxdist, pattern.prefix, limit,
                                deadline, accept)
        if isinstance(pattern, plan.Prefix):
            return expand_prefix(words, pattern.field, pattern.text, limit, deadline, accept)
        return expand_wildcard(words, pattern.field, pattern.pattern, limit, deadline, accept)

    @_guarded
    def terms_within(self, fieldname: str, text: str, maxdist: int, prefix: int,
                     deadline: float | None = None) -> Iterable[str]:
        candidates = _Dictionary(self, LEXICON_SIZE).expand_prefix(fieldname, text[:prefix])
        return [t for t in candidates if abs(len(t) - len(text)) <= maxdist
                and _levenshtein(text, t) <= maxdist]

    @_guarded
    def lookup(self, fieldname: str, value: str) -> str | None:
        body = {"size": 1, "_source": ["doc_id"],
                "query": {"bool": {"filter": [{"term": {fieldname: value}}, {"term": {"kind": "doc"}}]}}}
        hits = self.call("het opzoeken", body)["hits"]["hits"]
        return hits[0]["_source"].get("doc_id") if hits else None

    # -- the index as a whole ----------------------------------------------------------
    @_guarded
    def generation(self):
        """Grows with every commit (refresh) of the index behind the alias; names that index.
        Asked again after a second at most (as the Whoosh engine looks for commits): one answer
        asks for it once per result."""
        found = self._generation
        if found is not None and time.monotonic() - found[0] < GENERATION_SECONDS:
            return found[1]
        stats = self.store._call("de statistieken", self.client.indices.stats, index=self.index, metric="refresh")
        value = (self.store.live_index(), int(stats["_all"]["primaries"]["refresh"]["total"]))
        self._generation = (time.monotonic(), value)
        return value

    def ready(self) -> None:
        try:
            self.store.open()
        except IndexMissingError as e:
            raise EngineUnavailable(str(e)) from e
        except StoreError as e:
            raise _unavailable(e) from e

    @_guarded
    def info(self) -> dict:
        return {"index": str(self.store.url), "size_bytes": self.store.size_bytes(),
                "version": self.store.stored_versions(), "last_run": self.store.last_run(),
                "generation": self.generation()[1]}

    def reset(self) -> None:
        self.store._client = None
        self._df.clear()
        self._generation = None

    def close(self) -> None:
        client, self.store._client = self.store._client, None
        if client is not None:
            try:
                client.close()
            except Exception:  # noqa: BLE001 - closing a connection that is gone is done
                pass
