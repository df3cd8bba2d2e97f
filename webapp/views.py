"""The pages and the JSON API."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import time
from pathlib import Path

from flask import (Blueprint, Response, abort, current_app, g, jsonify, render_template, request,
                   send_file)
from markupsafe import Markup

from indexer import engines
from indexer import search as engine
from indexer.search import EXPORT_CAP, QueryError, status_data
from indexer.store import IndexMissingError, StoreError

from .search import active_filters, request_from_args, toggle_filter, url_with, with_lang

bp = Blueprint("kamerzoek", __name__)
DOC_ID = re.compile(r"^[0-9a-f]{16}$")


def searcher():
    """This thread's searcher, refreshed after each commit."""
    return current_app.extensions["kamerzoek_searchers"].get()


def store():
    return current_app.extensions["kamerzoek_store"]


@bp.app_context_processor
def helpers():
    lang = g.get("lang", "nl")
    return {"url_with": lambda **kw: url_with(request.args, **kw),
            "toggle_filter": lambda key, value: toggle_filter(request.args, key, value),
            "active_filters": lambda: active_filters(request.args),
            "with_lang": lambda url: with_lang(url, lang),
            "t": g.get("t"), "lang": lang, "request_id": g.get("request_id")}


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
        return engines.run_search(searcher(), search_request), None, 200
    except QueryError as e:
        return None, str(e), 400
    except IndexMissingError as e:
        current_app.logger.warning("request %s: no index: %s", g.request_id, e)
        return None, g.t("error_no_index"), 503
    except StoreError as e:
        current_app.logger.error("request %s: index unavailable: %s", g.request_id, e, exc_info=True)
        return None, g.t("error_index_unavailable", request_id=g.request_id), 503


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
        s = searcher()
        doc = engine.document(s, doc_id, q=q[:engine.MAX_QUERY_LENGTH], synonyms=synonyms)
        similar = engines.similar_documents(s, doc_id) if doc else []
    except StoreError:
        abort(404)
    if doc is None:
        abort(404)
    return render_template("document.html", doc=doc, q=q, similar=similar)


@bp.get("/original/<doc_id>")
def original(doc_id):
    """The original file, served only from inside the indexed folders."""
    if not DOC_ID.match(doc_id):
        abort(404)
    try:
        paths = engine.document_paths(searcher(), doc_id)
    except StoreError:
        abort(404)
    roots = [os.path.realpath(r) for r in store().roots()]
    for path in paths:
        real = os.path.realpath(path)
        inside = any(real == r or real.startswith(r.rstrip("/") + "/") for r in roots)
        if inside and os.path.isfile(real):
            return send_file(real, download_name=Path(path).name, conditional=True)
    abort(404)


@bp.get("/status")
def status_page():
    """What the index holds and how the last run went."""
    try:
        data = status_data(store())
    except StoreError as e:
        return render_template("error.html", status=503, key="no_index", detail=str(e)), 503
    return render_template("status.html", data=data)


@bp.get("/api/status")
def api_status():
    """The status as JSON."""
    try:
        return jsonify(status_data(store()))
    except StoreError as e:
        return jsonify({"error": str(e)}), 503


@bp.get("/help")
def help_page():
    """The query syntax, with examples."""
    return render_template("help.html")


def _export_rows(args):
    """Every passage of every result, up to the export cap, as flat rows."""
    answer, error, status = _answer(_export_args(args), per_page_cap=EXPORT_CAP)
    if error:
        return None, error, status
    rows = []
    base = request.host_url.rstrip("/")
    for doc in answer["results"]:
        for passage in doc["passages"]:
            rows.append({
                "doc_id": doc["doc_id"], "title": doc["title"], "type": doc["type"],
                "date": doc["date"], "dossier": doc["dossier"], "number": doc["number"],
                "vergaderjaar": doc["vergaderjaar"], "page": passage["page"],
                "text": passage["text"], "citation": passage["citation"],
                "link": base + passage["link"], "path": doc["path"],
            })
    return rows, None, 200


def _export_args(args):
    from werkzeug.datastructures import MultiDict
    pairs = [(k, v) for k, v in args.items(multi=True) if k not in ("page", "per_page")]
    pairs += [("page", "1"), ("per_page", str(EXPORT_CAP))]
    return MultiDict(pairs)


EXPORT_FIELDS = ["doc_id", "title", "type", "date", "dossier", "number", "vergaderjaar", "page",
                 "text", "citation", "link", "path"]


@bp.get("/export.csv")
def export_csv():
    """All results of a query, one row per passage, as CSV."""
    rows, error, status = _export_rows(request.args)
    if error:
        return jsonify({"error": error}), status
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for row in rows:
        # A cell starting with = + - @ is a formula to a spreadsheet: neutralise it.
        writer.writerow({k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@\t\r" else v)
                         for k, v in row.items()})
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="kamerzoek.csv"'})


@bp.get("/export.json")
def export_json():
    """All results of a query, one object per passage, as JSON."""
    rows, error, status = _export_rows(request.args)
    if error:
        return jsonify({"error": error}), status
    body = json.dumps({"query": request.args.get("q"), "count": len(rows), "passages": rows},
                      ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="kamerzoek.json"'})
