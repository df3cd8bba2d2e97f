"""The Whoosh schema: one record per page, plus one record per document."""
from whoosh.fields import BOOLEAN, DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from .analysis import ANALYZER_VERSION, dutch_analyzer

#: Bump when fields change; with ANALYZER_VERSION it is checked when an index opens.
#: 2: identifier (official id) and cites (the documents a text refers to);
#: 3: furniture (running headers and footers) indexed apart from content.
SCHEMA_VERSION = 3
TITLE_BOOST = 1.5   # a title word weighs 1.5 occurrences (inside BM25's saturation, as Whoosh does)

DOCUMENT_TYPES = ("dreigingsbeeld", "kamerbrief", "kamerstuk", "motie", "kamervragen",
                  "besluitenlijst", "handelingen", "wet", "overig")


def versions() -> dict:
    return {"schema": SCHEMA_VERSION, "analyzer": ANALYZER_VERSION}


def _unscored(field):
    """A text field with no lengths column: it only matches (queries give it boost 0)."""
    field.scorable = False
    return field


def build_schema() -> Schema:
    """Page records (kind=page) carry their document's fields so filters apply before ranking;
    the document record (kind=doc) carries the file facts used by incremental indexing."""
    analyzer = dutch_analyzer()
    return Schema(
        id=ID(unique=True, stored=True),
        kind=ID(stored=True),
        doc_id=ID(stored=True, sortable=True),
        page=NUMERIC(int, stored=True),
        # content is indexed without the page's furniture (the lines repeated on most pages of a
        # document, see indexer.passages) and stored whole; the furniture lines go to their own
        # field, which the engines search beside content with boost 0: a word found only there
        # finds the page but adds nothing to its score.
        content=TEXT(analyzer=analyzer, stored=True, phrase=True),
        furniture=_unscored(TEXT(analyzer=analyzer, phrase=True)),
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
