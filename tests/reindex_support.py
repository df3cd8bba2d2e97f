"""Helpers for the reindexing and crash tests: generated documents, CLI calls, index checks."""
from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

# Invented words: no Dutch lexicon word, so each finds exactly the documents that hold it.
_SYLLABLES = ["zwob", "kra", "donk", "flie", "psel", "gnurf", "plom", "ster", "triz", "vor",
              "paal", "snir", "quab", "wex", "olt", "brum", "tjik", "loef", "mops", "drig"]


def marker(n: int) -> str:
    """The n-th invented word (distinct for every n below 8,000)."""
    a, b, c = n % 20, (n // 20) % 20, (n // 400) % 20
    return _SYLLABLES[a] + _SYLLABLES[b] + _SYLLABLES[c] + "ix"


def filler(seed: int, words: int = 60) -> str:
    rng = random.Random(seed)
    vocabulary = ("de kamer het kabinet brief motie vergadering minister dreiging beleid "
                  "veiligheid gemeente rapport verslag onderzoek besluit wet voorstel").split()
    return " ".join(rng.choice(vocabulary) for _ in range(words))


def make_pdf(path: Path, pages: list[str]) -> Path:
    """A text PDF with one string per page (reportlab, byte-for-byte reproducible)."""
    from reportlab.pdfgen import canvas
    import textwrap

    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = canvas.Canvas(str(path), invariant=1)
    for text in pages:
        y = 800
        for line in textwrap.wrap(text, 80) or [""]:
            pdf.drawString(50, y, line)
            y -= 14
        pdf.showPage()
    pdf.save()
    return path


def make_scan_page_pdf(path: Path, text_page: str) -> Path:
    """Page 1 has text; page 2 is a full-page image without a text layer (a scan)."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (620, 877), 255)
    draw = ImageDraw.Draw(image)
    for row in range(20):
        draw.line((40, 60 + row * 38, 580, 60 + row * 38), fill=90, width=3)
    pdf = canvas.Canvas(str(path), invariant=1)
    pdf.drawString(50, 800, text_page)
    pdf.showPage()
    pdf.drawImage(ImageReader(image), 0, 0, width=595, height=842)
    pdf.showPage()
    pdf.save()
    return path


def make_corpus(folder: Path, count: int, pdf_every: int = 4, start: int = 0) -> dict[str, str]:
    """`count` small documents (text, Markdown and one-page PDFs); returns path -> marker word."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for n in range(start, start + count):
        word = marker(n)
        body = f"Document {n} over {word}. {filler(n)}"
        if n % pdf_every == 0:
            path = make_pdf(folder / f"doc-{n:05d}.pdf", [body])
        elif n % 2:
            path = folder / f"doc-{n:05d}.txt"
            path.write_text(body, encoding="utf-8")
        else:
            path = folder / f"doc-{n:05d}.md"
            path.write_text(f"# Notitie {n}\n\n{body}\n", encoding="utf-8")
        made[str(path.resolve())] = word
    return made


def cli(*args: str):
    """Run `kamerzoek ARGS` in this process; returns click's Result."""
    from webapp.cli import main
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def index_json(index_dir: Path, *args) -> tuple[int, dict]:
    """`kamerzoek index --json --index DIR ARGS`: the exit code and the parsed report."""
    result = cli("index", "--json", "--index", index_dir, *args)
    try:
        report = json.loads(result.stdout)
    except ValueError:
        raise AssertionError(f"no JSON report (exit {result.exit_code}): {result.output}") from None
    return result.exit_code, report


def search_json(index_dir: Path, query: str, *args) -> dict:
    result = cli("search", "--json", "--index", index_dir, query, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def status_json(index_dir: Path) -> dict:
    result = cli("status", "--json", "--index", index_dir)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def index_records(index_dir: Path) -> tuple[list[str], list[dict]]:
    """Every page id and every document record in the index, read with Whoosh directly."""
    from indexer.store import Store

    with Store(index_dir).searcher() as searcher:
        pages = [fields["id"] for fields in searcher.documents(kind="page")]
        docs = [dict(fields) for fields in searcher.documents(kind="doc")]
    return pages, docs


def assert_consistent(index_dir: Path) -> tuple[int, int]:
    """No page twice, no record twice, no path in two documents, no page without its record;
    returns (documents, pages)."""
    pages, docs = index_records(index_dir)
    twice = [pid for pid, n in Counter(pages).items() if n > 1]
    assert not twice, f"pages indexed twice: {twice[:5]}"
    records = Counter(d["doc_id"] for d in docs)
    assert all(n == 1 for n in records.values()), [d for d, n in records.items() if n > 1]
    paths = Counter(f["path"] for d in docs for f in d["info"]["files"])
    assert all(n == 1 for n in paths.values()), [p for p, n in paths.items() if n > 1]
    orphans = {pid.split(":")[0] for pid in pages} - set(records)
    assert not orphans, f"pages without a document record: {sorted(orphans)[:5]}"
    for d in docs:
        got = sum(1 for pid in pages if pid.startswith(d["doc_id"] + ":"))
        assert got == d["info"]["indexed_pages"], (d["doc_id"], got, d["info"]["indexed_pages"])
    return len(docs), len(pages)
