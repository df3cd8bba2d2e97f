"""The Whoosh schema: one record per page, plus one record per document."""
from whoosh.fields import BOOLEAN, DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from .analysis import ANALYZER_VERSION, dutch_analyzer

#: Bump when fields change; with ANALYZER_VERSION it is checked when an index opens.
SCHEMA_VERSION = 2  # 2: identifier (official id) and cites (the documents a text refers to)
TITLE_BOOST = 1.5   # a title word weighs 1.5 occurrences (inside BM25's saturation, as Whoosh does)

DOCUMENT_TYPES = ("dreigingsbeeld", "kamerbrief", "kamerstuk", "motie", "kamervragen",
                  "besluitenlijst", "handelingen", "wet", "overig")


def versions() -> dict:
    return {"schema": SCHEMA_VERSION, "analyzer": ANALYZER_VERSION}


def build_schema() -> Schema:
    """Page records (kind=page) carry their document's fields so filters apply before ranking;
    the document record (kind=doc) carries the file facts used by incremental indexing."""
    analyzer = dutch_analyzer()
    return Schema(
        id=ID(unique=True, stored=True),
        kind=ID(stored=True),
        doc_id=ID(stored=True, sortable=True),
        page=NUMERIC(int, stored=True),
        content=TEXT(analyzer=analyzer, stored=True, phrase=True),
        title=TEXT(analyzer=analyzer, stored=True, field_boost=TITLE_BOOST),
        type=ID(stored=True, sortable=True),
        dossier=ID(stored=True, sortable=True),
        number=ID(stored=True),
        vergaderjaar=ID(stored=True),
        year=NUMERIC(int, stored=True, sortable=True),
        date=DATETIME(stored=True, sortable=True),
        ocr=BOOLEAN(stored=True),
        # The official identifier (kst-29754-541, h-tk-…, ah-tk-…, blg-…, BWBR…; see
        # indexer.references), and on page records the identifiers the page refers to.
        identifier=ID(stored=True),
        cites=KEYWORD(stored=True, lowercase=False, scorable=False),
        info=STORED(),
    )
