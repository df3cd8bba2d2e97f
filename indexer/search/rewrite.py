"""Rewriting a parsed query: two words that form a compound in the index also look for the
compound, prefix/wildcard/fuzzy terms become their (capped) expansions, synonyms are added,
and every word is also looked up as a part of compounds, weighted low.

``dictionary`` is the term dictionary to consult: an engine (engine.Engine: doc_count,
doc_frequency, expand)."""
from __future__ import annotations

import math
import re
import time

from whoosh import query

from ..analysis import PART_PREFIX, analyze, fold
from . import request as limits
from . import plan
from .expand import MAX_FUZZY_DISTANCE
from .language import _nothing, _outside_quotes, _plain_term
from .request import PART_WEIGHT, TEXT_FIELDS
from .synonyms import _synonym_index, _Variant, synonym_groups
from .whoosh_plan import _Expansion, to_plan


def _join_compounds(q: query.Query, text: str, dictionary) -> query.Query:
    """'terrorisme bestrijding': also the compound the two words make, when the index has it."""
    if isinstance(q, query.And):
        children = list(q.subqueries)
        out, i, changed = [], 0, False
        while i < len(children):
            a = children[i]
            b = children[i + 1] if i + 1 < len(children) else None
            joined = _compound_of(a, b, text, dictionary) if b is not None else None
            if joined is not None:
                out.append(query.Or([query.And([a, b]), query.Term("content", joined)]))
                i += 2
                changed = True
            else:
                out.append(_join_compounds(a, text, dictionary))
                i += 1
        return q.__class__(out, boost=q.boost) if changed else q.apply(lambda c: _join_compounds(c, text, dictionary))
    if isinstance(q, query.Not):
        return q
    if q.children():
        return q.apply(lambda c: _join_compounds(c, text, dictionary))
    return q


def _compound_of(a, b, text: str, dictionary) -> str | None:
    if not (_plain_term(a) and _plain_term(b)):
        return None
    spans = [getattr(n, "startchar", None) for n in (a, b)] + [getattr(n, "endchar", None) for n in (a, b)]
    if None in spans:
        return None
    a_start, b_start, a_end, b_end = spans
    if text[a_end:b_start].strip():
        return None
    first, second = text[a_start:a_end], text[b_start:b_end]
    if not (first.isalpha() and second.isalpha()):
        return None
    for linker in ("", "s", "e", "en"):
        terms = analyze(fold((first + linker + second).lower()))
        if len(terms) == 1 and dictionary.doc_frequency("content", terms[0]):
            return terms[0]
    return None


def _expand_multiterms(q: query.Query, dictionary, raw: dict, notices: list[str],
                       deadline: float | None, budget: list | None = None) -> query.Query:
    """Prefix, wildcard and fuzzy terms as explicit alternatives, capped, with a notice when cut.

    Each pattern gives at most MAX_EXPANSIONS terms, the whole query at most
    MAX_QUERY_EXPANSIONS: what a query costs to rewrite, normalise, score and highlight grows
    with its number of terms."""
    if budget is None:
        budget = [limits.MAX_QUERY_EXPANSIONS, False]  # terms left; whether the notice was given
    if isinstance(q, query.FuzzyTerm) and q.maxdist > MAX_FUZZY_DISTANCE:
        word = raw.get((q.fieldname, f"{q.text}~"), q.text)
        notices.append(f"'{word}~{q.maxdist}': de afstand is hoogstens {MAX_FUZZY_DISTANCE}; "
                       f"gezocht als '{word}~{MAX_FUZZY_DISTANCE}'.")
        q = query.FuzzyTerm(q.fieldname, q.text, boost=q.boost, maxdist=MAX_FUZZY_DISTANCE,
                            prefixlength=q.prefixlength, constantscore=q.constantscore)
    if isinstance(q, (query.Prefix, query.Wildcard, query.FuzzyTerm)) and q.fieldname in TEXT_FIELDS:
        typed = raw.get((q.fieldname, q.text + "*" if isinstance(q, query.Prefix) else q.text), "")
        terms: dict[str, float] = {}
        capped = late = False
        for variant, weight in _multiterm_variants(q, typed):
            if budget[0] <= 0:
                if not budget[1]:
                    budget[1] = True
                    notices.append(f"De zoekvraag staat voor meer dan {limits.MAX_QUERY_EXPANSIONS} woorden; "
                                   f"alleen de eerste {limits.MAX_QUERY_EXPANSIONS} zijn gebruikt.")
                break
            found, cut, timed_out = _expand_one(variant, dictionary, deadline,
                                                min(limits.MAX_EXPANSIONS, budget[0]))
            capped, late = capped or (cut and budget[0] >= limits.MAX_EXPANSIONS), late or timed_out
            budget[0] -= len(found)
            for term in found:
                terms.setdefault(term, weight)
        shown = typed or q.text + ("*" if isinstance(q, query.Prefix) else "")
        if capped:
            notices.append(f"'{shown}' past op meer dan {limits.MAX_EXPANSIONS} woorden; "
                           f"alleen de eerste {limits.MAX_EXPANSIONS} zijn gebruikt.")
        elif late:
            notices.append(f"'{shown}' is niet volledig uitgebreid: de zoekvraag duurde te lang.")
        if not terms:
            return _nothing(q.fieldname)
        return _Expansion([query.Term(q.fieldname, t, boost=q.boost * w) for t, w in terms.items()])
    if q.children():
        return q.apply(lambda c: _expand_multiterms(c, dictionary, raw, notices, deadline, budget))
    return q


