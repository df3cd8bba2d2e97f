"""The compound splitter measured on tests/compounds.tsv (real words from ../shared/corpus,
labelled by hand; see the file's header for the sample and the labelling rules).

A split is right when its parts give the same stems as one of the labelled segmentations;
a word labelled "not a compound" is right when it stays whole. Precision: right splits
among all splits made; recall: right splits among all labelled compounds.
"""
from pathlib import Path

import pytest
from whoosh.lang import stemmer_for_language

from indexer.analysis import fold, normalise_plural, split_compound

TSV = Path(__file__).with_name("compounds.tsv")
_stem = stemmer_for_language("nl")


def labelled() -> list[tuple[str, list[tuple[str, ...]] | None]]:
    """(word, segmentations) per word; segmentations None for a non-compound. Left-out words are skipped."""
    rows = []
    for line in TSV.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, label, *_ = line.split("\t")
        if label in ("x", "?"):
            continue
        segmentations = None if label == "-" else [tuple(s.split()) for s in label.split(" | ")]
        rows.append((word, segmentations))
    return rows


def stems(parts) -> frozenset:
    return frozenset(_stem(normalise_plural(fold(p.lower()))) for p in parts)


def measure() -> dict:
    made = right = compounds = 0
    wrong = []
    for word, segmentations in labelled():
        parts = split_compound(fold(word.lower()))
        if segmentations:
            compounds += 1
        if parts:
            made += 1
            if segmentations and any(stems(parts) == stems(s) for s in segmentations):
                right += 1
                continue
        elif not segmentations:
            continue
        wrong.append((word, parts, segmentations))
    return {"precision": right / made, "recall": right / compounds, "made": made,
            "right": right, "compounds": compounds, "wrong": wrong}


def test_the_set_is_large_enough_and_well_formed():
    rows = labelled()
    compounds = [w for w, s in rows if s]
    others = [w for w, s in rows if not s]
    assert len(compounds) >= 200 and len(others) >= 100
    assert len({w for w, _ in rows}) == len(rows)
    for word, segmentations in rows:
        for parts in segmentations or ():
            assert len(parts) >= 2, word


def test_precision_and_recall():
    figures = measure()
    report = "\n".join(f"{w}: {' '.join(p) or '(heel)'} / {s}" for w, p, s in figures["wrong"])
    # Before the labels (analyzer chain 5) the splitter had precision 0.785 and recall 0.830
    # (205 right of 261 splits, 247 compounds). Chain 6:
    assert round(figures["precision"], 3) == pytest.approx(0.983, abs=0.0005), report
    assert round(figures["recall"], 3) == pytest.approx(0.964, abs=0.0005), report
    assert figures["precision"] >= 0.98 and figures["recall"] >= 0.95
