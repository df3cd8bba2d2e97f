"""Big PDFs: read in page ranges by every worker, each worker walking the page tree once,
under one time limit for the whole file; what was read by then is indexed and reported."""
from __future__ import annotations

import time
from pathlib import Path

from big_pdf import write_big_pdf
from dask_support import pages_containing
from reindex_support import index_json

BIG_PAGES = 20_000


def make_slow_tail_pdf(path: Path) -> Path:
    """40 quick pages, then 40 pages of 2,500 separately drawn digits (about 0.3 s each here)."""
    from reportlab.pdfgen import canvas

    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = canvas.Canvas(str(path), invariant=1)
    for n in range(1, 41):
        pdf.drawString(50, 800, f"Pagina {n} snelmerk{n:03d}.")
        pdf.showPage()
    for n in range(41, 81):
        pdf.drawString(50, 830, f"Pagina {n} dichtmerk{n:03d}.")
        pdf.setFont("Helvetica", 3)
        for i in range(2500):
            pdf.drawString(20 + (i % 150) * 3.7, 820 - (i // 150) * 4.2, str(i % 10))
        pdf.showPage()
    pdf.save()
    return path


def test_a_20000_page_pdf_keeps_its_time_limit_with_both_workers(tmp_path):
    docs, index = tmp_path / "archief", tmp_path / "index"
    pdf = write_big_pdf(docs / "jaarverslag.pdf", BIG_PAGES)
    started = time.monotonic()
    code, report = index_json(index, docs, "--workers", "2", "--timeout", "60")
    took = time.monotonic() - started
    # The limit holds for the file: 60 s of reading, then the pages are written (not 500 x 30 s).
    assert took < 60 + 90, took
    workers = report["workers"]
    assert len(workers) == 2 and all(w["chunks"] >= 1 for w in workers.values()), workers
    assert sum(w["chunks"] for w in workers.values()) == BIG_PAGES // 40
    if code == 0:  # read whole within the limit
        assert report["unreadable"] == [] and report["pages_total"] == BIG_PAGES
        last = BIG_PAGES
    else:  # a machine too busy to read it all: the pages read are indexed and named
        assert code == 1
        [item] = report["unreadable"]
        assert (item["path"], item["reason"]) == (str(pdf.resolve()), "partial")
        [[first, last]] = item["pages"]
        assert first == 1 and 1 <= last < BIG_PAGES
        assert f"pagina {last + 1}–{BIG_PAGES}: tijdslimiet" in item["message"]
        assert report["pages_total"] == last
    assert report["documents_total"] == 1
    for number in (1, last // 2, last):
        assert pages_containing(index, f"merk{number:05d}") == [number]


def test_the_time_limit_is_for_the_whole_file_and_what_was_read_is_indexed(tmp_path):
    docs, index = tmp_path / "archief", tmp_path / "index"
    pdf = make_slow_tail_pdf(docs / "rapport.pdf")
    started = time.monotonic()
    code, report = index_json(index, docs, "--workers", "2", "--timeout", "4")
    assert time.monotonic() - started < 4 + 20
    assert code == 1
    [item] = report["unreadable"]
    assert (item["path"], item["reason"]) == (str(pdf.resolve()), "partial")
    # The quick range whole, the slow one up to where the time ran out: one run of pages.
    [[first, last]] = item["pages"]
    # (On a machine too busy to finish one slow page in the time, the slow range gives none.)
    assert first == 1 and 40 <= last < 80, item
    assert item["message"].endswith(f"(pagina {last + 1}–80: tijdslimiet overschreden bij het uitlezen)")
    assert report["partial"] == [str(pdf.resolve())]
    assert report["pages_total"] == last
    word = f"dichtmerk{last:03d}." if last > 40 else "snelmerk040."
    assert pages_containing(index, word) == [last]
    assert pages_containing(index, f"dichtmerk{last + 1:03d}.") == []
    assert not list((index / "cache").rglob("*.json.gz"))  # an incomplete read is not cached
