"""The original page as an image, with the words a query hits and where they stand.

Images and word positions are cached on disk by content hash, page and width only, in a
folder bounded by total bytes (least recently used go first). A query never reaches the
cache: which words are hits is decided per request from the cached positions, and the
browser draws the marks over the image.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from .analysis import PART_PREFIX, TOKEN_PATTERN, word_terms
from .extract import ExtractionError
from .extract.positions import PageWords
from .passages import is_furniture

#: The image widths offered (pixels); any other width asked for is refused, so the cache
#: holds at most this many images per page.
WIDTHS = (800, 1200, 1600, 2400)
DEFAULT_WIDTH = 1600
DEFAULT_CACHE_MB = 512
# JPEG: encoded in a tenth of PNG's time (level 1) at about the same size for a 1,600 px page;
# no chroma subsampling, so coloured text and thin lines stay sharp.
JPEG_QUALITY = 90


class PageError(Exception):
    """The original page cannot be shown (missing, damaged, no such page)."""


def default_cache_bytes() -> int:
    try:
        return max(1, int(os.environ.get("KAMERZOEK_PAGE_CACHE_MB", DEFAULT_CACHE_MB))) * 1024 * 1024
    except ValueError:
        return DEFAULT_CACHE_MB * 1024 * 1024


class PageCache:
    """A folder of files bounded by total size; reading a file makes it recent."""

    def __init__(self, root: Path | str, max_bytes: int | None = None):
        self.root = Path(root)
        self.max_bytes = max_bytes if max_bytes is not None else default_cache_bytes()
        self._lock = threading.Lock()

    def _path(self, name: str) -> Path:
        return self.root / name[:2] / name

    def get(self, name: str) -> bytes | None:
        path = self._path(name)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        try:
            os.utime(path)  # recency for the eviction order
        except OSError:
            pass
        return data

    def put(self, name: str, data: bytes) -> None:
        """Store, then drop the least recently used files beyond the bound; never raises."""
        path = self._path(name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError:
            return  # a read-only or full disk: the page is still served, only not kept
        with self._lock:
            self._evict()

    def size(self) -> int:
        return sum(size for _, size, _ in self._entries())

    def _entries(self):
        out = []
        for folder in self.root.glob("*"):
            for entry in folder.glob("*") if folder.is_dir() else ():
                if entry.name.startswith("."):
                    continue
                try:
                    info = entry.stat()
                except OSError:
                    continue
                out.append((info.st_mtime, info.st_size, entry))
        return out

    def _evict(self) -> None:
        entries = sorted(self._entries(), key=lambda e: e[0])
        total = sum(size for _, size, _ in entries)
        while entries and total > self.max_bytes:
            _, size, path = entries.pop(0)
            try:
                path.unlink()
                total -= size
            except OSError:
                pass


_HASHED: dict[tuple, str] = {}  # (real path, size, mtime_ns) -> content hash, this process
_HASHED_MAX = 1024


def holds_content(path: str, sha: str, entry: dict | None = None) -> bool:
    """Whether the file at `path` still holds the content the index read (hash `sha`): its
    size and time as the index recorded them (`entry`), or else the hash of what it holds
    now, as the indexer decides. The image and positions are kept under `sha`, so a file
    replaced since the last run must never be rendered for it."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    if entry and entry.get("size") == info.st_size and entry.get("mtime") == info.st_mtime:
        return True
    key = (path, info.st_size, info.st_mtime_ns)
    found = _HASHED.get(key)
    if found is None:
        from .cache import file_sha256
        try:
            found = file_sha256(Path(path))
        except OSError:
            return False
        if len(_HASHED) >= _HASHED_MAX:
            _HASHED.pop(next(iter(_HASHED)))
        _HASHED[key] = found
    return found == sha


# pdfium is not thread-safe: one render at a time per process (waitress serves with threads).
_PDFIUM = threading.Lock()


@dataclass
class PageSize:
    count: int  # pages in the file
    width: float  # this page in points
    height: float


def page_size(path: str | os.PathLike, number: int) -> PageSize:
    """The page count and this page's size; raises PageError for a missing or damaged file."""
    import pypdfium2 as pdfium
    with _PDFIUM:
        try:
            pdf = pdfium.PdfDocument(str(path))
        except (pdfium.PdfiumError, OSError, ValueError) as e:
            raise PageError(f"het origineel kan niet worden geopend ({type(e).__name__})") from e
        try:
            count = len(pdf)
            if not 1 <= number <= count:
                raise PageError(f"pagina {number} bestaat niet (het origineel heeft {count} pagina's)")
            width, height = pdf[number - 1].get_size()
            return PageSize(count, width, height)
        except pdfium.PdfiumError as e:
            raise PageError(f"pagina {number} van het origineel is onleesbaar") from e
        finally:
            pdf.close()


