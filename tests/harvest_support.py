"""What the harvest tests share: the publications on the replay server, a fixture that
starts it, and a way to run `kamerzoek harvest` against it (tests/harvest_replay.py is the server)."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from harvest_replay import ReplayServer, make_publication
from webapp.cli import main

TODAY = datetime.now(timezone.utc).date().isoformat()
DOSSIER_FILES = [
    "bijlagen/blg-990143.metadata.xml", "bijlagen/blg-990143.pdf",
    "kamerstukken/kst-32545-143.metadata.xml", "kamerstukken/kst-32545-143.pdf",
    "kamerstukken/kst-32545-143.xml",
    "kamerstukken/kst-32545-144.metadata.xml", "kamerstukken/kst-32545-144.pdf",
    "kamerstukken/kst-32545-145.metadata.xml", "kamerstukken/kst-32545-145.pdf",
    "kamerstukken/kst-32545-146.metadata.xml", "kamerstukken/kst-32545-146.pdf",
]
KST_PDF = "/frbr/officielepublicaties/kst/32545/kst-32545-143/1/pdf/kst-32545-143.pdf"
KST_XML = "/frbr/officielepublicaties/kst/32545/kst-32545-143/1/xml/kst-32545-143.xml"
BLG_PDF = "/frbr/officielepublicaties/blg/onopgemaakt/blg-990143/1/pdf/blg-990143.pdf"


@pytest.fixture
def corpus(shared) -> Path:
    return shared / "corpus"


def start_server(corpus: Path, made: Path, page_size: int = 2, tls=None) -> ReplayServer:
    """A replay server holding dossier 32 545 (five records) and the answers ah-tk-20202021-3235."""
    replay = ReplayServer(corpus / "parliamentary" / "sru-records", page_size=page_size, tls=tls)
    replay.dossier = add_dossier_32545(replay, corpus, made, modified=TODAY)
    replay.kamervragen = add_kamervragen_3235(replay, corpus, modified=TODAY)
    return replay


@pytest.fixture
def server(corpus, tmp_path):
    replay = start_server(corpus, tmp_path / "made")
    yield replay
    replay.close()


def harvest(server, folder, *args, fast=True, env=None):
    """Run `kamerzoek harvest` in-process; (exit code, JSON report or None, stdout, stderr)."""
    argv = ["harvest", str(folder), "--base-url", server.sru_url]
    if fast:
        argv += ["--rate", "50", "--timeout", "2", "--backoff", "0.01"]
    result = CliRunner().invoke(main, argv + [str(a) for a in args], catch_exceptions=False, env=env)
    report = json.loads(result.stdout) if "--json" in args and result.stdout.strip() else None
    return result.exit_code, report, result.stdout, result.stderr


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()
                  and not p.name.startswith("."))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*.kamerzoek-part")]


FRBR = "/frbr/officielepublicaties"


def metadata_record(fields: list[tuple[str, str, str]]) -> bytes:
    """An official metadata record (metadata.xml) in the repository's format."""
    from xml.sax.saxutils import quoteattr
    rows = "".join(f"<metadata name={quoteattr(n)} scheme={quoteattr(s)} content={quoteattr(c)}/>\n"
                   for n, s, c in fields)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<metadata_gegevens>\n{rows}</metadata_gegevens>\n'.encode()


def _real_files(folder: Path, identifier: str, frbr: str) -> dict[str, tuple[str, bytes]]:
    files = {}
    for manifestation, ext in (("pdf", "pdf"), ("xml", "xml"), ("html", "html"), ("odt", "odt")):
        files[manifestation] = (f"{frbr}/{identifier}/1/{manifestation}/{identifier}.{ext}",
                                (folder / f"{identifier}.{ext}").read_bytes())
    files["metadata"] = (f"{frbr}/{identifier}/1/metadata/metadata.xml",
                         (folder / f"{identifier}.metadata.xml").read_bytes())
    return files


def _made_pdf(tmp: Path, name: str, text: str) -> bytes:
    from reindex_support import make_pdf
    return make_pdf(tmp / f"{name}.pdf", [text]).read_bytes()


