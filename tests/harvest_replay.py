"""A local stand-in for KOOP's SRU service and repository, for the harvest tests.

A real HTTP/1.1 server (keep-alive, one thread per connection) on 127.0.0.1 with a free
port. Its records are built from the real SRU records in
../shared/corpus/parliamentary/sru-records (copied element by element, with the fields of
the publication they stand for), its answer pages are SRU 2.0 `searchRetrieveResponse`s in
the real envelope with `nextRecordPosition`, and its query language is the part of CQL the
harvester sends (`==`, `>=`, `<=`, AND, OR, brackets, quoted values). It serves the
publications tests/harvest_support.py puts on it (the real manifestations of kst-32545-143
and ah-tk-20202021-3235, and small PDFs made there), over HTTP or, given a certificate, HTTPS.
Faults are injected per path: a status (503, 429 with Retry-After), a delay, a cut-off body,
another body, a redirect, a body without Content-Length, a body that stalls halfway.
"""
from __future__ import annotations

import copy
import hashlib
import re
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

NS = {
    "sru": "http://docs.oasis-open.org/ns/search-ws/sruResponse",
    "gzd": "http://standaarden.overheid.nl/sru",
    "dcterms": "http://purl.org/dc/terms/",
    "ow": "http://standaarden.overheid.nl/wetgeving/",
    "c": "http://standaarden.overheid.nl/collectie/",
    "cd": "http://standaarden.overheid.nl/cup/data",
    "diag": "http://docs.oasis-open.org/ns/search-ws/diagnostic",
    "facet": "http://docs.oasis-open.org/ns/search-ws/facetedResults",
}
for _prefix, _uri in NS.items():
    ET.register_namespace("overheidwetgeving" if _prefix == "ow" else _prefix, _uri)

NOT_FOUND_PATH = "/niet-gevonden"
NOT_FOUND_PAGE = (b"<!DOCTYPE html><html lang=\"nl\"><head><title>Pagina niet gevonden</title></head>"
                  b"<body><h1>Pagina niet gevonden</h1><p>Het document bestaat niet.</p></body></html>")
# tpmeta fields kept from a template record; the rest describe the template's own publication.
_KEEP_TPMETA = {"product-area", "content-area", "documentstatus", "organisatietype"}


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def template_records(sru_dir: Path) -> dict[str, ET.Element]:
    """The real records, by kind: kst, bijlage, handeling, kv (each an sru:record element)."""
    out = {}
    for kind, name in (("kst", "sru_record_kst.xml"), ("bijlage", "sru_record_bijlage.xml"),
                       ("handeling", "sru_record_handeling.xml"), ("kv", "sru_record_kv_onopgemaakt.xml")):
        root = ET.parse(sru_dir / name).getroot()
        out[kind] = root if root.tag == _q("sru", "record") else root.find("sru:records/sru:record", NS)
    return out


def envelope(sru_dir: Path) -> ET.Element:
    """The real answer page (sru_record_kst.xml) without its record."""
    root = ET.parse(sru_dir / "sru_record_kst.xml").getroot()
    root.find("sru:records", NS).clear()
    return root


@dataclass
class Publication:
    """One publication on the server: its SRU record and its manifestations (name -> path, bytes)."""
    record: ET.Element
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def field(self, index: str) -> str:
        paths = {
            "dt.identifier": "owmskern/dcterms:identifier", "dt.title": "owmskern/dcterms:title",
            "dt.type": "owmskern/dcterms:type", "dt.modified": "owmskern/dcterms:modified",
            "dt.date": "owmsmantel/dcterms:date", "dt.available": "owmsmantel/dcterms:available",
            "c.product-area": "tpmeta/c:product-area", "w.publicatienaam": "tpmeta/ow:publicatienaam",
            "w.dossiernummer": "tpmeta/ow:dossiernummer", "w.ondernummer": "tpmeta/ow:ondernummer",
            "w.vergaderjaar": "tpmeta/ow:vergaderjaar",
        }
        if index not in paths:
            raise KeyError(index)
        meta = self.record.find("sru:recordData/gzd:gzd/gzd:originalData/ow:meta", NS)
        part, rest = paths[index].split("/", 1)
        found = meta.find(f"ow:{part}/{rest}", NS)
        return (found.text or "").strip() if found is not None else ""

    def set(self, part: str, tag: str, value: str) -> None:
        meta = self.record.find("sru:recordData/gzd:gzd/gzd:originalData/ow:meta", NS)
        container = meta.find(f"ow:{part}", NS)
        element = container.find(tag, NS)
        if element is None:
            prefix, name = tag.split(":")
            element = ET.SubElement(container, _q(prefix, name))
        element.text = value

    @property
    def identifier(self) -> str:
        return self.field("dt.identifier")


