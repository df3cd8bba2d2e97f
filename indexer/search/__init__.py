"""The search engine proper, shared by the CLI and the web app. One concern a module:

- ``request``    the request and its limits (SearchRequest, QueryError, date values)
- ``language``   the query language: lenient repair, Dutch operators, fields, date ranges
- ``synonyms``   the synonyms file
- ``rewrite``    compound joining, prefix/wildcard/fuzzy expansion, synonyms, compound parts
- ``parse``      text -> the plan (language, then rewrites, then whoosh_plan.to_plan)
- ``plan``       the query plan: our own immutable records, what crosses the engine seam
- ``engine``     the engine seam (Engine, Filters, ResultsPage, Matches) and open_engine()
- ``whoosh_engine`` the Whoosh engine, with its parts:
  ``whoosh_plan`` (plans to Whoosh queries and back), ``columns`` (per-segment arrays),
  ``evaluate`` (BM25F a block of postings at a time), ``scan`` (one cached pass per plan and
  index generation), ``rank`` (filters, facets and the order of documents)
- ``highlight``  marking the query's words and choosing the passage
- ``cite``       citations and links
- ``answer``     search() and document(): the answers the CLI and the web app show
- ``suggest``    "Bedoelde u …?"
- ``similar``    more like this
- ``overview``   the status overview

A QueryError carries a Dutch message that is safe to show a user (HTTP 400, exit 2).

How a search runs:
1. The query string is repaired where it is half-typed (with a notice), Dutch operators and
   field names are translated, and Whoosh parses it. The parsed query is then rewritten:
   phrases allow for the stop words they contained, date and year ranges become range
   queries, two words that form a compound in the index also look for the compound,
   prefix/wildcard/fuzzy terms are expanded (capped), synonyms are added, and every word is
   also looked up as a part of compounds ("~bestrijd"), with a weight so low that a document
   where the word stands alone ranks above one where it only occurs inside a compound.
2. One pass over the matching pages scores them (BM25F, as Whoosh does, but a block of
   postings at a time) and groups them by document, using per-segment column arrays: this
   gives the total, the facets (before ranking and paging) and the order. It is cached per
   query and index generation, so paging, sorting and facet clicks cost almost nothing.
3. The shown documents' best pages (at most three) become passages: highlighted, cited and
   linked. Words must occur on the same page to match together; NIET excludes documents.

Limits are read from ``indexer.search.request`` when a search runs (patch them there).
"""
from __future__ import annotations

from . import plan
from .answer import DOCUMENT_WINDOW, conjoin, document, document_file, document_paths, search, search_all
from .cite import MONTHS, citation, dutch_date, passage_link, short_vergaderjaar
from .columns import _generation_key, _leaves, _segment, _Segment
from .engine import (DocumentMatch, Engine, EngineConfigError, EngineUnavailable, Filters, Matches,
                     PageMatch, ResultsPage, as_engine, open_engine)
from .evaluate import _Evaluator
from .highlight import PASSAGE_LEAD, highlight_text, strip_marks
from .language import EMPTY_QUERY, FIELD_ALIASES
from .overview import generation, index_overview, status_data
from .parse import ParsedQuery, parse_query
from .request import (ARRIVED, EXPORT_CAP, MAX_EXPANSIONS, MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_LENGTH,
                      PART_WEIGHT, PASSAGE_CHARS, PASSAGES_PER_DOCUMENT, QUERY_TIME_LIMIT, SORTS,
                      SUGGEST_BELOW, TEXT_FIELDS, QueryError, SearchRequest, date_range,
                      parse_date_value, since_value)
from .rewrite import _Expansion
from .scan import _page_scores, _ranked, _scan, _Scan
from .similar import more_like_this
from .suggest import suggest
from .synonyms import DEFAULT_SYNONYMS, synonym_groups, synonyms_path
from .whoosh_plan import _Expansion, to_plan, to_whoosh

__all__ = [
    "DEFAULT_SYNONYMS", "EMPTY_QUERY", "EXPORT_CAP", "FIELD_ALIASES", "MAX_EXPANSIONS", "MAX_PAGE",
    "MAX_PER_PAGE", "MAX_QUERY_LENGTH", "MONTHS", "PART_WEIGHT", "PASSAGE_CHARS",
    "PASSAGE_LEAD", "PASSAGES_PER_DOCUMENT", "QUERY_TIME_LIMIT", "SORTS", "SUGGEST_BELOW",
    "TEXT_FIELDS", "DocumentMatch", "Engine", "EngineConfigError", "EngineUnavailable", "Filters",
    "Matches", "PageMatch", "ResultsPage", "as_engine", "open_engine", "plan", "to_plan", "to_whoosh",
    "conjoin", "ParsedQuery", "QueryError", "SearchRequest", "citation", "date_range",
    "DOCUMENT_WINDOW", "document", "document_paths", "dutch_date", "highlight_text", "index_overview",
    "more_like_this", "parse_date_value", "parse_query", "passage_link", "search",
    "short_vergaderjaar", "status_data", "search_all", "ARRIVED", "document_file", "generation", "since_value", "strip_marks", "suggest", "synonym_groups", "synonyms_path",
]
