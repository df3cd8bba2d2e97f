"""Following a search (Atom feeds, `--since`) and exports that reproduce (provenance, --all).

Through the Flask test client and click's CliRunner on small indexes built here; the feeds
are parsed back with feedparser.
"""
from __future__ import annotations

import csv
import io
import json
import shutil
import time
from datetime import datetime
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from conftest import CORPUS, build, kamerzoek_exe
from indexer.arrivals import Arrivals
from indexer.export import FIELDS, PROVENANCE_KEYS
from webapp import create_app
from webapp.cli import main

BOM = "\ufeff"
NEW_TITLE = "Motie over de dreiging van online radicalisering onder jongeren."


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


def feed(index_dir: Path, **params):
    client = create_app({"INDEX_DIR": str(index_dir)}).test_client()
    response = client.get("/feed.atom", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    return parsed


def entries(parsed) -> list[tuple[str, str, str]]:
    return [(e.id, e.published, e.updated) for e in parsed.entries]


@pytest.fixture
def library(tmp_path) -> Path:
    """A copy of the sample corpus to index, change and rebuild."""
    folder = tmp_path / "docs"
    shutil.copytree(CORPUS, folder, ignore=shutil.ignore_patterns("*.py", "src", "README.md"))
    return folder


# -- feeds ----------------------------------------------------------------------------------
def test_results_page_offers_the_feed_with_the_same_filters(corpus_index):
    client = create_app({"INDEX_DIR": str(corpus_index)}).test_client()
    html = client.get("/?q=dreiging&type=kamerbrief&sort=oldest&page=1").get_data(as_text=True)
    assert ('<link rel="alternate" type="application/atom+xml" title="Kamerzoek: nieuwe documenten voor '
            '‘dreiging’" href="/feed.atom?q=dreiging&amp;type=kamerbrief">') in html
    assert ('<a id="feed-link" href="/feed.atom?q=dreiging&amp;type=kamerbrief" type="application/atom+xml">'
            'Volg deze zoekvraag (Atom-feed)</a>') in html
    assert "application/atom+xml" not in client.get("/").get_data(as_text=True)  # no search, no feed


def test_feed_is_atom_with_every_matching_document(corpus_index):
    parsed = feed(corpus_index, q="dreiging", type="kamerbrief")
    api = create_app({"INDEX_DIR": str(corpus_index)}).test_client().get(
        "/api/search?q=dreiging&type=kamerbrief&per_page=50").get_json()
    assert {e.id for e in parsed.entries} == {f"urn:kamerzoek:document:{d['doc_id']}" for d in api["results"]}
    assert len(parsed.entries) == api["total"] == 3
    assert parsed.feed.title == "Kamerzoek: dreiging"
    assert parsed.feed.id.startswith("urn:kamerzoek:search:")
    by_id = {d["doc_id"]: d for d in api["results"]}
    for entry in parsed.entries:
        doc = by_id[entry.id.rsplit(":", 1)[1]]
        assert entry.title == doc["title"]
        assert entry.link == f"http://localhost/document/{doc['doc_id']}?q=dreiging"
        assert [t.term for t in entry.tags] == ["kamerbrief"]
        assert entry.summary.startswith(f"kamerbrief · {doc['date']} · {doc['passages'][0]['citation']}")
        assert "dreiging" in entry.summary.lower()
    assert feed(corpus_index, q="dreiging", type="motie").entries[0].tags[0].term == "motie"


def test_feed_bad_query_is_a_sentence(corpus_index):
    client = create_app({"INDEX_DIR": str(corpus_index)}).test_client()
    response = client.get("/feed.atom?q=")
    assert response.status_code == 400 and response.get_json() == {"error": "Geef een zoekvraag op."}
    assert client.get("/feed.atom?q=dreiging&from=gisteren").status_code == 400


def test_newest_arrival_first_and_ids_survive_reindex_and_rebuild(library, tmp_path):
    index_dir = tmp_path / "index"
    new_doc = library.parent / "later" / "motie-2026-dreiging.txt"
    new_doc.parent.mkdir()
    assert run("index", library, "--index", index_dir, "-q").exit_code == 0
    before = feed(index_dir, q="dreiging")
    assert len(before.entries) == 11
    time.sleep(1.1)  # arrival times have one-second resolution
    moment = datetime.now().astimezone().isoformat(timespec="seconds")
    time.sleep(1.1)
    new_doc.write_text(NEW_TITLE + "\n", encoding="utf-8")
    assert run("index", new_doc.parent, "--index", index_dir, "-q").exit_code == 0
    after = feed(index_dir, q="dreiging")
    assert len(after.entries) == 12
    assert after.entries[0].title == NEW_TITLE
    assert after.entries[0].published > before.entries[0].published
    assert entries(after)[1:] == entries(before)  # the others unchanged, in the same order
    # `--since` lists what entered the index since then.
    since = run("search", "dreiging", "--index", index_dir, "--since", moment, "--json")
    assert since.exit_code == 0, since.output
    assert [d["title"] for d in json.loads(since.output)["results"]] == [NEW_TITLE]
    assert json.loads(run("search", "dreiging", "--index", index_dir, "--since", "2000-01-01",
                          "--json").output)["total"] == 12
    # A reindex with nothing changed and a rebuild keep every id, published and updated time.
    assert run("index", library, new_doc.parent, "--index", index_dir, "-q").exit_code == 0
    assert entries(feed(index_dir, q="dreiging")) == entries(after)
    rebuilt = run("index", library, new_doc.parent, "--index", index_dir, "--rebuild", "-q")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert entries(feed(index_dir, q="dreiging")) == entries(after)
    assert feed(index_dir, q="dreiging").feed.updated == after.feed.updated
    since = run("search", "dreiging", "--index", index_dir, "--since", moment, "--json")
    assert [d["title"] for d in json.loads(since.output)["results"]] == [NEW_TITLE]


def test_a_touched_file_moves_nothing_and_a_changed_one_arrives_anew(library, tmp_path):
    """A reindex that finds a file with a newer time but the same content changes no entry; a
    file whose content changed is a new document (ids come from the content) at the top, and
    every other entry keeps its id, published and updated."""
    index_dir = tmp_path / "index"
    assert run("index", library, "--index", index_dir, "-q").exit_code == 0
    before = feed(index_dir, q="dreiging")
    motie = library / "motie-2018-toezicht-terugkeerders.txt"
    time.sleep(1.1)  # arrival times have one-second resolution
    motie.touch()
    assert run("index", library, "--index", index_dir, "-q").exit_code == 0
    assert entries(feed(index_dir, q="dreiging")) == entries(before)
    assert feed(index_dir, q="dreiging").feed.updated == before.feed.updated
    motie.write_text(motie.read_text(encoding="utf-8") + "\nDe dreiging blijft, zegt de Kamer.\n", encoding="utf-8")
    assert run("index", library, "--index", index_dir, "-q").exit_code == 0
    after = feed(index_dir, q="dreiging")
    old_ids = {e.id for e in before.entries}
    new = [e for e in after.entries if e.id not in old_ids]
    assert len(new) == 1 and after.entries[0] is new[0], entries(after)
    assert new[0].published == new[0].updated > before.entries[0].published
    assert after.feed.updated == new[0].updated
    gone = old_ids - {e.id for e in after.entries}
    assert len(gone) == 1  # the motie's former content
    assert entries(after)[1:] == [e for e in entries(before) if e[0] not in gone]


def test_a_corrected_title_updates_its_entry_and_moves_nothing_else(library, tmp_path):
    """Metadata corrected in a sidecar while the file stays the same (the official records are
    corrected now and then): the next run reads the document again from the text cache, its
    entry keeps its id and first date, shows the new title and gets a new `updated`; a sidecar
    only touched moves nothing."""
    index_dir = tmp_path / "index"
    assert run("index", library, "--index", index_dir, "-q").exit_code == 0
    before = feed(index_dir, q="toezicht")
    motie = library / "motie-2018-toezicht-terugkeerders.txt"
    sidecar = library / "motie-2018-toezicht-terugkeerders.txt.json"
    time.sleep(1.1)  # arrival times have one-second resolution
    sidecar.touch()
    assert run("index", library, "--index", index_dir, "-q").exit_code == 0
    assert entries(feed(index_dir, q="toezicht")) == entries(before)
    record = json.loads(sidecar.read_text(encoding="utf-8"))
    record["title"] = "Motie Hakkert en Oudejans over toezicht op terugkeerders (gecorrigeerd)"
    sidecar.write_text(json.dumps(record), encoding="utf-8")
    report = json.loads(run("index", library, "--index", index_dir, "--json").output)
    assert report["changed"] == [str(motie)] and report["files_extracted"] == 0
    after = feed(index_dir, q="toezicht")
    corrected = [e for e in after.entries if e.title == record["title"]]
    assert len(corrected) == 1, [e.title for e in after.entries]
    old = {e.id: e for e in before.entries}[corrected[0].id]  # the same entry
    assert corrected[0].published == old.published and corrected[0].updated > old.updated
    assert after.feed.updated == corrected[0].updated  # the feed's newest change
    # In the same place (newest arrival first), every other entry as it was.
    assert [e[0] for e in entries(after)] == [e[0] for e in entries(before)]
    assert [e for e in entries(after) if e[0] != old.id] == [e for e in entries(before) if e[0] != old.id]
    assert run("index", library, "--index", index_dir, "-q").exit_code == 0
    assert entries(feed(index_dir, q="toezicht")) == entries(after)


def test_arrivals_move_updated_only_when_the_content_changes(tmp_path):
    ledger = Arrivals(tmp_path / "arrivals.sqlite")
    assert ledger.record([("a", "sha1", "2026-01-01T10:00:00+00:00")]) == 1
    assert ledger.record([("a", "sha1", "2026-02-01T10:00:00+00:00")]) == 0  # a rebuild's new time
    first, changed = ledger.all()["a"]
    assert first.isoformat() == changed.isoformat() == "2026-01-01T10:00:00+00:00"
    assert ledger.record([("a", "sha2", "2026-03-01T10:00:00+00:00"), ("b", "x", "2026-03-01T10:00:00+00:00")]) == 2
    first, changed = ledger.all()["a"]
    assert (first.isoformat(), changed.isoformat()) == ("2026-01-01T10:00:00+00:00", "2026-03-01T10:00:00+00:00")



def test_a_ledger_from_before_meta_takes_it_without_moving_anything(tmp_path):
    import sqlite3
    path = tmp_path / "arrivals.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE arrivals (doc_id TEXT PRIMARY KEY, first_indexed TEXT NOT NULL, "
               "sha TEXT NOT NULL, changed TEXT NOT NULL)")
    db.execute("INSERT INTO arrivals VALUES ('a', '2026-01-01T10:00:00+00:00', 'sha1', '2026-01-01T10:00:00+00:00')")
    db.commit()
    db.close()
    ledger = Arrivals(path)
    assert ledger.record([("a", "sha1", "2026-02-01T10:00:00+00:00", "m1")]) == 0
    assert ledger.record([("a", "sha1", "2026-03-01T10:00:00+00:00", "m1")]) == 0
    assert ledger.record([("a", "sha1", "2026-04-01T10:00:00+00:00", "m2")]) == 1  # what is shown changed
    first, changed = ledger.all()["a"]
    assert (first.isoformat(), changed.isoformat()) == ("2026-01-01T10:00:00+00:00", "2026-04-01T10:00:00+00:00")

