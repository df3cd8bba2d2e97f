"""The engine seam (indexer/search/engine.py): nothing of Whoosh crosses it, the factory names
engines, and the CLI and the web app go through it."""
import dataclasses
import json
import subprocess
import time

import pytest

from conftest import kamerzoek_exe
from indexer import search as engine
from indexer.search import plan
from indexer.search.engine import Engine, EngineConfigError, Filters, ResultsPage, open_engine
from indexer.search.whoosh_engine import WhooshEngine
from webapp import create_app

QUERIES = ["terrorisme", "terrorisme bestrijding", "jihadisme OF radicalisering", "veiligheid NIET gemeente",
           '"nationaal coördinator"', '"dreiging terrorisme"~3', "terror*", "radikalisering~1",
           "titel:dreigingsbeeld", "type:kamerbrief Syrië", "jaar:2016..2020 dreiging", "NCTV",
           "datum:2019 OF datum:2023", "-terrorisme", "dossier:29754 (dreiging OF aanslag)"]


def whoosh_free(value, where: str) -> None:
    """Fail if any object inside value comes from the whoosh package."""
    module = type(value).__module__ or ""
    assert not module.startswith("whoosh"), f"{where}: a Whoosh {type(value).__name__} crossed the seam"
    if isinstance(value, dict):
        for k, v in value.items():
            whoosh_free(k, where)
            whoosh_free(v, where)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            whoosh_free(v, where)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            whoosh_free(getattr(value, f.name), where)


class Watched(Engine):
    """An engine that passes every call to the Whoosh engine and checks what crosses."""

    def __init__(self, inner: Engine):
        self.inner = inner
        self.calls: list[str] = []

    def _call(self, name, *args):
        whoosh_free(args, f"{name} arguments")
        result = getattr(self.inner, name)(*args)
        if name in ("terms_within", "documents", "records"):
            result = list(result)
        whoosh_free(result, f"{name} result")
        self.calls.append(name)
        return result

    def search(self, query, filters, page, deadline):
        return self._call("search", query, filters, page, deadline)

    def more_like_this(self, doc_id, limit, deadline):
        return self._call("more_like_this", doc_id, limit, deadline)

    def document(self, doc_id):
        return self._call("document", doc_id)

    def pages(self, doc_id, first=None, last=None):
        return self._call("pages", doc_id, first, last)

    def documents(self):
        return self._call("documents")

    def doc_count(self):
        return self._call("doc_count")

    def doc_frequency(self, fieldname, text):
        return self._call("doc_frequency", fieldname, text)

    def expand(self, pattern, limit, deadline=None, accept=None):
        return self._call("expand", pattern, limit, deadline, accept)

    def terms_within(self, fieldname, text, maxdist, prefix, deadline=None):
        return self._call("terms_within", fieldname, text, maxdist, prefix, deadline)

    def near_terms(self, fieldname, text, maxdist, prefix, deadline=None):
        return self._call("near_terms", fieldname, text, maxdist, prefix, deadline)

    def records(self, fieldname, value, limit=None):
        return self._call("records", fieldname, value, limit)

    def lookup(self, fieldname, value):
        return self._call("lookup", fieldname, value)

    def generation(self):
        return self._call("generation")


@pytest.fixture(scope="module")
def whoosh(corpus_index):
    return WhooshEngine.open(corpus_index)


@pytest.mark.parametrize("q", QUERIES)
def test_no_whoosh_type_crosses_the_seam_and_answers_are_the_same(whoosh, corpus_index, q):
    watched = Watched(whoosh)
    through_seam = engine.search(watched, engine.SearchRequest(q=q))
    assert "search" in watched.calls
    with WhooshEngine.open(corpus_index).store.searcher() as searcher:
        direct = engine.search(searcher, engine.SearchRequest(q=q))
    for answer in (through_seam, direct):
        answer.pop("took_ms")
    assert through_seam == direct


def test_documents_similar_suggestions_and_status_go_through_the_seam(whoosh):
    watched = Watched(whoosh)
    doc_id = engine.search(watched, engine.SearchRequest(q="dreigingsbeeld"))["results"][0]["doc_id"]
    doc = engine.document(watched, doc_id, q="dreiging")
    assert doc["pages"] and doc["hits"] > 0
    assert doc_id not in [d["doc_id"] for d in engine.more_like_this(watched, doc_id)]
    assert engine.suggest(watched, "terorisme") == "terrorisme"
    overview = engine.index_overview(watched)
    assert overview["documents"] == len(list(whoosh.documents())) > 0
    assert {"document", "pages", "more_like_this", "near_terms", "records", "doc_frequency", "documents"} <= set(watched.calls)


def test_plan_is_our_own_dataclasses(whoosh):
    parsed = engine.parse_query('"nationaal coördinator" terror* NIET gemeente jaar:2019', whoosh)
    kinds = {type(n) for n in plan.walk(parsed.plan)}
    assert {plan.Phrase, plan.Expansion, plan.Not, plan.Range, plan.Term} <= kinds
    whoosh_free(parsed.plan, "plan")
    whoosh_query = engine.to_whoosh(parsed.plan)
    assert engine.to_whoosh(engine.to_plan(whoosh_query)) == whoosh_query


def test_engine_pages_and_facets(whoosh):
    matches = whoosh.search(plan.Term("content", "terrorism"), Filters(types=("kamerbrief",)),
                            ResultsPage(start=0, count=2, passages=2), time.monotonic() + 10)
    assert 0 < len(matches.documents) <= 2 and matches.total >= len(matches.documents)
    assert all(len(d.pages) <= 2 and d.pages[0].record["content"] for d in matches.documents)
    type_counts = {f["value"]: f["count"] for f in matches.facets["type"]}
    assert type_counts["kamerbrief"] == matches.total  # the type facet ignores its own filter
    assert sum(type_counts.values()) >= matches.total


def test_factory_names_engines(corpus_index):
    assert isinstance(open_engine(None, corpus_index), WhooshEngine)
    assert isinstance(open_engine("whoosh", corpus_index), WhooshEngine)
    with pytest.raises(EngineConfigError, match="onbekende zoekmachine 'elastic://'"):
        open_engine("elastic://127.0.0.1:9200/kamerzoek", corpus_index)
    with pytest.raises(EngineConfigError, match="onbekende zoekmachine 'lucene'"):
        open_engine("lucene", corpus_index)


def test_cli_and_web_take_the_engine_option(corpus_index):
    run = subprocess.run([kamerzoek_exe(), "search", "terrorisme", "--index", str(corpus_index),
                          "--engine", "bogus://x", "--json"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr.strip().startswith("Fout: onbekende zoekmachine 'bogus://'")
    assert "Traceback" not in run.stderr
    run = subprocess.run([kamerzoek_exe(), "search", "terrorisme", "--index", str(corpus_index),
                          "--engine", "whoosh", "--json"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and json.loads(run.stdout)["total"] > 0
    app = create_app({"INDEX_DIR": str(corpus_index), "TESTING": True})
    assert isinstance(app.extensions["kamerzoek_engine"], WhooshEngine)
    assert app.test_client().get("/api/search?q=terrorisme").get_json()["total"] > 0
    with pytest.raises(EngineConfigError):
        create_app({"INDEX_DIR": str(corpus_index), "ENGINE": "bogus://x"})
