"""`kamerzoek harvest` against a local replay of KOOP's SRU service (tests/harvest_replay.py):
paging, layout, incremental runs, politeness, faults, resume after SIGKILL, and indexing."""
from __future__ import annotations

import json
import signal
import subprocess
import time
from datetime import date, timedelta
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import kamerzoek_exe
from harvest_replay import NOT_FOUND_PATH, ReplayServer
from harvest_support import (  # noqa: F401 (corpus and server are fixtures)
    BLG_PDF,
    DOSSIER_FILES,
    KST_PDF,
    TODAY,
    corpus,
    files_under,
    harvest,
    leftovers,
    server,
    sha,
)
from webapp.cli import main

pytestmark = pytest.mark.shared


# -- a dossier, its appendices, three pages ----------------------------------------------------
def test_dossier_with_appendices_over_three_pages(server, corpus, tmp_path):
    server.delay_documents = 0.05   # downloads overlap, so two connections are really in use
    out = tmp_path / "archief"
    code, report, _, stderr = harvest(server, out, "--dossier", "32 545", "--json")
    assert code == 0, stderr
    assert report["added"] == DOSSIER_FILES and report["replaced"] == [] and report["unchanged"] == 0
    assert files_under(out) == DOSSIER_FILES       # no html/odt: pdf and xml by default
    assert report["pages"] == 3 and report["records"] == 5
    pages = server.requests_for("/sru")
    assert [p["params"]["startRecord"] for p in pages] == [["1"], ["3"], ["5"]]
    query = pages[0]["params"]["query"][0]
    assert query == "c.product-area==officielepublicaties AND w.dossiernummer==32545"
    assert pages[0]["params"]["httpAccept"] == ["application/xml"]
    real = corpus / "parliamentary" / "kamerstukken"
    for ext in ("pdf", "xml", "metadata.xml"):
        assert sha(out / "kamerstukken" / f"kst-32545-143.{ext}") == sha(real / f"kst-32545-143.{ext}")
    version = metadata.version("kamerzoek")
    assert {r["headers"]["User-Agent"] for r in server.log} == {
        f"Kamerzoek/{version} (officiele-publicaties harvester; python-requests/"
        f"{__import__('requests').__version__})"}
    assert server.max_connections == 2
    state = json.loads((out / ".kamerzoek-harvest.json").read_text())
    entry = state["records"]["kst-32545-143"]["files"]["pdf"]
    assert entry["sha256"] == sha(real / "kst-32545-143.pdf") and entry["modified"] == TODAY
    assert not (out / ".kamerzoek-harvest.journal").exists() and leftovers(out) == []


def test_type_and_formats_choose_what_lands(server, corpus, tmp_path):
    out = tmp_path / "archief"
    code, report, _, stderr = harvest(server, out, "--type", "kamervragen", "--formats", "html,odt,xml", "--json")
    assert code == 0, stderr
    assert report["added"] == [f"kamervragen/ah-tk-20202021-3235.{e}" for e in ("html", "metadata.xml", "odt", "xml")]
    query = server.requests_for("/sru")[0]["params"]["query"][0]
    assert query == ('c.product-area==officielepublicaties AND (w.publicatienaam=="Kamervragen (Aanhangsel)" '
                     'OR w.publicatienaam=="Kamervragen zonder antwoord")')
    # kamerstuk includes the appendices, which carry the publication name of their letter
    code, report, _, _ = harvest(server, tmp_path / "b", "--type", "kamerstuk", "--from", "2021-07-07", "--json")
    assert code == 0 and report["added"] == [f for f in DOSSIER_FILES if "-14" in f and "143" not in f]
    code, report, _, _ = harvest(server, tmp_path / "c", "--dossier", "32545", "--type", "kamerstuk",
                                 "--to", "2021-07-06", "--json")
    assert report["added"] == [f for f in DOSSIER_FILES if "143" in f]
    assert server.requests_for("/sru")[-1]["params"]["query"][0].endswith(
        "AND w.publicatienaam==Kamerstuk AND dt.date<=2021-07-06")