def _raw_multiterms(text: str, schema) -> dict:
    """(field, text as the parser made it) -> the pattern as typed, for prefix and wildcard terms:
    the parser runs them through the stemmer, which does not know about patterns."""
    out = {}
    for piece, quoted in _outside_quotes(text):
        if quoted:
            continue
        for m in re.finditer(r'[^\s()"]*[*?][^\s()"]*', piece):
            fieldname, _, word = m.group(0).rpartition(":")
            fieldname = fieldname or "content"
            if fieldname not in TEXT_FIELDS or not word:
                continue
            field_ = schema[fieldname]
            for pattern, suffix in ((word, ""), (word[:-1], "*")):
                processed = list(field_.process_text(pattern, mode="query", tokenize=False)) if pattern else []
                if processed:
                    out.setdefault((fieldname, processed[0] + suffix), word)
        # Fuzzy words as typed, for the notice that caps their distance: (field, stem + "~").
        for m in re.finditer(r'(?<![^\s(])([^\s()"~*?]+)~\d', piece):
            fieldname, _, word = m.group(1).rpartition(":")
            fieldname = fieldname or "content"
            if fieldname in TEXT_FIELDS and word:
                for term in field_terms(schema[fieldname], word):
                    out.setdefault((fieldname, term + "~"), word)
    return out


def field_terms(field_, word: str) -> list[str]:
    try:
        return list(field_.process_text(word, mode="query", tokenize=False))
    except Exception:  # a word the analyzer cannot take: no notice text for it
        return []


def _multiterm_variants(q: query.Query, typed: str) -> list[tuple[query.Query, float]]:
    """The patterns to expand. Fuzzy: the analysed word. Wildcard and prefix: what was typed
    (folded) and what the parser made of it (the stem of 'terugkeer' is 'terugker', no prefix of
    'terugkeerder'); a prefix also as a compound part, so 'bestrijd*' finds
    'terrorismebestrijding' too, weighted like a part."""
    fieldname = q.fieldname
    if isinstance(q, query.FuzzyTerm):
        stem = fold(q.text.lower())
        return [(query.FuzzyTerm(fieldname, stem, maxdist=q.maxdist, prefixlength=q.prefixlength), 1.0)]
    texts = [fold(q.text.lower())]
    raw = fold(typed.lower())
    if isinstance(q, query.Prefix):
        raw = raw.rstrip("*")
    if raw and raw not in texts:
        texts.insert(0, raw)
    if isinstance(q, query.Wildcard):
        return [(query.Wildcard(fieldname, t), 1.0) for t in texts]
    return ([(query.Prefix(fieldname, t), 1.0) for t in texts]
            + [(query.Prefix(fieldname, PART_PREFIX + t), PART_WEIGHT) for t in texts])


