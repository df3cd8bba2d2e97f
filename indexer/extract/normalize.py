"""Text normalisation shared by every format: Unicode, accents, hyphenation, whitespace."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Spacing accents as drawn by TeX-style PDFs, and the combining mark each stands for.
_SPACING_ACCENTS = {
    "\u00a8": "\u0308",  # diaeresis
    "\u00b4": "\u0301",  # acute
    "\u02ca": "\u0301",  # modifier acute
    "\u0060": "\u0300",  # grave (the Type 1 glyph "grave" maps to the backtick)
    "\u02cb": "\u0300",  # modifier grave
    "\u02c6": "\u0302",  # circumflex
    "\u02dc": "\u0303",  # small tilde
    "\u00b8": "\u0327",  # cedilla
    "\u02c7": "\u030c",  # caron
    "\u02da": "\u030a",  # ring
    "\u00af": "\u0304",  # macron
    "\u02d8": "\u0306",  # breve
    "\u02d9": "\u0307",  # dot above
    "\u02dd": "\u030b",  # double acute
    "\u02db": "\u0328",  # ogonek
}
_ACCENT_CLASS = "[" + "".join(re.escape(c) for c in _SPACING_ACCENTS) + "]"
_ACCENT_CLASS_NO_GRAVE = "[" + "".join(re.escape(c) for c in _SPACING_ACCENTS if c != "`") + "]"
# TeX draws i and j with an accent on the dotless forms.
_DOTLESS = {"\u0131": "i", "\u0237": "j"}
_LETTER = r"[^\W\d_]"

# An accent drawn before its letter (the TeX order), possibly with spaces around it.
_ACCENT_BEFORE = re.compile(rf"( ?)({_ACCENT_CLASS}) ?({_LETTER})")
# An accent drawn after its letter, not itself followed by a letter.
_ACCENT_AFTER = re.compile(rf"({_LETTER}) ?({_ACCENT_CLASS_NO_GRAVE})(?!{_LETTER})")

_DROP = dict.fromkeys(map(ord, "\u00ad\ufffe\ufeff\u200b\x00"), None)

# A word broken at a line end: "terrorisme-\nbestrijding" or justified "terrorismebe -\nstrijding".
_LINE_HYPHEN = re.compile(rf"({_LETTER}[\w'’]*?)( ?)-[ \t]*\n[ \t]*({_LETTER}[\w'’]*)")
_VOWEL_CLASH = {
    "aa", "ae", "ai", "au", "ee", "ei", "eu", "ie", "ii", "oe", "oi", "oo", "ou", "ui", "uu",
}


_VOWELS = "aeiouyAEIOUY\u0131"
# The letters each accent is merged with. Narrower than Unicode allows: an acute or a
# backtick standing in for an apostrophe ("zo´n", "auto`s") must not become "ń" or "ś".
_BASES = {
    "\u0308": _VOWELS,
    "\u0301": _VOWELS,
    "\u0300": _VOWELS,
    "\u0302": _VOWELS,
    "\u0303": "aonAON",
    "\u0327": "cCsStT",
    "\u030c": "cCsSzZnNrReE",
    "\u030a": "aAuU",
    "\u0304": _VOWELS,
    "\u0306": "aAgGuU",
    "\u0307": "zZeEgGiI",
    "\u030b": "oOuU",
    "\u0328": "aAeEiIuU",
}


def _compose(letter: str, accent: str) -> str | None:
    mark = _SPACING_ACCENTS[accent]
    if letter not in _BASES[mark]:
        return None
    composed = unicodedata.normalize("NFC", _DOTLESS.get(letter, letter) + mark)
    return composed if len(composed) == 1 else None


def merge_accents(text: str) -> str:
    """Merge separately drawn spacing accents into their letter: "Co¨ordinator" -> "Coördinator"."""
    if not any(c in text for c in _SPACING_ACCENTS):
        return text

    def before(m: re.Match) -> str:
        space, accent, letter = m.group(1), m.group(2), m.group(3)
        after_letter = m.start() > 0 and text[m.start() - 1].isalpha()
        if accent == "`" and (space or not after_letter or m.group(0).endswith(" " + letter)):
            return m.group(0)  # a backtick is usually a quote; merge it only inside a word
        composed = _compose(letter, accent)
        if not composed:
            return m.group(0)
        # "Co ¨ordinator": the space only came from the separately drawn accent.
        return composed if after_letter else space + composed

    def after(m: re.Match) -> str:
        composed = _compose(m.group(1), m.group(2))
        return composed if composed else m.group(0)

    text = _ACCENT_BEFORE.sub(before, text)
    text = _ACCENT_AFTER.sub(after, text)
    # Left-over accents: an acute stands in for an apostrophe ("auto´s"); others are noise.
    return re.sub(_ACCENT_CLASS_NO_GRAVE, lambda m: "'" if m.group(0) in "\u00b4\u02ca" else "", text)


def clean_unicode(text: str) -> str:
    """NFKC (ligatures), merged accents, and no soft hyphens, BOMs or non-characters."""
    text = text.translate(_DROP)
    text = merge_accents(text)
    return unicodedata.normalize("NFKC", text)


def _keeps_hyphen(head: str, tail: str, known: set[str]) -> bool:
    """Whether a line-end hyphen between head and tail belongs to the word."""
    joined = head + tail
    if f"{head}-{tail}".lower() in known:
        return True
    if joined.lower() in known:
        return False
    if tail[0].isupper():  # Noord-Holland, Groen-Links is settled by `known` above
        return True
    if len(head) == 1 or any(c.isdigit() for c in head) or any(c.isupper() for c in head[1:]):
        return True  # e-mail, 2-jarig, NSC-fractie, PvdA-fractie
    if (head[-1] + tail[0]).lower() in _VOWEL_CLASH:
        return True  # zee-egel, auto-ongeluk: Dutch keeps the hyphen between clashing vowels
    return False


def join_word(head: str, tail: str, known: set[str]) -> str:
    """The word broken as head + "-" + line end + tail, with or without its hyphen."""
    return f"{head}-{tail}" if _keeps_hyphen(head, tail, known) else head + tail


def hyphenated_words(text: str) -> set[str]:
    """Words of a text, lower-cased, with the parts and part pairs of hyphenated words.

    "GroenLinks-PvdA-fractie" gives groenlinks-pvda-fractie, groenlinks, pvda, fractie,
    groenlinks-pvda and pvda-fractie: evidence for rejoining a word broken at a line end.
    """
    known: set[str] = set()
    for word in re.findall(r"\w+(?:-\w+)*", text.lower()):
        known.add(word)
        if "-" in word:
            parts = word.split("-")
            known.update(parts)
            known.update(f"{a}-{b}" for a, b in zip(parts, parts[1:]))
    return known


def rejoin_hyphens(text: str, known: Iterable[str] = ()) -> str:
    """Rejoin words hyphenated at a line end, keeping the hyphen of real compounds.

    known: lower-cased words seen elsewhere in the document ("groenlinks", "nsc-fractie"),
    which settle whether the hyphen stays.
    """
    known = known if isinstance(known, set) else set(known)

    def join(m: re.Match) -> str:
        return join_word(m.group(1), m.group(3), known)

    return _LINE_HYPHEN.sub(join, text)


# Footnote marks drawn as superscripts end up glued to words: "overgenomen.1", "1Stb. 2023".
_MARK_AFTER = re.compile(r"(?<=[^\W\d_]{2}[.,;:!?)])(\d{1,3})(?=\s|$)")
_MARK_BEFORE = re.compile(r"(?m)^(\d{1,3})(?=[A-Z][a-z])")


def split_note_marks(text: str) -> str:
    """Put a space between a word and a footnote mark glued to it."""
    text = _MARK_AFTER.sub(r" \1", text)
    return _MARK_BEFORE.sub(r"\1 ", text)


def tidy_whitespace(text: str) -> str:
    """Collapse spaces within lines, strip line ends, keep single blank lines between paragraphs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    lines = [re.sub(r"[^\S\n]+", " ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def normalize_text(text: str, known: Iterable[str] | None = None) -> str:
    """The full normalisation of one page or passage of text.

    known: words of the whole document (see hyphenated_words); by default the text's own.
    """
    text = clean_unicode(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if known is None:
        known = hyphenated_words(text)
    text = rejoin_hyphens(text, known)
    return tidy_whitespace(text)


def normalize_paragraph(text: str) -> str:
    """Normalise text that forms one paragraph: every whitespace run becomes one space."""
    return re.sub(r"\s+", " ", clean_unicode(text)).strip()


_JUNK_TITLE = re.compile(
    r"^(microsoft (word|powerpoint|excel)|word|powerpoint)\s*-\s"
    r"|\.(docx?|pdf|txt|xml|rtf|odt|xlsx?|pptx?|html?|indd|tmp|dot[xm]?)$"
    r"|^(untitled|naamloos|document\s*\d*|titel|title|presentatie\s*\d*|presentation\s*\d*)$",
    re.IGNORECASE,
)


def meaningful_title(title: str) -> bool:
    """False for the junk producers leave in Title: "Microsoft Word - x.doc", file names."""
    if _JUNK_TITLE.search(title.strip()):
        return False
    if re.search(r"\s{4,}", title):  # template residue: "Logo        Den Haag, 2 november 2007"
        return False
    return sum(c.isalpha() for c in title) >= 3


# --- decoding -----------------------------------------------------------------

# Characters that stand for the bytes 0x80-0xBF when UTF-8 was decoded as cp1252 or latin-1.
_CONT_CHARS = set()
for _b in range(0x80, 0xC0):
    _CONT_CHARS.add(chr(_b))
    try:
        _CONT_CHARS.add(bytes([_b]).decode("cp1252"))
    except UnicodeDecodeError:
        pass
_CONT = "[" + "".join(re.escape(c) for c in sorted(_CONT_CHARS)) + "]"
# Only the lead bytes of Latin-1 letters (Ã), symbols (Â) and punctuation (â€“): legitimate
# text hardly ever has these before such characters, other lead bytes ("ß…") it may.
_MOJIBAKE = re.compile(rf"[\u00c2\u00c3]{_CONT}|\u00e2{_CONT}{{2}}")


def _to_byte(c: str) -> int:
    if ord(c) < 256:
        return ord(c)
    return c.encode("cp1252")[0]


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 that was decoded as cp1252/latin-1 ("cliÃ«nten" -> "cliënten")."""
    if not _MOJIBAKE.search(text):
        return text

    def fix(m: re.Match) -> str:
        try:
            return bytes(_to_byte(c) for c in m.group(0)).decode("utf-8")
        except (UnicodeDecodeError, UnicodeEncodeError):
            return m.group(0)

    # Twice: a file double-encoded twice over needs a second pass.
    for _ in range(2):
        text = _MOJIBAKE.sub(fix, text)
    return text


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode file bytes: BOMs (also double-encoded ones), UTF-8, declared encoding, cp1252."""
    for bom in (b"\xc3\xaf\xc2\xbb\xc2\xbf", b"\xef\xbb\xbf"):
        while data.startswith(bom):
            data = data[len(bom):]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
            if declared:
                try:
                    text = data.decode(declared)
                except (LookupError, UnicodeDecodeError):
                    text = None
            if text is None:
                text = data.decode("cp1252", errors="replace")
    text = repair_mojibake(text)
    return text.lstrip("\ufeff")