# -- incremental ------------------------------------------------------------------------------
def test_unchanged_source_fetches_only_query_pages(server, tmp_path):
    out = tmp_path / "archief"
    assert harvest(server, out, "--dossier", "32545")[0] == 0
    before = len(server.log)
    code, report, _, _ = harvest(server, out, "--dossier", "32545", "--json")
    assert code == 0
    again = server.log[before:]
    assert [r["path"] for r in again] == ["/sru", "/sru", "/sru"]     # the records still come (modified today)
    since = (date.fromisoformat(TODAY) - timedelta(days=1)).isoformat()
    assert again[0]["params"]["query"][0].endswith(f" AND dt.modified>={since}")
    assert report["since"] == since
    assert report["added"] == [] and report["replaced"] == [] and report["unchanged"] == len(DOSSIER_FILES)
    # Asking for another format is another question: everything since the beginning, for the HTML.
    code, report, _, _ = harvest(server, out, "--dossier", "32545", "--formats", "pdf,xml,html", "--json")
    assert code == 0 and report["since"] is None
    assert report["added"] == ["kamerstukken/kst-32545-143.html"]


def test_record_modified_between_runs_replaces_exactly_what_changed(server, corpus, tmp_path):
    for pub in server.dossier:                        # an old dossier: last modified years ago
        pub.set("owmskern", "dcterms:modified", "2021-07-08")
    out = tmp_path / "archief"
    assert harvest(server, out, "--dossier", "32545")[0] == 0
    motion = server.dossier[0]
    motion.set("owmskern", "dcterms:modified", TODAY)  # corrected today: a new XML edition
    path, old = motion.files["xml"]
    new = old.replace(b"MOTIE VAN DE LEDEN INGE VAN DIJK EN GRINWIS",
                      b"GEWIJZIGDE MOTIE VAN DE LEDEN INGE VAN DIJK EN GRINWIS")
    assert new != old
    motion.files["xml"] = (path, new)
    before = len(server.log)
    code, report, stdout, _ = harvest(server, out, "--dossier", "32545", "--json")
    assert code == 0
    assert report["records"] == 1                     # asked only for what changed since the last run
    assert report["added"] == [] and report["replaced"] == ["kamerstukken/kst-32545-143.xml"]
    assert report["unchanged"] == 2                   # the PDF and the record: 304 Not Modified
    assert (out / "kamerstukken" / "kst-32545-143.xml").read_bytes() == new
    conditional = [r for r in server.log[before:] if r["path"].endswith(("metadata.xml", ".pdf"))]
    assert len(conditional) == 2 and all("If-None-Match" in r["headers"] for r in conditional)
    code, _, stdout, _ = harvest(server, out, "--dossier", "32545")
    assert "0 nieuw, 0 vervangen, 3 ongewijzigd" in stdout


def test_dry_run_fetches_and_writes_nothing(server, tmp_path):
    out = tmp_path / "archief"
    result = CliRunner().invoke(main, ["harvest", str(out), "--dossier", "32545", "--dry-run", "--json",
                                       "--rate", "50"], env={"KAMERZOEK_SRU_URL": server.sru_url})
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and report["dry_run"] and report["added"] == DOSSIER_FILES
    assert report["service"] == server.sru_url
    assert not out.exists()
    assert {r["path"] for r in server.log} == {"/sru"}


# -- politeness -------------------------------------------------------------------------------
def test_rate_limit_spaces_requests(server, tmp_path):
    code, _, _, _ = harvest(server, tmp_path / "a", "--dossier", "32545", "--rate", "8", fast=False)
    assert code == 0
    starts = [r["time"] for r in server.log]
    assert len(starts) == 14
    # 1/8 s apart, less the jitter of when the server's threads see a request on a busy machine
    assert starts[-1] - starts[0] >= 13 / 8 - 0.05
    assert min(b - a for a, b in zip(starts, starts[1:])) >= 1 / 8 - 0.05