# -- exports --------------------------------------------------------------------------------
def split_csv(text: str) -> tuple[dict, list[dict]]:
    """The provenance lines and the rows of an export (the documented layout)."""
    assert text.startswith(BOM)
    lines = text[1:].splitlines(keepends=True)
    prov = {}
    while lines and lines[0].startswith("# "):
        key, _, value = lines.pop(0)[2:].rstrip("\r\n").partition(": ")
        prov[key] = value
    reader = csv.DictReader(io.StringIO("".join(lines)))
    assert reader.fieldnames == FIELDS
    return prov, list(reader)


def test_cli_csv_export_carries_provenance_and_reproduces(corpus_index):
    first = run("search", "terugkeerders OF jihadisme", "--index", corpus_index, "--csv", "--all", "--type", "kamerbrief")
    assert first.exit_code == 0, first.output
    prov, rows = split_csv(first.output)
    assert list(prov) == PROVENANCE_KEYS
    assert prov["query"] == "terugkeerders OF jihadisme"
    assert "content:terugkeerder" in prov["read_as"] and "content:jihadism" in prov["read_as"]
    assert json.loads(prov["filters"])["type"] == ["kamerbrief"]
    from indexer.schema import versions
    assert prov["sort"] == "relevance" and prov["schema_version"] == str(versions()["schema"])
    assert prov["analyzer_version"] == versions()["analyzer"] and int(prov["index_generation"]) >= 1
    assert prov["index_last_run"] and prov["kamerzoek_version"] == "0.1.0"
    assert rows and {r["type"] for r in rows} == {"kamerbrief"}
    again = run("search", "terugkeerders OF jihadisme", "--index", corpus_index, "--csv", "--all", "--type", "kamerbrief")
    assert again.output == first.output  # same rows in the same order, same provenance: the same file
    bare = run("search", "terugkeerders", "--index", corpus_index, "--csv", "--no-provenance")
    assert bare.output.startswith(BOM + ",".join(FIELDS) + "\n")  # (CliRunner shows \r\n as \n)