def _expand_one(q: query.Query, dictionary, deadline: float | None,
                limit: int | None = None) -> tuple[list[str], bool, bool]:
    """The terms one prefix, wildcard or fuzzy pattern stands for (at most MAX_EXPANSIONS), whether
    the cap cut the list, and whether the deadline did. See expand.py: no automaton is built."""
    part = q.text.startswith(PART_PREFIX)

    def same_kind(word: str) -> bool:
        return word.startswith(PART_PREFIX) == part

    limit = limits.MAX_EXPANSIONS if limit is None else limit
    pattern = to_plan(q)
    if isinstance(pattern, plan.Fuzzy):
        # The first letter is kept (as "Bedoelde u" does): walking the whole term dictionary
        # for every fuzzy word costs seconds at 100,000 pages, typos in the first letter are rare.
        pattern = pattern.replace(prefix=max(1, pattern.prefix))
    try:
        got = dictionary.expand(pattern, limit, deadline, same_kind)
    except (re.error, ValueError):  # a pattern that cannot run finds nothing
        return [], False, False
    return got.terms, got.capped, got.timed_out


def _expand_synonyms(q: query.Query, expansions: list[dict]) -> query.Query:
    index = _synonym_index(synonym_groups())
    if not index:
        return q
    longest = max(len(k) for k in index)

    def alternatives(key: tuple[str, ...], node: query.Query, fieldname: str) -> query.Query | None:
        entry = index.get(key)
        if not entry:
            return None
        label, others = entry
        added = [o.text for o in others]
        if not any(e["term"] == label for e in expansions):
            expansions.append({"term": label, "added": added})
        return query.Or([node] + [_variant_query(o, fieldname) for o in others])

    def walk(node: query.Query) -> query.Query:
        if isinstance(node, (query.Not, _Expansion)):
            return node  # never widen what is excluded
        if _plain_term(node) or (type(node) is query.Term and node.fieldname == "title"):
            return alternatives((node.text,), node, node.fieldname) or node
        if isinstance(node, query.Phrase) and node.fieldname in TEXT_FIELDS:
            return alternatives(tuple(node.words), node, node.fieldname) or node
        if isinstance(node, query.And) and len(node.subqueries) > 1:
            return walk_and(node)
        if isinstance(node, query.AndNot):
            return query.AndNot(walk(node.a), node.b)
        if node.children():
            return node.apply(walk)
        return node

    def walk_and(node: query.And) -> query.Query:
        # Words typed one after the other without quotes ("Islamitische Staat") can be a variant too.
        children = list(node.subqueries)
        out, i = [], 0
        while i < len(children):
            for size in range(min(longest, len(children) - i), 1, -1):
                run = children[i:i + size]
                if all(_plain_term(c) for c in run):
                    alt = alternatives(tuple(c.text for c in run), query.And(run), "content")
                    if alt is not None:
                        out.append(alt)
                        i += size
                        break
            else:
                out.append(walk(children[i]))
                i += 1
        return node.__class__(out, boost=node.boost)

    return walk(q)


def _variant_query(variant: _Variant, fieldname: str) -> query.Query:
    if len(variant.terms) == 1:
        return query.Term(fieldname, variant.terms[0])
    return query.Phrase(fieldname, list(variant.terms), slop=variant.slop)


def _add_parts(q: query.Query, dictionary) -> query.Query:
    """Each word also as a part of compounds, weighted so the word standing alone ranks first."""
    if isinstance(q, (query.Not, _Expansion)):
        return q
    if isinstance(q, query.AndNot):
        return query.AndNot(_add_parts(q.a, dictionary), q.b)
    if type(q) is query.Term and q.fieldname in TEXT_FIELDS and not q.text.startswith(PART_PREFIX):
        part = PART_PREFIX + q.text
        part_df = dictionary.doc_frequency(q.fieldname, part)
        if not part_df:
            return q
        total = max(1, dictionary.doc_count())
        word_idf = math.log(total / (dictionary.doc_frequency(q.fieldname, q.text) + 1)) + 1
        part_idf = math.log(total / (part_df + 1)) + 1
        weight = PART_WEIGHT * min(1.0, word_idf / part_idf)
        return query.Or([q, query.Term(q.fieldname, part, boost=q.boost * weight)])
    if q.children():
        return q.apply(lambda c: _add_parts(c, dictionary))
    return q