def make_publication(template: ET.Element, base: str, *, identifier: str, title: str, kind: str,
                     publication: str, modified: str, date: str, files: dict[str, tuple[str, bytes]],
                     dossier: str = "", number: str = "", vergaderjaar: str = "") -> Publication:
    """A record for another publication, made from a real one: same structure, its own fields.

    files: manifestation -> (path on the server, content); itemUrls point at base + path.
    """
    record = copy.deepcopy(template)
    pub = Publication(record, dict(files))
    meta = record.find("sru:recordData/gzd:gzd/gzd:originalData/ow:meta", NS)
    tpmeta = meta.find("ow:tpmeta", NS)
    for child in list(tpmeta):
        if child.tag.rsplit("}", 1)[-1] not in _KEEP_TPMETA:
            tpmeta.remove(child)
    mantel = meta.find("ow:owmsmantel", NS)
    for child in list(mantel):
        if child.tag.rsplit("}", 1)[-1] not in ("available", "date", "hasVersion"):
            mantel.remove(child)
    pub.set("owmskern", "dcterms:identifier", identifier)
    pub.set("owmskern", "dcterms:title", title)
    pub.set("owmskern", "dcterms:type", kind)
    pub.set("owmskern", "dcterms:modified", modified)
    pub.set("owmsmantel", "dcterms:date", date)
    pub.set("owmsmantel", "dcterms:available", date)
    mantel.find("dcterms:hasVersion", NS).set(
        "resourceIdentifier", f"https://zoek.officielebekendmakingen.nl/{identifier}.html")
    pub.set("tpmeta", "ow:publicatienaam", publication)
    first_path = next(iter(files.values()))[0]      # /frbr/officielepublicaties/kst/32545/kst-…/1/…
    pub.set("tpmeta", "c:content-area", "/".join(first_path.strip("/").split("/")[1:4]))
    for tag, value in (("ow:dossiernummer", dossier), ("ow:ondernummer", number), ("ow:vergaderjaar", vergaderjaar)):
        if value:
            pub.set("tpmeta", tag, value)
    enriched = record.find("sru:recordData/gzd:gzd/gzd:enrichedData", NS)
    timestamp = enriched.find("gzd:timestamp", NS)
    for child in list(enriched):
        enriched.remove(child)
    first = next(iter(files.values()))[0]
    ET.SubElement(enriched, _q("gzd", "url")).text = base + first
    ET.SubElement(enriched, _q("gzd", "preferredUrl")).text = f"https://zoek.officielebekendmakingen.nl/{identifier}.html"
    for name, (path, _) in sorted(files.items()):
        item = ET.SubElement(enriched, _q("gzd", "itemUrl"), {"manifestation": name})
        item.text = base + path
    timestamp.text = modified + "T12:00:00.000000+01:00"
    enriched.append(timestamp)
    return pub


# -- the query language ---------------------------------------------------------------------
class CqlError(ValueError):
    pass


_TOKEN = re.compile(r'\s*(?:(\()|(\))|("(?:[^"\\]|\\.)*")|(==|>=|<=|=|>|<)|([^\s()"=<>]+))')


