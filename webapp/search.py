"""The web-facing part of search: request arguments to a SearchRequest, and links that keep them."""
from __future__ import annotations

from urllib.parse import urlencode

from indexer.search import MAX_PER_PAGE, QueryError, SearchRequest

# Arguments a search keeps when paging, filtering or switching language.
FILTER_KEYS = ("type", "year", "dossier", "from", "to", "sort", "synonyms", "per_page", "lang")


def _int(value: str, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise QueryError(f"'{name}' moet een geheel getal zijn.") from None


def request_from_args(args, per_page_cap: int = MAX_PER_PAGE) -> SearchRequest:
    """Build a SearchRequest from query-string arguments (the API, the page and the exports)."""
    q = (args.get("q") or "").strip()
    if not q:
        raise QueryError("Geef een zoekvraag op.")
    years = [_int(y, "year", 0) for y in args.getlist("year") if y]
    per_page = _int(args.get("per_page"), "per_page", 10)
    if not 1 <= per_page <= per_page_cap:
        raise QueryError(f"'per_page' moet tussen 1 en {per_page_cap} liggen.")
    return SearchRequest(
        q=q,
        page=_int(args.get("page"), "page", 1),
        per_page=per_page,
        sort=args.get("sort") or "relevance",
        types=[t for t in args.getlist("type") if t],
        years=years,
        dossiers=[d for d in args.getlist("dossier") if d],
        date_from=args.get("from") or None,
        date_to=args.get("to") or None,
        synonyms=args.get("synonyms", "1") not in ("0", "uit", "off", "false"),
    )


def state_args(args) -> list[tuple[str, str]]:
    """The query and its filters, as pairs to rebuild a URL from."""
    pairs = [("q", args.get("q"))] if args.get("q") else []
    for key in FILTER_KEYS:
        pairs.extend((key, v) for v in args.getlist(key) if v)
    return pairs


def url_with(args, path: str = "/", drop: tuple = (), **changes) -> str:
    """The current search's URL with some arguments changed, added (a list adds) or removed."""
    pairs = [(k, v) for k, v in state_args(args) if k not in changes and k not in drop]
    for key, value in changes.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            pairs.extend((key, str(v)) for v in value)
        else:
            pairs.append((key, str(value)))
    return f"{path}?{urlencode(pairs)}"


def toggle_filter(args, key: str, value) -> str:
    """A URL that adds the filter value, or removes it when it is already on; back to page 1."""
    current = args.getlist(key)
    value = str(value)
    values = [v for v in current if v != value] if value in current else current + [value]
    pairs = [(k, v) for k, v in state_args(args) if k != key]
    pairs.extend((key, v) for v in values)
    return f"/?{urlencode(pairs)}"


def active_filters(args) -> list[tuple[str, str]]:
    """The filters in force, as (key, value) pairs, for the chips that remove them."""
    return [(key, v) for key in ("type", "year", "dossier", "from", "to") for v in args.getlist(key) if v]


def with_lang(url: str, lang: str) -> str:
    """A link inside the site that keeps the English interface (its #anchor stays last)."""
    if lang != "en":
        return url
    path, hash_mark, anchor = url.partition("#")
    return f"{path}{'&' if '?' in path else '?'}lang=en{hash_mark}{anchor}"
