"""The fast scorer (indexer/search/evaluate.py) gives Whoosh's own BM25F scores, within 1e-9,
on an index with several segments, deletions, posting lists of several blocks and running
headers (furniture: found, scoring 0); and the
Whoosh internals it reads are checked, never quietly replaced (whoosh_internals.py)."""
import json
import random
import time

import pytest
from whoosh import query
from whoosh.codec import whoosh3

from conftest import build
from indexer import search as engine
from indexer.search import whoosh_internals
from indexer.search.engine import EngineUnavailable
from indexer.search.whoosh_internals import WhooshInternalsError
from indexer.store import Store

WORDS = ("veiligheid dreiging jihadisme radicalisering aanslag terrorisme bestrijding "
         "terrorismebestrijding nationale samenleving polarisatie inlichtingen uitreizigers "
         "extremisme online netwerk kabinet beleid maatregel").split()
FILLER = "de het een van in op met voor dat en is zijn wordt door".split()
PAGES = 6


def page_text(rng: random.Random) -> str:
    words = []
    for _ in range(rng.randint(20, 120)):
        words.append(rng.choice(WORDS) if rng.random() < 0.45 else rng.choice(FILLER))
    if rng.random() < 0.3:
        words += ["de", "nationale", "veiligheid"]
    if rng.random() < 0.08:
        words += ["in", "de", "gemeente"]
    if rng.random() < 0.15:
        words += ["de", "NCTV"]
    if rng.random() < 0.1:
        words += ["de", "Nationaal", "Coördinator", "Terrorismebestrijding", "en", "Veiligheid"]
    return " ".join(words) + "."


def write(folder, number: int, rng: random.Random, version: int = 0) -> None:
    name = folder / f"doc-{number:03d}.txt"
    pages = [page_text(rng) for _ in range(PAGES)]
    if number % 5 == 0:  # a running header: indexed as furniture, found but scoring nothing
        pages = [f"Kamerstuk {number}: kabinetsreactie beleid, blad {p}\n{text}" for p, text in enumerate(pages, 1)]
    if version:
        pages[0] += f" gewijzigd {version}"
    name.write_text("\f".join(pages), encoding="utf-8")
    year = 2015 + number % 9
    meta = {"title": f"{'Brief' if number % 2 else 'Motie'} over {rng.choice(WORDS)} {number}",
            "date": f"{year}-{number % 12 + 1:02d}-{number % 27 + 1:02d}",
            "type": "kamerbrief" if number % 2 else "motie", "dossier": str(29754 + number % 3),
            "number": str(number), "vergaderjaar": f"{year}-{year + 1}"}
    (folder / f"doc-{number:03d}.txt.json").write_text(json.dumps(meta), encoding="utf-8")


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """Three runs: 40 documents (240 pages: a common word's postings fill several blocks),
    20 more (a second segment), then 5 changed and 5 removed (deletions, a third segment)."""
    root = tmp_path_factory.mktemp("equivalence")
    docs = root / "docs"
    docs.mkdir()
    rng = random.Random(9)
    for n in range(40):
        write(docs, n, rng)
    build([docs], root / "index", workers=1)
    for n in range(40, 60):
        write(docs, n, rng)
    build([docs], root / "index", workers=1)
    for n in range(0, 10):
        write(docs, n, rng, version=1)
    for n in range(50, 55):
        (docs / f"doc-{n:03d}.txt").unlink()
        (docs / f"doc-{n:03d}.txt.json").unlink()
    report = build([docs], root / "index", workers=1)
    assert not report.unreadable
    return root / "index"


@pytest.fixture(scope="module")
def searcher(index):
    with Store(index).searcher() as s:
        yield s


def test_the_index_has_segments_deletions_and_long_posting_lists(searcher):
    leaves = [sub.reader() for sub, _ in searcher.leaf_searchers()]
    assert len(leaves) >= 3
    assert any(r.has_deletions() for r in leaves)
    assert max(r.doc_frequency("content", "veilig") for r in leaves) > 128  # blocks of 128 postings
    assert any(r.doc_frequency("furniture", "kabinetsreactie") for r in leaves)
    assert not any(r.doc_frequency("content", "kabinetsreactie") for r in leaves)


