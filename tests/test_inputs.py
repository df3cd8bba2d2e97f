"""Every input is checked where it enters: limits, configuration files, odd paths, links that
lead outside, files without read permission, a closed pipe, a run that fails.

Permission tests run the indexer as the unprivileged user `nobody` (root reads everything),
so they never skip as root."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import kamerzoek_exe
from webapp import create_app

MARKER = "geheimwoordxq"   # only in the file outside the folder: never to be found


def kz(*args, user: str | None = None, env: dict | None = None, timeout: float = 120):
    command = [kamerzoek_exe(), *args]
    if user:
        command = ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups", *command]
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=full_env)


def assert_usage_error(result, *words: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Fout: "), result.stderr
    for word in words:
        assert word in result.stderr


@pytest.fixture
def open_dir():
    """A folder the user nobody can enter and write (pytest's own tmp folders are root's)."""
    path = Path(tempfile.mkdtemp(prefix="kamerzoek-inputs-", dir="/tmp"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def write(path: Path, text: str, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


@pytest.mark.parametrize("args,env,said", [
    (["--timeout", "nan"], {}, "--timeout (of KAMERZOEK_TIMEOUT): 'nan' moet een eindig getal"),
    (["--timeout", "inf"], {}, "'inf' moet een eindig getal van ten minste 0.1 seconden zijn"),
    (["--timeout", "-1"], {}, "'-1' moet een eindig getal"),
    ([], {"KAMERZOEK_TIMEOUT": "nan"}, "'nan' moet een eindig getal"),
    ([], {"KAMERZOEK_TIMEOUT": "inf"}, "'inf' moet een eindig getal"),
    (["--memory", "nan"], {}, "--memory (of KAMERZOEK_MEMORY): 'nan' is geen geheel getal"),
    (["--memory", "inf"], {}, "'inf' is geen geheel getal"),
    ([], {"KAMERZOEK_MEMORY": "nan"}, "'nan' is geen geheel getal"),
])
def test_limits_must_be_finite_and_positive(tmp_path, args, env, said):
    write(tmp_path / "docs" / "a.txt", "Een tekst.\n")
    result = kz("index", "--index", str(tmp_path / "index"), *args, str(tmp_path / "docs"), env=env)
    assert_usage_error(result, said)
    assert not (tmp_path / "index").exists()


def test_the_library_refuses_an_infinite_time_limit(tmp_path):
    from indexer.build import ConfigurationError, Options, build_index
    from indexer.store import Store
    write(tmp_path / "docs" / "a.txt", "Een tekst.\n")
    with pytest.raises(ConfigurationError):
        build_index([tmp_path / "docs"], Store(tmp_path / "index"), Options(timeout=float("nan")))


def test_a_password_file_that_is_not_utf8_names_file_and_line(tmp_path):
    write(tmp_path / "docs" / "a.txt", "Een tekst.\n")
    passwords = tmp_path / "wachtwoorden.tsv"
    passwords.write_bytes(b"*.pdf\tgoed\ngeheim\xff.pdf\tslecht\n")
    result = kz("index", "--index", str(tmp_path / "index"), "--passwords", str(passwords), str(tmp_path / "docs"))
    assert_usage_error(result, str(passwords), "regel 2", "UTF-8")


def test_an_ignore_file_that_is_not_utf8_names_file_and_line(tmp_path):
    write(tmp_path / "docs" / "a.txt", "Een tekst.\n")
    (tmp_path / "docs" / ".kamerzoekignore").write_bytes(b"*.md\nconcept\xe9.txt\n")
    result = kz("index", "--index", str(tmp_path / "index"), str(tmp_path / "docs"))
    assert_usage_error(result, ".kamerzoekignore", "regel 2")


def test_an_unreadable_ignore_file_stops_the_run(open_dir):
    docs = open_dir / "docs"
    write(docs / "gewoon.txt", "Een gewoon stuk.\n")
    write(docs / "concept.txt", "Een concept dat niet geïndexeerd mag worden.\n")
    write(docs / ".kamerzoekignore", "concept.txt\n", mode=0o000)
    result = kz("index", "--index", str(open_dir / "index"), str(docs), user="nobody")
    assert_usage_error(result, str(docs / ".kamerzoekignore"), "kan niet worden gelezen")


def test_a_file_without_read_permission_is_no_access(open_dir):
    docs = open_dir / "docs"
    write(docs / "gewoon.txt", "Een gewoon stuk.\n")
    write(docs / "dicht.txt", "Een stuk zonder leesrechten.\n", mode=0o000)
    (docs / "dichte-map").mkdir(mode=0o000)
    result = kz("index", "--index", str(open_dir / "index"), "--json", str(docs), user="nobody")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    reasons = {u["path"]: u["reason"] for u in report["unreadable"]}
    assert reasons == {str(docs / "dicht.txt"): "no_access", str(docs / "dichte-map"): "no_access"}
    assert report["added"] == [str(docs / "gewoon.txt")]


@pytest.mark.parametrize("kind", ["fifo", "socket", "device"])
def test_a_path_that_is_no_file_or_folder_is_a_usage_error(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "pijp.txt"
        os.mkfifo(path)
    elif kind == "socket":
        path = tmp_path / "s.txt"
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
    else:
        path = Path("/dev/zero")
    result = kz("index", "--index", str(tmp_path / "index"), str(path), timeout=30)
    assert_usage_error(result, str(path), "geen gewoon bestand of map")


def test_fifo_and_socket_inside_a_folder_are_ignored(tmp_path):
    docs = tmp_path / "docs"
    write(docs / "gewoon.txt", "Een gewoon stuk.\n")
    os.mkfifo(docs / "pijp.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(docs / "s.txt"))
    result = kz("index", "--index", str(tmp_path / "index"), "--json", str(docs), timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["added"] == [str(docs / "gewoon.txt")] and report["ignored"] == 2


@pytest.fixture
def linked(tmp_path):
    """A folder with links to a file and a folder outside it, and links inside it."""
    outside = write(tmp_path / "buiten" / "geheim.txt", f"Het {MARKER} staat buiten de map.\n")
    docs = tmp_path / "docs"
    write(docs / "echt.txt", "Een echt stuk over de visserij.\n")
    (docs / "naar-buiten.txt").symlink_to(outside)
    (docs / "buitenmap").symlink_to(outside.parent, target_is_directory=True)
    (docs / "naar-binnen.txt").symlink_to(docs / "echt.txt")
    write(tmp_path / "binnen" / "ander.txt", "Nog een stuk over de visserij.\n")
    (docs / "submap").mkdir()
    (docs / "submap" / "lus").symlink_to(docs, target_is_directory=True)  # a loop
    return tmp_path, docs


def test_links_leading_outside_are_refused_as_outside(linked):
    base, docs = linked
    index = base / "index"
    result = kz("index", "--index", str(index), "--json", str(docs))
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert {u["path"]: u["reason"] for u in report["unreadable"]} == {
        str(docs / "naar-buiten.txt"): "outside", str(docs / "buitenmap"): "outside"}
    # A link inside is followed (the same content: one document with two paths); the loop is not.
    assert sorted(report["added"]) == [str(docs / "echt.txt"), str(docs / "naar-binnen.txt")]
    assert report["documents_total"] == 1
    found = kz("search", "--index", str(index), "--json", MARKER)
    assert found.returncode == 0 and json.loads(found.stdout)["total"] == 0
    app = create_app({"INDEX_DIR": str(index)})
    with app.test_client() as client:
        assert client.get(f"/api/search?q={MARKER}").get_json()["total"] == 0
        assert client.get(f"/export.json?q={MARKER}").get_json()["count"] == 0


def test_follow_symlinks_indexes_what_links_lead_to(linked):
    base, docs = linked
    index = base / "index"
    result = kz("index", "--index", str(index), "--json", "--follow-symlinks", str(docs))
    assert result.returncode == 0, result.stderr
    found = json.loads(kz("search", "--index", str(index), "--json", MARKER).stdout)
    assert found["total"] == 1
    doc_id = found["results"][0]["doc_id"]
    with create_app({"INDEX_DIR": str(index)}).test_client() as client:
        assert MARKER in client.get(f"/document/{doc_id}").get_data(as_text=True)
        assert client.get(f"/original/{doc_id}").status_code == 200


def test_a_file_turned_into_a_link_outside_is_shown_by_no_route(linked):
    base, docs = linked
    index = base / "index"
    write(docs / "wissel.txt", "Een wisselstuk over de landbouw.\n")
    assert kz("index", "--index", str(index), str(docs)).returncode == 1
    found = json.loads(kz("search", "--index", str(index), "--json", "wisselstuk").stdout)
    doc_id = found["results"][0]["doc_id"]
    with create_app({"INDEX_DIR": str(index)}).test_client() as client:
        assert client.get(f"/document/{doc_id}").status_code == 200
        (docs / "wissel.txt").unlink()
        (docs / "wissel.txt").symlink_to(base / "buiten" / "geheim.txt")
        for route in (f"/document/{doc_id}", f"/original/{doc_id}"):
            response = client.get(route)
            assert response.status_code == 404 and MARKER not in response.get_data(as_text=True)


def test_a_broken_pipe_ends_quietly_with_exit_0(tmp_path):
    docs = tmp_path / "docs"
    for n in range(60):
        write(docs / f"stuk{n:02d}.txt", f"Stuk {n} over de begroting. " + "begroting " * 300 + "\n")
    assert kz("index", "--index", str(tmp_path / "index"), str(docs)).returncode == 0
    for args in ([], ["--json"]):
        pipeline = subprocess.run(
            f"{kamerzoek_exe()} search --index {tmp_path / 'index'} --limit 50 {' '.join(args)} begroting | head -1;"
            " exit ${PIPESTATUS[0]}", shell=True, executable="/bin/bash", capture_output=True, text=True,
            timeout=120)
        assert pipeline.returncode == 0, pipeline.stderr
        assert pipeline.stderr == ""
        assert len(pipeline.stdout.splitlines()) == 1


def test_a_failed_run_adds_no_folder(open_dir):
    index = open_dir / "index"
    first, second = open_dir / "eerste", open_dir / "tweede"
    write(first / "a.txt", "Een eerste stuk.\n")
    write(second / "b.txt", "Een tweede stuk.\n")
    assert kz("index", "--index", str(index), str(first), user="nobody").returncode == 0
    (index / "whoosh").chmod(0o555)  # the index can be read, not written
    try:
        failed = kz("index", "--index", str(index), str(second), user="nobody")
    finally:
        (index / "whoosh").chmod(0o755)
    assert failed.returncode == 3, (failed.stdout, failed.stderr)
    assert "Traceback" not in failed.stderr
    assert json.loads((index / "roots.json").read_text()) == [str(first)]


def test_an_xml_files_dtd_is_not_content(tmp_path):
    docs = tmp_path / "docs"
    write(docs / "lachen.xml", '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "dtdwoordeen">\n'
          ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n <!ELEMENT lolz (#PCDATA)>\n]>\n'
          '<lolz>Een tekst over de begroting &lol2;</lolz>\n')
    write(docs / "xxe.xml", '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/hostname">'
          ' <!ENTITY y "dtdwoordtwee">]>\n<r><p>Een stuk over de begroting &x; &y;</p></r>\n')
    index = str(tmp_path / "index")
    assert kz("index", "--index", index, str(docs)).returncode == 0
    assert json.loads(kz("search", "--index", index, "--json", "begroting").stdout)["total"] == 2
    for word in ("dtdwoordeen", "dtdwoordtwee", "ENTITY", "lolz", "hostname"):
        assert json.loads(kz("search", "--index", index, "--json", word).stdout)["total"] == 0, word
