"""A generated folder of hostile files, with the outcome expected for each (as in
../shared/corpus/README.md): what an unlucky archivist's disk or a hostile colleague puts
in an indexed folder.

`make(base)` writes `base/docs` (the folder to index), `base/buiten` (outside it: the
target of the links, holding MARKER, a word that must never be found) and
`base/EXPECTED.tsv` (the table below, for people), and returns the table as
{path relative to docs (bytes): Expected}.

Sizes: the 200 MB HTML is full size (it must hit --timeout or --memory, never the
indexer's own memory); the long PDF has 20,000 tiny pages in one flat page tree, read under
the short --timeout of the whole file: what was read before it is indexed (`partial`).
"""
from __future__ import annotations

import os
import socket
import zipfile
from dataclasses import dataclass
from pathlib import Path

MARKER = "buitenwoordzq"           # only in files outside the folder
DTD_WORD = "dtdtekstwoordzq"       # only in DTDs and entity declarations
CONTENT_WORD = "vijandigmap"       # in every readable hostile document
HTML_MB = 200
PDF_PAGES = 20_000
BOMB_MB = 300                      # inflated size of a zip bomb's part (limit: 200 MB a part)


@dataclass
class Expected:
    outcome: str                   # "indexed", "ignored", or the reasons allowed (a|b)
    what: str
    words: tuple[str, ...] = ()    # words a search must find in it when indexed

    def allows(self, reason: str) -> bool:
        return reason in self.outcome.split("|")


def _write(path: bytes, data: bytes, mode: int = 0o644) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)


