"""Store.batch(): one commit when the block ends, nothing at all when it raises."""
import pytest

from conftest import build
from indexer.store import Store


@pytest.fixture
def store(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(3):
        (docs / f"doc-{n}.txt").write_text(f"Pagina van document {n} over veiligheid.", encoding="utf-8")
    build([docs], tmp_path / "index", workers=1)
    return Store(tmp_path / "index")


def snapshot(store: Store):
    with store.searcher() as s:
        return sorted((f["id"], f.get("content")) for f in s.documents()), s.doc_count()


def test_an_exception_inside_a_batch_leaves_the_index_as_it_was(store):
    before = snapshot(store)
    with store.searcher() as s:
        victim = next(f["doc_id"] for f in s.documents(kind="doc"))
    with pytest.raises(RuntimeError, match="halverwege"):
        with store.batch() as writer:
            writer.add_document(id="nieuw:1", kind="page", doc_id="nieuw", page=1, content="toegevoegd")
            writer.delete_by_term("doc_id", victim)
            raise RuntimeError("halverwege")
    store.reopen()
    assert snapshot(store) == before


def test_a_batch_commits_everything_at_once(store):
    with store.batch() as writer:
        writer.add_document(id="nieuw:1", kind="page", doc_id="nieuw", page=1, content="toegevoegd")
        writer.add_document(id="nieuw:2", kind="page", doc_id="nieuw", page=2, content="ook")
        with store.searcher() as s:
            assert not list(s.documents(doc_id="nieuw")), "nothing is visible before the batch ends"
    store.reopen()
    with store.searcher() as s:
        assert sorted(f["page"] for f in s.documents(doc_id="nieuw")) == [1, 2]


# -- the record layout (indexer/schema.py) ------------------------------------------------------
def test_document_records_hold_the_typed_info_layout(corpus_index, tmp_path):
    """What the writer stores as a document's info is DocumentInfo's layout, read back whole;
    a stale file's reason is written and taken away through it."""
    from indexer import schema

    records = Store(corpus_index).documents()
    assert records
    layout = set(schema.INFO_LAYOUTS[schema.SCHEMA_VERSION])
    for record in records:
        assert record["kind"] == schema.DOCUMENT and record["id"] == schema.document_record_id(record["doc_id"])
        assert set(record["info"]) <= layout, record["info"]
        assert schema.DocumentInfo.from_stored(record["info"]).as_stored() == record["info"]
    info = schema.DocumentInfo.from_stored(records[0]["info"])
    stale = info.updated(status="stale", stale_reason="damaged").as_stored()
    assert stale["stale_reason"] == "damaged"
    assert "stale_reason" not in schema.DocumentInfo.from_stored(stale).updated(status="ok", stale_reason="").as_stored()


def test_a_new_info_field_needs_a_new_schema_version(monkeypatch):
    from indexer import schema

    monkeypatch.setattr(schema, "INFO_LAYOUTS", {schema.SCHEMA_VERSION: schema.INFO_LAYOUTS[schema.SCHEMA_VERSION][:-1]})
    with pytest.raises(RuntimeError, match="bump SCHEMA_VERSION"):
        schema._check_layout()
