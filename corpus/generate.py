#!/usr/bin/env python3
"""Build Kamerzoek's sample corpus from the texts in corpus/src/.

Run from the project root:  python corpus/generate.py
Writes PDF, HTML, XML, TXT, MD, DOCX and ODT documents plus a JSON sidecar for each
into corpus/. The output is byte-for-byte deterministic: reportlab runs with
invariant=1 and every zip entry carries a fixed timestamp.

The source texts use a small line-based markup:
  # Kop / ## Kop / ### Kop      headings (in reports a level-1 heading starts a page)
  blank line                    ends a paragraph; lines within one are joined
  - item                        bullet list
  | a | b |                     table row (first row is the header)
  @caption Tekst                caption below the preceding table
  @columns 1 / @columns 2       page layout from the next chapter on (reports)
  @cover, @toc, @pagebreak      cover page, table of contents, page break (reports)
  **vet**, *cursief*            inline emphasis
"""
from __future__ import annotations

import html
import io
import json
import re
import textwrap
import zipfile
from dataclasses import dataclass, field
import sys
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
OUT = HERE

ROYAL_BLUE = colors.HexColor("#154273")
LIGHT_BLUE = colors.HexColor("#dce6f2")
GREY = colors.HexColor("#555555")

# Fixed timestamp for every zip entry and for document metadata in packages.
ZIP_DATE = (2025, 1, 1, 0, 0, 0)

SHY = "\u00ad"
# Long compounds that may be broken at a line end in the PDFs ("|" marks where).
# Only the reports use them, so some words end up hyphenated across lines, as in
# real typeset documents.
HYPHENATION = [
    "terrorisme|bestrijding",
    "veiligheids|diensten",
    "inlichtingen|diensten",
    "radicaliserings|processen",
    "dreigings|inschattingen",
    "overheids|instellingen",
    "beveiligings|maatregelen",
    "begeleidings|traject",
    "onderwijs|instellingen",
    "jeugd|zorg|instellingen",
    "geld|inzamelings|acties",
    "terrorisme|verdachten",
    "koran|verbrandingen",
    "gevechts|ervaring",
    "complot|denk|beelden",
    "propaganda|kanalen",
    "verwijderings|bevelen",
    "schoolschieters|fora",
    "diaspora|gemeenschappen",
    "strafrechtelijk",
]
_HYPHEN_MAP = {entry.replace("|", ""): entry for entry in HYPHENATION}


def hyphenate(text: str) -> str:
    """Insert soft hyphens into known long compounds (case preserved)."""

    def fix(match: re.Match) -> str:
        word = match.group(0)
        low = word.lower()
        for joined, marked in _HYPHEN_MAP.items():
            start = low.find(joined)
            if start < 0:
                continue
            cuts, pos = [], start
            for part in marked.split("|")[:-1]:
                pos += len(part)
                cuts.append(pos)
            for cut in reversed(cuts):
                word = word[:cut] + SHY + word[cut:]
            return word
        return word

    return re.sub(r"\w{12,}", fix, text)


# --------------------------------------------------------------------------- markup


@dataclass
class Block:
    kind: str  # h1 h2 h3 p ul table cmd
    text: str = ""
    items: list = field(default_factory=list)
    caption: str = ""


def parse(source: str) -> list[Block]:
    """Parse the line-based markup into blocks."""
    blocks: list[Block] = []
    para: list[str] = []

    def flush():
        if para:
            blocks.append(Block("p", " ".join(para)))
            para.clear()

    for raw in source.splitlines():
        line = raw.rstrip()
        if not line:
            flush()
            continue
        if line.startswith("@caption "):
            flush()
            blocks[-1].caption = line[len("@caption "):]
        elif line.startswith("@"):
            flush()
            blocks.append(Block("cmd", line[1:].strip()))
        elif line.startswith("#"):
            flush()
            level = len(line) - len(line.lstrip("#"))
            blocks.append(Block(f"h{level}", line[level:].strip()))
        elif line.startswith("- "):
            flush()
            if blocks and blocks[-1].kind == "ul" and not raw.startswith(" "):
                blocks[-1].items.append(line[2:])
            else:
                blocks.append(Block("ul", items=[line[2:]]))
        elif line.startswith("|"):
            flush()
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if blocks and blocks[-1].kind == "table":
                blocks[-1].items.append(cells)
            else:
                blocks.append(Block("table", items=[cells]))
        elif line.startswith("  ") and blocks and blocks[-1].kind == "ul" and not para:
            blocks[-1].items[-1] += " " + line.strip()
        else:
            para.append(line.strip())
    flush()
    return blocks


def inline_markup(text: str, bold="<b>{}</b>", italic="<i>{}</i>", escape=True) -> str:
    """Turn **vet** and *cursief* into the given templates; escape the rest."""
    if escape:
        text = xml_escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", lambda m: bold.format(m.group(1)), text)
    text = re.sub(r"\*(.+?)\*", lambda m: italic.format(m.group(1)), text)
    return text


def plain(text: str) -> str:
    """The text without inline markup."""
    return re.sub(r"\*{1,2}(.+?)\*{1,2}", r"\1", text)


