"""Document metadata through read_metadata(), from official records, sidecars, contents and names."""
import json
from pathlib import Path

import pytest

from conftest import SHARED_CORPUS, require_shared
from indexer.extract import ExtractionError, extract
from indexer.metadata import FIELDS, is_sidecar, read_metadata

KAMERSTUK = {
    "title": "Motie van de leden Inge van Dijk en Grinwis over het definiëren van een grensspaarsaldo voor negatieve spaarrente",
    "date": "2021-07-06",
    "type": "motie",
    "dossier": "32545",
    "number": "143",
    "vergaderjaar": "2020-2021",
    "url": "https://zoek.officielebekendmakingen.nl/kst-32545-143",
}
KAMERVRAGEN = {
    "title": "Antwoord op vragen van de leden Van Weyenberg, Romke de Jong en Kat over de Tozo",
    "date": "2021-06-21",
    "type": "kamervragen",
    "dossier": None,
    "number": "3235",
    "vergaderjaar": "2020-2021",
    "url": "https://zoek.officielebekendmakingen.nl/ah-tk-20202021-3235",
}


def metadata_of(path: Path) -> dict:
    try:
        extraction = extract(path)
    except ExtractionError:
        extraction = None
    return read_metadata(path, extraction)


@pytest.mark.shared
@pytest.mark.parametrize("suffix", [".pdf", ".xml", ".html", ".odt"])
def test_kamerstuk_in_every_format(suffix):
    require_shared()
    path = SHARED_CORPUS / "parliamentary/kamerstukken" / f"kst-32545-143{suffix}"
    assert metadata_of(path) == KAMERSTUK


@pytest.mark.shared
@pytest.mark.parametrize("suffix", [".xml", ".html", ".odt"])
def test_kamerstuk_without_its_record_reads_the_file_itself(tmp_path, suffix):
    require_shared()
    # The same publication, moved away from its metadata record.
    copy = tmp_path / f"kst-32545-143{suffix}"
    copy.write_bytes((SHARED_CORPUS / "parliamentary/kamerstukken" / copy.name).read_bytes())
    meta = metadata_of(copy)
    assert {k: meta[k] for k in ("date", "type", "dossier", "number", "vergaderjaar")} == {
        "date": "2021-07-06",
        "type": "motie",
        "dossier": "32545",
        "number": "143",
        "vergaderjaar": "2020-2021",
    }


@pytest.mark.shared
def test_kamerstuk_pdf_without_its_record_falls_back_to_name_and_text(tmp_path):
    require_shared()
    copy = tmp_path / "kst-32545-143.pdf"
    copy.write_bytes((SHARED_CORPUS / "parliamentary/kamerstukken/kst-32545-143.pdf").read_bytes())
    meta = metadata_of(copy)
    # The name gives dossier and number; the text says it is a motie ("MOTIE VAN DE LEDEN").
    assert (meta["dossier"], meta["number"], meta["type"]) == ("32545", "143", "motie")
    assert meta["date"] == "2021-07-07"  # the PDF's creation date: what the file itself says
    assert meta["vergaderjaar"] is None and meta["url"] is None


@pytest.mark.shared
@pytest.mark.parametrize("suffix", [".pdf", ".xml", ".html", ".odt"])
def test_kamervragen(suffix):
    require_shared()
    path = SHARED_CORPUS / "parliamentary/kamervragen" / f"ah-tk-20202021-3235{suffix}"
    assert metadata_of(path) == KAMERVRAGEN


@pytest.mark.shared
def test_handelingen(shared):
    path = shared / "corpus/parliamentary/handelingen/h-tk-20172018-70-3.xml"
    assert metadata_of(path) == {
        "title": "Wlz / Pgb / Toegang tot de Wlz voor ggz-cliënten",
        "date": None,
        "type": "handelingen",
        "dossier": None,
        "number": None,
        "vergaderjaar": "2017-2018",
        "url": "https://zoek.officielebekendmakingen.nl/h-tk-20172018-70-3",
    }


@pytest.mark.shared
def test_law_in_markdown(shared):
    assert metadata_of(shared / "corpus/laws/BWBR0018506.md") == {
        "title": "Regeling van de Ministers van Justitie en van Binnenlandse Zaken en Koninkrijksrelaties "
        "van 29 juni 2005, nr. DDS5357209, houdende instelling van de Nationaal Coördinator Terrorismebestrijding",
        "date": None,
        "type": "wet",
        "dossier": None,
        "number": None,
        "vergaderjaar": None,
        "url": None,
    }


@pytest.mark.shared
def test_scan_without_text_still_has_its_record(shared):
    path = shared / "corpus/hard-pdfs/scan-no-text_blg-1007826.pdf"
    assert read_metadata(path, None) == {
        "title": "Beslisnota inzake aangenomen moties en reactie op vier zienswijzen 7e Actieprogramma Nitraatrichtlijn",
        "date": "2021-12-03",
        "type": "overig",
        "dossier": "33037",
        "number": "430",
        "vergaderjaar": "2021-2022",
        "url": "https://zoek.officielebekendmakingen.nl/blg-1007826",
    }


@pytest.mark.shared
def test_besluitenlijst_by_name_with_junk_pdf_title_ignored(shared):
    meta = metadata_of(shared / "corpus/parliamentary/besluitenlijsten/besluitenlijst_example2.pdf")
    # The PDF's Title is template residue ("Logo      Den Haag, 2 november 2007").
    assert meta["type"] == "besluitenlijst"
    assert not meta["title"].startswith("Logo")
    assert meta["date"] == "2016-10-28"


