"""The suggestions' vocabulary: the words of the text field with their document frequencies,
written once per indexing run beside the Whoosh files and read once per process.

"Bedoelde u …?" compares a misspelt word with every term that starts like it. Walking
Whoosh's term dictionary for that costs some microseconds a term (hundreds of milliseconds
for a common first letter at 100,000 pages); this file holds the same terms in sections by
their first two letters, so a suggestion reads one or a few sections from memory and
compares the word with all of them in one rapidfuzz call (in C).

The file ``vocabulary-<generation>.bin``:

    KZVOCAB1\\n
    {"generation": 7, "field": "content", "terms": 91234, "sections": {"aa": [offset, length, crc32], …}}\\n
    the sections: lines "term<TAB>df\\n" in term order, each section at its offset after the header

Beside it, ``vocabulary-part-<segment>.bin`` holds one segment's words with their document
frequencies (``KZVOCPT1``, the CRC-32 of the body, then its lines), so that a run reads only the
segments it wrote. Written by the store at the end of every run (``write``); read by the Whoosh engine
(``Vocabulary.latest``), which takes the newest file of a generation at or before the live
one: during a run the words of the batches committed since are missing from it, and a word
of a document removed since is still in it, which is why a suggestion is always checked
against the live index's pages before it is offered. A section whose checksum differs, or a
file that cannot be read, is not used: the suggestion walks the term dictionary as before.
"""
from __future__ import annotations

import json
import os
import re
import threading
import zlib
from collections import OrderedDict
from pathlib import Path

from ..analysis import PART_PREFIX

MAGIC = b"KZVOCAB1\n"
PART_MAGIC = b"KZVOCPT1\n"
NAME = re.compile(r"^vocabulary-(\d+)\.bin$")
PART = re.compile(r"^vocabulary-part-[\w.-]+\.bin$")
FIELD = "content"
SECTION_CHARS = 2


def path_for(folder: Path, generation: int) -> Path:
    return Path(folder) / f"vocabulary-{generation}.bin"


def wanted(term: str) -> bool:
    """The terms a suggestion may offer: words, not compound part terms or numbers."""
    return not term.startswith(PART_PREFIX) and term.isalpha()


def write(readers, folder: Path, generation: int) -> Path:
    """The vocabulary of the index whose segments these readers read (its generation), and the
    files of older generations and of segments no longer in it gone.

    Reading a segment's terms costs about half a second per 100,000 terms (the multi-segment
    reader's merged walk costs seven times that), so each segment's words are kept in a part
    file of their own: segments never change, and a run that adds one segment reads only that
    one. A generation whose file is already there (a run that changed nothing) is left as it is."""
    folder = Path(folder)
    target = path_for(folder, generation)
    live_parts = {part_path(folder, sid).name for sid in map(_segment_id, readers) if sid}
    if not _readable(target, generation):
        counts: dict[str, int] = {}
        for reader in readers:
            for term, df in _segment_terms(reader, folder):
                counts[term] = counts.get(term, 0) + df
        _write_generation(target, generation, counts)
    for name in os.listdir(folder):
        m = NAME.match(name)
        stale = (m and int(m.group(1)) < generation) or (PART.match(name) and name not in live_parts)
        if stale:
            try:
                os.unlink(folder / name)
            except OSError:
                pass
    return target


def part_path(folder: Path, segment_id: str) -> Path:
    return Path(folder) / f"vocabulary-part-{segment_id}.bin"


def _segment_id(reader) -> str | None:
    segment = reader.segment() if hasattr(reader, "segment") else None
    return segment.segment_id() if segment is not None else None


