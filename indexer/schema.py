"""The Whoosh schema and the record layout: one record per page, plus one record per document.

The layout lives here: the two record kinds, their ids, and the document record's ``info``
as a typed record (DocumentInfo). The index stores info as the plain dict
``DocumentInfo.as_stored()`` gives, so readers of any engine see a dict; a change to
DocumentInfo's fields is a change of the index format and needs a new SCHEMA_VERSION (and its
field list in INFO_LAYOUTS), which the import below enforces.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from whoosh.fields import BOOLEAN, DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from .analysis import ANALYZER_VERSION, dutch_analyzer

#: Bump when fields change; with ANALYZER_VERSION it is checked when an index opens.
#: 2: identifier (official id) and cites (the documents a text refers to);
#: 3: furniture (running headers and footers) indexed apart from content.
SCHEMA_VERSION = 3
TITLE_BOOST = 1.5   # a title word weighs 1.5 occurrences (inside BM25's saturation, as Whoosh does)

DOCUMENT_TYPES = ("dreigingsbeeld", "kamerbrief", "kamerstuk", "motie", "kamervragen",
                  "besluitenlijst", "handelingen", "wet", "overig")


# -- the record layout ---------------------------------------------------------------------------
PAGE = "page"       # the kind of a page record: its text and its document's fields
DOCUMENT = "doc"    # the kind of a document record: the file facts, in info
_DOCUMENT_ID_PREFIX = "doc:"


def page_record_id(doc_id: str, page: int) -> str:
    """The unique id of a page record: "<doc_id>:<page>" (pages counted from 1)."""
    return f"{doc_id}:{page}"


def document_record_id(doc_id: str) -> str:
    """The unique id of a document record: "doc:<doc_id>"."""
    return f"{_DOCUMENT_ID_PREFIX}{doc_id}"


@dataclass
class DocumentInfo:
    """What a document record knows of its files and its reading (the ``info`` field)."""
    sha: str                                   # content hash, the doc_id's source
    files: list[dict]                          # [{"path", "size", "mtime"}], sorted by path
    status: str = "ok"                         # ok | stale | a reason (indexer/reasons.py)
    pages: int = 0                             # pages of the file
    indexed_pages: int = 0                     # pages with text, one page record each
    needs_ocr: list[int] = field(default_factory=list)
    partial: bool = False
    ocr_pages: list[int] = field(default_factory=list)
    format: str = ""                           # file suffix without the dot
    url: str | None = None
    date: str | None = None                    # the date as the metadata gave it
    indexed: str | None = None                 # when it was written (ISO)
    furniture: list[str] = field(default_factory=list)   # running headers and footers (passages.py)
    references: list = field(default_factory=list)       # identifiers it cites (references.py)
    stale_reason: str = ""                     # why a changed file kept its previous version

    #: Stored only when they hold something (an older record without them reads the same).
    _ONLY_WHEN_SET = ("furniture", "references", "stale_reason")

    def as_stored(self) -> dict:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name not in self._ONLY_WHEN_SET or value:
                out[f.name] = value
        out.update(getattr(self, "_extra", {}))
        return out

    @classmethod
    def from_stored(cls, info: dict) -> "DocumentInfo":
        """The typed record of a stored info dict; keys it does not know (a record written by
        another version of the code) are kept as they are and written back unchanged."""
        known = {f.name for f in fields(cls)}
        record = cls(**{k: v for k, v in info.items() if k in known})
        record._extra = {k: v for k, v in info.items() if k not in known}
        return record

    def updated(self, **changes) -> "DocumentInfo":
        record = replace(self, **changes)
        record._extra = dict(getattr(self, "_extra", {}))
        return record


#: DocumentInfo's fields, per schema version: changing them without a new version fails here.
INFO_LAYOUTS = {
    2: ("sha", "files", "status", "pages", "indexed_pages", "needs_ocr", "partial", "ocr_pages",
        "format", "url", "date", "indexed", "furniture", "references", "stale_reason"),
    3: ("sha", "files", "status", "pages", "indexed_pages", "needs_ocr", "partial", "ocr_pages",
        "format", "url", "date", "indexed", "furniture", "references", "stale_reason"),  # the furniture field
}


def _check_layout() -> None:
    names = tuple(f.name for f in fields(DocumentInfo))
    if INFO_LAYOUTS.get(SCHEMA_VERSION) != names:
        raise RuntimeError(f"DocumentInfo's fields {names} are not those of schema version {SCHEMA_VERSION}: "
                           "bump SCHEMA_VERSION and record the new fields in INFO_LAYOUTS")


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


_check_layout()
