"""The pages and the JSON API."""
from __future__ import annotations

import os
import re
import time
import zlib
from pathlib import Path

from flask import (Blueprint, Response, abort, current_app, g, jsonify, render_template, request,
                   send_file)
from markupsafe import Markup

from indexer import names
from indexer import export as exports
from indexer import search as engine
from indexer.search import EXPORT_CAP, EngineUnavailable, QueryError, status_data
from indexer.store import IndexMissingError, StoreError

from .search import active_filters, request_from_args, toggle_filter, url_with, with_lang

bp = Blueprint("kamerzoek", __name__)
DOC_ID = re.compile(r"^[0-9a-f]{16}$")


def search_engine():
    """The engine behind the app (its searchers follow each commit)."""
    return current_app.extensions["kamerzoek_engine"]


def store():
    return current_app.extensions["kamerzoek_store"]


@bp.app_context_processor
def helpers():
    lang = g.get("lang", "nl")
    return {"url_with": lambda **kw: url_with(request.args, **kw),
            "toggle_filter": lambda key, value: toggle_filter(request.args, key, value),
            "active_filters": lambda: active_filters(request.args),
            "with_lang": lambda url: with_lang(url, lang),
            "t": g.get("t"), "lang": lang, "request_id": g.get("request_id"),
            "document_link": document_link}


SHORT_LINE = 60


@bp.app_template_filter("paragraphs")
def paragraphs(markup: str) -> Markup:
    """A page's highlighted text as paragraphs that reflow on any screen width.

    Blank lines end a paragraph. A line break inside one is kept only after a short
    line (a heading, list item, table row or address line); the line breaks of a
    PDF's running text become spaces, so the text rewraps on a phone. The input is
    the highlighter's output: escaped text with <mark>, nothing else."""
    out = []
    for block in re.split(r"\n[ \t\f\v]*\n\s*", str(markup).strip()):
        lines = [line.strip() for line in block.split("\n")]
        html = lines[0]
        for before, line in zip(lines, lines[1:]):
            short = len(re.sub(r"</?mark>", "", before)) < SHORT_LINE
            html += ("<br>" if short else " ") + line
        if html:
            out.append(f"<p>{html}</p>")
    return Markup("\n".join(out))


@bp.app_template_filter("long_date")
def long_date(value) -> str:
    """2019-06-24 as '24 juni 2019' (or '24 June 2019'); anything else as it is."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", str(value or ""))
    if not m or not 1 <= int(m.group(2)) <= 12:
        return str(value or "")
    month = g.t("months").split()[int(m.group(2)) - 1]
    return f"{int(m.group(3))} {month} {m.group(1)}"


@bp.app_template_filter("source_url")
def source_url(url) -> str | None:
    """A document's source address, only when it is a web address (never javascript: or data:)."""
    if isinstance(url, str) and re.match(r"^https?://[^\s\"'<>]+$", url, re.IGNORECASE):
        return url
    return None


def _answer(args, per_page_cap=None):
    """Run a search for request arguments; (answer, error message, status)."""
    try:
        kwargs = {"per_page_cap": per_page_cap} if per_page_cap else {}
        search_request = request_from_args(args, **kwargs)
        return _for_people(engine.search(search_engine(), search_request)), None, 200
    except QueryError as e:
        return None, g.t.message(str(e)), 400
    except IndexMissingError as e:
        current_app.logger.warning("request %s: no index: %s", g.request_id, e)
        return None, g.t("error_no_index"), 503
    except EngineUnavailable as e:
        current_app.logger.error("request %s: index unavailable: %s", g.request_id, e, exc_info=True)
        return None, g.t("error_index_unavailable", request_id=g.request_id), 503


def _for_people(data: dict) -> dict:
    """Names as people read them: bytes that are not UTF-8 as \\xff, a newline as \\n."""
    data = names.shown_tree(data)
    for doc in data.get("results", []):
        if doc.get("path") is not None:
            doc["path"] = names.shown(doc["path"])
        doc["paths"] = [names.shown(p) for p in doc.get("paths", [])]
    for key in ("failures", "needs_ocr", "stale"):
        for item in data.get(key) or []:
            if isinstance(item, dict) and "path" in item:
                item["path"] = names.shown(item["path"])
    run = data.get("last_run") or {}
    for item in run.get("unreadable", []):
        item["path"] = names.shown(item["path"])
    for key in ("added", "changed", "removed", "moved", "stale", "partial", "roots"):
        if isinstance(run.get(key), list):
            run[key] = [names.shown(p) if isinstance(p, str) else p for p in run[key]]
    return data


@bp.get("/")
def index():
    """The search page, with results when there is a query."""
    q = request.args.get("q", "")
    answer, error, status = (None, None, 200)
    if q.strip():
        answer, error, status = _answer(request.args)
    return render_template("search.html", q=q, answer=answer, error=error,
                           args=request.args), status


@bp.get("/api/search")
def api_search():
    """Search as JSON."""
    answer, error, status = _answer(request.args)
    if error:
        return jsonify({"error": error}), status
    return jsonify(answer)


@bp.get("/document/<doc_id>")
def document(doc_id):
    """One document, every page, the query's words highlighted."""
    if not DOC_ID.match(doc_id):
        abort(404)
    q = request.args.get("q", "")
    synonyms = request.args.get("synonyms", "1") not in ("0", "uit", "off")
    try:
        s = search_engine()
        if not any(store().inside(p) for p in engine.document_paths(s, doc_id)):
            abort(404)  # the same rule as /original: nothing from outside the indexed folders
        doc = engine.document(s, doc_id, q=q[:engine.MAX_QUERY_LENGTH], synonyms=synonyms,
                              page=_page_arg(), window=engine.DOCUMENT_WINDOW)
        similar = engine.more_like_this(s, doc_id) if doc else []
    except EngineUnavailable:
        abort(404)
    if doc is None:
        abort(404)
    doc = _for_people(doc)
    doc["paths"] = [names.shown(p) for p in doc.get("paths", [])]
    return render_template("document.html", doc=doc, q=q, similar=_for_people({"results": similar})["results"])


