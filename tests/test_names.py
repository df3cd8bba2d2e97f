"""Names are bytes: a file or folder name that is not UTF-8, or has a newline in it, is
indexed, stored, reported and served without a traceback, a 500 or a loss."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import kamerzoek_exe
from webapp import create_app

BAD = b"kapot\xff"             # not UTF-8
NEWLINE = b"twee\nregels"       # a newline in a name
FOLDER = b"map\xfe\xff"         # the indexed folder's own name is not UTF-8


def kz(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([kamerzoek_exe(), *args], capture_output=True, timeout=120, **kwargs)


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    base = tmp_path_factory.mktemp("names")
    folder = os.path.join(os.fsencode(base), FOLDER)
    os.mkdir(folder)
    files = {
        BAD + b".txt": b"Een kapot bestand over de begroting en de zuivelsector.\n",
        NEWLINE + b".txt": b"Twee regels over de begroting en de zuivelsector.\n",
        BAD + b".pdf": b"dit is geen pdf",
        b"gewoon.txt": b"Een gewoon bestand over de begroting.\n",
    }
    for name, data in files.items():
        with open(os.path.join(folder, name), "wb") as handle:
            handle.write(data)
    index = base / "index"
    first = kz("index", "--index", str(index), "--json", os.fsdecode(folder))
    second = kz("index", "--index", str(index), os.fsdecode(folder))
    return {"folder": folder, "index": index, "first": first, "second": second}


def test_a_run_over_names_that_are_not_utf8_reports_and_stores_them(named):
    first = named["first"]
    assert first.returncode == 1, first.stderr  # the .pdf is not a PDF
    assert b"Traceback" not in first.stderr
    report = json.loads(first.stdout)  # valid JSON on stdout, whatever the names
    added = {os.fsencode(p) for p in report["added"]}
    folder = named["folder"]
    assert added == {os.path.join(folder, n) for n in (BAD + b".txt", NEWLINE + b".txt", b"gewoon.txt")}
    [unreadable] = report["unreadable"]
    assert os.fsencode(unreadable["path"]) == os.path.join(folder, BAD + b".pdf")
    assert unreadable["reason"] == "not_pdf"
    # The stored report and the folders round-trip to the exact bytes; nothing half-written is left.
    index = named["index"]
    stored = json.loads((index / "last-run.json").read_text(encoding="utf-8"))
    assert os.fsencode(stored["unreadable"][0]["path"]) == os.path.join(folder, BAD + b".pdf")
    roots = json.loads((index / "roots.json").read_text(encoding="utf-8"))
    assert [os.fsencode(r) for r in roots] == [folder]
    assert not list(index.glob("*.tmp"))


def test_a_rerun_remembers_the_failure_and_says_the_name_readably(named):
    second = named["second"]
    assert second.returncode == 1, second.stderr
    assert b"Traceback" not in second.stderr
    out = second.stdout.decode("utf-8")  # valid UTF-8: the odd byte is shown as \xff
    assert "0 nieuw" in out and "3 ongewijzigd" in out
    assert "kapot\\xff.pdf: [not_pdf]" in out


def test_status_and_search_show_the_names_escaped(named):
    index = str(named["index"])
    status = kz("status", "--index", index)
    assert status.returncode == 0 and b"Traceback" not in status.stderr
    assert "kapot\\xff.pdf: [not_pdf]" in status.stdout.decode("utf-8")
    found = kz("search", "--index", index, "zuivelsector")
    assert found.returncode == 0, found.stderr
    text = found.stdout.decode("utf-8")
    assert "map\\xfe\\xff/kapot\\xff.txt" in text and "map\\xfe\\xff/twee\\nregels.txt" in text
    as_json = kz("search", "--index", index, "--json", "zuivelsector")
    assert as_json.returncode == 0, as_json.stderr
    paths = {os.fsencode(d["path"]) for d in json.loads(as_json.stdout)["results"]}
    assert paths == {os.path.join(named["folder"], n) for n in (BAD + b".txt", NEWLINE + b".txt")}


@pytest.fixture(scope="module")
def client(named):
    app = create_app({"INDEX_DIR": str(named["index"])})
    with app.test_client() as c:
        yield c


def _ids(client) -> dict[str, str]:
    answer = client.get("/api/search", query_string={"q": "zuivelsector"}).get_json()
    return {doc["path"].rsplit("/", 1)[1]: doc["doc_id"] for doc in answer["results"]}


def test_the_web_shows_such_names_escaped(client):
    ids = _ids(client)
    assert set(ids) == {"kapot\\xff.txt", "twee\\nregels.txt"}
    assert client.get("/", query_string={"q": "zuivelsector"}).status_code == 200
    for doc_id in ids.values():
        assert client.get(f"/document/{doc_id}").status_code == 200
    status = client.get("/status")
    assert status.status_code == 200 and "kapot\\xff.pdf" in status.get_data(as_text=True)
    assert client.get("/api/status").get_json()["failures"][0]["path"].endswith("kapot\\xff.pdf")


def test_originals_of_such_names_are_served_with_an_rfc6266_name(client):
    ids = _ids(client)
    for shown, expected in (("kapot\\xff.txt", "kapot%EF%BF%BD.txt"), ("twee\\nregels.txt", "twee%20regels.txt")):
        response = client.get(f"/original/{ids[shown]}")
        assert response.status_code == 200
        disposition = response.headers["Content-Disposition"]
        assert disposition.endswith(f"filename*=UTF-8''{expected}")
        assert disposition.startswith('inline; filename="')
        for value in response.headers.values():
            assert "\n" not in value and "\r" not in value


@pytest.mark.parametrize("route", ["/export.csv", "/export.json"])
def test_exports_carry_such_names(client, route):
    response = client.get(route, query_string={"q": "zuivelsector"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "kapot\\\\xff.txt" in body if route.endswith("json") else "kapot\\xff.txt" in body
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")


def test_a_multi_range_request_gets_the_whole_file(client):
    doc_id = _ids(client)["kapot\\xff.txt"]
    whole = client.get(f"/original/{doc_id}").data
    response = client.get(f"/original/{doc_id}", headers={"Range": "bytes=0-3,6-9"})
    assert response.status_code == 200 and response.data == whole
    single = client.get(f"/original/{doc_id}", headers={"Range": "bytes=0-3"})
    assert single.status_code == 206 and single.data == whole[:4]
