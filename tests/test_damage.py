"""A damaged index is named, never shown as a traceback: the CLI says so in one Dutch sentence
naming `kamerzoek index --rebuild` and exits 3; the web app answers 503 with the request id."""
import shutil
import subprocess

import pytest

from conftest import build, kamerzoek_exe
from webapp import create_app


@pytest.fixture(scope="module")
def healthy(tmp_path_factory):
    root = tmp_path_factory.mktemp("damage")
    docs = root / "docs"
    docs.mkdir()
    for n in range(30):
        pages = [f"Pagina {p} van stuk {n} over veiligheid, dreiging en de gemeente {n % 7}." * 8
                 for p in range(4)]
        (docs / f"stuk-{n}.txt").write_text("\f".join(pages), encoding="utf-8")
    build([docs], root / "index", workers=1)
    return root / "index"


def flip_bytes(index):
    for segment in (index / "whoosh").glob("*.seg"):
        data = bytearray(segment.read_bytes())
        for i in range(64, len(data) - 64, 7):
            data[i] ^= 0x5A
        segment.write_bytes(bytes(data))


def truncate_toc(index):
    for toc in (index / "whoosh").glob("_MAIN_*.toc"):
        toc.write_bytes(toc.read_bytes()[: toc.stat().st_size // 2])


def remove_segment(index):
    for segment in (index / "whoosh").glob("*.seg"):
        segment.unlink()


DAMAGE = {"flipped bytes": flip_bytes, "truncated toc": truncate_toc, "missing segment": remove_segment}


@pytest.fixture(params=DAMAGE, scope="module")
def damaged(request, healthy, tmp_path_factory):
    index = tmp_path_factory.mktemp("damaged") / "index"
    shutil.copytree(healthy, index)
    DAMAGE[request.param](index)
    return index


@pytest.mark.parametrize("command", [["search", "veiligheid"], ["search", "veilig*", "--json"], ["status"]])
def test_cli_names_the_damage_and_the_rebuild(damaged, command):
    run = subprocess.run([kamerzoek_exe(), *command, "--index", str(damaged)], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 3, (run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Fout: de index"), run.stderr
    assert "kamerzoek index --rebuild" in lines[0]
    assert "Traceback" not in run.stderr + run.stdout


@pytest.mark.parametrize("path", ["/?q=veiligheid", "/api/search?q=veiligheid", "/api/search?q=dreig*",
                                  "/status", "/api/status"])
def test_web_answers_503_with_the_request_id(damaged, path):
    client = create_app({"INDEX_DIR": str(damaged), "TESTING": False}).test_client()
    response = client.get(path)
    assert response.status_code == 503, response.data[:300]
    request_id = response.headers["X-Request-Id"]
    assert request_id and request_id in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_the_healthy_copy_answers(healthy):
    run = subprocess.run([kamerzoek_exe(), "search", "veiligheid", "--index", str(healthy)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "documenten voor 'veiligheid'" in run.stdout and not run.stderr
    assert create_app({"INDEX_DIR": str(healthy)}).test_client().get("/status").status_code == 200


def _a_bug(*args, **kwargs):
    raise TypeError("a bug in Kamerzoek, not damage")


def test_a_bug_on_an_intact_index_is_not_called_damage(healthy, monkeypatch, tmp_path):
    """TypeError and its kin come from damaged bytes and from bugs alike: with the files
    matching their checksums the error stays what it is (a rebuild would not help); without
    checksums to compare, damage cannot be ruled out and the rebuild is named."""
    from indexer.search import SearchRequest, open_engine, search
    from indexer.search import whoosh_engine
    monkeypatch.setattr(whoosh_engine, "to_whoosh", _a_bug)
    with pytest.raises(TypeError, match="a bug in Kamerzoek"):
        search(open_engine(None, healthy), SearchRequest("veiligheid"))
    response = create_app({"INDEX_DIR": str(healthy), "TESTING": False}).test_client().get("/api/search?q=veiligheid")
    assert response.status_code == 500 and "kamerzoek index --rebuild" not in response.get_data(as_text=True)

    unverifiable = tmp_path / "index"
    shutil.copytree(healthy, unverifiable)
    for manifest in (unverifiable / "whoosh").glob("checksums-*.json"):
        manifest.unlink()
    with pytest.raises(whoosh_engine.IndexDamaged, match="kamerzoek index --rebuild"):
        search(open_engine(None, unverifiable), SearchRequest("veiligheid"))