def read_src(name: str) -> list[Block]:
    return parse((SRC / name).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- PDF styles

BODY = ParagraphStyle(
    "body",
    fontName="Helvetica",
    fontSize=10.5,
    leading=15,
    alignment=TA_LEFT,
    spaceAfter=6,
    embeddedHyphenation=0,
    hyphenationMinWordLength=6,
    uriWasteReduce=0.3,
)
BODY_LEFT = ParagraphStyle("body_left", parent=BODY, alignment=TA_LEFT)
H1 = ParagraphStyle(
    "h1", fontName="Helvetica-Bold", fontSize=17, leading=21, textColor=ROYAL_BLUE,
    spaceBefore=0, spaceAfter=12,
)
H2 = ParagraphStyle(
    "h2", fontName="Helvetica-Bold", fontSize=11.5, leading=15, textColor=ROYAL_BLUE,
    spaceBefore=8, spaceAfter=4,
)
H3 = ParagraphStyle(
    "h3", fontName="Helvetica-BoldOblique", fontSize=10, leading=14,
    spaceBefore=4, spaceAfter=2,
)
CELL = ParagraphStyle("cell", fontName="Helvetica", fontSize=9, leading=11.5)
CELL_HEAD = ParagraphStyle("cell_head", parent=CELL, fontName="Helvetica-Bold",
                           textColor=colors.white)
CAPTION = ParagraphStyle("caption", fontName="Helvetica-Oblique", fontSize=8.5,
                         leading=11, textColor=GREY, spaceBefore=3, spaceAfter=10)
TOC_STYLES = [
    ParagraphStyle("toc0", fontName="Helvetica-Bold", fontSize=9.5, leading=12.5,
                   leftIndent=0, firstLineIndent=0, spaceBefore=3),
    ParagraphStyle("toc1", fontName="Helvetica", fontSize=8.5, leading=10.6,
                   leftIndent=18, firstLineIndent=0),
]


TOC_TABLE = TableStyle([
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ("TOPPADDING", (0, 0), (-1, -1), 0),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
])


def table_flowable(block: Block, width: float) -> list:
    """A table with a coloured header row and an optional caption."""
    rows = [[Paragraph(inline_markup(c), CELL_HEAD) for c in block.items[0]]]
    rows += [[Paragraph(inline_markup(c), CELL) for c in row] for row in block.items[1:]]
    ncols = len(block.items[0])
    if ncols == 2:
        widths = [0.28 * width, 0.72 * width]
    elif ncols == 3:
        widths = [0.42 * width, 0.2 * width, 0.38 * width]
    else:
        widths = [width / ncols] * ncols
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), ROYAL_BLUE),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, LIGHT_BLUE]),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, ROYAL_BLUE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    out = [Spacer(1, 4), table]
    if block.caption:
        out.append(Paragraph(inline_markup(block.caption), CAPTION))
    return out


def bullet_flowable(items: list[str], style: ParagraphStyle, hyphen=True) -> list:
    fix = hyphenate if hyphen else (lambda s: s)
    item_style = ParagraphStyle(f"{style.name}_item", parent=style, leftIndent=16,
                                bulletIndent=4, bulletFontName=style.fontName,
                                spaceAfter=3)
    paras = [Paragraph(fix(inline_markup(i)), item_style, bulletText="\u2013")
             for i in items]
    return paras + [Spacer(1, 4)]


# --------------------------------------------------------------------------- reports


class ReportTemplate(BaseDocTemplate):
    """A report with running header and footer on every page and a TOC."""

    def __init__(self, filename, *, header: str, footer: str, meta: dict, **kw):
        self.header_text = header
        self.footer_text = footer
        super().__init__(
            filename, pagesize=A4, invariant=1, pageCompression=1,
            leftMargin=2.6 * cm, rightMargin=2.6 * cm,
            topMargin=2.7 * cm, bottomMargin=2.5 * cm,
            title=meta["title"], author=meta.get("author", ""),
            subject=meta.get("subject", ""), creator="Kamerzoek corpus/generate.py",
            producer="ReportLab", lang="nl-NL", **kw,
        )
        w, h = self.width, self.height
        gap = 0.8 * cm
        col = (w - gap) / 2
        self.addPageTemplates([
            PageTemplate("cover", [Frame(self.leftMargin, self.bottomMargin, w, h,
                                         id="cover")], onPage=self.decorate),
            PageTemplate("one", [Frame(self.leftMargin, self.bottomMargin, w, h,
                                       id="body")], onPage=self.decorate),
            PageTemplate("two", [
                Frame(self.leftMargin, self.bottomMargin, col, h, id="left"),
                Frame(self.leftMargin + col + gap, self.bottomMargin, col, h, id="right"),
            ], onPage=self.decorate),
        ])

    def decorate(self, canvas, doc):
        canvas.saveState()
        pw, ph = A4
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(GREY)
        canvas.drawString(self.leftMargin, ph - 1.6 * cm, self.header_text)
        canvas.setStrokeColor(ROYAL_BLUE)
        canvas.setLineWidth(0.5)
        canvas.line(self.leftMargin, ph - 1.75 * cm, pw - self.rightMargin, ph - 1.75 * cm)
        canvas.line(self.leftMargin, 1.75 * cm, pw - self.rightMargin, 1.75 * cm)
        canvas.drawString(self.leftMargin, 1.3 * cm, self.footer_text)
        canvas.drawRightString(pw - self.rightMargin, 1.3 * cm, f"pagina {doc.page}")
        canvas.restoreState()

    def afterFlowable(self, flowable):
        level = getattr(flowable, "toc_level", None)
        if level is not None:
            text = flowable.getPlainText()
            key = f"h{self.seq.nextf('heading')}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=level, closed=level > 0)
            self.notify("TOCEntry", (level, text, self.page, key))


def heading(text: str, style: ParagraphStyle, toc_level=None) -> Paragraph:
    para = Paragraph(inline_markup(text), style)
    para.toc_level = toc_level
    return para


def cover_flowables(cover: dict) -> list:
    title = ParagraphStyle("ct", fontName="Helvetica-Bold", fontSize=30, leading=36,
                           textColor=ROYAL_BLUE)
    sub = ParagraphStyle("cs", fontName="Helvetica", fontSize=16, leading=22,
                         textColor=ROYAL_BLUE)
    small = ParagraphStyle("cm", fontName="Helvetica", fontSize=10, leading=14,
                           textColor=GREY)
    out = [Spacer(1, 5 * cm)]
    out.append(Paragraph(cover["title"], title))
    out.append(Spacer(1, 0.6 * cm))
    out.append(Paragraph(cover["subtitle"], sub))
    out.append(Spacer(1, 7 * cm))
    for line in cover["lines"]:
        out.append(Paragraph(line, small))
    return out


