"""/feed.atom: a search as an Atom 1.0 feed, newest arrival in the index first."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.datastructures import MultiDict

from indexer import search as engine
from indexer.arrivals import Arrivals
from indexer.search import QueryError
from indexer.store import StoreError

from .search import FILTER_KEYS, request_from_args

bp = Blueprint("kamerzoek_feed", __name__)
ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
ET.register_namespace("", ATOM)


def _arrivals() -> Arrivals:
    arrivals = current_app.extensions.get("kamerzoek_arrivals")
    if arrivals is None:
        arrivals = Arrivals(current_app.extensions["kamerzoek_store"].arrivals_file)
        current_app.extensions["kamerzoek_arrivals"] = arrivals
    return arrivals


def feed_args(args) -> list[tuple[str, str]]:
    """The query and filters a feed keeps (sorting and paging are the feed's own)."""
    keep = [k for k in FILTER_KEYS if k not in ("sort", "per_page", "lang")]
    pairs = [("q", args.get("q"))] if args.get("q") else []
    for key in keep:
        pairs.extend((key, v) for v in args.getlist(key) if v)
    return pairs


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _el(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


@bp.get("/feed.atom")
def feed():
    """The documents matching a search, newest in the index first, as Atom."""
    pairs = feed_args(request.args)
    args = MultiDict(pairs + [("per_page", str(FEED_SIZE))])
    arrived = _arrivals().all()
    try:
        search_request = request_from_args(args)
        search_request.sort, search_request.arrived, search_request.passages = engine.ARRIVED, arrived, 1
        answer = engine.search(current_app.extensions["kamerzoek_engine"], search_request)
    except QueryError as e:
        return jsonify({"error": g.t.message(str(e))}), 400
    except StoreError as e:
        current_app.logger.warning("request %s: feed without index: %s", g.request_id, e)
        return jsonify({"error": g.t("error_index_unavailable", request_id=g.request_id)}), 503
    base = request.host_url.rstrip("/")
    canonical = urlencode(sorted(pairs))
    root = ET.Element(f"{{{ATOM}}}feed")
    _el(root, "title", f"Kamerzoek: {search_request.q}")
    _el(root, "subtitle", g.t("feed_subtitle", q=search_request.q))
    _el(root, "id", "urn:kamerzoek:search:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32])
    _el(root, "link", rel="self", type="application/atom+xml", href=f"{base}/feed.atom?{urlencode(pairs)}")
    _el(root, "link", rel="alternate", type="text/html", href=f"{base}/?{urlencode(pairs)}")
    author = _el(root, "author")
    _el(author, "name", "Kamerzoek")
    _el(root, "generator", "Kamerzoek")
    entries, newest = [], None
    searcher = current_app.extensions["kamerzoek_engine"]
    for doc in answer["results"]:
        first, changed = arrived.get(doc["doc_id"], (None, None))
        if first is None:
            # Not in the ledger yet (a run still going, or an index from before the ledger, until
            # its next run): the time its record was written.
            first = changed = _indexed_at(searcher, doc["doc_id"])
            if first is None:
                continue
        newest = changed if newest is None or changed > newest else newest
        entries.append((doc, first, changed))
    _el(root, "updated", _iso(newest or _last_run_time()))
    for doc, first, changed in entries:
        entry = _el(root, "entry")
        _el(entry, "id", f"urn:kamerzoek:document:{doc['doc_id']}")
        _el(entry, "title", doc["title"] or g.t("untitled"))
        _el(entry, "published", _iso(first))
        _el(entry, "updated", _iso(changed))
        link = f"{base}/document/{doc['doc_id']}?{urlencode({'q': search_request.q})}"
        _el(entry, "link", rel="alternate", type="text/html", href=link)
        _el(entry, "category", term=doc["type"], label=doc["type"])
        passage = doc["passages"][0] if doc["passages"] else None
        citation = passage["citation"] if passage else doc["title"]
        facts = [doc["type"]] + ([doc["date"]] if doc["date"] else []) + [citation]
        summary = " · ".join(facts) + (f"\n\n{passage['text']}" if passage else "")
        _el(entry, "summary", summary, type="text")
    body = ET.tostring(root, encoding="unicode", xml_declaration=False)
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + body, mimetype="application/atom+xml")


def _indexed_at(searcher, doc_id: str) -> datetime | None:
    record = engine.document_file(searcher, doc_id) or {}
    try:
        when = datetime.fromisoformat(record.get("indexed") or "")
    except ValueError:
        return None
    return when if when.tzinfo else when.astimezone()


def _last_run_time() -> datetime:
    run = current_app.extensions["kamerzoek_store"].last_run() or {}
    try:
        return datetime.fromisoformat(run.get("finished") or "")
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=timezone.utc)
