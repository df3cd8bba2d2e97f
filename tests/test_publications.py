"""One result per publication: kst-32545-143 as PDF, HTML, XML and ODT (with its official
record) is one result listing four downloadable formats, the PDF first; reindexing after one
manifestation is removed, added back or changed keeps that."""
from __future__ import annotations

import shutil

import pytest

from conftest import build, require_shared
from indexer.search import SearchRequest, search
from indexer.store import Store
from webapp import create_app

NAME = "kst-32545-143"


@pytest.fixture
def folder(tmp_path):
    source = require_shared() / "corpus" / "parliamentary" / "kamerstukken"
    target = tmp_path / "kamerstukken"
    target.mkdir()
    for path in source.glob(f"{NAME}.*"):
        shutil.copy(path, target / path.name)
    return target


def run(index, q: str) -> dict:
    with Store(index).searcher() as s:
        return search(s, SearchRequest(q=q))


def one_result(index, formats: list[str]) -> dict:
    answer = run(index, "grens")
    assert answer["total"] == 1 and len(answer["results"]) == 1
    assert [f["count"] for f in answer["facets"]["type"]] == [1]  # counted once
    result = answer["results"][0]
    assert result["identifier"] == NAME
    assert [f["format"] for f in result["formats"]] == formats
    assert result["format"] == formats[0]  # the text shown and cited is the primary's
    return result


def test_four_formats_are_one_result_each_downloadable(folder, tmp_path):
    index = tmp_path / "index"
    build([folder], index, workers=1)
    result = one_result(index, ["pdf", "odt", "xml", "html"])
    assert result["title"].startswith("Motie")  # metadata from the official record
    client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()
    for f in result["formats"]:
        response = client.get(f["link"])
        assert response.status_code == 200 and len(response.data) > 1000, f
    api = client.get("/api/search?q=kst-32545-143").json
    assert api["reference"] == {"matched": NAME} and api["total"] == 1
    assert api["results"][0]["doc_id"] == result["doc_id"]


def test_reindexing_keeps_one_result(folder, tmp_path):
    index = tmp_path / "index"
    build([folder], index, workers=1)
    odt = folder / f"{NAME}.odt"
    kept = tmp_path / "kept.odt"
    shutil.move(odt, kept)
    build([folder], index, workers=1)
    one_result(index, ["pdf", "xml", "html"])
    shutil.move(kept, odt)
    build([folder], index, workers=1)
    one_result(index, ["pdf", "odt", "xml", "html"])
    html = folder / f"{NAME}.html"
    html.write_text(html.read_text(encoding="utf-8").replace("</body>", "<p>Gewijzigd.</p></body>"),
                    encoding="utf-8")
    build([folder], index, workers=1)
    one_result(index, ["pdf", "odt", "xml", "html"])
    (folder / f"{NAME}.pdf").unlink()
    build([folder], index, workers=1)
    one_result(index, ["odt", "xml", "html"])
