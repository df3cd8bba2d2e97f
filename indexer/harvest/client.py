"""Polite HTTP for the harvester: one session, at most two connections, a rate limit,
timeouts, retries with exponential backoff and jitter, and checked downloads.

Built on `requests` (urllib3 below it): its connection pool is capped and blocks instead
of opening a third connection, TLS is verified against certifi's bundle (or
REQUESTS_CA_BUNDLE), and a streamed body can be cut off at the size cap. Redirects of
documents are followed by hand, one rate-limited request per hop, so that a redirect to the
repository's not-found page is seen for what it is.
"""
from __future__ import annotations

import email.utils
import hashlib
import os
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from urllib.parse import urljoin, urlparse

import requests
from requests.adapters import HTTPAdapter

MAX_CONNECTIONS = 2          # the most the service is ever asked to bear; --connections 1 is gentler
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 600.0      # a longer Retry-After is not waited for: the run stops instead
MAX_BACKOFF = 60.0
CHUNK = 64 * 1024
TEMP_SUFFIX = ".kamerzoek-part"   # temporary downloads: FOLDER/<type>/.<name>.<random>.kamerzoek-part


def user_agent(contact: str = "") -> str:
    """Kamerzoek/<version> (officiele-publicaties harvester; [+contact; ]python-requests/<version>).

    contact: how the service's operators can reach whoever runs the harvest (an address or URL).
    """
    try:
        version = metadata.version("kamerzoek")
    except metadata.PackageNotFoundError:
        version = "onbekend"
    contact = " ".join(contact.split()).replace("(", "").replace(")", "").replace(";", ",")
    return (f"Kamerzoek/{version} (officiele-publicaties harvester; {f'+{contact}; ' if contact else ''}"
            f"python-requests/{requests.__version__})")


class FetchError(Exception):
    """A request that did not give what was asked for; the message is one Dutch sentence."""

    def __init__(self, message: str, url: str):
        super().__init__(message)
        self.url = url


class ServiceError(FetchError):
    """No usable answer after every try (connection errors, timeouts, 429, 5xx, cut-off bodies)."""


class ResponseError(FetchError):
    """An answer that is malformed or not what the service should send: the run stops."""


class MissingError(FetchError):
    """The document is not there (404, 410, or a redirect to the not-found page)."""


class TooLargeError(FetchError):
    """The file is larger than the size cap."""


@dataclass
class Settings:
    rate: float = 2.0                 # requests per second, all connections together
    timeout: float = 30.0             # seconds to connect, and between two bytes of an answer
    tries: int = 5                    # attempts per request, the first included
    backoff: float = 1.0              # first wait before a retry; doubles each time, with jitter
    max_bytes: int = 200_000_000     # decimal megabytes, as --max-size says
    connections: int = MAX_CONNECTIONS   # 1 or 2: at most this many at once, over all threads
    user_agent: str = ""


@dataclass
class Download:
    """A document fetched into a temporary file beside its destination (or not modified)."""
    url: str
    not_modified: bool = False
    temp: Path | None = None
    sha256: str = ""
    size: int = 0
    etag: str = ""
    last_modified: str = ""


class _Retry(Exception):
    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _Redirect(Exception):
    def __init__(self, location: str):
        super().__init__(location)
        self.location = location


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def size_text(n: float) -> str:
    """37 kB, 1.2 MB: a size as people read it (decimal units, like --max-size)."""
    if n < 1e6:
        return f"{n / 1e3:.0f} kB"
    return f"{n / 1e6:.1f} MB"


def _describe(error: Exception) -> str:
    if isinstance(error, requests.Timeout):
        return "geen antwoord binnen de wachttijd"
    if isinstance(error, requests.exceptions.SSLError):
        return "het TLS-certificaat kon niet worden gecontroleerd"
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return "het antwoord werd afgebroken"
    if isinstance(error, requests.ConnectionError):
        return "geen verbinding"
    return type(error).__name__