def _page_arg() -> int:
    """?page=N of the document page: a page number, anything else is the first page."""
    value = request.args.get("page", "")
    return int(value) if value.isdigit() and len(value) < 10 else 1


def document_link(doc_id: str, page: int, q: str = "", **extra) -> str:
    """A link to a page of a document: ?page=N opens the window holding it, #pN the page."""
    from urllib.parse import urlencode
    args = {"q": q} if q else {}
    args.update({k: v for k, v in extra.items() if v})
    args["page"] = page
    return f"/document/{doc_id}?{urlencode(args)}#p{page}"


@bp.get("/original/<doc_id>")
def original(doc_id):
    """The original file, served only from inside the indexed folders."""
    if not DOC_ID.match(doc_id):
        abort(404)
    try:
        paths = engine.document_paths(search_engine(), doc_id)
    except EngineUnavailable:
        abort(404)
    for path in paths:
        real = os.path.realpath(path)
        if store().inside(path) and os.path.isfile(real):
            if "," in request.headers.get("Range", ""):
                # Several ranges at once would need a multipart answer: the whole file is a
                # correct answer to any Range request (RFC 9110), a 416 is not.
                request.environ.pop("HTTP_RANGE", None)
            info = os.stat(real)
            # Our own ETag: Werkzeug's encodes the path as UTF-8, which a name's odd bytes are not.
            etag = f"{info.st_mtime}-{info.st_size}-{zlib.adler32(names.fs_bytes(real)) & 0xFFFFFFFF}"
            response = send_file(real, conditional=True, etag=etag,
                                 download_name=names.download_name(Path(path).name))
            response.headers["Content-Disposition"] = content_disposition(Path(path).name)
            return response
    abort(404)


def content_disposition(name: str, disposition: str = "inline") -> str:
    """RFC 6266: an ASCII `filename` for old clients and the exact name as `filename*`;
    never a newline or a quote that could end the header or the parameter."""
    from urllib.parse import quote
    name = names.download_name(name)
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\%;' else "_" for c in name)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@bp.get("/status")
def status_page():
    """What the index holds and how the last run went."""
    try:
        data = _for_people(status_data(search_engine()))
    except (StoreError, EngineUnavailable) as e:
        current_app.logger.error("request %s: index unavailable: %s", g.request_id, e)
        return render_template("error.html", status=503, key="no_index", detail=str(e)), 503
    except Exception:  # a damaged segment (zlib, struct, pickle errors): not a 500
        current_app.logger.error("request %s: index unreadable", g.request_id, exc_info=True)
        return render_template("error.html", status=503, key="index_damaged"), 503
    return render_template("status.html", data=data)


@bp.get("/api/status")
def api_status():
    """The status as JSON."""
    try:
        return jsonify(_for_people(status_data(search_engine())))
    except (StoreError, EngineUnavailable) as e:
        current_app.logger.error("request %s: index unavailable: %s", g.request_id, e)
        return jsonify({"error": str(e), "request_id": g.request_id}), 503
    except Exception:  # a damaged segment: not a 500
        current_app.logger.error("request %s: index unreadable", g.request_id, exc_info=True)
        return jsonify({"error": g.t("error_index_unavailable", request_id=g.request_id),
                        "request_id": g.request_id}), 503


@bp.get("/help")
def help_page():
    """The query syntax, with examples."""
    return render_template("help.html")


def _export(args):
    """The request, the answer (up to the export cap) and the provenance of an export."""
    export_args = _export_args(args)
    answer, error, status = _answer(export_args, per_page_cap=EXPORT_CAP)
    if error:
        return None, None, error, status
    search_request = request_from_args(export_args, per_page_cap=EXPORT_CAP)
    s = search_engine()
    prov = None
    if args.get("provenance", "1") not in ("0", "uit", "off", "false"):
        prov = exports.provenance(search_request, answer, engine.generation(s), s.info().get("last_run"))
        prov["cap"] = EXPORT_CAP
        prov["truncated"] = answer["total"] > EXPORT_CAP
    return answer, prov, None, 200


def _export_args(args):
    from werkzeug.datastructures import MultiDict
    pairs = [(k, v) for k, v in args.items(multi=True) if k not in ("page", "per_page")]
    pairs += [("page", "1"), ("per_page", str(EXPORT_CAP))]
    return MultiDict(pairs)


EXPORT_FIELDS = exports.FIELDS


@bp.get("/export.csv")
def export_csv():
    """All results of a query (up to the cap), one row per passage, as CSV with its provenance."""
    answer, prov, error, status = _export(request.args)
    if error:
        return jsonify({"error": error}), status
    rows = exports.passage_rows(answer["results"], request.host_url.rstrip("/"))
    return Response("".join(exports.csv_lines(rows, prov)), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="kamerzoek.csv"'})


@bp.get("/export.json")
def export_json():
    """All results of a query (up to the cap), one object per passage, as JSON with its provenance."""
    answer, prov, error, status = _export(request.args)
    if error:
        return jsonify({"error": error}), status
    rows = exports.passage_rows(answer["results"], request.host_url.rstrip("/"))
    body = "".join(exports.json_stream({"query": request.args.get("q")}, prov, "passages", rows))
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="kamerzoek.json"'})