def render_jpeg(path: str | os.PathLike, number: int, width: int = DEFAULT_WIDTH) -> bytes:
    """Page `number` (1-based) of a PDF as a JPEG `width` pixels wide (pypdfium2)."""
    import pypdfium2 as pdfium
    with _PDFIUM:
        try:
            pdf = pdfium.PdfDocument(str(path))
        except (pdfium.PdfiumError, OSError, ValueError) as e:
            raise PageError(f"het origineel kan niet worden geopend ({type(e).__name__})") from e
        try:
            if not 1 <= number <= len(pdf):
                raise PageError(f"pagina {number} bestaat niet")
            page = pdf[number - 1]
            points = page.get_size()[0]
            image = page.render(scale=width / max(points, 1.0)).to_pil()
        except pdfium.PdfiumError as e:
            raise PageError(f"pagina {number} van het origineel is onleesbaar") from e
        finally:
            pdf.close()
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, subsampling=0)
    return out.getvalue()


def cached_image(cache: PageCache | None, sha: str, path, number: int, width: int) -> bytes:
    """The rendered page from the cache, rendered and kept when it is not there yet."""
    name = f"{sha}-{number}-{width}.jpg"
    data = cache.get(name) if cache else None
    if data is None:
        data = render_jpeg(path, number, width)
        if cache:
            cache.put(name, data)
    return data


def cached_words(cache: PageCache | None, sha: str, path, number: int, ocr: bool) -> PageWords:
    """The page's words with their positions (OCR'd pages: Tesseract's boxes), cached."""
    name = f"{sha}-{number}-{'ocr' if ocr else 'text'}.words.json.gz"
    data = cache.get(name) if cache else None
    if data is not None:
        try:
            return PageWords.from_dict(json.loads(gzip.decompress(data)))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a damaged entry: read the page again
    from .extract.positions import ocr_words, text_layer_words  # pdfminer only when a page is read
    try:
        words = ocr_words(path, number) if ocr else text_layer_words(path, number)
    except ExtractionError as e:
        raise PageError(e.message) from e
    if cache:
        cache.put(name, gzip.compress(json.dumps(words.as_dict()).encode("utf-8"), compresslevel=3))
    return words


def _matches(text: str, terms: frozenset) -> str | None:
    for token in TOKEN_PATTERN.findall(text):
        for term in word_terms(token):
            if term in terms:
                return term.lstrip(PART_PREFIX)
    return None


MARK_PADDING = 1.0  # points around a word's box, so a mark never clips a letter


def hits(words: PageWords, terms: frozenset, furniture=frozenset()) -> list[dict]:
    """The words the query's terms hit, as the highlighter marks them in the text: each hit
    has one box, or two for a word broken over two lines with a hyphen. Words on a line of the
    document's furniture (its running header or footer, passages.furniture_lines) are no hit."""
    out: list[dict] = []
    pad_x, pad_y = MARK_PADDING / words.width, MARK_PADDING / words.height

    def _rounded(box) -> list[float]:
        left, top, right, bottom = box
        return [round(max(0.0, left - pad_x), 5), round(max(0.0, top - pad_y), 5),
                round(min(1.0, right + pad_x), 5), round(min(1.0, bottom + pad_y), 5)]

    if not terms:
        return out
    items = words.words
    if furniture:
        lines: dict[int, list[str]] = {}
        for word in items:
            lines.setdefault(word.line, []).append(word.text)
        header = {n for n, texts in lines.items() if is_furniture(" ".join(texts), furniture)}
        items = [word for word in items if word.line not in header]
    skip = False
    for i, word in enumerate(items):
        if skip:
            skip = False
            continue
        following = items[i + 1] if i + 1 < len(items) else None
        broken = (following is not None and following.line != word.line and word.text.endswith(("-", "\u00ad"))
                  and word.text[:-1][-1:].isalpha())
        if broken:
            term = _matches(word.text[:-1] + following.text, terms)
            if term:
                out.append({"term": term, "text": word.text[:-1] + following.text,
                            "boxes": [_rounded(word.box), _rounded(following.box)]})
                skip = True
                continue
        term = _matches(word.text, terms)
        if term:
            out.append({"term": term, "text": word.text, "boxes": [_rounded(word.box)]})
    return out

