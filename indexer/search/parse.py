"""From the text a user typed to the query that runs: the language, then the rewrites."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from whoosh import query

from ..schema import build_schema
from . import plan
from .language import (_PLACEHOLDER, EMPTY_QUERY, _check_field_values, _fix_phrases, _lenient,
                       _only_negative, _parse, _put_ranges, _translate)
from .request import MAX_QUERY_LENGTH, QueryError
from .rewrite import _add_parts, _expand_multiterms, _expand_synonyms, _join_compounds, _raw_multiterms
from .whoosh_plan import to_plan


@lru_cache(maxsize=1)
def query_schema():
    """The schema the parser analyses with: the index's own (schema.py), built once."""
    return build_schema()


@dataclass
class ParsedQuery:
    plan: plan.Node | None     # None when empty
    notices: list[str]
    expansions: list[dict]
    highlight_terms: frozenset
    empty: bool = False        # only stop words: nothing to search for


def parse_query(text: str, dictionary=None, synonyms: bool = True,
                deadline: float | None = None) -> ParsedQuery:
    """Parse a user's query into a plan, leniently, with notices on how it was read.

    With a term dictionary (an engine), prefix, wildcard and fuzzy terms are expanded (capped),
    and words are also looked up as parts of compounds. Whoosh's parser reads the text; its
    tree is rewritten and then turned into the plan."""
    schema = query_schema()
    text = (text or "").strip()
    if not text:
        raise QueryError(EMPTY_QUERY)
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"De zoekvraag is te lang (maximaal {MAX_QUERY_LENGTH} tekens).")
    notices: list[str] = []
    text = _lenient(text, notices)
    ranges: list[query.Query] = []
    translated = _translate(text, ranges).strip()
    if not re.search(r"\w", translated):
        raise QueryError(EMPTY_QUERY)
    q = _parse(schema, translated)
    if q is query.NullQuery:
        # '-inmenging' alone parses to nothing: read it as 'everything except inmenging'.
        ranges.append(query.Every())
        translated = f"id:{_PLACEHOLDER}{len(ranges) - 1} {translated}"
        q = _parse(schema, translated)
        if isinstance(q, query.Term) and q.fieldname == "id":
            q = query.NullQuery  # nothing but stop words
    q = _fix_phrases(q, translated)
    q = _put_ranges(q, ranges)
    _check_field_values(q)
    q = _only_negative(q)
    expansions: list[dict] = []
    if dictionary is not None:
        q = _join_compounds(q, translated, dictionary)
        q = _expand_multiterms(q, dictionary, _raw_multiterms(translated, schema), notices, deadline)
    if synonyms:
        q = _expand_synonyms(q, expansions)
    if dictionary is not None:
        q = _add_parts(q, dictionary)
    q = q.normalize()
    if q is query.NullQuery or isinstance(q, query.NullQuery.__class__):
        notices.append("De zoekvraag bevat alleen veelvoorkomende woorden (zoals 'de', 'het', 'is'); "
                       "probeer specifiekere woorden.")
        return ParsedQuery(None, notices, expansions, frozenset(), empty=True)
    parsed = to_plan(q)
    return ParsedQuery(parsed, notices, expansions, frozenset(plan.positive_terms(parsed)))