def _tokens(query: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    query = query.strip()
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if not m or m.end() == pos:
            raise CqlError(f"onbegrijpelijk bij positie {pos}")
        pos = m.end()
        kinds = ("(", ")", "str", "op", "word")
        for kind, value in zip(kinds, m.groups()):
            if value is not None:
                out.append((kind, value[1:-1] if kind == "str" else value))
    return out


def cql_matches(query: str, pub: Publication) -> bool:
    tokens = _tokens(query)
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else ("end", "")

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def term() -> bool:
        kind, value = take()
        if kind == "(":
            result = disjunction()
            if take()[0] != ")":
                raise CqlError("haakje sluiten ontbreekt")
            return result
        if kind != "word":
            raise CqlError(f"index verwacht, niet {value!r}")
        op_kind, op = take()
        if op_kind != "op":
            raise CqlError(f"operator verwacht na {value}")
        val_kind, wanted = take()
        if val_kind not in ("word", "str"):
            raise CqlError("waarde verwacht")
        have = pub.field(value)
        if op in ("==", "="):
            return have == wanted
        if op == ">=":
            return have >= wanted
        if op == "<=":
            return have <= wanted
        if op == ">":
            return have > wanted
        return have < wanted

    def conjunction() -> bool:
        result = term()
        while peek()[0] == "word" and peek()[1].upper() == "AND":
            take()
            result = term() and result
        return result

    def disjunction() -> bool:
        result = conjunction()
        while peek()[0] == "word" and peek()[1].upper() == "OR":
            take()
            result = conjunction() or result
        return result

    result = disjunction()
    if pos != len(tokens):
        raise CqlError(f"onverwacht: {tokens[pos][1]!r}")
    return result


# -- the server -----------------------------------------------------------------------------
@dataclass
class Fault:
    match: str                      # a substring of the request path (SRU: of path + query string)
    kind: str                       # status | slow | truncate | body | redirect | chunked | stall
    times: int | None = 1           # how many requests it hits (None: all)
    status: int = 503
    headers: dict = field(default_factory=dict)
    seconds: float = 0.0
    body: bytes = b""
    location: str = ""
    # stall: half the body is sent, then the answer waits for this (or `seconds`) before the rest.
    release: threading.Event = field(default_factory=threading.Event)
    stalled: bool = False


class ReplayServer:
    def __init__(self, sru_dir: Path, page_size: int = 2, tls: tuple[Path, Path] | None = None):
        """tls: (certificate, key) in PEM files: the server speaks HTTPS with them."""
        self.sru_dir = sru_dir
        self.page_size = page_size
        self.templates = template_records(sru_dir)
        self.publications: list[Publication] = []
        self.faults: list[Fault] = []
        self.log: list[dict] = []
        self.delay_documents = 0.0
        self.lock = threading.Lock()
        self.open_connections = 0
        self.max_connections = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        if tls:
            import ssl
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            # The handshake happens in the connection's own thread (Handler.setup), so a client
            # that rejects the certificate never blocks the accepting thread.
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True,
                                                    do_handshake_on_connect=False)
            self.httpd.handle_error = lambda request, address: None
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.httpd.server_address[1]}"
        self.sru_url = self.url + "/sru"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def close(self) -> None:
        for f in self.faults:
            f.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def add(self, pub: Publication) -> Publication:
        self.publications.append(pub)
        return pub

    def fault(self, match: str, kind: str, **kw) -> Fault:
        f = Fault(match, kind, **kw)
        self.faults.append(f)
        return f

    def requests_for(self, fragment: str) -> list[dict]:
        return [r for r in self.log if fragment in r["target"]]

    def document_requests(self) -> list[dict]:
        return [r for r in self.log if r["path"].startswith("/frbr/") or r["path"].startswith("/spiegel/")]

    def _take_fault(self, target: str) -> Fault | None:
        with self.lock:
            for f in self.faults:
                if f.match in target and (f.times is None or f.times > 0):
                    if f.times is not None:
                        f.times -= 1
                    return f
        return None

    def page(self, params: dict) -> tuple[int, bytes]:
        query = (params.get("query") or [""])[0]
        start = int((params.get("startRecord") or ["1"])[0])
        size = min(int((params.get("maximumRecords") or ["10"])[0]), self.page_size)
        root = envelope(self.sru_dir)
        try:
            hits = [p for p in self.publications if cql_matches(query, p)]
        except (CqlError, KeyError, IndexError) as e:
            return 200, _diagnostic(str(e))
        root.find("sru:numberOfRecords", NS).text = str(len(hits))
        records = root.find("sru:records", NS)
        chosen = hits[start - 1:start - 1 + size]
        for position, pub in enumerate(chosen, start):
            record = copy.deepcopy(pub.record)
            record.find("sru:recordPosition", NS).text = str(position)
            records.append(record)
        children = list(root)
        index = children.index(records) + 1
        if start - 1 + size < len(hits):
            nxt = ET.Element(_q("sru", "nextRecordPosition"))
            nxt.text = str(start + size)
            root.insert(index, nxt)
        echoed = root.find("sru:echoedSearchRetrieveRequest", NS)
        echoed.find("sru:query", NS).text = query
        echoed.find("sru:startRecord", NS).text = str(start)
        echoed.find("sru:maximumRecords", NS).text = str(size)
        return 200, b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root)

    def document(self, path: str) -> bytes | None:
        for pub in self.publications:
            for served, content in pub.files.values():
                if served == path:
                    return content
        return None


