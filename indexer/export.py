"""Exports that can be traced back: CSV and JSON rows of a search with their provenance.

Provenance names the query as typed and as read (with its expansions), the filters and the
sort, Kamerzoek's version, the schema and analyzer versions, the index generation and the
time of the index's last run. In JSON it is the top-level `provenance` object; in CSV the
same keys come first as `# key: value` lines, before the header row.

The same query on the same index generation gives the same rows in the same order: the
ranking breaks ties by doc_id, passages by page. No time of export is written, so the same
export is the same file. Used by the web app's /export.csv and
/export.json and by `kamerzoek search --csv/--json`.
"""
from __future__ import annotations

import csv
import io
import json
from importlib import metadata
from typing import Iterable, Iterator

FIELDS = ["doc_id", "title", "type", "date", "dossier", "number", "vergaderjaar", "page",
          "text", "citation", "link", "path"]
#: The order of the provenance keys (CSV lines and JSON object alike).
PROVENANCE_KEYS = ["query", "read_as", "expansions", "notice", "filters", "sort", "kamerzoek_version",
                   "schema_version", "analyzer_version", "index_generation", "index_last_run"]


def kamerzoek_version() -> str:
    try:
        return metadata.version("kamerzoek")
    except metadata.PackageNotFoundError:
        return "onbekend"


def provenance(request, head: dict, generation: int | None, last_run: dict | None) -> dict:
    """Where an export comes from: `request` a SearchRequest, `head` the search's answer
    (its expansions, notices and read_as)."""
    filters = {"type": list(request.types), "year": list(request.years), "dossier": list(request.dossiers),
               "from": request.date_from, "to": request.date_to, "since": request.since,
               "synonyms": request.synonyms}
    from .schema import versions
    v = versions()
    return {
        "query": request.q,
        "read_as": head.get("read_as"),
        "expansions": [{"term": e.get("term"), "added": list(e.get("added", []))} for e in head.get("expansions", [])],
        "notice": head.get("notice"),
        "filters": filters,
        "sort": request.sort,
        "kamerzoek_version": kamerzoek_version(),
        "schema_version": v["schema"],
        "analyzer_version": v["analyzer"],
        "index_generation": generation,
        "index_last_run": (last_run or {}).get("finished"),
    }


def passage_rows(documents: Iterable[dict], base_url: str = "") -> Iterator[dict]:
    """One flat row per passage of each document, in the documents' order."""
    for doc in documents:
        for passage in doc["passages"]:
            yield {
                "doc_id": doc["doc_id"], "title": doc["title"], "type": doc["type"],
                "date": doc["date"], "dossier": doc["dossier"], "number": doc["number"],
                "vergaderjaar": doc["vergaderjaar"], "page": passage["page"],
                "text": passage["text"], "citation": passage["citation"],
                "link": base_url + passage["link"], "path": doc["path"],
            }


def _safe(value):
    # A cell starting with = + - @ (or a tab or carriage return) is a formula to a spreadsheet.
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _provenance_value(value) -> str:
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False, sort_keys=False)
    return " ".join(str("" if value is None else value).split())


def csv_lines(rows: Iterable[dict], prov: dict | None) -> Iterator[str]:
    """The CSV as text chunks: a byte-order mark (spreadsheets then read UTF-8), the provenance
    lines unless `prov` is None, the header, then one line per row as the rows come."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\r\n")

    def flush() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    head = "\ufeff"
    if prov is not None:
        keys = PROVENANCE_KEYS + [k for k in prov if k not in PROVENANCE_KEYS]
        head += "".join(f"# {key}: {_provenance_value(prov.get(key))}\r\n" for key in keys)
    writer.writeheader()
    yield head + flush()
    for row in rows:
        writer.writerow({k: _safe(v) for k, v in row.items()})
        yield flush()


def json_stream(head: dict, prov: dict | None, key: str, items: Iterable[dict],
                indent: int | None = 1) -> Iterator[str]:
    """One JSON object as text chunks: `provenance` first (unless None), the head's keys, then
    `key` holding the items, each written as it comes, then `count`."""
    def dump(value) -> str:
        return json.dumps(value, ensure_ascii=False, indent=indent)

    parts = {"provenance": prov} if prov is not None else {}
    parts.update(head)
    opening = dump(parts)[:-1].rstrip()  # the object without its closing brace
    yield opening + ("," if parts else "") + f'\n "{key}": ['
    count = 0
    for item in items:
        yield ("," if count else "") + "\n  " + dump(item).replace("\n", "\n  ")
        count += 1
    yield f'\n ],\n "count": {count}\n}}\n'
