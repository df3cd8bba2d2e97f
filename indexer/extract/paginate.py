"""Cut documents without pages into passages of about one page, at paragraph boundaries."""
from __future__ import annotations

import re

# A printed page of Dutch prose holds 400-500 words.
TARGET_WORDS = 450
MAX_WORDS = 500

_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


def _split_long(paragraph: str, limit: int) -> list[str]:
    """Split a paragraph longer than limit words at sentence ends (at words if need be)."""
    pieces: list[str] = []
    current: list[str] = []
    count = 0
    for sentence in _SENTENCE_END.split(paragraph):
        words = sentence.split()
        while len(words) > limit:  # one enormous "sentence": cut it at words
            if current:
                pieces.append(" ".join(current))
                current, count = [], 0
            pieces.append(" ".join(words[:limit]))
            words = words[limit:]
        if current and count + len(words) > limit:
            pieces.append(" ".join(current))
            current, count = [], 0
        if words:
            current.append(" ".join(words))
            count += len(words)
    if current:
        pieces.append(" ".join(current))
    return pieces


def paginate(paragraphs: list[str], target: int = TARGET_WORDS, maximum: int = MAX_WORDS) -> list[str]:
    """Group paragraphs into passages of at most `maximum` words (about `target`).

    A passage ends at a paragraph boundary; only a paragraph longer than `maximum` is cut,
    at sentence ends. Paragraphs inside a passage are separated by a blank line.
    """
    passages: list[str] = []
    current: list[str] = []
    count = 0
    for paragraph in paragraphs:
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        n = len(paragraph.split())
        parts = _split_long(paragraph, target) if n > maximum else [paragraph]
        for part in parts:
            n = len(part.split())
            if current and (count + n > maximum or count >= target):
                passages.append("\n\n".join(current))
                current, count = [], 0
            current.append(part)
            count += n
    if current:
        passages.append("\n\n".join(current))
    return passages


def paginate_text(text: str, **kwargs) -> list[str]:
    """Paginate text whose paragraphs are separated by blank lines."""
    return paginate(re.split(r"\n\s*\n", text), **kwargs)
