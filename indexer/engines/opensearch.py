"""The OpenSearch index: connection, versions, rebuilds by alias (the mapping and the terms'
encoding: opensearch_mapping.py; writers: opensearch_writer.py).

The name in the URL is an alias. A rebuild writes a new index beside the live one and
switches the alias in one atomic request; a killed rebuild leaves the alias where it was
(its half-built index is removed by the next rebuild). No searcher reads the new index until
then, so it is built for speed: no replicas, no refresh per commit, bodies sent from a thread
while the next pages are analysed (opensearch_writer.BulkSender); at the end it is refreshed and
flushed, given its replicas, and the alias moves only once it is green (all copies in place),
waiting up to KAMERZOEK_ENGINE_GREEN_SECONDS (600).
"""
from __future__ import annotations

import json
import logging
import os
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

from ..store import IndexMissingError, IndexVersionError, Store, StoreError
from . import EngineURL
from .opensearch_mapping import index_body, index_meta

log = logging.getLogger("kamerzoek.opensearch")

BULK_ACTIONS = 500
BULK_BYTES = int(float(os.environ.get("KAMERZOEK_ENGINE_BULK_MB", "8")) * 2**20)   # one bulk body
TIMEOUT = float(os.environ.get("KAMERZOEK_ENGINE_TIMEOUT", "30"))
GREEN_SECONDS = float(os.environ.get("KAMERZOEK_ENGINE_GREEN_SECONDS", "600"))


class EngineUnavailableError(StoreError):
    """The engine cannot be reached (exit code 3)."""


def connect(url: EngineURL):
    """A client over every node of the cluster (sniffed from the first one that answers):
    a request that fails on one node is tried once more on another."""
    try:
        from opensearchpy import OpenSearch
        from opensearchpy.exceptions import ConnectionTimeout, OpenSearchException
    except ImportError as e:  # pragma: no cover - the extra is not installed
        raise EngineUnavailableError("de OpenSearch-client ontbreekt; installeer kamerzoek[opensearch]") from e
    hosts = [{"host": h, "port": p} for h, p in url.hosts]
    where = ", ".join(f"{h}:{p}" for h, p in url.hosts)
    options = dict(use_ssl=url.tls, verify_certs=url.tls, timeout=TIMEOUT, max_retries=1, retry_on_timeout=True)
    try:
        # First a plain question to the nodes named, so "refused" and "no answer" can be told apart;
        # then a client over every node of the cluster.
        with _quiet_client():
            OpenSearch(hosts=hosts, **options).cluster.health(request_timeout=min(10.0, TIMEOUT))
        client = OpenSearch(hosts=hosts, sniff_on_start=True, sniff_on_connection_fail=True,
                            sniffer_timeout=60, sniff_timeout=min(5.0, TIMEOUT), **options)
    except ConnectionTimeout as e:
        raise EngineUnavailableError(f"de zoekmachine op {where} is niet bereikbaar (geen antwoord binnen "
                                     f"{min(10.0, TIMEOUT):g} s); controleer het cluster of kies een andere "
                                     "met --engine") from e
    except (OpenSearchException, OSError) as e:
        raise EngineUnavailableError(f"de zoekmachine op {where} is niet bereikbaar ({brief(e)}); "
                                     "start hem (bijvoorbeeld met: make cluster) of kies een andere "
                                     "met --engine") from e
    return client


@contextmanager
def _quiet_client():
    """The client logs each failed attempt; at start-up the one sentence we give says it all."""
    logger = logging.getLogger("opensearch")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def brief(e: BaseException) -> str:
    try:
        info = getattr(e, "info", None)
    except IndexError:  # the client's TransportError without a response body
        info = None
    if isinstance(info, dict) and isinstance(info.get("error"), dict):
        return str(info["error"].get("reason") or info["error"].get("type"))[:200]
    if "Connection refused" in str(e) or "ConnectionRefused" in str(e):
        return "verbinding geweigerd"
    return f"{type(e).__name__}: {e}"[:200]