def _write_generation(target: Path, generation: int, counts: dict[str, int]) -> None:
    """The generation's file: the header with its sections' table, then the sections."""
    sections: dict[str, list[str]] = {}
    for term in sorted(counts):
        sections.setdefault(term[:SECTION_CHARS], []).append(f"{term}\t{counts[term]}\n")
    bodies, table, offset = [], {}, 0
    for key in sorted(sections):
        data = "".join(sections[key]).encode("utf-8")
        table[key] = [offset, len(data), zlib.crc32(data)]
        bodies.append(data)
        offset += len(data)
    header = json.dumps({"generation": generation, "field": FIELD, "terms": len(counts), "sections": table},
                        ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    _write_atomically(target, [MAGIC + header + b"\n", *bodies])


def _segment_terms(reader, folder: Path) -> list[tuple[str, int]]:
    """One segment's words with their document frequencies: from its part file when that is
    intact, else read from the segment (and the part file written)."""
    segment_id = _segment_id(reader)
    path = part_path(folder, segment_id) if segment_id else None
    if path is not None:
        try:
            return _read_part(path)
        except (OSError, VocabularyError):
            pass
    terms = []
    for btext, info in reader.iter_field(FIELD):
        term = btext.decode("utf-8") if isinstance(btext, bytes) else btext
        if wanted(term):
            terms.append((term, info.doc_frequency()))
    if path is not None:
        body = "".join(f"{term}\t{df}\n" for term, df in terms).encode("utf-8")
        _write_atomically(path, [PART_MAGIC + b"%d\n" % zlib.crc32(body), body])
    return terms


def _read_part(path: Path) -> list[tuple[str, int]]:
    data = path.read_bytes()
    if not data.startswith(PART_MAGIC):
        raise VocabularyError(f"{path.name}: geen deel van een woordenlijst")
    end = data.find(b"\n", len(PART_MAGIC))
    body = data[end + 1:]
    try:
        if end < 0 or int(data[len(PART_MAGIC):end]) != zlib.crc32(body):
            raise VocabularyError(f"{path.name}: beschadigd")
        return [(term, int(df)) for term, _, df in (line.partition("\t") for line in body.decode("utf-8").splitlines())]
    except ValueError as e:
        raise VocabularyError(f"{path.name}: onleesbaar") from e


def _readable(path: Path, generation: int) -> bool:
    """Whether the file of this generation is there and every section of it intact."""
    try:
        vocabulary = Vocabulary(path)
        for key in vocabulary._table:
            vocabulary._section(key)
    except (OSError, VocabularyError):
        return False
    return vocabulary.generation == generation


def _write_atomically(target: Path, chunks: list[bytes]) -> None:
    tmp = target.with_name(target.name + ".tmp")
    with open(tmp, "wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)


class VocabularyError(ValueError):
    """The file is not a vocabulary, or a section of it is damaged."""


class Vocabulary:
    """One vocabulary file in memory; sections are decoded (and checked) when first asked for."""

    def __init__(self, path: Path):
        self.path = Path(path)
        data = self.path.read_bytes()
        if not data.startswith(MAGIC):
            raise VocabularyError(f"{self.path.name}: geen woordenlijst")
        end = data.index(b"\n", len(MAGIC))
        try:
            header = json.loads(data[len(MAGIC):end])
            self.generation = int(header["generation"])
            self._table = {k: (int(o), int(n), int(c)) for k, (o, n, c) in header["sections"].items()}
        except (ValueError, KeyError, TypeError) as e:
            raise VocabularyError(f"{self.path.name}: kop onleesbaar") from e
        self._body = memoryview(data)[end + 1:]
        self._sections: dict[str, tuple[list[str], list[int]]] = {}
        self._lock = threading.Lock()

    def _section(self, key: str) -> tuple[list[str], list[int]]:
        found = self._sections.get(key)
        if found is not None:
            return found
        offset, length, crc = self._table[key]
        raw = bytes(self._body[offset:offset + length])
        if len(raw) != length or zlib.crc32(raw) != crc:
            raise VocabularyError(f"{self.path.name}: deel '{key}' is beschadigd")
        terms, dfs = [], []
        try:
            for line in raw.decode("utf-8").splitlines():
                term, _, df = line.partition("\t")
                terms.append(term)
                dfs.append(int(df))
        except ValueError as e:
            raise VocabularyError(f"{self.path.name}: deel '{key}' is onleesbaar") from e
        with self._lock:
            self._sections[key] = (terms, dfs)
        return terms, dfs

    def near(self, text: str, maxdist: int, prefix: int) -> list[tuple[str, int]]:
        """(term, document frequency) of the terms within maxdist Levenshtein edits of text that
        share its first prefix letters (at least one), in term order."""
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein
        head = text[:max(prefix, 1)]
        keys = [k for k in self._table if k.startswith(head) or (len(head) > len(k) and head.startswith(k))]
        out = []
        for key in sorted(keys):
            terms, dfs = self._section(key)
            for _, _, i in sorted(process.extract(text, terms, scorer=Levenshtein.distance, score_cutoff=maxdist,
                                                  limit=None), key=lambda found: found[2]):
                if terms[i].startswith(head):
                    out.append((terms[i], dfs[i]))
        return out

    @classmethod
    def latest(cls, folder: Path, generation: int) -> "Vocabulary | None":
        """The newest readable vocabulary at or before this generation (None: there is none)."""
        try:
            names = os.listdir(folder)
        except OSError:
            return None
        found = sorted((int(m.group(1)) for m in map(NAME.match, names) if m and int(m.group(1)) <= generation),
                       reverse=True)
        for number in found:
            path = path_for(folder, number)
            key = (str(path), _stamp(path))
            with _LOCK:
                if key in _LOADED:
                    _LOADED.move_to_end(key)
                    return _LOADED[key]
            try:
                vocabulary = cls(path)
            except (OSError, VocabularyError, ValueError):
                continue
            with _LOCK:
                _LOADED[key] = vocabulary
                while len(_LOADED) > KEPT:
                    _LOADED.popitem(last=False)
            return vocabulary
        return None


def _stamp(path: Path) -> tuple:
    try:
        info = path.stat()
        return (info.st_ino, info.st_size, info.st_mtime_ns)
    except OSError:
        return ()


KEPT = 4   # vocabularies kept in memory per process (one per index folder in use, as a rule)
_LOADED: OrderedDict = OrderedDict()
_LOCK = threading.Lock()