def _docx(parts: dict[str, bytes]) -> bytes:
    import io
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def _odt(parts: dict[str, bytes]) -> bytes:
    import io
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def _bomb(path: bytes, kind: str) -> None:
    """A small archive whose document part inflates to BOMB_MB of zeros."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    name = "word/document.xml" if kind == "docx" else "content.xml"
    with zipfile.ZipFile(os.fsdecode(path), "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        if kind == "odt":
            z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        with z.open(name, "w", force_zip64=True) as part:
            block = b"\0" * (1 << 20)
            for _ in range(BOMB_MB):
                part.write(block)


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
ODT_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def _laughs(root: str, attrs: str, body: str) -> bytes:
    entities = f'<!ENTITY lol0 "{DTD_WORD}">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [{entities}]>\n<{root} {attrs}>{body}</{root}>\n').encode()


def _xxe(root: str, attrs: str, body: str, target: Path) -> bytes:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY buiten SYSTEM "file://{target}">'
            f'<!ENTITY woord "{DTD_WORD}">]>\n<{root} {attrs}>{body}</{root}>\n').encode()


def _pdf(pages: int, word: str) -> bytes:
    """A plain PDF of `pages` pages, each with one line of text (written by hand: no library)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", None,
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for n in range(1, pages + 1):
        text = f"BT /F1 12 Tf 72 720 Td (Pagina {n} van het lange {word} verslag over de begroting) Tj ET".encode()
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text))
        content = len(objects)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 3 0 R >> >> >>" % content)
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), pages)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _big_html(path: bytes) -> None:
    paragraph = (f"<p>Een {CONTENT_WORD} alinea over de begroting, de visserij en de landbouw, "
                 "herhaald tot het bestand tweehonderd megabyte groot is.</p>\n").encode()
    with open(path, "wb") as handle:
        handle.write(b"<!doctype html><html><head><title>Groot</title></head><body>\n")
        block = paragraph * ((1 << 20) // len(paragraph) + 1)
        for _ in range(HTML_MB):
            handle.write(block)
        handle.write(b"</body></html>\n")


def make(base: Path) -> dict[bytes, Expected]:
    base = Path(base)
    docs, outside = os.fsencode(base / "docs"), base / "buiten"
    outside.mkdir(parents=True, exist_ok=True)
    secret = outside / "geheim.txt"
    secret.write_text(f"Dit staat buiten de map: {MARKER}.\n", encoding="utf-8")
    (outside / "ook-geheim.txt").write_text(f"Ook buiten: {MARKER}.\n", encoding="utf-8")
    os.makedirs(docs, exist_ok=True)
    table: dict[bytes, Expected] = {}

    def put(name: bytes, data: bytes, outcome: str, what: str, words=(), mode=0o644) -> None:
        _write(os.path.join(docs, name), data, mode)
        table[name] = Expected(outcome, what, tuple(words))

    text = f"Een {CONTENT_WORD} stuk over de begroting.\n".encode()
    put(b"gewoon.txt", f"Een gewoon {CONTENT_WORD} stuk over de kustwacht.\n".encode(), "indexed",
        "a plain file", ("kustwacht",))
    put(b"kapot\xff.txt", f"Een {CONTENT_WORD} stuk met een naam die geen UTF-8 is, over de zuivel.\n".encode(),
        "indexed", "a name that is not UTF-8", ("zuivel",))
    put(b"twee\nregels.txt", f"Een {CONTENT_WORD} stuk met een regeleinde in de naam, over de dijken.\n".encode(),
        "indexed", "a newline in the name", ("dijken",))
    put(b"kapot\xfe.pdf", b"dit is geen pdf", "not_pdf", "not a PDF, and a name that is not UTF-8")
    put(b"map\xff/binnen.txt", f"Een {CONTENT_WORD} stuk in een map met een vreemde naam, over de polder.\n".encode(),
        "indexed", "inside a folder whose name is not UTF-8", ("polder",))
    put(b"dicht.txt", text, "no_access", "no read permission (the run is the user nobody)", mode=0o000)
    os.makedirs(os.path.join(docs, b"dichte-map"), exist_ok=True)
    _write(os.path.join(docs, b"dichte-map", b"binnen.txt"), text)
    os.chmod(os.path.join(docs, b"dichte-map"), 0o000)
    table[b"dichte-map"] = Expected("no_access", "a folder without read permission")
    os.mkfifo(os.path.join(docs, b"pijp.txt"))
    table[b"pijp.txt"] = Expected("ignored", "a FIFO (never opened: it would wait for ever)")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(os.fsdecode(os.path.join(docs, b"sok.txt")))
    sock.close()  # the socket file stays
    table[b"sok.txt"] = Expected("ignored", "a socket")
    os.symlink(secret, os.path.join(docs, b"naar-buiten.txt"))
    table[b"naar-buiten.txt"] = Expected("outside", "a link to a file outside the folder")
    os.symlink(outside, os.path.join(docs, b"buitenmap"))
    table[b"buitenmap"] = Expected("outside", "a link to a folder outside")
    os.symlink(os.path.join(docs, b"gewoon.txt"), os.path.join(docs, b"naar-binnen.txt"))
    table[b"naar-binnen.txt"] = Expected("indexed", "a link to a file inside (same document as gewoon.txt)")
    os.symlink(b"bestaat-niet.txt", os.path.join(docs, b"dood.txt"))
    table[b"dood.txt"] = Expected("ignored", "a dangling link")

    put(b"lachen.xml", _laughs("lolz", "", f"Een {CONTENT_WORD} stuk over de haven &lol9;"), "indexed",
        "billion laughs in XML: the entities are never expanded", ("haven",))
    put(b"xxe.xml", _xxe("r", "", f"<p>Een {CONTENT_WORD} stuk over de sluis &buiten; &woord;</p>", secret),
        "indexed", "XXE in XML: the outside file is never read", ("sluis",))
    docx_body = f'<w:body><w:p><w:r><w:t>Een {CONTENT_WORD} stuk &lol9;</w:t></w:r></w:p></w:body>'
    put(b"lachen.docx", _docx({"word/document.xml": _laughs("w:document", W, docx_body)}), "damaged",
        "billion laughs in DOCX: a DTD in office XML is refused")
    put(b"xxe.docx", _docx({"word/document.xml": _xxe("w:document", W, docx_body.replace("&lol9;", "&buiten;"),
                                                          secret)}),
        "damaged", "XXE in DOCX: refused")
    odt_body = f"<office:body><office:text><text:p>Een {CONTENT_WORD} stuk &lol9;</text:p></office:text></office:body>"
    put(b"lachen.odt", _odt({"content.xml": _laughs("office:document-content", ODT_NS, odt_body)}), "damaged",
        "billion laughs in ODT: refused")
    put(b"xxe.odt", _odt({"content.xml": _xxe("office:document-content", ODT_NS,
                                              odt_body.replace("&lol9;", "&buiten;"), secret)}),
        "damaged", "XXE in ODT: refused")
    _bomb(os.path.join(docs, b"bom.docx"), "docx")
    table[b"bom.docx"] = Expected("too_large", f"zip bomb: a DOCX part of {BOMB_MB} MB")
    _bomb(os.path.join(docs, b"bom.odt"), "odt")
    table[b"bom.odt"] = Expected("too_large", f"zip bomb: an ODT part of {BOMB_MB} MB")
    _big_html(os.path.join(docs, b"groot.html"))
    table[b"groot.html"] = Expected("timeout|too_large", f"{HTML_MB} MB of HTML with a short --timeout")
    put(b"lang.pdf", _pdf(PDF_PAGES, CONTENT_WORD), "indexed|partial|timeout",
        f"a {PDF_PAGES:,}-page PDF with a short --timeout for the whole file")

    with open(base / "EXPECTED.tsv", "w", encoding="utf-8") as out:
        out.write("file\texpected outcome\twhat it is\n")
        for name, expected in sorted(table.items()):
            out.write(f"{os.fsdecode(name)!r}\t{expected.outcome}\t{expected.what}\n")
    return table