def sixty_one_letters(tmp_path) -> Path:
    """An index of 61 letters that score alike (ties the order must break the same way every time)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(60):
        (docs / f"brief-{n:02d}.txt").write_text(f"Brief {n} over toezicht op terugkeerders.\n", encoding="utf-8")
    (docs / "formule.txt").write_text("=HYPERLINK(\"x\") toezicht op terugkeerders\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    build([docs], index_dir, workers=1)
    return index_dir


def test_cli_json_all_streams_every_document_past_the_limit(tmp_path):
    index_dir = sixty_one_letters(tmp_path)
    assert run("search", "toezicht", "--index", index_dir, "--limit", "60").exit_code == 2
    result = run("search", "toezicht", "--index", index_dir, "--json", "--all")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data)[0] == "provenance" and data["provenance"]["query"] == "toezicht"
    assert data["total"] == data["count"] == len(data["results"]) == 61
    assert len({d["doc_id"] for d in data["results"]}) == 61
    again = json.loads(run("search", "toezicht", "--index", index_dir, "--json", "--all").output)
    assert [d["doc_id"] for d in again["results"]] == [d["doc_id"] for d in data["results"]]
    _, rows = split_csv(run("search", "toezicht", "--index", index_dir, "--csv", "--all").output)
    assert len(rows) == 61
    assert [r["text"] for r in rows if r["path"].endswith("formule.txt")][0].startswith("'=HYPERLINK")


def export_process(index_dir: Path, seed: str, terminal: bool) -> tuple[str, str]:
    """`kamerzoek search toezicht --csv --all` as a process of its own (its own hash seed), with
    stderr on a terminal or a pipe: (stdout, what stderr showed)."""
    import os
    import subprocess
    import threading
    env = {**os.environ, "PYTHONHASHSEED": seed, "COLUMNS": "100"}
    args = [kamerzoek_exe(), "search", "toezicht", "--index", str(index_dir), "--csv", "--all"]
    if not terminal:
        done = subprocess.run(args, capture_output=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    import pty
    master, slave = pty.openpty()
    shown = bytearray()

    def drain():  # read the terminal while the process writes, so it never blocks on a full buffer
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            if not chunk:
                return
            shown.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        done = subprocess.run(args, stdout=subprocess.PIPE, stderr=slave, env=env, timeout=120)
    finally:
        os.close(slave)
        reader.join(timeout=30)
        os.close(master)
    assert done.returncode == 0, shown
    return done.stdout.decode("utf-8"), shown.decode("utf-8", "replace")


def test_cli_all_shows_progress_on_a_terminal_and_the_same_rows_in_every_process(tmp_path):
    index_dir = sixty_one_letters(tmp_path)
    on_terminal, progress = export_process(index_dir, "1", terminal=True)
    assert "Exporteren" in progress and "61/61" in progress, progress
    prov, rows = split_csv(on_terminal)
    assert len(rows) == 61 and prov["query"] == "toezicht"
    assert "Exporteren" not in on_terminal  # the progress never lands in the export
    piped, quiet = export_process(index_dir, "2", terminal=False)
    assert quiet == ""  # no terminal: no progress
    assert piped == on_terminal  # another process, another hash seed: the same file


def test_web_exports_carry_provenance_and_reproduce(corpus_index):
    client = create_app({"INDEX_DIR": str(corpus_index)}).test_client()
    one = client.get("/export.csv?q=dreiging&sort=oldest&type=kamerbrief")
    prov, rows = split_csv(one.get_data(as_text=True))
    assert prov["query"] == "dreiging" and prov["sort"] == "oldest"
    assert prov["cap"] == "5000" and prov["truncated"] == "False"
    two = split_csv(client.get("/export.csv?q=dreiging&sort=oldest&type=kamerbrief").get_data(as_text=True))[1]
    assert rows == two and len(rows) >= 3
    data = client.get("/export.json?q=dreiging&sort=oldest&type=kamerbrief").get_json()
    assert list(data)[:2] == ["provenance", "query"]
    assert data["provenance"]["filters"]["type"] == ["kamerbrief"] and data["count"] == len(rows)
    assert [p["doc_id"] for p in data["passages"]] == [r["doc_id"] for r in rows]
    bare = client.get("/export.csv?q=dreiging&provenance=0").get_data(as_text=True)
    assert bare.startswith(BOM + ",".join(FIELDS))
    # The query as read: with the synonyms it was expanded with (and without, when switched off).
    read = client.get("/export.json?q=nctv").get_json()["provenance"]
    assert read["expansions"] == [{"term": "NCTV", "added": ["Nationaal Coördinator Terrorismebestrijding en Veiligheid"]}]
    assert "national coordinator terrorismebestrijd" in read["read_as"]
    plain = client.get("/export.json?q=nctv&synonyms=0").get_json()["provenance"]
    assert plain["expansions"] == [] and plain["filters"]["synonyms"] is False
    assert "coordinator" not in plain["read_as"]


@pytest.mark.slow
def test_web_exports_stop_at_5000_and_the_command_line_all_does_not(tmp_path):
    from indexer.search import EXPORT_CAP
    assert EXPORT_CAP == 5000
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(EXPORT_CAP + 3):
        (docs / f"brief-{n:05d}.txt").write_text(f"Brief {n} over toezicht.\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    build([docs], index_dir, workers=1)
    client = create_app({"INDEX_DIR": str(index_dir)}).test_client()
    data = client.get("/export.json?q=toezicht").get_json()
    assert data["count"] == len(data["passages"]) == 5000
    assert data["provenance"]["cap"] == 5000 and data["provenance"]["truncated"] is True
    prov, rows = split_csv(client.get("/export.csv?q=toezicht").get_data(as_text=True))
    assert len(rows) == 5000 and prov["truncated"] == "True"
    assert [r["doc_id"] for r in rows] == [p["doc_id"] for p in data["passages"]]
    every = json.loads(run("search", "toezicht", "--index", index_dir, "--json", "--all").output)
    assert every["total"] == every["count"] == len(every["results"]) == 5003
    assert "cap" not in every["provenance"]
    # The web's 5,000 are the first 5,000 of the command line's, in the same order.
    assert [p["doc_id"] for p in data["passages"]] == [d["doc_id"] for d in every["results"]][:5000]


def test_an_index_without_the_ledger_still_has_a_feed(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "brief.txt").write_text("Brief over toezicht op terugkeerders.\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    build([docs], index_dir, workers=1)
    with_ledger = entries(feed(index_dir, q="toezicht"))
    (index_dir / "arrivals.sqlite").unlink()  # an index built before the ledger existed
    assert entries(feed(index_dir, q="toezicht")) == with_ledger
    build([docs], index_dir, workers=1)  # the next run writes the ledger, with the same times
    assert (index_dir / "arrivals.sqlite").exists()
    assert entries(feed(index_dir, q="toezicht")) == with_ledger