class OpenSearchStore(Store):
    """An index in OpenSearch; the local folder keeps the text cache, run report and lock."""

    def __init__(self, url: EngineURL, root: Path | str, shards: int | None = None,
                 replicas: int | None = None):
        super().__init__(root)
        self.url = url
        self.alias = url.index
        self.shards = shards or int(os.environ.get("KAMERZOEK_ENGINE_SHARDS", "2"))
        self.replicas = replicas if replicas is not None else int(os.environ.get("KAMERZOEK_ENGINE_REPLICAS", "1"))
        self._client = None
        self._target: str | None = None     # the concrete index writers write to
        self._sender = None                 # a rebuild's BulkSender

    @property
    def client(self):
        if self._client is None:
            self._client = connect(self.url)
        return self._client

    def describe(self) -> str:
        return str(self.url)

    def _call(self, what: str, fn, *args, **kwargs):
        from opensearchpy.exceptions import ConnectionError as OSConnectionError
        from opensearchpy.exceptions import ConnectionTimeout, OpenSearchException
        try:
            return fn(*args, **kwargs)
        except ConnectionTimeout as e:
            raise EngineUnavailableError(f"de zoekmachine {self.url} antwoordde niet op tijd bij {what}") from e
        except OSConnectionError as e:
            raise EngineUnavailableError(f"de zoekmachine {self.url} is niet bereikbaar bij {what} ({brief(e)})") from e
        except OpenSearchException as e:
            raise StoreError(f"de zoekmachine {self.url} weigerde {what}: {brief(e)}") from e

    # -- opening -------------------------------------------------------------------
    def live_index(self) -> str | None:
        """The concrete index behind the alias, or None."""
        c = self.client
        if self._call("het opzoeken van de alias", c.indices.exists_alias, name=self.alias):
            found = self._call("het opzoeken van de alias", c.indices.get_alias, name=self.alias)
            return sorted(found)[0]
        if self._call("het opzoeken van de index", c.indices.exists, index=self.alias):
            raise IndexVersionError(
                f"{self.url}: '{self.alias}' is een index die niet door Kamerzoek is aangemaakt "
                "(geen alias); kies een andere naam of bouw hem opnieuw met: kamerzoek index --rebuild")
        return None

    def exists(self) -> bool:
        return self.live_index() is not None

    def stored_versions(self) -> dict | None:
        name = self.live_index()
        if name is None:
            return None
        mapping = self._call("het lezen van de mapping", self.client.indices.get_mapping, index=name)
        meta = (mapping.get(name, {}).get("mappings", {}).get("_meta") or {}).get("kamerzoek")
        return dict(meta) if isinstance(meta, dict) else None

    def check_version(self) -> None:
        found = self.stored_versions()
        wanted = index_meta()["kamerzoek"]
        if found != wanted:
            raise IndexVersionError(
                f"de index {self.url} is gebouwd met een andere versie "
                f"(schema/analyse/mapping {_describe(found)}, nu {_describe(wanted)}); "
                "bouw hem opnieuw met: kamerzoek index --rebuild PAD")

    def open(self):
        if self._ix is None:
            if not self.exists():
                raise IndexMissingError(f"geen index gevonden op {self.url}; maak er een met: "
                                        f"kamerzoek index --engine {self.url} PAD")
            self.check_version()
            self._ix = _Index(self)
            self._target = self.live_index()
        return self._ix

    def _new_index(self, replicas: int | None = None) -> str:
        name = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}"
        replicas = self.replicas if replicas is None else replicas
        self._call("het aanmaken van de index", self.client.indices.create, index=name,
                   body=index_body(self.shards, replicas))
        self._wait_healthy(name)
        return name

    def _wait_healthy(self, name: str, seconds: float = 60.0) -> None:
        """Until every copy of the index's shards is in place (green)."""
        health = self._call("het wachten op de index", self.client.cluster.health, index=name,
                            wait_for_status="green", timeout=f"{seconds:g}s", request_timeout=seconds + 10,
                            ignore=408)
        if health.get("timed_out") or health.get("status") != "green":
            raise StoreError(f"de index {name} op {self.url} werd niet binnen {seconds:g} s groen "
                             f"(nu {health.get('status')}, {health.get('unassigned_shards')} shards niet "
                             "toegewezen); de alias blijft waar hij was. Start de ontbrekende nodes, of "
                             "zet KAMERZOEK_ENGINE_REPLICAS lager, en draai opnieuw")

    def create(self):
        name = self._new_index()
        self._call("het zetten van de alias", self.client.indices.update_aliases,
                   body={"actions": [{"add": {"index": name, "alias": self.alias}}]})
        self._target = name
        self._ix = _Index(self)
        return self._ix

    def begin_rebuild(self):
        """A new index beside the live one; the alias moves to it in finish_rebuild()."""
        live = self.live_index()
        self._remove_leftovers(keep={live} if live else set())
        from .opensearch_writer import BulkSender
        self._target = self._new_index(replicas=0)   # replicas come at the end, copied whole
        self._sender = BulkSender(self, self._target)
        self._ix = _Index(self)
        return self._ix

    def _remove_leftovers(self, keep: set) -> None:
        """Indexes of killed rebuilds: named like ours, not behind the alias."""
        found = self._call("het opzoeken van oude indexen", self.client.indices.get,
                           index=f"{self.alias}-*", allow_no_indices=True, ignore_unavailable=True)
        for name in found:
            if name not in keep:
                self._call("het verwijderen van een oude index", self.client.indices.delete, index=name)

    def settle(self) -> list[dict]:
        return self._sender.settle() if self._sender is not None else []

    def finish_rebuild(self) -> None:
        new = self._target
        if self._sender is not None:
            self._sender.settle()   # the run took its refusals already (BatchWriter.finish)
            self._sender.close()
            self._sender = None
        self._refresh(new)
        self._call("het wegschrijven van de index", self.client.indices.flush, index=new)
        configured = index_body(self.shards, self.replicas)["settings"]
        self._call("het instellen van de replica's", self.client.indices.put_settings, index=new,
                   body={"index": {"number_of_replicas": self.replicas,
                                   "refresh_interval": configured["refresh_interval"]}})
        self._wait_healthy(new, GREEN_SECONDS)
        pause_for_test("alias")
        old = self.live_index()
        actions = [{"add": {"index": new, "alias": self.alias}}]
        if old and old != new:
            actions.insert(0, {"remove": {"index": old, "alias": self.alias}})
        self._call("het omzetten van de alias", self.client.indices.update_aliases, body={"actions": actions})
        if old and old != new:
            self._call("het verwijderen van de oude index", self.client.indices.delete, index=old)
        self._ix = None

    def identity(self) -> tuple:
        try:
            return (self.live_index(),)
        except StoreError:
            return ()

    def open_or_create(self, rebuild: bool = False):
        if rebuild or not self.exists():
            return self.create()
        return self.open()

    # -- writing -------------------------------------------------------------------
    @contextmanager
    def writer(self, timeout: float = 0.0, merge: bool = True, limitmb: int = 0) -> Iterator:
        if self._target is None:
            self.open()
        from .opensearch_writer import BulkWriter
        writer = BulkWriter(self, self._target, self._sender)
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def tidy(self, max_segments: int = 0) -> None:
        if self._target and self._sender is None:   # a rebuild refreshes once, at its end
            self._refresh(self._target)

    def _refresh(self, name: str) -> None:
        self._call("het verversen van de index", self.client.indices.refresh, index=name)

    # -- reading -------------------------------------------------------------------
    @contextmanager
    def searcher(self) -> Iterator:
        with self.open().searcher() as s:
            yield s

    def scan(self, query: dict, fields: list[str] | None = None, index: str | None = None):
        from opensearchpy import helpers
        try:
            yield from helpers.scan(self.client, index=index or self.alias, query={"query": query},
                                    _source=fields if fields is not None else True, size=1000,
                                    scroll="2m", preserve_order=False)
        except Exception as e:
            raise StoreError(f"de zoekmachine {self.url} kon de records niet lezen: {brief(e)}") from e

    def documents(self) -> list[dict]:
        index = self._target or self.alias
        return [stored(hit["_source"]) for hit in self.scan({"term": {"kind": "doc"}}, index=index)]

    def totals(self) -> tuple[int, int]:
        index = self._target or self.alias
        count = lambda kind: self._call("het tellen", self.client.count, index=index,  # noqa: E731
                                        body={"query": {"term": {"kind": kind}}})["count"]
        return count("doc"), count("page")

    def size_bytes(self) -> int:
        try:
            stats = self._call("de statistieken", self.client.indices.stats, index=self.alias, metric="store")
            return int(stats["_all"]["total"]["store"]["size_in_bytes"])
        except (StoreError, KeyError):
            return 0


