"""Writing to the OpenSearch index: records analysed by Kamerzoek's own analyzer, in bulk.

A page record carries, besides its terms (``content``, ``title_terms``, ``vocab``; see
opensearch_mapping.py), what Kamerzoek needs to score its pages exactly as Whoosh does
(opensearch_rescore.py): ``tf`` (stored only: each encoded term's occurrences in the content
``c`` and the title ``t``) and ``content_length`` / ``title_length`` (tokens, as Whoosh counts
a field's length; summed for the average length).

An incremental run sends each batch in bulk at its commit and refreshes, so searchers see it.
A rebuild writes into a new index no searcher reads (opensearch.py): its records go to a
BulkSender, which sends bodies of about BULK_BYTES from a thread of its own while the main
process analyses the next pages, and nothing is refreshed until the end.
"""
from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ..analysis import PART_PREFIX, dutch_analyzer
from ..store import StoreError
from .opensearch import BULK_ACTIONS, BULK_BYTES, TIMEOUT, EngineUnavailableError, brief
from .opensearch_mapping import FILLER, RECORD_TOKEN, encode

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


def _json_default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


class BulkWriter:
    """Whoosh's writer calls (add, update, delete by doc_id) as bulk requests at commit.

    A document's new records are written first (same ids overwrite), then whatever else still
    carries its doc_id is deleted: searchers never see it missing. A record the engine rejects
    is reported with its doc_id in ``rejected``; that document's records are removed, so the
    next run tries it again.

    sender: a rebuild's BulkSender; the batch is handed to it at commit instead."""

    def __init__(self, store: OpenSearchStore, index: str, sender: BulkSender | None = None):
        self.store = store
        self.index = index
        self.sender = sender
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
        if self.sender is not None:   # a rebuild: on its way at once, the batch is whole anyway
            self.sender.add(record)
            return
        doc_id = record.get("doc_id")
        if doc_id in self.deleted:
            self.deleted[doc_id].add(record["id"])
        self.actions.append(record)

    update_document = add_document

    def delete_by_term(self, fieldname: str, value: str) -> None:
        if fieldname != "doc_id":
            raise ValueError(fieldname)
        if self.sender is not None:
            self.sender.delete(value)
            return
        self.deleted.setdefault(value, set())

    def cancel(self) -> None:
        self.actions.clear()
        self.deleted.clear()

    def commit(self) -> None:
        if self.sender is not None:
            self.rejected = self.sender.take_rejected()
            return
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
                        failed_docs.setdefault(doc_id_of(info.get("_id", "")), brief_item(info.get("error")))
            except Exception as e:
                raise _unavailable(self.store, "het schrijven", e) from e
        removals = [{"bool": {"filter": [{"term": {"doc_id": doc_id}}],
                              "must_not": [{"ids": {"values": sorted(ids)}}] if ids else []}}
                    for doc_id, ids in self.deleted.items()]
        removals += [{"term": {"doc_id": doc_id}} for doc_id in failed_docs]
        if failed_docs:  # the rest of a rejected document was just written: make it findable
            self.store._refresh(self.index)
        remove_records(self.store, self.index, removals)
        self.store._refresh(self.index)
        self.rejected = [{"doc_id": d, "message": m} for d, m in failed_docs.items()]
        self.actions = []
        self.deleted = {}


def remove_records(store: OpenSearchStore, index: str, removals: list[dict]) -> None:
    """Delete the (visible) records matching any of the queries."""
    from opensearchpy import helpers
    # No delete-by-query in the minimal distribution: the stale records' ids are looked up
    # (they were made visible by an earlier refresh) and deleted in bulk.
    stale = []
    for start in range(0, len(removals), 200):
        q = {"bool": {"should": removals[start:start + 200]}}
        stale += [hit["_id"] for hit in store.scan(q, fields=False, index=index)]
    if not stale:
        return
    try:
        for ok, item in helpers.streaming_bulk(
                store.client, ({"_op_type": "delete", "_index": index, "_id": i} for i in stale),
                chunk_size=BULK_ACTIONS * 2, raise_on_error=False, raise_on_exception=True,
                max_retries=2, initial_backoff=1, request_timeout=TIMEOUT * 2):
            if not ok and item.get("delete", {}).get("status") != 404:
                raise StoreError(f"de zoekmachine {store.url} kon {item['delete'].get('_id')} "
                                 f"niet verwijderen: {brief_item(item['delete'].get('error'))}")
    except StoreError:
        raise
    except Exception as e:
        raise _unavailable(store, "het verwijderen", e) from e


def doc_id_of(record_id: str) -> str:
    """The doc_id in a record's id ("<doc_id>:<page>" or "doc:<doc_id>", schema.py)."""
    return record_id[4:] if record_id.startswith("doc:") else record_id.split(":")[0]