def test_json_sidecar(tmp_path):
    doc = tmp_path / "dreigingsbeeld-juni.txt"
    doc.write_text("Een tekst zonder kop die iets zegt.\n", encoding="utf-8")
    sidecar = tmp_path / "dreigingsbeeld-juni.txt.json"
    sidecar.write_text(
        json.dumps(
            {
                "title": "Dreigingsbeeld Terrorisme Nederland 60",
                "date": "2024-06-11T09:00:00+02:00",
                "type": "Dreigingsbeeld",
                "dossier": "29 754",
                "number": 700,
                "vergaderjaar": "20232024",
                "url": "https://www.nctv.nl/dtn",
                "extra": "genegeerd",
            }
        ),
        encoding="utf-8",
    )
    assert is_sidecar(sidecar) and not is_sidecar(doc)
    assert read_metadata(doc, extract(doc)) == {
        "title": "Dreigingsbeeld Terrorisme Nederland 60",
        "date": "2024-06-11",
        "type": "dreigingsbeeld",
        "dossier": "29754",
        "number": "700",
        "vergaderjaar": "2023-2024",
        "url": "https://www.nctv.nl/dtn",
    }


def test_json_sidecar_by_stem_fills_only_what_is_missing(tmp_path):
    doc = tmp_path / "notitie.md"
    doc.write_text("# Notitie over radicalisering\n\nTekst.\n", encoding="utf-8")
    (tmp_path / "notitie.json").write_text('{"date": "2023-01-31", "type": "onzin"}', encoding="utf-8")
    assert is_sidecar(tmp_path / "notitie.json")
    meta = read_metadata(doc, extract(doc))
    assert meta == {
        "title": "Notitie over radicalisering",
        "date": "2023-01-31",
        "type": "overig",  # an unknown type in a sidecar is ignored
        "dossier": None,
        "number": None,
        "vergaderjaar": None,
        "url": None,
    }


@pytest.mark.shared
def test_official_record_outranks_json_sidecar(shared, tmp_path):
    folder = shared / "corpus/parliamentary/kamerstukken"
    for name in ("kst-32545-143.xml", "kst-32545-143.metadata.xml"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    (tmp_path / "kst-32545-143.xml.json").write_text('{"title": "Andere titel", "url": "https://example.org/x"}')
    meta = metadata_of(tmp_path / "kst-32545-143.xml")
    assert meta == KAMERSTUK


@pytest.mark.parametrize(
    "name, text, expected",
    [
        (
            "kst-36600-VI-7.txt",
            "Tweede Kamer der Staten-Generaal\nMotie van het lid Van der Staaij over moskeeën\n",
            {"type": "motie", "dossier": "36600-VI", "number": "7", "title": "Tweede Kamer der Staten-Generaal"},
        ),
        ("ah-tk-20232024-1234.txt", "Antwoord op vragen\n", {"type": "kamervragen", "number": "1234", "vergaderjaar": "2023-2024"}),
        ("h-tk-20232024-12-3.txt", "Debat\n", {"type": "handelingen", "vergaderjaar": "2023-2024", "number": None}),
        ("blg-1007826.txt", "Bijlage\n", {"type": "overig"}),
        ("BWBR0001854.txt", "Wetboek van Strafrecht\n", {"type": "wet", "title": "Wetboek van Strafrecht"}),
        ("besluitenlijst-pv-2024.txt", "Besluiten\n", {"type": "besluitenlijst"}),
        ("dtn-juni-2024.txt", "Samenvatting\n", {"type": "dreigingsbeeld"}),
        ("DTN60.txt", "Samenvatting\n", {"type": "dreigingsbeeld"}),
        ("stadtnotities.txt", "Samenvatting\n", {"type": "overig"}),
        ("ingediende-motie.txt", "Tekst\n", {"type": "motie"}),
        ("kamerbrief-over-dtn.txt", "Tekst\n", {"type": "kamerbrief"}),
        ("notitie.txt", "  \n12\nDreigingsbeeld Terrorisme Nederland juni 2024\n", {"type": "dreigingsbeeld"}),
        ("notitie.txt", "x" * 300 + "\n", {"type": "overig", "date": None, "dossier": None}),
    ],
)
def test_file_name_and_text_fallbacks(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    meta = read_metadata(path, extract(path))
    assert set(meta) == set(FIELDS)
    assert {k: meta[k] for k in expected} == expected


def test_first_line_title_is_trimmed(tmp_path):
    path = tmp_path / "lang.txt"
    path.write_text(" ".join(["terrorismebestrijding"] * 40) + "\n\nTekst.\n", encoding="utf-8")
    title = read_metadata(path, extract(path))["title"]
    assert len(title) <= 201 and title.endswith("…") and title.startswith("terrorismebestrijding ")


def test_nothing_known_leaves_fields_empty(tmp_path):
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.4 kapot")
    assert read_metadata(path, None) == dict.fromkeys(FIELDS) | {"type": "overig"}


def test_sidecars_are_not_documents(tmp_path):
    (tmp_path / "rapport.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "rapport.pdf.json").write_text("{}")
    (tmp_path / "rapport.json").write_text("{}")
    (tmp_path / "los.json").write_text("{}")
    (tmp_path / "kst-1-2.metadata.xml").write_text("<metadata_gegevens/>")
    assert is_sidecar(tmp_path / "rapport.pdf.json")
    assert is_sidecar(tmp_path / "rapport.json")
    assert is_sidecar(tmp_path / "kst-1-2.metadata.xml")
    assert not is_sidecar(tmp_path / "los.json")
    assert not is_sidecar(tmp_path / "rapport.pdf")
