"""`kamerzoek harvest`'s selection and reporting options against the replay server: repeated
--dossier, --type bijlage and handelingen on the real records, the `overig` folder, --quiet,
and an unexpected status that stops the run."""
from __future__ import annotations

import pytest

from harvest_replay import NOT_FOUND_PATH, Publication, ReplayServer, make_publication
from harvest_support import (  # noqa: F401 (corpus and server are fixtures)
    BLG_PDF,
    KST_XML,
    TODAY,
    corpus,
    files_under,
    harvest,
    server,
)

pytestmark = pytest.mark.shared


@pytest.fixture
def real_records(corpus):
    """The four real records, unchanged, on one answer page (their URLs point at the real
    repository, so these runs are dry runs)."""
    replay = ReplayServer(corpus / "parliamentary" / "sru-records", page_size=10)
    for record in replay.templates.values():
        replay.add(Publication(record))
    yield replay
    replay.close()


def test_repeated_dossier_asks_for_each(real_records, tmp_path):
    code, report, _, _ = harvest(real_records, tmp_path / "a", "--dossier", "35 842", "--dossier", "35300-X",
                                 "--dry-run", "--json")
    assert code == 0
    assert real_records.requests_for("/sru")[0]["params"]["query"][0] == (
        "c.product-area==officielepublicaties AND (w.dossiernummer==35842 OR w.dossiernummer==35300-X)")
    assert report["added"] == ["bijlagen/blg-936562.metadata.xml", "bijlagen/blg-936562.pdf",
                               "kamerstukken/kst-35842-4.metadata.xml", "kamerstukken/kst-35842-4.pdf",
                               "kamerstukken/kst-35842-4.xml"]


def test_type_bijlage_and_handelingen(real_records, tmp_path):
    code, report, _, _ = harvest(real_records, tmp_path / "a", "--type", "bijlage", "--dry-run", "--json")
    assert code == 0 and report["added"] == ["bijlagen/blg-936562.metadata.xml", "bijlagen/blg-936562.pdf"]
    code, report, _, _ = harvest(real_records, tmp_path / "a", "--type", "handelingen", "--type", "bijlage",
                                 "--dry-run", "--json")
    assert code == 0 and report["added"] == [
        "bijlagen/blg-936562.metadata.xml", "bijlagen/blg-936562.pdf",
        "handelingen/h-ek-20202021-1-1.metadata.xml", "handelingen/h-ek-20202021-1-1.pdf",
        "handelingen/h-ek-20202021-1-1.xml"]
    assert real_records.requests_for("/sru")[-1]["params"]["query"][0] == (
        "c.product-area==officielepublicaties AND (w.publicatienaam==Handelingen OR dt.type==Bijlage)")


def test_other_publications_land_in_overig(server, tmp_path):
    pdf = server.dossier[2].files["pdf"][1]           # any real PDF will do
    ident = "stcrt-2021-34567"
    server.add(make_publication(
        server.templates["kst"], server.url, identifier=ident, title="Regeling van de minister",
        kind="Regeling", publication="Staatscourant", modified=TODAY, date="2021-07-08",
        files={"pdf": (f"/frbr/officielepublicaties/stcrt/2021/{ident}/1/pdf/{ident}.pdf", pdf)}))
    out = tmp_path / "a"
    code, report, _, _ = harvest(server, out, "--type", "staatscourant", "--json")
    assert code == 0 and report["added"] == [f"overig/{ident}.pdf"]
    assert (out / "overig" / f"{ident}.pdf").read_bytes() == pdf


def test_quiet_prints_only_what_is_missing(server, tmp_path):
    server.fault(BLG_PDF, "redirect", times=None, location=NOT_FOUND_PATH)
    code, _, stdout, stderr = harvest(server, tmp_path / "a", "--dossier", "32545", "--quiet")
    assert code == 1 and stdout == ""
    assert stderr == (f"Ontbreekt (1):\n  bijlagen/blg-990143.pdf: {server.url}{BLG_PDF} verwijst naar een "
                      f"niet-gevonden-pagina ({server.url}{NOT_FOUND_PATH})\n")
    code, _, stdout, stderr = harvest(server, tmp_path / "a", "--dossier", "32545", "--quiet")
    assert (code, stdout) == (1, "") and stderr.startswith("Ontbreekt (1):\n")
    server.faults.clear()
    assert harvest(server, tmp_path / "a", "--dossier", "32545", "--quiet")[1:] == (None, "", "")


def test_unexpected_status_stops_the_run_with_one_sentence(server, tmp_path):
    server.fault(KST_XML, "status", status=403, times=None)
    out = tmp_path / "a"
    code, report, _, stderr = harvest(server, out, "--query", "dt.identifier==kst-32545-143", "--json")
    assert code == 1
    assert stderr == (f"Fout: {server.url}{KST_XML} antwoordde onverwacht met HTTP 403; "
                      f"de run is gestopt met wat binnen was.\n")
    assert len(server.requests_for(KST_XML)) == 1      # not a fault to retry
    assert report["added"] == ["kamerstukken/kst-32545-143.metadata.xml", "kamerstukken/kst-32545-143.pdf"]
    assert files_under(out) == report["added"]
