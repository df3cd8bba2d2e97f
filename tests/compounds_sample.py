"""Draw the sample of tests/compounds.tsv again: `python tests/compounds_sample.py [N]`.

Prints the first N (default 905) words of the shuffled list, with what the splitter makes
of them today, so that labels can be checked or extended. Needs ../shared/corpus.
"""
from __future__ import annotations

import random
import re
import sys
from pathlib import Path

from indexer.analysis import fold, split_compound
from indexer.extract import SUPPORTED_EXTENSIONS, extract

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SEED = 13


def words(root: Path = CORPUS) -> list[str]:
    found: set[str] = set()
    for path in sorted(root.rglob("*")):
        if (not path.is_file() or path.suffix.lower() not in SUPPORTED_EXTENSIONS
                or "hard-pdfs" in path.parts or "sru-records" in path.parts
                or path.name.endswith(".metadata.xml")):
            continue
        try:
            extraction = extract(path)
        except Exception:  # noqa: BLE001 - a file that cannot be read adds no words
            continue
        for page in extraction.pages:
            found.update(w for w in re.findall(r"[^\W\d_]+", page.text) if len(w) >= 8 and w.islower())
    pool = sorted(found)
    random.Random(SEED).shuffle(pool)
    return pool


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 905
    for word in words()[:count]:
        print(f"{word}\t{' '.join(split_compound(fold(word)))}")
