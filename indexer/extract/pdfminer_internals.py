"""Everything that uses pdfminer.six below its public API, in this one module.

pdfminer.six is pinned exactly (pyproject.toml) because of what is done here: a damaged PDF's
cross-reference table is rebuilt by reading every object (ScannedDocument overrides
PDFDocument's find_xref and read_xref_from; _ScanXRef fills PDFXRefFallback's offsets and
trailer, reading with PDFParser's nextline, seek, nextobject and its fallback flag).

``check()`` runs when the first damaged PDF is opened this way: the version and every method
and attribute used here must be as expected, else PdfminerInternalsError names what differs
(never a quiet fallback to pdfminer's own, weaker, recovery).
"""
from __future__ import annotations

import inspect
import re
from importlib import metadata

from pdfminer.pdfdocument import PDFDocument, PDFNoValidXRef, PDFXRefFallback
from pdfminer.pdfparser import PDFParser, PDFStreamParser
from pdfminer.pdftypes import PDFObjRef, PDFStream
from pdfminer.psparser import LIT, PSEOF

PDFMINER_VERSION = "20260107"


def forget_objects(document: PDFDocument, objids) -> None:
    """Drop objects from the document's cache of parsed objects (PDFDocument._cached_objs), so
    the decoded content streams of pages already read can be freed. A document without that
    cache (another pdfminer) just keeps them: only memory, never a wrong result."""
    cached = getattr(document, "_cached_objs", None)
    if isinstance(cached, dict):
        for objid in objids:
            cached.pop(objid, None)


class PdfminerInternalsError(RuntimeError):
    """The installed pdfminer.six differs from the one whose internals are used here."""

    def __init__(self, detail: str):
        super().__init__(f"de geïnstalleerde pdfminer.six wijkt af van wat Kamerzoek verwacht ({detail}); "
                         f"installeer pdfminer.six=={PDFMINER_VERSION}")


_LITERAL_CATALOG = LIT("Catalog")
_LITERAL_OBJSTM = LIT("ObjStm")
_OBJ_CUE = re.compile(rb"^(\d+)\s+(\d+)\s+obj\b")


class _ScanXRef(PDFXRefFallback):
    """A cross-reference table rebuilt by reading every object in the file.

    Unlike pdfminer's own fallback it does not stop at the first trailer, later objects
    replace earlier ones (incremental updates), and without a trailer the last catalog
    object found becomes the root.
    """

    def load(self, parser) -> None:
        parser.seek(0)
        catalog = info = None
        trailer: dict = {}
        while True:
            try:
                pos, line = parser.nextline()
            except PSEOF:
                break
            if line.startswith(b"trailer"):
                parser.seek(pos)
                try:
                    self.load_trailer(parser)
                    trailer.update(self.trailer)
                except Exception:  # a broken trailer: the catalog search below still works
                    pass
                parser.seek(pos + len(line))
                continue
            m = _OBJ_CUE.match(line)
            if not m:
                continue
            objid, genno = int(m.group(1)), int(m.group(2))
            self.offsets[objid] = (None, pos, genno)
            parser.seek(pos + m.end())
            try:
                _, obj = parser.nextobject()
            except Exception:
                parser.seek(pos + len(line))
                continue
            if isinstance(obj, dict) and obj.get("Type") is _LITERAL_CATALOG:
                catalog = objid
            elif isinstance(obj, dict) and "Type" not in obj and ("Producer" in obj or "Title" in obj):
                info = objid
            elif isinstance(obj, PDFStream) and obj.get("Type") is _LITERAL_OBJSTM:
                catalog = self._expand_object_stream(objid, obj, catalog)
            parser.seek(pos + len(line))
        if catalog is not None:
            trailer["Root"] = PDFObjRef(parser.doc, catalog)
        if info is not None and "Info" not in trailer:
            trailer["Info"] = PDFObjRef(parser.doc, info)
        self.trailer = trailer

    def _expand_object_stream(self, objid: int, stream: PDFStream, catalog: int | None) -> int | None:
        """Register the objects inside an object stream; returns the last catalog seen."""
        try:
            n = int(stream.get("N", 0))
            first = int(stream.get("First", 0))
            data = stream.get_data()
            header = data[:first].split()
            ids = [int(header[i]) for i in range(0, min(2 * n, len(header)) - 1, 2)]
        except Exception:
            return catalog
        for index, inner in enumerate(ids):
            self.offsets[inner] = (objid, index, 0)
        if b"Catalog" in data[first:]:
            objects = PDFStreamParser(data[first:])
            for inner in ids:
                try:
                    _, obj = objects.nextobject()
                except Exception:
                    break
                if isinstance(obj, dict) and obj.get("Type") is _LITERAL_CATALOG:
                    catalog = inner
        return catalog


class ScannedDocument(PDFDocument):
    """A PDFDocument that ignores the file's cross-reference table and reads every object."""

    def __init__(self, *args, **kwargs):
        check()
        super().__init__(*args, **kwargs)

    def find_xref(self, parser) -> int:
        return 0

    def read_xref_from(self, parser, start, xrefs) -> None:
        parser.fallback = True
        xref = _ScanXRef()
        xref.load(parser)
        if not xref.offsets:
            raise PDFNoValidXRef("no objects found")
        xrefs.append(xref)


_EXPECTED = {
    (PDFDocument, "find_xref"): ["self", "parser"],
    (PDFDocument, "read_xref_from"): ["self", "parser", "start", "xrefs"],
    (PDFXRefFallback, "load_trailer"): ["self", "parser"],
    (PDFParser, "nextline"): ["self"],
    (PDFParser, "seek"): ["self", "pos"],
    (PDFParser, "nextobject"): ["self"],
}
_CHECKED = False


def check() -> None:
    """Once per process: the version, and the methods and attributes used here, as expected."""
    global _CHECKED
    if _CHECKED:
        return
    try:
        version = metadata.version("pdfminer.six")
    except metadata.PackageNotFoundError:
        version = "?"
    if version != PDFMINER_VERSION:
        raise PdfminerInternalsError(f"versie {version}")
    for (owner, name), parameters in _EXPECTED.items():
        method = getattr(owner, name, None)
        if not callable(method):
            raise PdfminerInternalsError(f"{owner.__name__}.{name} ontbreekt")
        if list(inspect.signature(method).parameters) != parameters:
            raise PdfminerInternalsError(f"{owner.__name__}.{name} heeft andere parameters")
    xref = PDFXRefFallback()
    if not (isinstance(getattr(xref, "offsets", None), dict) and isinstance(getattr(xref, "trailer", None), dict)):
        raise PdfminerInternalsError("PDFXRefFallback heeft geen offsets en trailer meer")
    parser = PDFParser(_Empty())
    if getattr(parser, "fallback", None) is not False or not hasattr(parser, "doc"):
        raise PdfminerInternalsError("PDFParser heeft geen fallback- of doc-attribuut meer")
    _CHECKED = True


class _Empty:
    def read(self, n=-1):
        return b""

    def seek(self, pos, whence=0):
        return 0

    def tell(self):
        return 0
