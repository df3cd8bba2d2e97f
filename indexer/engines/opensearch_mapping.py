"""The OpenSearch mapping and the encoding of Kamerzoek's terms (the index: opensearch.py).

Kamerzoek keeps one analyzer. Pages are sent to OpenSearch already analysed by
``indexer.analysis`` (the same tokens the Whoosh schema indexes), so both engines match the
same pages by construction:

  content        the page's main terms, in order, at their Whoosh positions (a stop word's
                 position holds a filler token that the field's analyzer drops, leaving the
                 same gap), so phrase queries with slop behave as in Whoosh; then the compound
                 and hyphen part terms (Whoosh's "~term"), which count in the length as in Whoosh
  title_terms    the same for the title
  furniture      the terms of the page's running headers and footers (indexed apart from content,
                 see schema.py): matched with boost 0, so they find a page and score nothing
  vocab          the page's distinct terms as keywords: the term dictionary for prefix,
                 wildcard and fuzzy expansion and for suggestions
  text           the page text itself, for Kamerzoek's own highlighting
  tf, content_length, title_length
                 each term's occurrences and the fields' lengths, stored: the best candidates
                 are scored again in Python exactly as Whoosh scores them (opensearch_rescore.py)

Terms are encoded so OpenSearch's standard tokenizer keeps each one whole: letters a-z and
digits stay, any other character becomes ``_<hex>_`` (``2020-2021`` -> ``2020_2d_2021``).
"""
from __future__ import annotations

from ..schema import versions

#: Bumped when the mapping or the encoding of terms changes; stored in the index's _meta.
MAPPING_VERSION = 5     # 4: tf, content_length and title_length, for Whoosh's scores; 5: furniture
FILLER = "_0_"          # never an encoded term: the analyzer makes no NUL character
RECORD_TOKEN = "_1_"    # nor this one (U+0001): the content of a record that is no page
K1, B = 1.2, 0.75       # Whoosh's BM25F defaults


def encode(term: str) -> str:
    out = []
    for ch in term:
        if "a" <= ch <= "z" or "0" <= ch <= "9":
            out.append(ch)
        else:
            out.append(f"_{ord(ch):x}_")
    return "".join(out)


def decode(token: str) -> str:
    out, i = [], 0
    while i < len(token):
        if token[i] == "_":
            j = token.index("_", i + 1)
            out.append(chr(int(token[i + 1:j], 16)))
            i = j + 1
        else:
            out.append(token[i])
            i += 1
    return "".join(out)


def index_meta() -> dict:
    return {"kamerzoek": dict(versions(), mapping=MAPPING_VERSION)}


def index_body(shards: int, replicas: int) -> dict:
    terms = {"type": "text", "analyzer": "kamerzoek_terms", "similarity": "whoosh_bm25"}
    keyword = {"type": "keyword"}
    return {
        "settings": {
            "number_of_shards": shards, "number_of_replicas": replicas,
            "refresh_interval": "-1",
            "max_result_window": 110_000,   # every document of an export, a chunk at a time
            "analysis": {"analyzer": {"kamerzoek_terms": {
                # Our terms are already analysed: the standard tokenizer keeps each encoded term
                # whole, and the filler is dropped, leaving its position empty.
                "type": "standard", "stopwords": [FILLER], "max_token_length": 4096}}},
            "similarity": {"whoosh_bm25": {"type": "BM25", "k1": K1, "b": B}},
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": index_meta(),
            "_source": {"excludes": ["content", "title_terms", "furniture", "vocab"]},
            "properties": {
                "id": keyword, "kind": keyword, "doc_id": keyword,
                "page": {"type": "integer"},
                "content": terms,
                "title_terms": terms,
                "furniture": {"type": "text", "analyzer": "kamerzoek_terms", "norms": False},
                "vocab": keyword,
                "text": {"type": "text", "index": False},
                "title": {"type": "text", "index": False},
                "type": keyword, "dossier": keyword, "number": keyword, "vergaderjaar": keyword,
                "identifier": keyword, "cites": keyword,
                "year": {"type": "integer"},
                "date": {"type": "date", "format": "strict_date_optional_time"},
                "ocr": {"type": "boolean"},
                "info": {"type": "object", "enabled": False},
                # What opensearch_rescore.py scores a page from (opensearch_writer.py fills them).
                "tf": {"type": "object", "enabled": False},
                "content_length": {"type": "integer", "index": False},
                "title_length": {"type": "integer", "index": False},
            },
        },
    }
