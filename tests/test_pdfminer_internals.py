"""pdfminer.six is used below its public API in one module (indexer/extract/pdfminer_internals.py):
pinned exactly, checked when first used, and never quietly replaced."""
import re
import tomllib
from pathlib import Path

import pytest
from pdfminer.pdfdocument import PDFDocument, PDFXRef

from indexer.extract import pdfminer_internals
from indexer.extract.pdf import extract_pdf
from indexer.extract.pdfminer_internals import PdfminerInternalsError

ROOT = Path(__file__).resolve().parent.parent


def broken_xref_pdf(path: Path) -> Path:
    """Two pages; the cross-reference table lists the first only: pdfminer's own reading finds
    one page of the two declared, the rebuilt table (ScannedDocument) both."""
    def page(content: int) -> bytes:
        return (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources "
                b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>" % content)

    def stream(text: bytes) -> bytes:
        content = b"BT /F1 12 Tf 72 700 Td (" + text + b") Tj ET"
        return b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"

    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>",
               page(4), stream(b"Eerste pagina"), page(6), stream(b"Tweede pagina")]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets[:4])
    out += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))
    return path


def test_pinned_exactly_and_the_check_passes():
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"pdfminer.six=={pdfminer_internals.PDFMINER_VERSION}" in dependencies
    pdfminer_internals._CHECKED = False
    pdfminer_internals.check()


def test_the_rebuilt_table_reads_a_broken_pdf(tmp_path):
    result = extract_pdf(broken_xref_pdf(tmp_path / "kapot.pdf"))
    assert [p.text for p in result.pages] == ["Eerste pagina", "Tweede pagina"]


@pytest.mark.parametrize("owner, name", [(PDFDocument, "read_xref_from"), (PDFDocument, "find_xref"),
                                         (PDFXRef, "load_trailer")])
def test_a_missing_method_is_named(monkeypatch, owner, name):
    monkeypatch.delattr(owner, name)
    monkeypatch.setattr(pdfminer_internals, "_CHECKED", False)
    with pytest.raises(PdfminerInternalsError, match=re.escape(f".{name} ontbreekt")):
        pdfminer_internals.check()


def test_a_changed_signature_is_named(monkeypatch):
    monkeypatch.setattr(PDFDocument, "read_xref_from", lambda self, parser, start: None)
    monkeypatch.setattr(pdfminer_internals, "_CHECKED", False)
    with pytest.raises(PdfminerInternalsError, match="read_xref_from heeft andere parameters"):
        pdfminer_internals.check()


def test_another_pdfminer_is_said_not_taken_for_a_damaged_file(tmp_path, monkeypatch):
    """No quiet fallback: the broken PDF is not reported as damaged, the extraction says why."""
    monkeypatch.setattr(pdfminer_internals.metadata, "version", lambda name: "20991231")
    monkeypatch.setattr(pdfminer_internals, "_CHECKED", False)
    with pytest.raises(PdfminerInternalsError, match=r"\(versie 20991231\); installeer pdfminer.six==20260107"):
        extract_pdf(broken_xref_pdf(tmp_path / "kapot.pdf"))