class BulkSender:
    """A rebuild's records, sent in bodies of about BULK_BYTES from a thread of its own.

    Records are handed over as they are written (a rebuild's batches are never cancelled: a run
    that fails leaves the whole index unused). Bodies are cut between documents; one is on its
    way and two wait at most, so the main process (analysing the next pages meanwhile) holds
    three at most. Records the engine refuses
    come back through take_rejected(), with the files of their document; their documents'
    records are removed in settle(), when every body has arrived. A failure to reach the
    engine is raised in the main thread at its next call."""

    def __init__(self, store: OpenSearchStore, index: str, body_bytes: int = BULK_BYTES):
        self.store, self.index, self.body_bytes = store, index, body_bytes
        self._queue: queue.Queue = queue.Queue(maxsize=2)
        self._body: list[bytes] = []
        self._files: dict[str, list] = {}      # doc_id -> its files, for the body being filled
        self._size = 0
        self.sent_docs: set[str] = set()       # doc_ids handed over in this rebuild
        self.rewritten: dict[str, set] = {}    # doc_id written again: the ids of its last version
        self.failed: dict[str, str] = {}       # doc_id -> the engine's reason, for the whole run
        self._rejected: list[dict] = []
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="kamerzoek-bulk", daemon=True)
        self._thread.start()

    # -- the main thread ------------------------------------------------------------
    def delete(self, doc_id: str) -> None:
        """The document's other records must go: a new index holds none, unless this run
        wrote the document before (its records written from now on stay)."""
        self._raise()
        if doc_id in self.sent_docs:
            self.rewritten[doc_id] = set()

    def add(self, record: dict) -> None:
        """One record, into the body being filled; a full body goes to the sender."""
        self._raise()
        doc_id = record.get("doc_id") or doc_id_of(record["id"])
        self.sent_docs.add(doc_id)
        if doc_id in self.rewritten:
            self.rewritten[doc_id].add(record["id"])
        if record.get("kind") == "doc":
            self._files[doc_id] = (record.get("info") or {}).get("files") or []
        line = (json.dumps({"index": {"_id": record["id"]}}) + "\n"
                + json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=_json_default)
                + "\n").encode("utf-8")
        self._body.append(line)
        self._size += len(line)
        # Between documents (a document's own record comes last); inside one only when it alone
        # is far bigger than a body.
        if self._size >= self.body_bytes and (record.get("kind") == "doc" or self._size >= 4 * self.body_bytes):
            self._cut()

    def take_rejected(self) -> list[dict]:
        """The documents refused since the last call: [{"doc_id", "message", "files"}]."""
        with self._lock:
            out, self._rejected = self._rejected, []
        return out

    def settle(self) -> list[dict]:
        """Send what is left and wait for every body; then remove the records of refused
        documents and the earlier versions of documents written twice. Returns the refusals
        not yet taken."""
        self._cut()
        self._queue.join()
        self._raise()
        removals = [{"term": {"doc_id": d}} for d in self.failed]
        removals += [{"bool": {"filter": [{"term": {"doc_id": d}}],
                               "must_not": [{"ids": {"values": sorted(ids)}}] if ids else []}}
                     for d, ids in self.rewritten.items() if d not in self.failed]
        if removals:
            self.store._refresh(self.index)
            remove_records(self.store, self.index, removals)
        self.rewritten = {}
        return self.take_rejected()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _cut(self) -> None:
        if self._body:
            body, files = b"".join(self._body), self._files
            self._body, self._files, self._size = [], {}, 0
            self._queue.put((body, files))   # waits while the sender is two bodies behind
            self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            if isinstance(error, StoreError):
                raise error
            raise _unavailable(self.store, "het schrijven", error) from error

    # -- the sender's thread ------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                if self._error is None:
                    self._send(*job)
            except BaseException as e:  # noqa: B902 - handed to the main thread
                self._error = e
            finally:
                self._queue.task_done()

    def _send(self, body: bytes, files: dict) -> None:
        lines = body.splitlines(keepends=True)
        pairs = [lines[i] + lines[i + 1] for i in range(0, len(lines), 2)]
        for attempt in range(3):
            answer = self.store.client.bulk(body=b"".join(pairs), index=self.index, request_timeout=TIMEOUT * 2)
            busy = []
            for pair, item in zip(pairs, answer.get("items", [])):
                info = item.get("index", {})
                if info.get("status", 200) < 300:
                    continue
                if info.get("status") == 429 and attempt < 2:   # the node's queue is full: again
                    busy.append(pair)
                    continue
                doc_id = doc_id_of(info.get("_id", ""))
                with self._lock:
                    if doc_id not in self.failed:
                        self.failed[doc_id] = brief_item(info.get("error"))
                        self._rejected.append({"doc_id": doc_id, "message": self.failed[doc_id],
                                               "files": files.get(doc_id) or []})
            if not busy:
                return
            pairs = busy
            time.sleep(1 + attempt)


def brief_item(error) -> str:
    if isinstance(error, dict):
        reason = error.get("reason") or error.get("type") or ""
        caused = (error.get("caused_by") or {}).get("reason")
        return (f"{reason}: {caused}" if caused else reason)[:300]
    return str(error)[:300]


def _unavailable(store: OpenSearchStore, what: str, e: Exception) -> StoreError:
    return EngineUnavailableError(f"de zoekmachine {store.url} faalde bij {what} ({brief(e)})")