def build_report(blocks: list[Block], path: Path, *, header: str, footer: str,
                 cover: dict, meta: dict, chapter_breaks: bool = True,
                 serif: bool = False) -> int:
    """Render a report; return its page count."""
    doc = ReportTemplate(str(path), header=header, footer=footer, meta=meta)
    body, body_left = BODY, BODY_LEFT
    if serif:
        body = ParagraphStyle("body_serif", parent=BODY, fontName="Times-Roman",
                              fontSize=11.5, leading=15.5)
        body_left = body
    width = doc.width
    story: list = []
    columns = "one"
    chapter = 0
    seen_h1 = False
    fresh_page = True  # nothing on the current page yet
    for block in blocks:
        was_fresh, fresh_page = fresh_page, False
        if block.kind == "cmd":
            name, _, arg = block.text.partition(" ")
            if name == "cover":
                story += cover_flowables(cover)
                story += [NextPageTemplate(columns), PageBreak()]
                fresh_page = True
            elif name == "toc":
                toc = TableOfContents(dotsMinLevel=0, tableStyle=TOC_TABLE)
                toc.levelStyles = TOC_STYLES
                story += [heading("Inhoud", H1), toc, Spacer(1, 0.8 * cm)]
            elif name == "columns":
                columns = "two" if arg.strip() == "2" else "one"
                fresh_page = was_fresh
            elif name == "pagebreak":
                story += [NextPageTemplate(columns), PageBreak()]
                fresh_page = True
        elif block.kind == "h1":
            if was_fresh:
                pass
            elif chapter_breaks:
                story += [NextPageTemplate(columns), PageBreak()]
            else:
                story.append(CondPageBreak(5 * cm))
            numbered = not block.text.lower().startswith("bijlage")
            if numbered:
                chapter += 1
            text = f"{chapter}  {block.text}" if numbered else block.text
            story.append(heading(text, H1, toc_level=0))
            seen_h1 = True
        elif block.kind == "h2":
            # Keep a heading with at least a few lines of its text.
            story.append(CondPageBreak(3 * cm))
            story.append(heading(block.text, H2, toc_level=1 if seen_h1 else None))
        elif block.kind == "h3":
            story += [CondPageBreak(2.5 * cm), heading(block.text, H3)]
        elif block.kind == "p":
            story.append(Paragraph(hyphenate(inline_markup(block.text)), body))
        elif block.kind == "ul":
            story += bullet_flowable(block.items, body_left)
        elif block.kind == "table":
            frame_width = width if columns == "one" else (width - 0.8 * cm) / 2
            story.append(KeepTogether(table_flowable(block, frame_width)))
    doc.multiBuild(story)
    return doc.page


# --------------------------------------------------------------------------- letters

LETTER_BODY = ParagraphStyle("letter", parent=BODY_LEFT, fontName="Helvetica",
                             fontSize=9.5, leading=14, spaceAfter=8)
LETTER_HEAD = ParagraphStyle("letter_head", parent=LETTER_BODY,
                             fontName="Helvetica-Bold", spaceBefore=4, spaceAfter=2)
SIDE_LABEL = ("Helvetica-Bold", 6.5)
SIDE_TEXT = ("Helvetica", 6.5)