def whoosh_scores(q: query.Query, searcher) -> dict:
    """Page docnum -> Whoosh's own BM25F score, with NIET as Kamerzoek means it: a document with
    the excluded word on any page goes (Whoosh excludes pages). The exclusion is applied to
    Whoosh's scores of the positive part (Whoosh's AndNotMatcher is not used: in whoosh3 3.54.0
    it misses an excluded posting that comes before the first positive one in a segment)."""
    if isinstance(q, query.AndNot):
        gone = {hit["doc_id"] for hit in searcher.search(q.b, limit=None)}
        return {d: s for d, s in whoosh_scores(q.a, searcher).items()
                if searcher.stored_fields(d)["doc_id"] not in gone}
    if isinstance(q, query.Or) and any(isinstance(n, query.AndNot) for n in walk(q)):
        total: dict = {}
        for child in q.subqueries:  # Whoosh's Or adds up the scores of the children that match
            for d, s in whoosh_scores(child, searcher).items():
                total[d] = total.get(d, 0.0) + s
        return {d: s * q.boost for d, s in total.items()}
    assert not any(isinstance(n, query.AndNot) for n in walk(q)), q
    return {hit.docnum: hit.score for hit in searcher.search(q, limit=None) if hit.get("kind") == "page"}


def walk(q: query.Query):
    yield q
    for child in q.children():
        yield from walk(child)


QUERIES = {
    "and": "veiligheid dreiging",
    "of": "jihadisme OF radicalisering",
    "or": "jihadisme OR aanslag",
    "niet": "veiligheid NIET gemeente",
    "minus": "dreiging -NCTV",
    "only not": "NIET gemeente",
    "nested": "(veiligheid OF dreiging) NIET (gemeente OF NCTV)",
    "niet in of": "netwerk OF (dreiging NIET gemeente)",
    "phrase": '"nationale veiligheid"',
    "proximity": '"dreiging gemeente"~4',
    "long phrase": '"Nationaal Coördinator Terrorismebestrijding en Veiligheid"',
    "phrase, a word twice": '"de nationale veiligheid de"',
    "phrase and word": '"nationale veiligheid" beleid',
    "proximity of three": '"dreiging netwerk beleid"~3',
    "phrase OF phrase": '"nationale veiligheid" OF "de NCTV"',
    "prefix": "radical*",
    "wildcard": "terror?sme",
    "fuzzy": "dreigng~1",
    "title": "titel:brief veiligheid",
    "type": "type:motie aanslag",
    "dossier": "dossier:29755 beleid",
    "year range": "jaar:2016..2019 veiligheid",
    "date range": "datum:2018-03..2020 dreiging",
    "date alone": "datum:2017",
    "synonyms": "NCTV",
    "compound parts": "bestrijding",
    "compound join": "terrorisme bestrijding",
    "everything": "veiligheid OF dreiging OF gemeente OF aanslag OF beleid",
    "furniture only": "kabinetsreactie",
    "furniture and body": "kabinetsreactie veiligheid",
    "furniture or body": "kabinetsreactie OF aanslag",
    "furniture phrase": '"kabinetsreactie beleid"',
    "furniture excluded": "beleid NIET kabinetsreactie",
}


@pytest.mark.parametrize("q", QUERIES.values(), ids=QUERIES.keys())
def test_fast_scores_equal_whoosh_bm25f(searcher, q):
    parsed = engine.parse_query(q, engine.as_engine(searcher))
    whoosh_query = engine.to_whoosh(parsed.plan)
    evaluator = engine._Evaluator(searcher, time.monotonic() + 60)
    mine = {}
    for sub, offset, seg in engine._leaves(searcher):
        for docnum, score in evaluator.scores(whoosh_query, sub, seg).items():
            if seg.ordinal[docnum] >= 0:
                mine[docnum + offset] = score
    assert not evaluator.timed_out
    theirs = whoosh_scores(whoosh_query, searcher)
    assert theirs, f"{q!r} matches nothing: the case tests nothing"
    assert mine.keys() == theirs.keys()
    worst = max(abs(mine[d] - theirs[d]) for d in mine)
    assert worst < 1e-9, worst