class _Index:
    """What Store.open() returns: makes searchers (as a Whoosh index does)."""

    def __init__(self, store: OpenSearchStore):
        self.store = store

    @contextmanager
    def searcher(self):
        yield _Counts(self.store)


class _Counts:
    """What the build asks of a searcher (writer.totals): how many records of a kind."""

    def __init__(self, store: OpenSearchStore):
        self.store = store

    def document_numbers(self, **terms):
        q = {"bool": {"filter": [{"term": {k: v}} for k, v in terms.items()]}}
        index = self.store._target or self.store.alias
        answer = self.store._call("het tellen", self.store.client.count, index=index, body={"query": q})
        return range(answer["count"])

    def documents(self, **terms) -> list[dict]:
        q = {"bool": {"filter": [{"term": {k: v}} for k, v in terms.items()]}}
        return [stored(hit["_source"]) for hit in self.store.scan(q)]


def stored(source: dict) -> dict:
    """A record as Whoosh returns its stored fields (dates as datetimes, page text as content)."""
    out = dict(source)
    if out.get("date"):
        try:
            out["date"] = datetime.fromisoformat(out["date"])
        except ValueError:
            out.pop("date")
    if "text" in out:
        out["content"] = out.pop("text")
    for name in ("tf", "content_length", "title_length"):
        out.pop(name, None)
    if isinstance(out.get("cites"), list):
        out["cites"] = " ".join(out["cites"])
    return out


def pause_for_test(point: str) -> None:
    """Crash tests hold a run at a point with KAMERZOEK_TEST_PAUSE=POINT:SECONDS (here: "alias",
    a rebuild's new index complete and green, the alias not yet moved); the pid goes to the file
    KAMERZOEK_TEST_PAUSE_MARKER names."""
    where, _, seconds = os.environ.get("KAMERZOEK_TEST_PAUSE", "").partition(":")
    if where == point and seconds:
        marker = os.environ.get("KAMERZOEK_TEST_PAUSE_MARKER")
        if marker:
            Path(marker).write_text(str(os.getpid()))
        time.sleep(float(seconds))


def _describe(v: dict | None) -> str:
    if not v:
        return "onbekend"
    return f"{v.get('schema')}/{v.get('analyzer')}/{v.get('mapping')}"


def dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False)
