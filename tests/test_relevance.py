"""The relevance set (tests/relevance.json): queries a researcher asks, with the documents and
pages they must find among the first 10 results. Recall at 10 is printed and must not fall
below the level reached, written here.

Queries marked "corpus" run over the shipped corpus/; those marked "shared" over corpus/ plus
../shared/corpus (they skip when it is absent, and fail under CI=true)."""
import json
from collections import defaultdict
from pathlib import Path

import pytest

from indexer.search import SearchRequest, document_paths, open_engine, search
from indexer.store import Store

RELEVANCE = Path(__file__).with_name("relevance.json")
QUERIES = json.loads(RELEVANCE.read_text(encoding="utf-8"))["queries"]

# Recall at 10 reached when the set was written: a regression guard, not a goal.
MIN_RECALL_CORPUS = 1.0
MIN_RECALL_SHARED = 1.0


def test_the_set_is_large_and_varied():
    assert len(QUERIES) >= 40
    kinds = {q["kind"] for q in QUERIES}
    assert {"inflection", "diacritics", "compound", "synonym", "phrase", "proximity", "field", "date"} <= kinds
    assert {q["index"] for q in QUERIES} == {"corpus", "shared"}


def recall_at_10(index_dir: Path | None, which: str, engine=None) -> tuple[float, list[str]]:
    """Recall at 10 of the set's queries over an index folder, or over an engine (another one)."""
    found = total = 0
    misses: list[str] = []
    per_kind: dict = defaultdict(lambda: [0, 0])
    engine = engine if engine is not None else open_engine(None, index_dir)
    for entry in (q for q in QUERIES if q["index"] == which):
        answer = search(engine, SearchRequest(q=entry["q"], per_page=10))
        pages = {}
        for r in answer["results"]:
            shown = [p["page"] for p in r["passages"]]
            # One result per publication: its other formats (kst-…xml, .html, .odt) count as found.
            members = [f["link"].rsplit("/", 1)[-1] for f in r.get("formats") or ()] or [r["doc_id"]]
            for member in members:
                for path in (document_paths(engine, member) if member != r["doc_id"] else r["paths"]):
                    pages.setdefault(Path(path).name, shown)
        for expected in entry["expect"]:
            hit = expected["file"] in pages and ("page" not in expected or
                                                 expected["page"] in pages[expected["file"]])
            found += hit
            total += 1
            per_kind[entry["kind"]][0] += hit
            per_kind[entry["kind"]][1] += 1
            if not hit:
                misses.append(f"{entry['q']!r}: {expected} not in {pages}")
    recall = found / total
    print(f"\nrecall@10 over {which}: {found}/{total} = {recall:.3f}")
    for kind, (hits, count) in sorted(per_kind.items()):
        print(f"  {kind:11} {hits}/{count}")
    for miss in misses:
        print("  miss:", miss)
    return recall, misses


def test_recall_over_the_shipped_corpus(corpus_index):
    recall, misses = recall_at_10(corpus_index, "corpus")
    assert recall >= MIN_RECALL_CORPUS, misses


def test_recall_over_the_shared_corpus(shared_index):
    recall, misses = recall_at_10(shared_index, "shared")
    assert recall >= MIN_RECALL_SHARED, misses


@pytest.mark.parametrize("word,name,marked", [
    # found with pdfminer: these words occur only on page 2 of these besluitenlijsten (10 and 16 pages)
    ("initiatiefwetgeving", "besluitenlijst_example1.pdf", "Initiatiefwetgeving"),
    ("douanezaken", "besluitenlijst_example2.pdf", "douanezaken"),
])
def test_a_hit_on_a_known_page_of_a_real_pdf_reports_that_page(shared_index, word, name, marked):
    with Store(shared_index).searcher() as searcher:
        answer = search(searcher, SearchRequest(q=word))
    assert answer["total"] == 1
    result = answer["results"][0]
    assert Path(result["path"]).name == name
    assert [p["page"] for p in result["passages"]] == [2]
    assert result["passages"][0]["link"].endswith("#p2")
    assert result["passages"][0]["citation"].endswith(", p. 2")
    assert f"<mark>{marked}</mark>" in result["passages"][0]["html"]


def test_a_word_standing_alone_outranks_its_compounds_on_real_documents(shared_index):
    # "bestrijding" stands alone in some laws and reports, and only inside "terrorismebestrijding"
    # (or "criminaliteitsbestrijding") in others: every document of the first kind ranks first.
    with Store(shared_index).searcher() as searcher:
        answer = search(searcher, SearchRequest(q="bestrijding", per_page=50))
        standalone = {searcher.stored_fields(n)["doc_id"]
                      for n in searcher.document_numbers(content="bestrijd", kind="page")}
    order = [r["doc_id"] in standalone for r in answer["results"]]
    assert answer["total"] == len(order) > 10
    assert True in order and False in order
    assert order == sorted(order, reverse=True), [(Path(r["path"]).name, r["score"]) for r in answer["results"]]
