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