def test_503_then_success(server, tmp_path):
    server.fault(KST_PDF, "status", status=503)
    code, report, _, _ = harvest(server, tmp_path / "a", "--dossier", "32545", "--json")
    assert code == 0 and "kamerstukken/kst-32545-143.pdf" in report["added"]
    assert len(server.requests_for(KST_PDF)) == 2


def test_429_retry_after_is_honoured(server, tmp_path):
    server.fault("/sru", "status", status=429, headers={"Retry-After": "1"})
    code, _, _, _ = harvest(server, tmp_path / "a", "--dossier", "32545")
    assert code == 0
    first, second = server.requests_for("startRecord=1")[:2]
    assert second["time"] - first["time"] >= 0.95     # backoff alone would be about 0.01 s


def test_response_slower_than_timeout_is_retried(server, tmp_path):
    server.fault("/sru", "slow", seconds=1.5)
    code, _, _, _ = harvest(server, tmp_path / "a", "--dossier", "32545", "--timeout", "0.3")
    assert code == 0
    assert len(server.requests_for("startRecord=1")) == 2


def test_truncated_body_is_retried_and_never_lands_half(server, corpus, tmp_path):
    server.fault(KST_PDF, "truncate")
    out = tmp_path / "a"
    assert harvest(server, out, "--dossier", "32545")[0] == 0
    assert sha(out / "kamerstukken" / "kst-32545-143.pdf") == sha(
        corpus / "parliamentary" / "kamerstukken" / "kst-32545-143.pdf")
    # Cut off every time: after the tries the run stops, without a half file under the real name.
    server.fault(KST_PDF, "truncate", times=None)
    out = tmp_path / "b"
    code, report, _, stderr = harvest(server, out, "--query", "dt.identifier==kst-32545-143",
                                      "--retries", "3", "--json")
    assert code == 1                                   # the metadata record had arrived
    assert report["added"] == ["kamerstukken/kst-32545-143.metadata.xml"]
    assert stderr.startswith(f"Fout: geen bruikbaar antwoord van {server.url}{KST_PDF} na 3 pogingen")
    assert not (out / "kamerstukken" / "kst-32545-143.pdf").exists() and leftovers(out) == []
    assert len(server.requests_for(KST_PDF)) == 2 + 3
    server.faults.clear()
    before = len(server.log)
    code, report, _, _ = harvest(server, out, "--query", "dt.identifier==kst-32545-143", "--json")
    assert code == 0 and report["since"] is None       # the failed run did not count as a success
    assert report["added"] == ["kamerstukken/kst-32545-143.pdf", "kamerstukken/kst-32545-143.xml"]
    assert not [r for r in server.log[before:] if r["path"].endswith("metadata.xml")]


def test_malformed_page_stops_cleanly_and_the_next_run_completes(server, tmp_path):
    server.fault("startRecord=3", "body", body=b"<sru:searchRetrieveResponse><kapot")
    out = tmp_path / "a"
    code, report, _, stderr = harvest(server, out, "--dossier", "32545", "--json")
    assert code == 1
    assert report["added"] == [f for f in DOSSIER_FILES if "143" in f]    # page 1: the motion and its appendix
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Fout: het antwoord van {server.sru_url}?")
    assert "startRecord=3" in lines[0] and "geen geldige XML" in lines[0]
    assert not server.requests_for("startRecord=5")
    before = len(server.log)
    code, report, _, _ = harvest(server, out, "--dossier", "32545", "--json")
    assert code == 0 and report["since"] is None
    assert report["added"] == [f for f in DOSSIER_FILES if "143" not in f] and report["unchanged"] == 5
    assert not [r for r in server.log[before:] if "143" in r["path"]]


