"""A big PDF written directly: many tiny pages in one flat page tree (the worst case for a page walk)."""
from __future__ import annotations

from pathlib import Path

WORDS = ["begroting", "motie", "kamerbrief", "dreigingsbeeld", "terrorisme", "wetsvoorstel", "amendement",
         "commissie", "minister", "staatssecretaris"]


def page_text(number: int) -> str:
    """The text on page `number` (1-based): a marker word unique to the page and two common ones."""
    return f"Pagina {number} merk{number:05d} {WORDS[number % len(WORDS)]} {WORDS[(number * 7) % len(WORDS)]}"


def write_big_pdf(path: Path, pages: int) -> Path:
    """Write a PDF of `pages` small pages (one Pages node with every page as a kid)."""
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    tree = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for number in range(1, pages + 1):
        stream = f"BT /F1 9 Tf 10 30 Td ({page_text(number)}) Tj ET".encode("latin-1")
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 300 60] /Contents %d 0 R "
                        b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (tree, content, font)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    objects[tree - 1] = (b"<< /Type /Pages /Count %d /Kids [" % pages
                         + b" ".join(b"%d 0 R" % k for k in kids) + b"] >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(out))
    return path