class LetterTemplate(BaseDocTemplate):
    """A Rijksoverheid-style letter: letterhead on page 1, side column on every page."""

    def __init__(self, filename, *, letter: dict, total_pages: int, meta: dict):
        self.letter = letter
        self.total_pages = total_pages
        super().__init__(
            filename, pagesize=A4, invariant=1, pageCompression=1,
            leftMargin=2.4 * cm, rightMargin=6.2 * cm,
            topMargin=2.9 * cm, bottomMargin=2.4 * cm,
            title=meta["title"], author=meta.get("author", ""),
            creator="Kamerzoek corpus/generate.py", producer="ReportLab", lang="nl-NL",
        )
        pad = dict(leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        first = Frame(self.leftMargin, self.bottomMargin, self.width, 15.5 * cm,
                      id="first", **pad)
        later = Frame(self.leftMargin, self.bottomMargin, self.width, self.height,
                      id="later", **pad)
        self.addPageTemplates([
            PageTemplate("first", [first], onPage=self.first_page),
            PageTemplate("later", [later], onPage=self.later_page),
        ])

    def side_column(self, canvas, doc, y: float, first: bool):
        x = 15.4 * cm
        sender = self.letter["sender"]
        lines = [("label", sender[0])] + [("text", t) for t in sender[1:]]
        if first:
            lines += [("gap", "")] + [("text", t) for t in self.letter["address"]]
        lines += [("gap", ""), ("label", "Datum"), ("text", self.letter["date_text"]),
                  ("gap", ""), ("label", "Ons kenmerk"), ("text", self.letter["kenmerk"])]
        if first and self.letter.get("bijlagen"):
            lines += [("gap", ""), ("label", "Bijlagen"), ("text", self.letter["bijlagen"])]
        for kind, text in lines:
            if kind == "gap":
                y -= 0.25 * cm
                continue
            canvas.setFont(*(SIDE_LABEL if kind == "label" else SIDE_TEXT))
            canvas.drawString(x, y, text)
            y -= 0.33 * cm

    def letterhead(self, canvas):
        pw, ph = A4
        canvas.setFillColor(ROYAL_BLUE)
        canvas.rect(pw / 2 - 0.55 * cm, ph - 3.0 * cm, 1.1 * cm, 3.0 * cm, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        canvas.setFont("Helvetica", 9.5)
        for i, line in enumerate(self.letter["ministry"]):
            canvas.drawString(pw / 2 + 0.9 * cm, ph - 1.9 * cm - i * 0.42 * cm, line)

    def footer(self, canvas, doc):
        canvas.setFont("Helvetica", 6.5)
        canvas.drawString(15.4 * cm, 1.6 * cm, f"Pagina {doc.page} van {self.total_pages}")

    def first_page(self, canvas, doc):
        canvas.saveState()
        pw, ph = A4
        self.letterhead(canvas)
        canvas.setFont("Helvetica", 6.5)
        canvas.drawString(self.leftMargin, ph - 5.0 * cm, "> Retouradres " + self.letter["retour"])
        canvas.setFont("Helvetica", 9.5)
        y = ph - 5.7 * cm
        for line in ("Aan de Voorzitter van de Tweede Kamer", "der Staten-Generaal",
                     "Postbus 20018", "2500 EA  DEN HAAG"):
            canvas.drawString(self.leftMargin, y, line)
            y -= 0.45 * cm
        y = ph - 9.6 * cm
        for label, value in (("Datum", self.letter["date_text"]),
                             ("Betreft", self.letter["betreft"])):
            canvas.setFont("Helvetica", 9.5)
            canvas.drawString(self.leftMargin, y, label)
            canvas.drawString(self.leftMargin + 2.0 * cm, y, value)
            y -= 0.5 * cm
        self.side_column(canvas, doc, ph - 5.0 * cm, first=True)
        self.footer(canvas, doc)
        canvas.restoreState()

    def later_page(self, canvas, doc):
        canvas.saveState()
        self.side_column(canvas, doc, A4[1] - 2.9 * cm, first=False)
        self.footer(canvas, doc)
        canvas.restoreState()


def letter_story(blocks: list[Block], letter: dict) -> list:
    story: list = [NextPageTemplate("later"), Paragraph("Geachte voorzitter,", LETTER_BODY)]
    for block in blocks:
        if block.kind == "p":
            story.append(Paragraph(inline_markup(block.text), LETTER_BODY))
        elif block.kind in ("h2", "h3"):
            story += [CondPageBreak(2.5 * cm),
                      Paragraph(inline_markup(block.text), LETTER_HEAD)]
        elif block.kind == "ul":
            story += bullet_flowable(block.items, LETTER_BODY, hyphen=False)
    closing = [Spacer(1, 6)]
    for line in letter["signature"]:
        closing.append(Paragraph(xml_escape(line), LETTER_BODY) if line
                       else Spacer(1, 28))
    story.append(KeepTogether(closing))
    return story


def build_letter(blocks: list[Block], path: Path, *, letter: dict, meta: dict) -> int:
    """Render a letter twice: once to count pages, once with 'Pagina n van N'."""
    probe = LetterTemplate(io.BytesIO(), letter=letter, total_pages=0, meta=meta)
    probe.build(letter_story(blocks, letter))
    total = probe.page
    doc = LetterTemplate(str(path), letter=letter, total_pages=total, meta=meta)
    doc.build(letter_story(blocks, letter))
    return total


# --------------------------------------------------------------------------- HTML

HTML_PAGE = """<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} | Voorbeeldsite Tweede Kamer</title>
<meta name="description" content="{description}">
<meta name="DC.date" content="{date}">
<meta name="DC.type" content="Verslag van een commissiedebat">
<link rel="stylesheet" href="/static/css/site.css">
<style>
  body {{ font-family: sans-serif; margin: 0; color: #1a1a1a; }}
  .site-header, .site-footer {{ background: #154273; color: #fff; padding: 1rem 2rem; }}
  main {{ max-width: 46rem; margin: 2rem auto; line-height: 1.6; }}
  .cookie-melding {{ position: fixed; bottom: 0; background: #eee; }}
</style>
<script src="/static/js/cookiemelding.js" defer></script>
<script>
  /* Telt paginaweergaven voor de bezoekersstatistiek; geen inhoud van het verslag. */
  window.dataLayer = window.dataLayer || [];
  window.dataLayer.push({{"pagina": "verslag", "sectie": "kamerstukken", "meting": "bezoekersstatistiek"}});
</script>
</head>
<body>
<a class="skiplink" href="#inhoud">Direct naar de inhoud</a>
<header class="site-header">
  <div class="logo">Tweede Kamer der Staten-Generaal <span class="voorbeeld">(voorbeeldsite)</span></div>
  <nav class="hoofdmenu" aria-label="Hoofdmenu">
    <ul>
      <li><a href="/kamerleden-en-commissies">Kamerleden en commissies</a></li>
      <li><a href="/debat-en-vergadering">Debat en vergadering</a></li>
      <li><a href="/vergaderkalender">Vergaderkalender</a></li>
      <li><a href="/kamerstukken">Kamerstukken</a></li>
      <li><a href="/zo-werkt-de-kamer">Zo werkt de Kamer</a></li>
    </ul>
  </nav>
  <form class="zoekformulier" role="search" action="/zoeken" method="get">
    <label for="zoekterm">Zoeken op de site</label>
    <input id="zoekterm" name="q" type="search" placeholder="Zoekterm">
    <button type="submit">Zoeken</button>
  </form>
</header>
<nav class="kruimelpad" aria-label="Kruimelpad">
  <ol>
    <li><a href="/">Home</a></li>
    <li><a href="/kamerstukken">Kamerstukken</a></li>
    <li><a href="/kamerstukken/verslagen">Verslagen van commissiedebatten</a></li>
  </ol>
</nav>
<main id="inhoud">
<article class="kamerstuk">
<p class="kamerstukkop">Tweede Kamer der Staten-Generaal &#8211; Vergaderjaar {vergaderjaar_text}</p>
<p class="dossier">{dossier_text} Terrorismebestrijding</p>
<p class="stuknummer">Nr. {number}</p>
{body}
</article>
</main>
<aside class="gerelateerd" aria-label="Gerelateerde documenten">
  <h2>Gerelateerd</h2>
  <ul>
    <li><a href="/kamerstukken/29754">Dossier 29 754 Terrorismebestrijding</a></li>
    <li><a href="/commissies/justitie-en-veiligheid">Vaste commissie voor Justitie en Veiligheid</a></li>
  </ul>
</aside>
<footer class="site-footer">
  <nav aria-label="Servicemenu">
    <ul>
      <li><a href="/contact">Contact</a></li>
      <li><a href="/privacy">Privacy</a></li>
      <li><a href="/cookies">Cookies</a></li>
      <li><a href="/toegankelijkheid">Toegankelijkheid</a></li>
    </ul>
  </nav>
  <p>Voorbeeldpagina van het Kamerzoek-project. De inhoud is fictief.</p>
</footer>
<div class="cookie-melding" hidden>Deze site gebruikt functionele cookies.</div>
<script src="/static/js/site.js"></script>
<script>
  document.querySelectorAll("a[href^='/kamerstukken']").forEach(function (a) {{
    a.addEventListener("click", function () {{ window.dataLayer.push({{"klik": a.href}}); }});
  }});
</script>
</body>
</html>
"""


def html_body(blocks: list[Block]) -> str:
    out = []
    for block in blocks:
        if block.kind in ("h1", "h2", "h3"):
            level = int(block.kind[1])
            out.append(f"<h{level}>{inline_markup(block.text, '<strong>{}</strong>', '<em>{}</em>')}</h{level}>")
        elif block.kind == "p":
            out.append(f"<p>{inline_markup(block.text, '<strong>{}</strong>', '<em>{}</em>')}</p>")
        elif block.kind == "ul":
            items = "".join(f"\n  <li>{inline_markup(i, '<strong>{}</strong>', '<em>{}</em>')}</li>"
                            for i in block.items)
            out.append(f"<ul>{items}\n</ul>")
    return "\n".join(out)


def write_html(blocks: list[Block], path: Path, doc: dict) -> None:
    page = HTML_PAGE.format(
        title=html.escape(doc["title"]),
        description=html.escape(doc["title"]),
        date=doc["date"],
        vergaderjaar_text=doc["vergaderjaar"].replace("-", "&#8211;"),
        dossier_text="29 754",
        number=doc["number"],
        body=html_body(blocks),
    )
    path.write_bytes(page.encode("utf-8"))


# --------------------------------------------------------------------------- moties


DUTCH_MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli",
                "augustus", "september", "oktober", "november", "december"]


def dutch_date(iso: str) -> str:
    year, month, day = (int(x) for x in iso.split("-"))
    return f"{day} {DUTCH_MONTHS[month - 1]} {year}"


def dossier_spaced(dossier: str) -> str:
    """29754 -> '29 754', the way dossier numbers are printed."""
    return f"{dossier[:-3]} {dossier[-3:]}" if len(dossier) > 3 else dossier


def write_motie_xml(blocks: list[Block], path: Path, doc: dict, motie: dict) -> None:
    als = "\n".join(f"            <al>{xml_escape(plain(b.text))}</al>"
                    for b in blocks if b.kind == "p")
    signers = "\n".join(f"          <al>{xml_escape(n)}</al>" for n in motie["signers"])
    vj = doc["vergaderjaar"].replace("-", "–")
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<officiele-publicatie xml:lang="nl">
  <metadata>
    <meta name="DC.title" content="{xml_escape(doc['title'], {'"': '&quot;'})}"/>
    <meta name="DC.type" scheme="OVERHEIDop.KamerstukTypen" content="Motie"/>
    <meta name="OVERHEIDop.dossiernummer" content="{doc['dossier']}"/>
    <meta name="OVERHEIDop.ondernummer" content="{doc['number']}"/>
    <meta name="OVERHEIDop.vergaderjaar" content="{doc['vergaderjaar']}"/>
    <meta name="DCTERMS.issued" content="{doc['date']}"/>
  </metadata>
  <kamerstuk>
    <kamerstukkop>
      <tekstregel inhoud="kamer">Tweede Kamer der Staten-Generaal</tekstregel>
      <tekstregel inhoud="vergaderjaar">Vergaderjaar {vj}</tekstregel>
    </kamerstukkop>
    <dossier>
      <dossiernummer>
        <dossiernr>{dossier_spaced(doc['dossier'])}</dossiernr>
      </dossiernummer>
      <titel>{xml_escape(motie['dossier_title'])}</titel>
    </dossier>
    <stuk>
      <stuknr>Nr. <ondernummer>{doc['number']}</ondernummer></stuknr>
      <titel>{xml_escape(motie['heading'])}</titel>
      <datumtekst>Voorgesteld <datum isodatum="{doc['date']}">{dutch_date(doc['date'])}</datum></datumtekst>
      <motie>
        <vrije-tekst>
          <tekst>
{als}
          </tekst>
        </vrije-tekst>
        <ondertekening>
{signers}
        </ondertekening>
      </motie>
    </stuk>
  </kamerstuk>
</officiele-publicatie>
"""
    path.write_bytes(xml.encode("utf-8"))


def wrap(text: str, width: int = 76, indent: str = "") -> str:
    """Fill text to width without breaking words or hyphenated compounds."""
    return textwrap.fill(text, width=width, initial_indent=indent,
                         subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False)


def write_motie_txt(blocks: list[Block], path: Path, doc: dict, motie: dict) -> None:
    pad = " " * 16
    lines = [
        "Tweede Kamer der Staten-Generaal",
        f"Vergaderjaar {doc['vergaderjaar'].replace('-', '–')}",
        "",
        f"{dossier_spaced(doc['dossier']):<16}{motie['dossier_title']}",
        "",
        f"{'Nr. ' + doc['number']:<16}{motie['heading']}",
        "",
        f"{pad}Voorgesteld {dutch_date(doc['date'])}",
        "",
    ]
    for block in blocks:
        if block.kind == "p":
            lines += [wrap(plain(block.text)), ""]
    lines += motie["signers"]
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


# --------------------------------------------------------------------------- Markdown


def write_kamervragen_md(blocks: list[Block], path: Path, doc: dict, kv: dict) -> None:
    lines = [f"# {doc['title']}", ""]
    lines += [f"- **{k}:** {v}" for k, v in kv["fields"]]
    lines += ["", wrap(kv["vragen_intro"], 88), "", wrap(kv["antwoord_intro"], 88), ""]
    for block in blocks:
        if block.kind == "h2":
            lines += [f"## {block.text}", ""]
        elif block.kind == "p":
            lines += [wrap(block.text, 88), ""]
    lines += ["---", "", wrap(kv["noot"], 88)]
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


# --------------------------------------------------------------------------- zip packages


def write_zip(path: Path, members: list[tuple[str, str | bytes]], stored_first=False) -> None:
    """A deterministic zip: fixed order, timestamps and permissions."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for index, (name, data) in enumerate(members):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = 3
            info.external_attr = 0o644 << 16
            stored = stored_first and index == 0
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            payload = data.encode("utf-8") if isinstance(data, str) else data
            zf.writestr(info, payload, compresslevel=None if stored else 9)
    path.write_bytes(buf.getvalue())


def runs_docx(text: str) -> str:
    """Paragraph runs with **bold** as bold runs."""
    out = []
    for i, part in enumerate(re.split(r"\*\*(.+?)\*\*", text)):
        if not part:
            continue
        rpr = "<w:rPr><w:b/></w:rPr>" if i % 2 else ""
        out.append(f'<w:r>{rpr}<w:t xml:space="preserve">{xml_escape(part)}</w:t></w:r>')
    return "".join(out)


def docx_paragraph(text: str, style: str | None = None) -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{ppr}{runs_docx(text)}</w:p>"


def docx_table(rows: list[list[str]]) -> str:
    widths = [900, 5600, 3000]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    out = ['<w:tbl><w:tblPr><w:tblStyle w:val="Tabelraster"/><w:tblW w:w="9500" w:type="dxa"/>'
           '<w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="154273"/>'
           '<w:bottom w:val="single" w:sz="4" w:space="0" w:color="154273"/>'
           '<w:insideH w:val="single" w:sz="4" w:space="0" w:color="154273"/></w:tblBorders>'
           f'</w:tblPr><w:tblGrid>{grid}</w:tblGrid>']
    for r, row in enumerate(rows):
        out.append("<w:tr>")
        for c, cell in enumerate(row):
            text = f"**{cell}**" if r == 0 else cell
            out.append(f'<w:tc><w:tcPr><w:tcW w:w="{widths[c]}" w:type="dxa"/></w:tcPr>'
                       f"{docx_paragraph(text)}</w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


DOCX_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Verdana" w:hAnsi="Verdana" w:cs="Verdana"/><w:sz w:val="18"/><w:lang w:val="nl-NL"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Standaard"><w:name w:val="Normal"/><w:qFormat/></w:style>
<w:style w:type="paragraph" w:styleId="Kop1"><w:name w:val="heading 1"/><w:basedOn w:val="Standaard"/><w:next w:val="Standaard"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:color w:val="154273"/><w:sz w:val="28"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Kop2"><w:name w:val="heading 2"/><w:basedOn w:val="Standaard"/><w:next w:val="Standaard"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="200" w:after="80"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:sz w:val="20"/></w:rPr></w:style>
<w:style w:type="table" w:styleId="Tabelraster"><w:name w:val="Table Grid"/><w:tblPr><w:tblCellMar><w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
</w:styles>
"""


def write_docx(blocks: list[Block], path: Path, doc: dict) -> None:
    body = []
    for block in blocks:
        if block.kind == "h1":
            body.append(docx_paragraph(block.text, "Kop1"))
        elif block.kind in ("h2", "h3"):
            body.append(docx_paragraph(block.text, "Kop2"))
        elif block.kind == "p":
            label, sep, rest = block.text.partition(": ")
            if sep and label in ("Besluit", "Datum", "Tijd", "Plaats", "Aanwezig"):
                body.append(docx_paragraph(f"**{label}:** {rest}"))
            else:
                body.append(docx_paragraph(block.text))
        elif block.kind == "table":
            body.append(docx_table(block.items))
            body.append(docx_paragraph(""))
    W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{W}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        "<w:body>" + "".join(body) +
        '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1417" w:right="1417" w:bottom="1417" w:left="1417" '
        'w:header="708" w:footer="708" w:gutter="0"/></w:sectPr>'
        "</w:body></w:document>\n"
    )
    stamp = f"{doc['date']}T14:30:00Z"
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{xml_escape(doc['title'])}</dc:title>"
        "<dc:creator>Griffie commissie Justitie en Veiligheid (fictief voorbeeld)</dc:creator>"
        "<dc:language>nl-NL</dc:language>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>\n"
    )
    app = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>Kamerzoek corpus/generate.py</Application></Properties>\n"
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        "</Types>\n"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>\n"
    )
    doc_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        "</Relationships>\n"
    )
    write_zip(path, [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", rels),
        ("word/document.xml", document),
        ("word/_rels/document.xml.rels", doc_rels),
        ("word/styles.xml", DOCX_STYLES),
        ("docProps/core.xml", core),
        ("docProps/app.xml", app),
    ])


ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'office:version="1.3"'
)


def odt_spans(text: str) -> str:
    out = []
    for i, part in enumerate(re.split(r"\*\*(.+?)\*\*", text)):
        if part:
            part = xml_escape(part)
            out.append(f'<text:span text:style-name="Vet">{part}</text:span>' if i % 2 else part)
    return "".join(out)


def write_odt(blocks: list[Block], path: Path, doc: dict, kop: list[str]) -> None:
    body = [f'<text:p text:style-name="Kop">{xml_escape(line)}</text:p>' for line in kop]
    for block in blocks:
        if block.kind == "h1":
            body.append(f'<text:h text:style-name="Titel" text:outline-level="1">'
                        f"{odt_spans(block.text)}</text:h>")
        elif block.kind in ("h2", "h3"):
            body.append(f'<text:h text:style-name="Tussenkop" text:outline-level="2">'
                        f"{odt_spans(block.text)}</text:h>")
        elif block.kind == "p":
            body.append(f'<text:p text:style-name="Tekst">{odt_spans(block.text)}</text:p>')
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<office:document-content {ODF_NS}>"
        "<office:automatic-styles>"
        '<style:style style:name="Vet" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>'
        "</office:automatic-styles>"
        "<office:body><office:text>" + "".join(body) +
        "</office:text></office:body></office:document-content>\n"
    )
    styles = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<office:document-styles {ODF_NS}><office:styles>"
        '<style:default-style style:family="paragraph"><style:text-properties fo:font-size="10pt" fo:language="nl" fo:country="NL"/></style:default-style>'
        '<style:style style:name="Tekst" style:family="paragraph"><style:paragraph-properties fo:margin-bottom="0.2cm"/></style:style>'
        '<style:style style:name="Kop" style:family="paragraph"><style:text-properties fo:font-size="9pt" fo:color="#555555"/></style:style>'
        '<style:style style:name="Titel" style:family="paragraph" style:default-outline-level="1"><style:paragraph-properties fo:margin-top="0.4cm" fo:margin-bottom="0.3cm"/><style:text-properties fo:font-size="14pt" fo:font-weight="bold"/></style:style>'
        '<style:style style:name="Tussenkop" style:family="paragraph" style:default-outline-level="2"><style:text-properties fo:font-size="11pt" fo:font-weight="bold"/></style:style>'
        "</office:styles></office:document-styles>\n"
    )
    stamp = f"{doc['date']}T16:00:00"
    meta = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<office:document-meta {ODF_NS}><office:meta>"
        f"<dc:title>{xml_escape(doc['title'])}</dc:title>"
        "<dc:language>nl-NL</dc:language>"
        f"<meta:creation-date>{stamp}</meta:creation-date>"
        f"<dc:date>{stamp}</dc:date>"
        "<meta:generator>Kamerzoek corpus/generate.py</meta:generator>"
        "</office:meta></office:document-meta>\n"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>\n"
    )
    write_zip(path, [
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", content),
        ("styles.xml", styles),
        ("meta.xml", meta),
        ("META-INF/manifest.xml", manifest),
    ], stored_first=True)


# --------------------------------------------------------------------------- documents

MINISTRY_JENV = ["Ministerie van Justitie en", "Veiligheid"]
NCTV_SENDER = [
    "Nationaal Coördinator",
    "Terrorismebestrijding en Veiligheid",
    "Turfmarkt 147",
    "2511 DP  Den Haag",
    "Postbus 20301",
    "2500 EH  Den Haag",
    "www.rijksoverheid.nl/jenv",
]
LETTER_ADDRESS_NOTE = ["Voorbeelddocument Kamerzoek", "(fictieve inhoud)"]


def letter_info(date: str, betreft: str, kenmerk: str, signer: str, bijlagen: str = "") -> dict:
    return {
        "ministry": MINISTRY_JENV,
        "sender": NCTV_SENDER,
        "address": LETTER_ADDRESS_NOTE,
        "retour": "Postbus 20301 2500 EH  Den Haag",
        "date_text": dutch_date(date),
        "betreft": betreft,
        "kenmerk": kenmerk,
        "bijlagen": bijlagen,
        "signature": ["De Minister van Justitie en Veiligheid,", "", signer],
    }


# Every document: output file, source text, sidecar metadata, and how to build it.
DOCUMENTS = [
    {
        "file": "dtn-59.pdf", "src": "dtn-59.md", "build": "report",
        "meta": {"title": "Dreigingsbeeld Terrorisme Nederland 59", "date": "2023-06-20",
                 "type": "dreigingsbeeld", "dossier": "29754", "number": None,
                 "vergaderjaar": "2022-2023"},
        "report": {
            "header": "Dreigingsbeeld Terrorisme Nederland 59 | juni 2023",
            "footer": "",
            "cover": {"title": "Dreigingsbeeld Terrorisme Nederland 59",
                      "subtitle": "Juni 2023",
                      "lines": ["Nationaal Coördinator Terrorismebestrijding en Veiligheid",
                                "Ministerie van Justitie en Veiligheid",
                                "Voorbeelddocument voor Kamerzoek: fictieve tekst"]},
            "chapter_breaks": True,
        },
    },
    {
        "file": "dtn-50.pdf", "src": "dtn-50.md", "build": "report",
        "meta": {"title": "Dreigingsbeeld Terrorisme Nederland 50", "date": "2019-06-24",
                 "type": "dreigingsbeeld", "dossier": "29754", "number": None,
                 "vergaderjaar": "2018-2019"},
        "report": {
            "header": "DTN 50 | Dreigingsbeeld Terrorisme Nederland | juni 2019",
            "footer": "",
            "cover": {"title": "Dreigingsbeeld Terrorisme Nederland",
                      "subtitle": "DTN 50 – juni 2019",
                      "lines": ["Nationaal Coördinator Terrorismebestrijding en Veiligheid",
                                "Ministerie van Justitie en Veiligheid",
                                "Voorbeelddocument voor Kamerzoek: fictieve tekst"]},
            "chapter_breaks": False,
            "serif": True,
        },
    },
    {
        "file": "kamerbrief-2017-dtn-46.pdf", "src": "kamerbrief-2017-dtn-46.md",
        "build": "letter",
        "meta": {"title": "Brief regering: Dreigingsbeeld Terrorisme Nederland 46 en voortgang integrale aanpak terrorisme",
                 "date": "2017-11-28", "type": "kamerbrief", "dossier": "29754",
                 "number": "433", "vergaderjaar": "2017-2018"},
        "letter": letter_info("2017-11-28", "Dreigingsbeeld Terrorisme Nederland 46",
                              "2143876", "H.J. Hoogland", bijlagen="1"),
    },
    {
        "file": "kamerbrief-2020-kinderen-syrie.pdf", "src": "kamerbrief-2020-kinderen-syrie.md",
        "build": "letter",
        "meta": {"title": "Brief regering: Nederlandse vrouwen en kinderen in Noordoost-Syrië",
                 "date": "2020-02-18", "type": "kamerbrief", "dossier": "29754",
                 "number": "541", "vergaderjaar": "2019-2020"},
        "letter": letter_info("2020-02-18", "Nederlandse vrouwen en kinderen in Noordoost-Syrië",
                              "2823150", "H.J. Hoogland"),
    },
    {
        "file": "kamerbrief-2024-dreigingsniveau.pdf", "src": "kamerbrief-2024-dreigingsniveau.md",
        "build": "letter",
        "meta": {"title": "Brief regering: Verhoging dreigingsniveau en aanpak online radicalisering van minderjarigen",
                 "date": "2024-04-23", "type": "kamerbrief", "dossier": "29754",
                 "number": "712", "vergaderjaar": "2023-2024"},
        "letter": letter_info("2024-04-23", "Dreigingsniveau en online radicalisering minderjarigen",
                              "5223341", "D. Verwey-Smit"),
    },
    {
        "file": "verslag-commissiedebat-2022.html", "src": "verslag-commissiedebat-2022.md",
        "build": "html",
        "meta": {"title": "Verslag van een commissiedebat over terrorismebestrijding en het Dreigingsbeeld Terrorisme Nederland 55",
                 "date": "2022-03-10", "type": "kamerstuk", "dossier": "29754",
                 "number": "634", "vergaderjaar": "2021-2022"},
    },
    {
        "file": "motie-2021-beveiliging-moskeeen.xml", "src": "motie-2021-beveiliging-moskeeen.md",
        "build": "motie_xml",
        "meta": {"title": "Motie van het lid Azzouzi c.s. over structurele financiering van de beveiliging van moskeeën",
                 "date": "2021-06-30", "type": "motie", "dossier": "29754",
                 "number": "603", "vergaderjaar": "2020-2021"},
        "motie": {"dossier_title": "Terrorismebestrijding",
                  "heading": "MOTIE VAN HET LID AZZOUZI C.S.",
                  "signers": ["Azzouzi", "Moerman", "Oudejans"]},
    },
    {
        "file": "motie-2018-toezicht-terugkeerders.txt", "src": "motie-2018-toezicht-terugkeerders.md",
        "build": "motie_txt",
        "meta": {"title": "Motie van de leden Hakkert en Oudejans over toezicht op vrijgelaten terroristische veroordeelden",
                 "date": "2018-04-12", "type": "motie", "dossier": "29754",
                 "number": "458", "vergaderjaar": "2017-2018"},
        "motie": {"dossier_title": "Terrorismebestrijding",
                  "heading": "MOTIE VAN DE LEDEN HAKKERT EN OUDEJANS",
                  "signers": ["Hakkert", "Oudejans"]},
    },
    {
        "file": "kamervragen-2025-gameplatforms.md", "src": "kamervragen-2025-gameplatforms.md",
        "build": "kamervragen",
        "meta": {"title": "Antwoord op vragen van het lid Vermeulen-Blok over het ronselen van minderjarigen door extremisten via gameplatforms",
                 "date": "2025-03-14", "type": "kamervragen", "dossier": None,
                 "number": "1389", "vergaderjaar": "2024-2025"},
        "kamervragen": {
            "fields": [("Kenmerk", "2025Z02210"),
                       ("Aanhangsel Handelingen II", "vergaderjaar 2024–2025, nr. 1389"),
                       ("Vragen ingezonden", "3 februari 2025"),
                       ("Antwoord ontvangen", "14 maart 2025"),
                       ("Beantwoord door", "Minister van Justitie en Veiligheid")],
            "vragen_intro": "Vragen van het lid Vermeulen-Blok (D66) aan de Minister van Justitie en Veiligheid en de Minister van Onderwijs, Cultuur en Wetenschap over het bericht «Extremisten ronselen tieners via gameplatforms» (ingezonden 3 februari 2025).",
            "antwoord_intro": "Antwoord van minister Kortenhoeven (Justitie en Veiligheid), mede namens de Minister van Onderwijs, Cultuur en Wetenschap (ontvangen 14 maart 2025).",
            "noot": "Voorbeelddocument voor Kamerzoek. Vragen, antwoorden, namen en nummers zijn fictief.",
        },
    },
    {
        "file": "besluitenlijst-2023-procedurevergadering.docx", "src": "besluitenlijst-2023-procedurevergadering.md",
        "build": "docx",
        "meta": {"title": "Besluitenlijst procedurevergadering vaste commissie voor Justitie en Veiligheid, 5 juli 2023",
                 "date": "2023-07-05", "type": "besluitenlijst", "dossier": None,
                 "number": None, "vergaderjaar": "2022-2023"},
    },
    {
        "file": "handelingen-2016-vragenuur.odt", "src": "handelingen-2016-vragenuur.md",
        "build": "odt",
        "meta": {"title": "Handelingen: vragenuur over een veroordeelde terugkeerder zonder toezicht",
                 "date": "2016-11-22", "type": "handelingen", "dossier": None,
                 "number": "24", "vergaderjaar": "2016-2017"},
        "kop": ["Tweede Kamer der Staten-Generaal", "Handelingen",
                "Vergaderjaar 2016–2017, nr. 24, item 4",
                "Vragenuur, dinsdag 22 november 2016"],
    },
]

SIDECAR_KEYS = ("title", "date", "type", "dossier", "number", "vergaderjaar", "url")


def write_sidecar(doc: dict) -> None:
    meta = dict(doc["meta"], url=None)
    data = {key: meta[key] for key in SIDECAR_KEYS}
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    (OUT / f"{doc['file']}.json").write_bytes(text.encode("utf-8"))


def build(doc: dict) -> str:
    """Build one document; return a short description for the summary."""
    blocks = read_src(doc["src"])
    path = OUT / doc["file"]
    meta = doc["meta"]
    kind = doc["build"]
    if kind == "report":
        rep = doc["report"]
        pages = build_report(blocks, path, header=rep["header"], footer=rep["footer"],
                             cover=rep["cover"], chapter_breaks=rep["chapter_breaks"],
                             serif=rep.get("serif", False),
                             meta={"title": meta["title"],
                                   "author": "NCTV (fictief voorbeeld)"})
        return f"{pages} pagina's"
    if kind == "letter":
        pages = build_letter(blocks, path, letter=doc["letter"],
                             meta={"title": meta["title"],
                                   "author": "Ministerie van Justitie en Veiligheid (fictief voorbeeld)"})
        return f"{pages} pagina's"
    if kind == "html":
        write_html(blocks, path, meta)
    elif kind == "motie_xml":
        write_motie_xml(blocks, path, meta, doc["motie"])
    elif kind == "motie_txt":
        write_motie_txt(blocks, path, meta, doc["motie"])
    elif kind == "kamervragen":
        write_kamervragen_md(blocks, path, meta, doc["kamervragen"])
    elif kind == "docx":
        write_docx(blocks, path, meta)
    elif kind == "odt":
        write_odt(blocks, path, meta, doc["kop"])
    else:
        raise ValueError(f"unknown build kind {kind!r}")
    return f"{path.stat().st_size} bytes"


def main() -> None:
    global OUT
    # An optional output folder, so a test can check that the committed files are reproduced.
    if len(sys.argv) > 1:
        OUT = Path(sys.argv[1])
        OUT.mkdir(parents=True, exist_ok=True)
    for doc in DOCUMENTS:
        summary = build(doc)
        write_sidecar(doc)
        print(f"{doc['file']:<48} {doc['meta']['date']}  {summary}")


if __name__ == "__main__":
    main()