def test_redirect_to_not_found_page_is_missing(server, tmp_path):
    server.fault(BLG_PDF, "redirect", times=None, location=NOT_FOUND_PATH)
    mirrored = "/frbr/officielepublicaties/kst/32545/kst-32545-144/1/pdf/kst-32545-144.pdf"
    server.fault(mirrored, "redirect", location="/spiegel" + mirrored)   # same file elsewhere: followed
    out = tmp_path / "a"
    code, report, _, stderr = harvest(server, out, "--dossier", "32545", "--json")
    assert code == 1 and report["stopped"] is None
    assert [(m["path"], m["reason"]) for m in report["missing"]] == [("bijlagen/blg-990143.pdf", "missing")]
    assert "niet-gevonden-pagina" in report["missing"][0]["message"]
    assert files_under(out) == [f for f in DOSSIER_FILES if f != "bijlagen/blg-990143.pdf"]
    assert not server.requests_for(NOT_FOUND_PATH)    # the not-found page itself is never fetched


def test_pdf_without_eof_stops_the_run(server, tmp_path):
    path, pdf = server.dossier[0].files["pdf"]
    server.fault(KST_PDF, "body", times=None, body=pdf[: pdf.rindex(b"%%EOF")])
    out = tmp_path / "a"
    code, report, _, stderr = harvest(server, out, "--query", "dt.identifier==kst-32545-143", "--json")
    assert code == 1
    assert stderr.strip() == (f"Fout: {server.url}{KST_PDF} gaf een onvolledige PDF (%%EOF ontbreekt aan het "
                              f"eind); de run is gestopt met wat binnen was.")
    assert not (out / "kamerstukken" / "kst-32545-143.pdf").exists() and leftovers(out) == []
    assert len(server.requests_for(KST_PDF)) == 1     # not a fault to retry


def test_size_cap(server, tmp_path):
    out = tmp_path / "a"
    code, _, stdout, stderr = harvest(server, out, "--dossier", "32545", "--max-size", "0.02")
    assert code == 1
    assert stderr == (f"Mislukt (1):\n  kamerstukken/kst-32545-143.pdf: {server.url}{KST_PDF} is groter dan "
                      f"de grens van 20 kB (37 kB)\n")
    assert not (out / "kamerstukken" / "kst-32545-143.pdf").exists()
    assert files_under(out) == [f for f in DOSSIER_FILES if f != "kamerstukken/kst-32545-143.pdf"]
    assert stdout.startswith(f"Opgehaald uit {server.sru_url}: 10 nieuw, 0 vervangen, 0 ongewijzigd;")


def test_report_in_english(server, tmp_path):
    result = CliRunner().invoke(main, ["harvest", str(tmp_path / "a"), "--dossier", "32545", "--max-size", "0.02",
                                       "--base-url", server.sru_url, "--rate", "50"], env={"KAMERZOEK_LANG": "en"})
    assert result.exit_code == 1
    assert result.stdout.startswith(f"Fetched from {server.sru_url}: 10 new, 0 replaced, 0 unchanged;")
    assert result.stderr == (f"Failed (1):\n  kamerstukken/kst-32545-143.pdf: {server.url}{KST_PDF} is larger than "
                             f"the limit of 20 kB (37 kB)\n")


def test_service_that_never_answers_is_exit_3(server, tmp_path):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]                     # closed again: nothing listens there
    result = CliRunner().invoke(main, ["harvest", str(tmp_path / "a"), "--dossier", "32545", "--base-url",
                                       f"http://127.0.0.1:{port}/sru", "--retries", "2", "--backoff", "0.01"])
    assert result.exit_code == 3
    assert result.stderr.startswith(f"Fout: geen bruikbaar antwoord van http://127.0.0.1:{port}/sru?")
    assert "na 2 pogingen (geen verbinding)" in result.stderr
    server.fault("/sru", "status", status=503, times=None)
    code, _, _, stderr = harvest(server, tmp_path / "b", "--dossier", "32545")
    assert code == 3 and "na 5 pogingen (HTTP 503)" in stderr
    assert len(server.requests_for("/sru")) == 5


