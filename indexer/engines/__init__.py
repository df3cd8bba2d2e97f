"""Distributed engines behind the same store and search calls as the Whoosh index.

An engine is named by a URL whose scheme is the engine (INTERFACE.md, "Engines"):
``opensearch://HOST:PORT/INDEX`` (``opensearchs://`` for TLS); absent or ``whoosh`` is the
index folder. Several hosts may be given, comma-separated: ``opensearch://h1:9200,h2:9200/x``.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit


class EngineURLError(ValueError):
    """An --engine value that is no engine URL (exit code 2)."""


@dataclass(frozen=True)
class EngineURL:
    scheme: str
    hosts: tuple[tuple[str, int], ...]
    index: str

    @property
    def tls(self) -> bool:
        return self.scheme.endswith("s")

    def __str__(self) -> str:
        hosts = ",".join(f"{h}:{p}" for h, p in self.hosts)
        return f"{self.scheme}://{hosts}/{self.index}"


_INDEX_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,200}")


def default_engine() -> str | None:
    return os.environ.get("KAMERZOEK_ENGINE") or None


def parse_engine_url(value: str | None) -> EngineURL | None:
    """None for Whoosh (no value, or 'whoosh'); else the engine's URL, checked."""
    if not value or value.strip().lower() == "whoosh":
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("opensearch", "opensearchs"):
        raise EngineURLError(f"onbekende zoekmachine '{value}'; gebruik whoosh of "
                             "opensearch://HOST:POORT/INDEX")
    hosts = []
    for item in parts.netloc.split(","):
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise EngineURLError(f"ongeldig adres '{item}' in '{value}'; verwacht HOST:POORT")
        hosts.append((host.strip("[]"), int(port)))
    index = parts.path.strip("/")
    if not _INDEX_NAME.fullmatch(index or ""):
        raise EngineURLError(f"ongeldige indexnaam '{index}' in '{value}' "
                             "(kleine letters, cijfers, - _ .)")
    return EngineURL(parts.scheme, tuple(hosts), index)


def make_store(index_dir, engine: str | None = None):
    """The store for an index folder, or for an engine URL (whose folder keeps the text cache,
    the run report and the run lock). Connecting waits for the first request."""
    from ..store import Store
    url = parse_engine_url(engine)
    if url is None:
        return Store(index_dir)
    from .opensearch import OpenSearchStore
    return OpenSearchStore(url, index_dir)