def _diagnostic(message: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sru:searchRetrieveResponse xmlns:sru="{NS["sru"]}" '
            f'xmlns:diag="{NS["diag"]}"><sru:version>2.0</sru:version><sru:numberOfRecords>0</sru:numberOfRecords>'
            f'<sru:diagnostics><diag:diagnostic><diag:uri>info:srw/diagnostic/1/10</diag:uri>'
            f'<diag:details>{message}</diag:details><diag:message>Query syntax error</diag:message>'
            f'</diag:diagnostic></sru:diagnostics></sru:searchRetrieveResponse>').encode()


def _handler(server: ReplayServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def setup(self):
            if hasattr(self.request, "do_handshake"):
                self.request.do_handshake()    # raises when the client rejects the certificate
            super().setup()
            with server.lock:
                server.open_connections += 1
                server.max_connections = max(server.max_connections, server.open_connections)

        def finish(self):
            try:
                super().finish()
            finally:
                with server.lock:
                    server.open_connections -= 1

        def handle_one_request(self):
            try:
                super().handle_one_request()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def do_GET(self):
            parsed = urlparse(self.path)
            entry = {"time": time.monotonic(), "path": parsed.path, "target": self.path,
                     "params": parse_qs(parsed.query), "headers": dict(self.headers)}
            with server.lock:
                server.log.append(entry)
            fault = server._take_fault(self.path)
            if fault and fault.kind == "slow":
                time.sleep(fault.seconds)
            if fault and fault.kind == "status":
                return self._send(fault.status, b"<html><body>Even niet beschikbaar</body></html>",
                                  "text/html", fault.headers)
            if fault and fault.kind == "redirect":
                return self._send(302, b"", "text/html", {"Location": fault.location})
            if parsed.path == "/sru":
                status, body = server.page(entry["params"])
                content_type = "application/xml"
            elif parsed.path == NOT_FOUND_PATH:
                status, body, content_type = 200, NOT_FOUND_PAGE, "text/html"
            else:
                path = parsed.path[len("/spiegel"):] if parsed.path.startswith("/spiegel/") else parsed.path
                body = server.document(path)
                if body is None:
                    return self._send(302, b"", "text/html", {"Location": NOT_FOUND_PATH})
                if server.delay_documents:
                    time.sleep(server.delay_documents)
                status, content_type = 200, "application/octet-stream"
                etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
                if self.headers.get("If-None-Match") == etag and not fault:
                    return self._send(304, b"", None, {"ETag": etag})
                if fault is None or fault.kind != "body":
                    if fault and fault.kind == "truncate":
                        return self._truncated(body)
                    if fault and fault.kind == "chunked":
                        return self._chunked(body)
                    if fault and fault.kind == "stall":
                        return self._stalled(body, fault)
                    return self._send(200, body, content_type, {"ETag": etag})
            if fault and fault.kind == "body":
                body = fault.body
            if fault and fault.kind == "truncate":
                return self._truncated(body)
            self._send(status, body, content_type)

        def _truncated(self, body: bytes):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True

        def _chunked(self, body: bytes):
            """The body without a Content-Length, in chunks, as a server that streams it sends it."""
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 8192):
                part = body[i:i + 8192]
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")

        def _stalled(self, body: bytes, fault: Fault):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            fault.stalled = True
            fault.release.wait(fault.seconds or None)
            self.wfile.write(body[len(body) // 2:])

        def _send(self, status: int, body: bytes, content_type: str | None, headers: dict | None = None):
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

    return Handler
