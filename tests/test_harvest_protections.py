"""`kamerzoek harvest`'s protections, each against the replay server with the fault it guards
against: the connection cap with more work than threads (and --connections 1), the contact in
the User-Agent, the default rate, the doubling backoff, Retry-After as an HTTP date, the size
cap on a body without Content-Length, a PDF that is not one, a kill in the middle of a
download, and TLS verification."""
from __future__ import annotations

import shutil
import signal
import subprocess
import time
from importlib import metadata
from pathlib import Path

import pytest
import requests

from conftest import kamerzoek_exe
from harvest_support import (  # noqa: F401 (corpus and server are fixtures)
    DOSSIER_FILES,
    KST_PDF,
    corpus,
    files_under,
    harvest,
    leftovers,
    server,
    sha,
    start_server,
)

pytestmark = pytest.mark.shared
ONE_MOTION = ("--query", "dt.identifier==kst-32545-143")


@pytest.mark.parametrize("option, connections", [((), 2), (("--connections", "1"), 1)])
def test_at_most_two_connections_with_a_page_of_five(corpus, tmp_path, option, connections):
    # Five publications on one answer page: enough work for more threads than two.
    replay = start_server(corpus, tmp_path / "made", page_size=10)
    replay.delay_documents = 0.1
    try:
        code, report, _, stderr = harvest(replay, tmp_path / "a", "--dossier", "32545", *option, "--json")
    finally:
        replay.close()
    assert code == 0, stderr
    assert report["pages"] == 1 and report["added"] == DOSSIER_FILES
    assert replay.max_connections == connections


def test_contact_goes_into_the_user_agent(server, tmp_path):
    code, _, _, _ = harvest(server, tmp_path / "a", *ONE_MOTION,
                            env={"KAMERZOEK_HARVEST_CONTACT": "archief@example.nl"})
    assert code == 0
    version = metadata.version("kamerzoek")
    assert {r["headers"]["User-Agent"] for r in server.log} == {
        f"Kamerzoek/{version} (officiele-publicaties harvester; +archief@example.nl; python-requests/"
        f"{requests.__version__})"}
    code, _, _, stderr = harvest(server, tmp_path / "b", *ONE_MOTION, "--contact", "archief\nX-Kwaad: 1")
    assert code == 2 and stderr.startswith("Fout: --contact mag alleen gewone ASCII-tekens bevatten")


def test_default_rate_is_two_requests_a_second(server, tmp_path):
    code, report, _, _ = harvest(server, tmp_path / "a", "--query", "dt.identifier==kst-32545-146", "--json",
                                 fast=False)
    assert code == 0 and report["requests"] == 3      # the page, the record, the PDF
    starts = [r["time"] for r in server.log]
    assert len(starts) == 3
    assert starts[-1] - starts[0] >= 2 / 2 - 0.05


def test_backoff_doubles_between_tries(server, tmp_path):
    server.fault("/sru", "status", status=503, times=4)   # the fifth and last try succeeds
    code, _, _, stderr = harvest(server, tmp_path / "a", *ONE_MOTION, "--backoff", "0.3", "--rate", "50",
                                 "--timeout", "2", fast=False)
    assert code == 0, stderr
    tries = [r["time"] for r in server.requests_for("startRecord=1")]
    assert len(tries) == 5
    # Waits of 0.3, 0.6, 1.2 and 2.4 s, each between half and one and a half times that:
    # at least 2.25 s in all, where four waits of 0.3 s with the same jitter are at most 1.8 s.
    assert tries[-1] - tries[0] >= 2.25 - 0.05


def test_retry_after_as_a_date_is_honoured(server, tmp_path):
    import email.utils
    # Two seconds from now, in whole seconds: a wait of more than one second (the backoff: 0.01 s).
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    server.fault("/sru", "status", status=429, headers={"Retry-After": when})
    code, _, _, _ = harvest(server, tmp_path / "a", *ONE_MOTION)
    assert code == 0
    first, second = server.requests_for("startRecord=1")
    assert second["time"] - first["time"] >= 0.95