def _check_content(path: Path, kind: str, url: str) -> None:
    """Raise ResponseError when a complete download is not the format it should be."""
    size = path.stat().st_size
    if size == 0:
        raise ResponseError(f"{url} gaf een leeg bestand", url)
    with open(path, "rb") as f:
        head = f.read(1024)
        f.seek(max(0, size - 1024))
        tail = f.read()
    if kind == "pdf":
        if b"%PDF-" not in head:
            raise ResponseError(f"{url} gaf geen PDF (de kop %PDF ontbreekt)", url)
        if b"%%EOF" not in tail:
            raise ResponseError(f"{url} gaf een onvolledige PDF (%%EOF ontbreekt aan het eind)", url)
    elif kind in ("xml", "metadata", "metadataowms"):
        import xml.etree.ElementTree as ET
        try:
            ET.parse(path)
        except ET.ParseError as e:
            raise ResponseError(f"{url} gaf geen geldige XML ({e})", url) from e
    elif kind == "odt" and not head.startswith(b"PK"):
        raise ResponseError(f"{url} gaf geen ODT-bestand", url)


class Client:
    """Requests to one service and its repository, shared by the harvester's threads."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.session = requests.Session()
        self.session.headers["User-Agent"] = settings.user_agent or user_agent()
        connections = max(1, min(MAX_CONNECTIONS, settings.connections))
        adapter = HTTPAdapter(pool_connections=connections, pool_maxsize=connections,
                              pool_block=True, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self._slots = threading.BoundedSemaphore(connections)
        self._lock = threading.Lock()
        self._next_start = 0.0
        self.requests = 0
        self.bytes = 0

    def close(self) -> None:
        self.session.close()

    # -- politeness -------------------------------------------------------------------
    def _wait_turn(self) -> None:
        """Space request starts 1/rate seconds apart, whichever thread makes them."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + (1.0 / self.settings.rate if self.settings.rate > 0 else 0.0)
            self.requests += 1
        if start > now:
            time.sleep(start - now)

    def _backoff(self, attempt: int) -> float:
        base = min(MAX_BACKOFF, self.settings.backoff * 2 ** (attempt - 1))
        return base * random.uniform(0.5, 1.5)

    def _with_retries(self, url: str, attempt_once):
        last: _Retry | None = None
        for attempt in range(1, self.settings.tries + 1):
            try:
                return attempt_once()
            except _Retry as e:
                last = e
                if attempt == self.settings.tries:
                    break
                if e.retry_after is not None and e.retry_after > MAX_RETRY_AFTER:
                    raise ServiceError(f"{url} vraagt {e.retry_after:.0f} s te wachten ({e.reason}); "
                                       f"probeer het later opnieuw", url) from None
                time.sleep(max(e.retry_after or 0.0, self._backoff(attempt)))
        tries = self.settings.tries
        raise ServiceError(f"geen bruikbaar antwoord van {url} na {tries} "
                           f"{'poging' if tries == 1 else 'pogingen'} ({last.reason})", url)

    def _get(self, url: str, headers: dict | None = None, redirects: bool = False):
        try:
            response = self.session.get(url, headers=headers, stream=True, allow_redirects=redirects,
                                        timeout=(self.settings.timeout, self.settings.timeout))
        except requests.exceptions.InvalidURL as e:
            raise ResponseError(f"ongeldig adres: {url}", url) from e
        except requests.exceptions.SSLError as e:
            raise ServiceError(f"{url}: {_describe(e)}", url) from e
        except (requests.ConnectionError, requests.Timeout) as e:
            raise _Retry(_describe(e)) from e
        if response.status_code == 429 or response.status_code >= 500:
            response.close()
            raise _Retry(f"HTTP {response.status_code}", _retry_after(response.headers.get("Retry-After")))
        return response

    # -- query pages ------------------------------------------------------------------
    def get_page(self, url: str) -> tuple[int, bytes]:
        """The status and body of a query page (redirects followed, body capped)."""
        def once():
            with self._slots:
                self._wait_turn()
                response = self._get(url, redirects=True)
                with response:
                    body = bytearray()
                    try:
                        for chunk in response.iter_content(CHUNK):
                            body += chunk
                            if len(body) > self.settings.max_bytes:
                                raise ResponseError(f"het antwoord van {url} is groter dan de grens van "
                                                    f"{size_text(self.settings.max_bytes)}", url)
                    except (requests.ConnectionError, requests.Timeout,
                            requests.exceptions.ChunkedEncodingError) as e:
                        raise _Retry(_describe(e)) from e
                    _check_length(response, len(body))
                    self._count(len(body))
                    return response.status_code, bytes(body)
        return self._with_retries(url, once)

    # -- documents --------------------------------------------------------------------
    def download(self, url: str, dest: Path, kind: str, etag: str = "", last_modified: str = "") -> Download:
        """Fetch a document into a temporary file beside `dest` and check it.

        kind: the manifestation (pdf, xml, html, odt, metadata) that decides the check.
        etag/last_modified: of the copy we have, for a conditional request (304: not modified).
        :raises MissingError, TooLargeError, ResponseError, ServiceError:
        """
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        wanted = os.path.basename(urlparse(url).path)
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                return self._with_retries(current, lambda: self._download_once(current, dest, kind, headers))
            except _Redirect as hop:
                target = urljoin(current, hop.location)
                if urlparse(target).scheme not in ("http", "https"):
                    raise ResponseError(f"{current} verwijst naar een ongeldig adres: {target}", url) from None
                if os.path.basename(urlparse(target).path) != wanted:
                    raise MissingError(f"{url} verwijst naar een niet-gevonden-pagina ({target})", url) from None
                current = target
        raise ResponseError(f"{url} verwijst te vaak door", url)

    def _download_once(self, url: str, dest: Path, kind: str, headers: dict) -> Download:
        with self._slots:
            self._wait_turn()
            response = self._get(url, headers)
            with response:
                status = response.status_code
                if status in (301, 302, 303, 307, 308):
                    location = response.headers.get("Location")
                    if not location:
                        raise ResponseError(f"{url} verwijst door zonder adres", url)
                    raise _Redirect(location)
                if status == 304:
                    return Download(url, not_modified=True)
                if status in (404, 410):
                    raise MissingError(f"{url} bestaat niet (HTTP {status})", url)
                if status != 200:
                    raise ResponseError(f"{url} antwoordde onverwacht met HTTP {status}", url)
                declared = response.headers.get("Content-Length", "")
                cap = self.settings.max_bytes
                if declared.isdigit() and int(declared) > cap:
                    raise TooLargeError(f"{url} is groter dan de grens van {size_text(cap)} "
                                        f"({size_text(int(declared))})", url)
                dest.parent.mkdir(parents=True, exist_ok=True)
                temp = dest.parent / f".{dest.name}.{os.getpid()}-{random.randrange(16 ** 8):08x}{TEMP_SUFFIX}"
                digest, size = hashlib.sha256(), 0
                try:
                    with open(temp, "wb") as f:
                        try:
                            for chunk in response.iter_content(CHUNK):
                                size += len(chunk)
                                if size > cap:
                                    raise TooLargeError(f"{url} is groter dan de grens van {size_text(cap)}", url)
                                digest.update(chunk)
                                f.write(chunk)
                        except (requests.ConnectionError, requests.Timeout,
                                requests.exceptions.ChunkedEncodingError) as e:
                            raise _Retry(_describe(e)) from e
                        f.flush()
                        os.fsync(f.fileno())
                    _check_length(response, size)
                    self._count(size)
                    _check_content(temp, kind, url)
                except BaseException:
                    temp.unlink(missing_ok=True)
                    raise
                return Download(url, temp=temp, sha256=digest.hexdigest(), size=size,
                                etag=response.headers.get("ETag", ""),
                                last_modified=response.headers.get("Last-Modified", ""))

    def _count(self, size: int) -> None:
        with self._lock:
            self.bytes += size


def _check_length(response, received: int) -> None:
    declared = response.headers.get("Content-Length", "")
    encoded = response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
    if declared.isdigit() and not encoded and received != int(declared):
        raise _Retry(f"onvolledig antwoord: {received} van {declared} bytes")
