"""The synonyms file: groups of words and phrases that mean the same (re-read when it changes)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..analysis import dutch_analyzer

DEFAULT_SYNONYMS = Path(__file__).parent.parent / "data" / "synonyms.txt"
def synonyms_path() -> Path:
    return Path(os.environ.get("KAMERZOEK_SYNONYMS") or DEFAULT_SYNONYMS)


@lru_cache(maxsize=4)
def _synonym_groups(path: str, mtime: float) -> tuple[tuple[str, ...], ...]:
    groups = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        variants = tuple(v.strip() for v in re.split(r"\s*[|=]\s*", line) if v.strip())
        if len(variants) > 1:
            groups.append(variants)
    return tuple(groups)


def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """The groups in the synonyms file (re-read when the file changes)."""
    path = synonyms_path()
    try:
        return _synonym_groups(str(path), path.stat().st_mtime)
    except OSError:
        return ()


@dataclass(frozen=True)
class _Variant:
    text: str                  # as written in the file, shown to the user
    terms: tuple[str, ...]     # as analysed
    slop: int                  # 1 + the most stop words between two of its words


def _variant(text: str) -> _Variant:
    tokens = [(t.text, t.pos) for t in dutch_analyzer()(text, positions=True, mode="query")]
    gaps = [b - a for (_, a), (_, b) in zip(tokens, tokens[1:])]
    return _Variant(text, tuple(t for t, _ in tokens), max(gaps, default=1))


@lru_cache(maxsize=4)
def _synonym_index(groups: tuple[tuple[str, ...], ...]) -> dict[tuple[str, ...], tuple[str, list[_Variant]]]:
    """Analysed form of each variant -> (its text, the other variants of its group)."""
    index: dict[tuple[str, ...], tuple[str, list[_Variant]]] = {}
    for group in groups:
        variants = [v for v in map(_variant, group) if v.terms]
        for variant in variants:
            label, others = index.setdefault(variant.terms, (variant.text, []))
            for other in variants:
                if other.terms != variant.terms and all(o.terms != other.terms for o in others):
                    others.append(other)
    return index