def test_size_cap_holds_without_content_length(server, tmp_path):
    server.fault(KST_PDF, "chunked")
    out = tmp_path / "a"
    code, report, _, _ = harvest(server, out, *ONE_MOTION, "--max-size", "0.02", "--json")
    assert code == 1
    assert [(f["path"], f["reason"], f["message"]) for f in report["failed"]] == [
        ("kamerstukken/kst-32545-143.pdf", "too_large", f"{server.url}{KST_PDF} is groter dan de grens van 20 kB")]
    assert not (out / "kamerstukken" / "kst-32545-143.pdf").exists() and leftovers(out) == []
    # The same body, chunked, within the cap: it arrives whole.
    server.fault(KST_PDF, "chunked")
    code, report, _, _ = harvest(server, out, *ONE_MOTION, "--json")
    assert code == 0 and "kamerstukken/kst-32545-143.pdf" in report["added"]
    assert (out / "kamerstukken" / "kst-32545-143.pdf").read_bytes() == server.dossier[0].files["pdf"][1]


def test_html_page_instead_of_pdf_stops_the_run(server, tmp_path):
    # A repository that answers 200 with an error page where the PDF should be.
    page = b"<!DOCTYPE html><html><body><h1>Er is iets misgegaan</h1></body></html>"
    server.fault(KST_PDF, "body", times=None, body=page)
    out = tmp_path / "a"
    code, report, _, stderr = harvest(server, out, *ONE_MOTION, "--json")
    assert code == 1
    assert stderr.strip() == (f"Fout: {server.url}{KST_PDF} gaf geen PDF (de kop %PDF ontbreekt); "
                              f"de run is gestopt met wat binnen was.")
    assert report["added"] == ["kamerstukken/kst-32545-143.metadata.xml"]
    assert not (out / "kamerstukken" / "kst-32545-143.pdf").exists() and leftovers(out) == []


@pytest.mark.slow
def test_kill_in_the_middle_of_a_download_leaves_no_half_file(server, corpus, tmp_path):
    stall = server.fault(KST_PDF, "stall", seconds=60)
    out = tmp_path / "a"
    process = subprocess.Popen([kamerzoek_exe(), "harvest", str(out), *ONE_MOTION, "--base-url", server.sru_url,
                                "--rate", "50", "--timeout", "30"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None and not (stall.stalled and leftovers(out)):
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    stall.release.set()
    # Half the PDF had arrived: it is in a dot file (never indexed), not under the real name.
    assert len(leftovers(out)) == 1
    assert files_under(out) == ["kamerstukken/kst-32545-143.metadata.xml"]
    before = len(server.log)
    code, report, _, _ = harvest(server, out, *ONE_MOTION, "--json")
    assert code == 0 and leftovers(out) == []
    assert report["added"] == ["kamerstukken/kst-32545-143.pdf", "kamerstukken/kst-32545-143.xml"]
    assert sha(out / "kamerstukken" / "kst-32545-143.pdf") == sha(
        corpus / "parliamentary" / "kamerstukken" / "kst-32545-143.pdf")
    assert not [r for r in server.log[before:] if r["path"].endswith("metadata.xml")]


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl), in PEM files."""
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.skip("openssl is needed to make a certificate for the HTTPS replay server")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def test_tls_certificates_are_verified(corpus, tmp_path):
    cert, key = _certificate(tmp_path)
    replay = start_server(corpus, tmp_path / "made", tls=(cert, key))
    try:
        assert replay.sru_url.startswith("https://127.0.0.1:")
        # A certificate no authority vouches for: nothing is asked, nothing fetched, exit 3.
        code, _, _, stderr = harvest(replay, tmp_path / "a", *ONE_MOTION, env={"REQUESTS_CA_BUNDLE": None})
        assert code == 3
        assert stderr.startswith(f"Fout: {replay.sru_url}?")
        assert "het TLS-certificaat kon niet worden gecontroleerd" in stderr
        assert replay.log == [] and not (tmp_path / "a" / "kamerstukken").exists()
        # Trusted through REQUESTS_CA_BUNDLE, as the README says: the same server is harvested.
        code, report, _, stderr = harvest(replay, tmp_path / "a", *ONE_MOTION, "--json",
                                          env={"REQUESTS_CA_BUNDLE": str(cert)})
        assert code == 0, stderr
        assert report["added"] == ["kamerstukken/kst-32545-143.metadata.xml", "kamerstukken/kst-32545-143.pdf",
                                   "kamerstukken/kst-32545-143.xml"]
    finally:
        replay.close()
