"""The JSON API, the exports and `kamerzoek search`, through Flask's test client and click's
CliRunner, over the shipped corpus/ (the `corpus_index` fixture)."""
import csv
import io
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from indexer.search import SearchRequest, search
from indexer.store import Store
from webapp import create_app
from webapp.cli import main

ANSWER_KEYS = {"query", "total", "page", "per_page", "pages", "sort", "results", "facets", "expansions",
               "notice", "notices", "suggestion", "took_ms", "read_as", "reference"}
RESULT_KEYS = {"doc_id", "title", "type", "date", "dossier", "number", "vergaderjaar", "path", "paths",
               "format", "pages", "status", "stale", "score", "passages", "identifier", "reference", "formats"}
PASSAGE_KEYS = {"page", "html", "text", "ocr", "citation", "link"}
EXPORT_FIELDS = ["doc_id", "title", "type", "date", "dossier", "number", "vergaderjaar", "page", "text",
                 "citation", "link", "path"]
SYRIE = "kamerbrief-2020-kinderen-syrie.pdf"


@pytest.fixture(scope="module")
def app(corpus_index):
    return create_app({"INDEX_DIR": str(corpus_index), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(scope="module")
def library(corpus_index):
    """The same search through the library, to compare the API with."""
    store = Store(corpus_index)
    with store.searcher() as s:
        yield lambda q, **kw: search(s, SearchRequest(q=q, **kw))


def cli_search(runner, corpus_index, *args):
    return runner.invoke(main, ["search", *args, "--index", str(corpus_index)])


def by_file(answer, name):
    return next(r for r in answer["results"] if Path(r["path"]).name == name)


def without_time(answer):
    return {k: v for k, v in answer.items() if k != "took_ms"}


# -- the JSON shape -------------------------------------------------------------------------
def test_api_and_cli_give_the_same_json(client, runner, corpus_index):
    api = client.get("/api/search?q=terugkeerders")
    assert api.status_code == 200 and api.mimetype == "application/json"
    result = cli_search(runner, corpus_index, "terugkeerders", "--json")
    assert result.exit_code == 0, result.output
    cli = json.loads(result.output)
    assert set(cli.pop("provenance")) >= {"query", "read_as", "index_generation"}  # an export carries it
    assert set(api.json) == set(cli) == ANSWER_KEYS
    assert without_time(api.json) == without_time(cli)
    answer = api.json
    assert answer["query"] == "terugkeerders"
    assert (answer["total"], answer["page"], answer["per_page"], answer["pages"]) == (8, 1, 10, 1)
    assert answer["expansions"] == []
    assert answer["notice"] is None and answer["notices"] == [] and answer["suggestion"] is None
    assert set(answer["facets"]) == {"type", "year", "dossier"}
    for doc in answer["results"]:
        assert set(doc) == RESULT_KEYS
        assert 1 <= len(doc["passages"]) <= 3
        for passage in doc["passages"]:
            assert set(passage) == PASSAGE_KEYS
            assert isinstance(passage["page"], int)


def test_a_result_in_full(client):
    answer = client.get("/api/search", query_string={"q": "Noordoost-Syrië", "type": "kamerbrief"}).json
    assert answer["total"] == 1
    doc = answer["results"][0]
    assert Path(doc["path"]).name == SYRIE
    assert {k: doc[k] for k in ("title", "type", "date", "dossier", "number", "vergaderjaar", "format",
                                "status", "stale")} == {
        "title": "Brief regering: Nederlandse vrouwen en kinderen in Noordoost-Syrië", "type": "kamerbrief",
        "date": "2020-02-18", "dossier": "29754", "number": "541", "vergaderjaar": "2019-2020",
        "format": "pdf", "status": "ok", "stale": False}
    assert len(doc["doc_id"]) == 16 and isinstance(doc["score"], float)
    for passage in doc["passages"]:
        page = passage["page"]
        assert passage["citation"] == f"Kamerstukken II 2019/20, 29754, nr. 541, p. {page}"
        assert passage["link"] == f"/document/{doc['doc_id']}?q={quote('Noordoost-Syrië', safe='')}#p{page}"
        assert "<mark>Noordoost-Syrië</mark>" in passage["html"]
        assert passage["text"] == passage["html"].replace("<mark>", "").replace("</mark>", "")


def test_the_passage_link_opens_the_page(client):
    doc = client.get("/api/search?q=Noordoost-Syrië&type=kamerbrief").json["results"][0]
    link = doc["passages"][0]["link"]
    page = client.get(link.split("#")[0])
    assert page.status_code == 200
    assert f'id="p{doc["passages"][0]["page"]}"' in page.get_data(as_text=True)
    assert "<mark>Noordoost-Syrië</mark>" in page.get_data(as_text=True)


def test_nothing_found_is_not_an_error(client, runner, corpus_index):
    answer = client.get("/api/search?q=polarisatei").json
    assert (answer["total"], answer["results"], answer["suggestion"]) == (0, [], "polarisatie")
    result = cli_search(runner, corpus_index, "polarisatei")
    assert result.exit_code == 0
    assert "0 documenten voor 'polarisatei'" in result.output
    assert "Bedoelde u: polarisatie?" in result.output


# -- bad requests: 400 with a Dutch sentence, exit code 2 on the CLI -------------------------
BAD = [
    ({"q": ""}, "Geef een zoekvraag op."),
    ({"q": "x" * 501}, "De zoekvraag is te lang (maximaal 500 tekens)."),
    ({"q": "auteur:jansen"}, "Onbekend veld 'auteur:'. Gebruik titel:, type:, dossier:, nummer:, jaar: of datum: "
                             "(zie de hulppagina)."),
    ({"q": "datum:2020..2018 jihadisme"}, "Ongeldig datumbereik '2020..2018': het begin ligt na het eind."),
    ({"q": "jihadisme", "from": "2020-13-01"}, "Ongeldige datum '2020-13-01': gebruik JJJJ, JJJJ-MM of "
                                               "JJJJ-MM-DD, of een bereik als 2018..2020."),
    ({"q": "jihadisme", "page": "101"}, "Er kan niet verder dan pagina 100 worden gebladerd; verfijn de "
                                        "zoekvraag."),
    ({"q": "jihadisme", "type": "brief"}, "Onbekend documenttype 'brief'. Kies uit: dreigingsbeeld, kamerbrief, "
                                          "kamerstuk, motie, kamervragen, besluitenlijst, handelingen, wet, overig."),
]


@pytest.mark.parametrize("args,message", BAD)
def test_api_bad_request(client, args, message):
    response = client.get("/api/search", query_string=args)
    assert response.status_code == 400
    assert response.json == {"error": message}


def test_api_without_q(client):
    response = client.get("/api/search")
    assert (response.status_code, response.json) == (400, {"error": "Geef een zoekvraag op."})


@pytest.mark.parametrize("args,message", BAD)
def test_cli_bad_query_exits_2(runner, corpus_index, args, message):
    options = [args["q"]]
    if "page" in args:
        options += ["--page", args["page"]]
    if "type" in args:
        options += ["--type", args["type"]]
    for key in ("from", "to"):
        if key in args:
            options += [f"--{key}", args[key]]
    result = cli_search(runner, corpus_index, *options, "--json")
    assert result.exit_code == 2
    assert f"Fout: {message}" in result.output


@pytest.mark.parametrize("path", ["/export.csv", "/export.json"])
def test_export_bad_request(client, path):
    response = client.get(path, query_string={"q": "auteur:jansen"})
    assert response.status_code == 400
    assert response.json["error"].startswith("Onbekend veld 'auteur:'.")


# -- filters as query parameters -------------------------------------------------------------
@pytest.mark.parametrize("args,kwargs", [
    ({"type": "motie"}, {"types": ["motie"]}),
    ({"year": "2019"}, {"years": [2019]}),
    ({"dossier": "29754"}, {"dossiers": ["29754"]}),
    ({"from": "2018", "to": "2020"}, {"date_from": "2018", "date_to": "2020"}),
    ({"sort": "newest"}, {"sort": "newest"}),
    ({"sort": "oldest", "type": ["kamerbrief", "motie"]}, {"sort": "oldest", "types": ["kamerbrief", "motie"]}),
    ({"page": "2", "per_page": "3"}, {"page": 2, "per_page": 3}),
])
def test_filters_are_query_parameters(client, library, args, kwargs):
    api = client.get("/api/search", query_string={"q": "terugkeerders", **args}).json
    expected = library("terugkeerders", **kwargs)
    assert without_time(api) == without_time(expected)


def test_filter_values(client):
    def names(**args):
        answer = client.get("/api/search", query_string={"q": "terugkeerders", **args}).json
        return [Path(r["path"]).name for r in answer["results"]], answer

    assert names(type="motie")[0] == ["motie-2018-toezicht-terugkeerders.txt"]
    assert names(year="2019")[0] == ["dtn-50.pdf"]
    found, answer = names(**{"from": "2018", "to": "2020"})
    assert sorted(found) == ["dtn-50.pdf", "kamerbrief-2020-kinderen-syrie.pdf",
                             "motie-2018-toezicht-terugkeerders.txt"]
    _, newest = names(sort="newest")
    dates = [r["date"] for r in newest["results"]]
    assert dates == sorted(dates, reverse=True)
    _, unfiltered = names()
    motie = next(f for f in unfiltered["facets"]["type"] if f["value"] == "motie")
    assert motie == {"value": "motie", "count": 1}
    years = {f["value"]: f["count"] for f in unfiltered["facets"]["year"]}
    assert sum(years.values()) == unfiltered["total"] == 8
    assert names(dossier="29754")[1]["total"] == next(f["count"] for f in unfiltered["facets"]["dossier"]
                                                       if f["value"] == "29754")


def test_synonyms_switch(client):
    on = client.get("/api/search?q=NCTV").json
    off = client.get("/api/search?q=NCTV&synonyms=0").json
    assert on["expansions"] == [{"term": "NCTV", "added": ["Nationaal Coördinator Terrorismebestrijding en "
                                                           "Veiligheid"]}]
    assert off["expansions"] == []
    assert off["total"] < on["total"]
    assert all(p["link"].endswith(f"&synonyms=0#p{p['page']}") for r in off["results"] for p in r["passages"])


# -- exports ----------------------------------------------------------------------------------
def read_csv(response) -> list[dict]:
    text = response.get_data().decode("utf-8-sig")
    # The provenance lines ("# key: value") come before the header.
    text = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("# "))
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == EXPORT_FIELDS
    return list(reader)


def test_csv_export_has_every_passage_of_every_result(client, library):
    # "dreiging" is in all 11 documents: more than one page of results.
    response = client.get("/export.csv?q=dreiging")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="kamerzoek.csv"'
    rows = read_csv(response)
    everything = library("dreiging", per_page=50)
    assert everything["total"] == 11 > client.get("/api/search?q=dreiging").json["per_page"]
    expected = [(r["doc_id"], r["title"], r["date"] or "", str(p["page"]), p["text"], p["citation"],
                 "http://localhost" + p["link"])
                for r in everything["results"] for p in r["passages"]]
    assert [(row["doc_id"], row["title"], row["date"], row["page"], row["text"], row["citation"], row["link"])
            for row in rows] == expected
    assert len({row["doc_id"] for row in rows}) == 11


def test_json_export_matches_the_csv(client):
    rows = read_csv(client.get("/export.csv?q=dreiging&type=kamerbrief&sort=oldest"))
    response = client.get("/export.json?q=dreiging&type=kamerbrief&sort=oldest")
    assert response.status_code == 200
    data = response.json
    assert data["query"] == "dreiging" and data["count"] == len(rows) == len(data["passages"]) >= 3
    for row, item in zip(rows, data["passages"]):
        assert list(item) == EXPORT_FIELDS
        assert {k: "" if v is None else str(v) for k, v in item.items()} == row
    assert [item["date"] for item in data["passages"]] == sorted(item["date"] for item in data["passages"])
    assert {item["type"] for item in data["passages"]} == {"kamerbrief"}


def test_export_citation_row(client):
    rows = read_csv(client.get("/export.csv", query_string={"q": "Noordoost-Syrië", "type": "kamerbrief"}))
    assert rows and all(row["citation"] == f"Kamerstukken II 2019/20, 29754, nr. 541, p. {row['page']}"
                        for row in rows)
    assert all(row["date"] == "2020-02-18" and row["link"].startswith("http://localhost/document/")
               for row in rows)
