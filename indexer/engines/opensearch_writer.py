"""Writing to the OpenSearch index: records analysed by Kamerzoek's own analyzer, in bulk.

A page record carries, besides its terms (``content``, ``title_terms``, ``vocab``; see
opensearch.py), what Kamerzoek needs to score its pages exactly as Whoosh does
(opensearch_rescore.py): ``tf`` (stored only: each encoded term's occurrences in the content
``c`` and the title ``t``) and ``content_length`` / ``title_length`` (tokens, as Whoosh counts
a field's length; summed for the average length).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ..analysis import PART_PREFIX, dutch_analyzer
from ..store import StoreError
from .opensearch import BULK_ACTIONS, BULK_BYTES, FILLER, RECORD_TOKEN, TIMEOUT, EngineUnavailableError, brief, encode

if TYPE_CHECKING:
    from .opensearch import OpenSearchStore


_ANALYZER = None


@dataclass
class Analysed:
    """One field of a record as OpenSearch gets it, and what Kamerzoek rescores it from."""
    value: str            # the encoded terms, main terms at their positions, then the parts
    vocab: set            # the distinct terms (not encoded)
    counts: dict          # encoded term -> occurrences
    length: int           # tokens, as Whoosh counts the field's length


def analysed(text: str) -> Analysed:
    """The terms of a text as one field's value, encoded, with its distinct terms and counts.

    Main terms stand at their Whoosh positions; the compound and hyphen parts (``~term``)
    follow them, so the field's length counts them as Whoosh's does, while no phrase can match
    them (no phrase has a ``~`` word)."""
    global _ANALYZER
    if _ANALYZER is None:
        _ANALYZER = dutch_analyzer()
    main: list[str] = []
    parts: list[str] = []
    vocab: set = set()
    counts: dict = {}
    for t in _ANALYZER(text or "", positions=True, mode="index"):
        term = t.text
        vocab.add(term)
        encoded = encode(term)
        counts[encoded] = counts.get(encoded, 0) + 1
        if term.startswith(PART_PREFIX):
            parts.append(encoded)
            continue
        while len(main) < t.pos:
            main.append(FILLER)
        main.append(encoded)
    return Analysed(" ".join(main + parts), vocab, counts, sum(counts.values()))


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class BulkWriter:
    """Whoosh's writer calls (add, update, delete by doc_id) as bulk requests at commit.

    A document's new records are written first (same ids overwrite), then whatever else still
    carries its doc_id is deleted: searchers never see it missing. A record the engine rejects
    is reported with its doc_id in ``rejected``; that document's records are removed, so the
    next run tries it again."""

    def __init__(self, store: OpenSearchStore, index: str):
        self.store = store
        self.index = index
        self.actions: list[dict] = []
        self.deleted: dict[str, set] = {}     # doc_id -> ids written for it in this batch
        self.rejected: list[dict] = []

    def add_document(self, **fields) -> None:
        record = {k: _json_value(v) for k, v in fields.items() if v is not None}
        if isinstance(record.get("cites"), str):  # a Whoosh KEYWORD field: words split on spaces
            record["cites"] = record["cites"].split()
        tf: dict = {}
        indexed = record.pop("content", "")
        stored_text = record.pop("_stored_content", indexed)  # the page whole, furniture included
        if record.get("kind") == "page":
            record["text"] = stored_text
            content = analysed(indexed)
            record["content"], record["vocab"] = content.value, sorted(content.vocab)
            record["content_length"], tf["c"] = content.length, content.counts
            if record.get("furniture"):
                record["furniture"] = analysed(record["furniture"]).value
        else:
            # Whoosh counts every record in N: so does OpenSearch with this token, which no query
            # asks for (its length is Whoosh's: none).
            record["content"], record["content_length"] = RECORD_TOKEN, 0
        if record.get("title"):
            title = analysed(record["title"])
            record["title_terms"], record["title_length"], tf["t"] = title.value, title.length, title.counts
        record["tf"] = tf
        doc_id = record.get("doc_id")
        if doc_id in self.deleted:
            self.deleted[doc_id].add(record["id"])
        self.actions.append(record)

    update_document = add_document

    def delete_by_term(self, fieldname: str, value: str) -> None:
        if fieldname != "doc_id":
            raise ValueError(fieldname)
        self.deleted.setdefault(value, set())

    def cancel(self) -> None:
        self.actions.clear()
        self.deleted.clear()

    def commit(self) -> None:
        from opensearchpy import helpers
        client = self.store.client
        failed_docs: dict[str, str] = {}

        def actions():
            for record in self.actions:
                yield {"_op_type": "index", "_index": self.index, "_id": record["id"], "_source": record}

        if self.actions:
            try:
                for ok, item in helpers.streaming_bulk(client, actions(), chunk_size=BULK_ACTIONS,
                                                       max_chunk_bytes=BULK_BYTES, raise_on_error=False,
                                                       raise_on_exception=True, max_retries=2,
                                                       initial_backoff=1, request_timeout=TIMEOUT * 2):
                    if not ok:
                        info = item.get("index", {})
                        doc_id = info.get("_id", "").split(":")[0] if not info.get("_id", "").startswith("doc:") \
                            else info["_id"][4:]
                        failed_docs.setdefault(doc_id, brief_item(info.get("error")))
            except Exception as e:
                raise _unavailable(self.store, "het schrijven", e) from e
        removals = [{"bool": {"filter": [{"term": {"doc_id": doc_id}}],
                              "must_not": [{"ids": {"values": sorted(ids)}}] if ids else []}}
                    for doc_id, ids in self.deleted.items()]
        removals += [{"term": {"doc_id": doc_id}} for doc_id in failed_docs]
        # No delete-by-query in the minimal distribution: the stale records' ids are looked up
        # (they were made visible by an earlier commit) and deleted in bulk.
        stale = []
        if failed_docs:  # the rest of a rejected document was just written: make it findable
            self.store._refresh(self.index)
        for start in range(0, len(removals), 200):
            q = {"bool": {"should": removals[start:start + 200]}}
            stale += [hit["_id"] for hit in self.store.scan(q, fields=False, index=self.index)]
        if stale:
            try:
                for ok, item in helpers.streaming_bulk(
                        client, ({"_op_type": "delete", "_index": self.index, "_id": i} for i in stale),
                        chunk_size=BULK_ACTIONS * 2, raise_on_error=False, raise_on_exception=True,
                        max_retries=2, initial_backoff=1, request_timeout=TIMEOUT * 2):
                    if not ok and item.get("delete", {}).get("status") != 404:
                        raise StoreError(f"de zoekmachine {self.store.url} kon {item['delete'].get('_id')} "
                                         f"niet verwijderen: {brief_item(item['delete'].get('error'))}")
            except StoreError:
                raise
            except Exception as e:
                raise _unavailable(self.store, "het verwijderen", e) from e
        self.store._refresh(self.index)
        self.rejected = [{"doc_id": d, "message": m} for d, m in failed_docs.items()]
        self.actions = []
        self.deleted = {}


def brief_item(error) -> str:
    if isinstance(error, dict):
        reason = error.get("reason") or error.get("type") or ""
        caused = (error.get("caused_by") or {}).get("reason")
        return (f"{reason}: {caused}" if caused else reason)[:300]
    return str(error)[:300]


def _unavailable(store: OpenSearchStore, what: str, e: Exception) -> StoreError:
    return EngineUnavailableError(f"de zoekmachine {store.url} faalde bij {what} ({brief(e)})")