def test_usage_errors(server, tmp_path):
    for args, message in (
        ([], "Fout: geef ten minste --dossier, --type of --query op"),
        (["--dossier", "1", "--formats", "pdf,doc"], "Fout: --formats kent pdf, xml, html, odt; niet: doc"),
        (["--dossier", "1", "--from", "gisteren"], "Fout: --from verwacht een datum"),
        (["--query", "x.onbekend==1"], "Fout: de dienst wijst de zoekvraag af: Query syntax error"),
    ):
        code, _, _, stderr = harvest(server, tmp_path / "a", *args)
        assert code == 2 and stderr.startswith(message), stderr
    result = CliRunner().invoke(main, ["harvest", str(tmp_path), "--dossier", "1", "--base-url", "ftp://x"])
    assert result.exit_code == 2 and "--base-url moet een http(s)-adres zijn" in result.stderr


# -- a killed run -----------------------------------------------------------------------------
@pytest.mark.slow
def test_resume_after_sigkill_fetches_no_finished_file_again(server, corpus, tmp_path):
    server.delay_documents = 0.25
    out = tmp_path / "archief"
    journal = out / ".kamerzoek-harvest.journal"
    argv = [kamerzoek_exe(), "harvest", str(out), "--dossier", "32545", "--base-url", server.sru_url,
            "--rate", "50", "--timeout", "5"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        if journal.exists() and len(journal.read_text().splitlines()) >= 4:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    finished = [json.loads(line)["file"] for line in journal.read_text().splitlines()]
    assert 4 <= len(finished) < len(DOSSIER_FILES)
    for entry in finished:                            # every file it finished is whole and in place
        assert sha(out / entry["path"]) == entry["sha256"]
    server.delay_documents = 0
    before = len(server.log)
    code, report, _, _ = harvest(server, out, "--dossier", "32545", "--json")
    assert code == 0
    assert files_under(out) == DOSSIER_FILES and leftovers(out) == []
    refetched = {r["target"] for r in server.log[before:]}
    for entry in finished:
        assert entry["url"].removeprefix(server.url) not in refetched
    assert sorted(report["added"] + report["replaced"]) == sorted(
        set(DOSSIER_FILES) - {e["path"] for e in finished})
    assert report["unchanged"] == len(finished)
    assert not journal.exists()


# -- harvested, indexed, found and cited --------------------------------------------------------
@pytest.mark.slow
def test_harvest_index_search_with_official_metadata_and_citations(server, tmp_path):
    out, index = tmp_path / "archief", tmp_path / "index"
    exe = kamerzoek_exe()
    common = ["--base-url", server.sru_url, "--rate", "50", "--index", str(index), "--quiet", "--json"]
    run = subprocess.run([exe, "harvest", str(out), "--dossier", "32545", *common],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert len(report["added"]) == len(DOSSIER_FILES) and report["index"]["unreadable"] == []
    assert sorted(Path(p).name for p in report["index"]["added"]) == sorted(
        Path(f).name for f in DOSSIER_FILES if not f.endswith(".metadata.xml"))
    run = subprocess.run([exe, "harvest", str(out), "--type", "kamervragen", *common],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr

    def found(query, index_dir, in_process=True):
        if in_process:   # the same command; one process keeps the Dutch lexicon loaded
            result = CliRunner().invoke(main, ["search", query, "--json", "--index", str(index_dir)])
            assert result.exit_code == 0, result.output
            return json.loads(result.stdout)["results"]
        result = subprocess.run([exe, "search", query, "--json", "--index", str(index_dir)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["results"]

    def check(index_dir, in_process=True):
        motion = [d for d in found("grensspaarsaldo", index_dir, in_process) if "kst-32545-143" in d["path"]]
        # One result per publication: the harvested PDF and XML are one document, offered in both forms.
        assert len(motion) == 1
        assert [f["format"] for f in motion[0]["formats"]] == ["pdf", "xml"]
        for doc in motion:
            assert doc["title"] == ("Motie van de leden Inge van Dijk en Grinwis over het definiëren van een "
                                    "grensspaarsaldo voor negatieve spaarrente")
            assert (doc["type"], doc["date"], doc["dossier"], doc["number"], doc["vergaderjaar"]) == (
                "motie", "2021-07-06", "32545", "143", "2020-2021")
            assert doc["passages"][0]["citation"] == "Kamerstukken II 2020/21, 32545, nr. 143, p. 1"
        answers = [d for d in found("Tozo", index_dir) if "ah-tk-20202021-3235" in d["path"]]
        assert answers and all(d["type"] == "kamervragen" and d["number"] == "3235" for d in answers)
        assert answers[0]["passages"][0]["citation"].startswith("Aanhangsel Handelingen II 2020/21, nr. 3235, p. ")
        appendix = [d for d in found("spaartarieven", index_dir) if "blg-990143" in d["path"]]
        assert appendix and appendix[0]["dossier"] == "32545" and appendix[0]["title"] == (
            "Overzicht spaartarieven per bank")

    check(index, in_process=False)
    # A citation is a query: the harvested motion comes first, as the document referred to.
    result = CliRunner().invoke(main, ["search", "Kamerstukken II 2020/21, 32545, nr. 143", "--json",
                                       "--index", str(index)])
    answer = json.loads(result.stdout)
    assert answer["reference"]["matched"] == "kst-32545-143"
    assert "kst-32545-143" in answer["results"][0]["path"]
    # The same folder indexed by `kamerzoek index` afterwards: the same documents, never the state files.
    second = tmp_path / "index2"
    result = CliRunner().invoke(main, ["index", str(out), "--index", str(second), "--json"])
    assert result.exit_code == 0, result.output
    indexed = json.loads(result.stdout)["added"]
    assert indexed and not [p for p in indexed if ".kamerzoek" in p or p.endswith(".metadata.xml")]
    check(second)


def test_real_records_as_they_are(corpus, tmp_path):
    """The four real records, unchanged, on one answer page: where each would land (a dry run,
    since their manifestation URLs point at the real repository)."""
    from harvest_replay import Publication
    replay = ReplayServer(corpus / "parliamentary" / "sru-records", page_size=10)
    try:
        for record in replay.templates.values():
            replay.add(Publication(record))
        code, report, _, _ = harvest(replay, tmp_path / "a", "--query", "dt.modified>=2000-01-01",
                                     "--formats", "pdf,xml", "--dry-run", "--json")
    finally:
        replay.close()
    assert code == 0 and report["records"] == 4
    assert report["added"] == [
        "bijlagen/blg-936562.metadata.xml", "bijlagen/blg-936562.pdf",
        "handelingen/h-ek-20202021-1-1.metadata.xml", "handelingen/h-ek-20202021-1-1.pdf",
        "handelingen/h-ek-20202021-1-1.xml",
        "kamerstukken/kst-35842-4.metadata.xml", "kamerstukken/kst-35842-4.pdf", "kamerstukken/kst-35842-4.xml",
        "kamervragen/kv-2989900822.metadata.xml", "kamervragen/kv-2989900822.xml"]


def test_one_harvest_at_a_time_per_folder(server, tmp_path):
    import fcntl
    out = tmp_path / "a"
    out.mkdir()
    with open(out / ".kamerzoek-harvest.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        code, _, _, stderr = harvest(server, out, "--dossier", "32545")
    assert code == 3 and stderr == f"Fout: in {out} loopt al een andere harvest\n"
    assert not server.log


def test_unwritable_folder_is_exit_3_without_traceback(server, tmp_path):
    out = tmp_path / "a"
    out.mkdir()
    (out / "kamerstukken").write_text("een bestand waar een map moet komen")
    code, _, _, stderr = harvest(server, out, "--dossier", "32545")
    assert code == 3
    assert stderr.startswith(f"Fout: in {out} kan niet worden geschreven: ") and "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1