def add_dossier_32545(server: ReplayServer, corpus: Path, tmp: Path, modified: str) -> list[Publication]:
    """Dossier 32 545 on the server: the real motion kst-32545-143, an appendix to it and three
    further (made) motions, five records in all, so three answer pages of two."""
    base = server.url
    kst = corpus / "parliamentary" / "kamerstukken"
    pubs = [make_publication(
        server.templates["kst"], base, identifier="kst-32545-143",
        title="Wet- en regelgeving financiële markten; Motie; Motie van de leden Inge van Dijk en Grinwis "
              "over het definiëren van een grensspaarsaldo voor negatieve spaarrente",
        kind="Kamerstuk", publication="Kamerstuk", modified=modified, date="2021-07-06",
        dossier="32545", number="143", vergaderjaar="2020-2021",
        files=_real_files(kst, "kst-32545-143", f"{FRBR}/kst/32545"))]
    blg = "blg-990143"
    pubs.append(make_publication(
        server.templates["bijlage"], base, identifier=blg, title="Overzicht spaartarieven per bank",
        kind="Bijlage", publication="Kamerstuk", modified=modified, date="2021-07-06",
        dossier="32545", number="143", vergaderjaar="2020-2021",
        files={"pdf": (f"{FRBR}/blg/onopgemaakt/{blg}/1/pdf/{blg}.pdf",
                       _made_pdf(tmp, blg, "Bijlage bij de motie over het grensspaarsaldo: overzicht van "
                                           "spaartarieven per bank in juni 2021.")),
               "metadata": (f"{FRBR}/blg/onopgemaakt/{blg}/1/metadata/metadata.xml", metadata_record([
                   ("DC.title", "", "Overzicht spaartarieven per bank"),
                   ("OVERHEIDop.dossiernummer", "", "32545"), ("OVERHEIDop.ondernummer", "", "143"),
                   ("OVERHEIDop.publicationName", "", "Kamerstuk"),
                   ("OVERHEIDop.vergaderjaar", "", "2020-2021"),
                   ("DCTERMS.issued", "DCTERMS.W3CDTF", "2021-07-06"),
                   ("DC.type", "OVERHEIDop.Parlementair", "Bijlage"),
                   ("DC.identifier", "OVERHEIDop.ParlID", blg)]))}))
    for number in ("144", "145", "146"):
        ident = f"kst-32545-{number}"
        title = f"Motie nr. {number} over de spaarrente (voor de test gemaakt)"
        pubs.append(make_publication(
            server.templates["kst"], base, identifier=ident, title=title, kind="Kamerstuk",
            publication="Kamerstuk", modified=modified, date="2021-07-07", dossier="32545",
            number=number, vergaderjaar="2020-2021",
            files={"pdf": (f"{FRBR}/kst/32545/{ident}/1/pdf/{ident}.pdf",
                           _made_pdf(tmp, ident, f"Motie {number} van de leden over de spaarrente en het "
                                                 f"spaarsaldo.")),
                   "metadata": (f"{FRBR}/kst/32545/{ident}/1/metadata/metadata.xml", metadata_record([
                       ("DC.title", "", title), ("OVERHEIDop.dossiernummer", "", "32545"),
                       ("OVERHEIDop.ondernummer", "", number), ("OVERHEIDop.publicationName", "", "Kamerstuk"),
                       ("OVERHEIDop.vergaderjaar", "", "2020-2021"),
                       ("DCTERMS.issued", "DCTERMS.W3CDTF", "2021-07-07"),
                       ("DC.type", "OVERHEIDop.KamerstukTypen", "Motie"),
                       ("DC.type", "OVERHEIDop.Parlementair", "Kamerstuk"),
                       ("DC.identifier", "OVERHEIDop.ParlID", ident)]))}))
    for pub in pubs:
        server.add(pub)
    return pubs


def add_kamervragen_3235(server: ReplayServer, corpus: Path, modified: str) -> Publication:
    """The real answers to written questions ah-tk-20202021-3235, with all their manifestations."""
    folder = corpus / "parliamentary" / "kamervragen"
    return server.add(make_publication(
        server.templates["kv"], server.url, identifier="ah-tk-20202021-3235",
        title="Antwoord op vragen van de leden Van Weyenberg, Romke de Jong en Kat over de Tozo",
        kind="Aanhangsel van de Handelingen", publication="Kamervragen (Aanhangsel)", modified=modified,
        date="2021-06-21", vergaderjaar="2020-2021",
        files=_real_files(folder, "ah-tk-20202021-3235", f"{FRBR}/ah-tk/20202021")))
