"""References between documents: extracted at index time, listed on the document page both
ways (linked where indexed), and `kamerzoek search 'verwijst:ID'` lists the citing documents."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from conftest import CORPUS, build, kamerzoek_exe
from webapp import create_app

LIST = """# Besluitenlijst procedurevergadering vaste commissie voor Justitie en Veiligheid

Agendapunt 1: Brief van de minister van Justitie en Veiligheid over Nederlandse vrouwen en
kinderen in Syrië (Kamerstuk 29 754, nr. 541).

Besluit: agenderen voor het commissiedebat. Eerder: brief van 1 mei (Kamerstuk 29 754, nr. 480).
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("between-docs")
    for name in ("kamerbrief-2020-kinderen-syrie.pdf", "kamerbrief-2020-kinderen-syrie.pdf.json"):
        shutil.copy(CORPUS / name, folder / name)
    (folder / "besluitenlijst-2020-procedure.md").write_text(LIST, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("between-index")
    build([folder], index_dir, workers=1)
    return index_dir


def cli(index, q: str) -> subprocess.CompletedProcess:
    return subprocess.run([kamerzoek_exe(), "search", "--json", "--index", str(index), q],
                          capture_output=True, text=True, timeout=120)


def test_verwijst_lists_the_documents_that_cite_it(index):
    done = cli(index, "verwijst:kst-29754-541")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert [r["title"] for r in answer["results"]] == \
        ["Besluitenlijst procedurevergadering vaste commissie voor Justitie en Veiligheid"]
    assert answer["notice"] == "Documenten die verwijzen naar Kamerstuk 29 754, nr. 541 (kst-29754-541)."
    assert json.loads(cli(index, "verwijst:29754-541").stdout)["total"] == 1  # any form of the reference
    assert json.loads(cli(index, "verwijst:kst-29754-480").stdout)["total"] == 1
    assert json.loads(cli(index, "verwijst:kst-29754-999").stdout)["total"] == 0


def test_verwijst_without_an_identifier_is_a_usage_error(index):
    done = cli(index, "verwijst:grens")
    assert done.returncode == 2 and "‘verwijst:’ verwacht een kenmerk zoals kst-29754-541" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_document_pages_list_references_both_ways(index):
    client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()
    found = client.get("/api/search?q=kst-29754-541").json["results"]
    letter = found[0]["doc_id"]
    listing = client.get("/api/search?q=verwijst%3Akst-29754-541").json["results"][0]["doc_id"]
    html = client.get(f"/document/{letter}").get_data(as_text=True)
    assert "Documenten in de index die hiernaar verwijzen (1)" in html
    assert f'href="/document/{listing}" data-doc-id="{listing}"' in html
    assert 'href="/?q=verwijst%3Akst-29754-541"' in html
    html = client.get(f"/document/{listing}").get_data(as_text=True)
    items = re.findall(r'<li data-identifier="([^"]+)">(.*?)</li>', html, re.S)
    assert [i for i, _ in items] == ["kst-29754-541", "kst-29754-480"]
    assert f'<a href="/document/{letter}">Kamerstuk 29 754, nr. 541</a>' in items[0][1]
    assert "niet in de index" in items[1][1] and "<a " not in items[1][1]