def test_niet_adds_nothing_to_the_score(searcher):
    """'veiligheid NIET gemeente' scores each page as 'veiligheid' alone (Whoosh's And with a
    Not adds 1.0 for the Not; the plan goes to Whoosh as AndNot, which does not)."""
    with_niet = engine.search(searcher, engine.SearchRequest(q="veiligheid NIET gemeente", per_page=50))
    alone = engine.search(searcher, engine.SearchRequest(q="veiligheid", per_page=50))
    scores = {r["doc_id"]: r["score"] for r in alone["results"]}
    assert with_niet["results"]
    for result in with_niet["results"]:
        if result["doc_id"] in scores:
            assert result["score"] == scores[result["doc_id"]]


# -- the internals are checked, never quietly replaced ------------------------------------------
def test_the_internals_read_what_the_public_api_reads():
    whoosh_internals.verify()


@pytest.mark.parametrize("owner, name", [(whoosh3.W3LeafMatcher, "_read_data"),
                                         (whoosh3.W3LeafMatcher, "_next_block"),
                                         (whoosh3.W3LeafMatcher, "block_max_id"),
                                         (whoosh3.W3LeafMatcher, "_read_values"),
                                         (whoosh3, "_lenfield"), (whoosh3, "LENGTHS_COLUMN"),
                                         (whoosh3.W3PerDocReader, "_cached_reader")])
def test_a_missing_internal_is_named(monkeypatch, owner, name):
    monkeypatch.delattr(owner, name)
    with pytest.raises(WhooshInternalsError, match=f"{name} ontbreekt"):
        whoosh_internals.check_attributes()


def test_another_whoosh_stops_the_search_with_a_clear_error(searcher, monkeypatch):
    """No quiet fallback to Whoosh's slower matchers: the search says what is wrong."""
    monkeypatch.setattr(whoosh_internals, "installed_version", lambda name: "3.55.0")
    monkeypatch.setattr(whoosh_internals, "_CHECKED", False)
    engine.scan._SCANS.clear()
    with pytest.raises(EngineUnavailable, match=r"\(versie 3.55.0\); installeer whoosh3==3.54.0"):
        engine.search(searcher, engine.SearchRequest(q="aanslag uitreizigers"))


def ids_not_delta_coded(monkeypatch):
    """What a Whoosh that stores ids as they are (not as deltas) would read."""
    def read_ids(self):
        if self._data is None:
            self._read_data()
        self._ids = tuple(self._data[0])
    monkeypatch.setattr(whoosh3.W3LeafMatcher, "_read_ids", read_ids)


def test_an_internal_that_reads_otherwise_is_caught(monkeypatch):
    ids_not_delta_coded(monkeypatch)
    with pytest.raises(WhooshInternalsError, match="postingblokken van 'common'"):
        whoosh_internals.verify()


def test_the_first_posting_list_read_is_compared(searcher, monkeypatch):
    ids_not_delta_coded(monkeypatch)
    monkeypatch.setattr(whoosh_internals, "_POSTINGS_COMPARED", False)
    reader = searcher.leaf_searchers()[0][0].reader()
    with pytest.raises(WhooshInternalsError, match="postingblokken van 'veilig'"):
        whoosh_internals.posting_blocks(reader, "content", b"veilig")


def test_positions_read_otherwise_are_caught(monkeypatch):
    """Phrases read each block's encoded positions directly: a Whoosh whose matcher gives
    other values than the block holds is named, never scored."""
    read_values = whoosh3.W3LeafMatcher._read_values

    def shifted(self):
        read_values(self)
        self._values = tuple(reversed(self._values))
    monkeypatch.setattr(whoosh3.W3LeafMatcher, "_read_values", shifted)
    with pytest.raises(WhooshInternalsError, match="posities van 'common'"):
        whoosh_internals.verify()
