"""The suggestions' word list (indexer/search/vocabulary.py): every indexing run writes the
list of its generation; a later run replaces it; a list of an earlier commit offers only words
that still stand on a page; a damaged list is not used (suggestions walk the term dictionary)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import kamerzoek_exe

DOCS = {
    "grens.md": "# Toezicht aan de grens\n\nDe marechaussee controleert reizigers aan de grens.\n",
    "dieren.md": "# Dierentuinbeleid\n\nDe flamingokolonie en het stokstaartje in de dierentuin.\n",
}
NEW = ("theater.md", "# Cultuurbeleid\n\nEen pantomime in het theater, en nog een pantomime.\n")


def index(folder: Path, index_dir: Path) -> None:
    done = subprocess.run([kamerzoek_exe(), "index", str(folder), "--index", str(index_dir), "--workers", "1",
                           "--quiet"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def suggestion(index_dir: Path, q: str) -> str | None:
    done = subprocess.run([kamerzoek_exe(), "search", "--json", "--index", str(index_dir), q],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["suggestion"]


def word_lists(index_dir: Path) -> list[str]:
    return sorted(p.name for p in (index_dir / "whoosh").glob("vocabulary-*.bin") if re.fullmatch(r"vocabulary-\d+\.bin", p.name))


def parts(index_dir: Path) -> dict[str, tuple[int, bytes]]:
    """The per-segment word lists: name -> (modification time, content)."""
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (index_dir / "whoosh").glob("vocabulary-part-*.bin")}


def segments(index_dir: Path) -> set[str]:
    return {p.stem.split("_", 1)[1] for p in (index_dir / "whoosh").glob("MAIN_*.seg")}


def live_generation(index_dir: Path) -> int:
    return max(int(p.stem.split("_")[-1]) for p in (index_dir / "whoosh").glob("_MAIN_*.toc"))


@pytest.fixture
def docs(tmp_path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_every_run_leaves_the_word_list_of_its_generation(docs, tmp_path):
    index_dir = tmp_path / "index"
    index(docs, index_dir)
    assert word_lists(index_dir) == [f"vocabulary-{live_generation(index_dir)}.bin"]
    assert suggestion(index_dir, "marechausee") == "marechaussee"
    assert suggestion(index_dir, "flamignokolonie") == "flamingokolonie"
    check = subprocess.run([kamerzoek_exe(), "check", "--index", str(index_dir)], capture_output=True, text=True,
                           timeout=120)
    assert check.returncode == 0 and "vocabulary" not in check.stdout + check.stderr, check.stdout

    (docs / NEW[0]).write_text(NEW[1], encoding="utf-8")   # a later run adds a word ...
    index(docs, index_dir)
    assert word_lists(index_dir) == [f"vocabulary-{live_generation(index_dir)}.bin"]   # the older list is gone
    assert suggestion(index_dir, "pantomine") == "pantomime"
    (docs / NEW[0]).unlink()                                 # ... and another removes it
    index(docs, index_dir)
    assert suggestion(index_dir, "pantomine") is None
    assert suggestion(index_dir, "marechausee") == "marechaussee"


def test_a_word_list_of_an_earlier_commit_offers_only_words_still_on_a_page(docs, tmp_path):
    index_dir = tmp_path / "index"
    (docs / NEW[0]).write_text(NEW[1], encoding="utf-8")
    index(docs, index_dir)
    earlier = index_dir / "whoosh" / word_lists(index_dir)[0]
    kept = shutil.copy(earlier, tmp_path / earlier.name)
    (docs / NEW[0]).unlink()
    index(docs, index_dir)
    # As during a run: commits have landed since the newest list was written (it names pantomime).
    for name in word_lists(index_dir):
        (index_dir / "whoosh" / name).unlink()
    shutil.copy(kept, earlier)
    assert b"pantomim\t" in earlier.read_bytes()
    assert suggestion(index_dir, "pantomine") is None          # never a word no page holds any more
    assert suggestion(index_dir, "marechausee") == "marechaussee"


@pytest.mark.parametrize("damage", ["a changed letter", "truncated", "not a word list"])
def test_a_damaged_word_list_is_not_used(docs, tmp_path, damage):
    index_dir = tmp_path / "index"
    index(docs, index_dir)
    path = index_dir / "whoosh" / word_lists(index_dir)[0]
    data = path.read_bytes()
    if damage == "a changed letter":   # same length: only the section's checksum tells
        assert b"marechaussee\t" in data
        path.write_bytes(data.replace(b"marechaussee\t", b"marechauxsee\t"))
    elif damage == "truncated":
        path.write_bytes(data[:len(data) // 2])
    else:
        path.write_bytes(b"\x00" * len(data))
    assert suggestion(index_dir, "marechausee") == "marechaussee"
    assert suggestion(index_dir, "flamignokolonie") == "flamingokolonie"


def test_a_run_reads_only_the_segments_it_wrote_and_a_damaged_segment_list_is_read_again(docs, tmp_path):
    index_dir = tmp_path / "index"
    index(docs, index_dir)
    before = parts(index_dir)
    assert {name[len("vocabulary-part-MAIN_"):-len(".bin")] for name in before} == segments(index_dir)
    (docs / NEW[0]).write_text(NEW[1], encoding="utf-8")
    index(docs, index_dir)
    after = parts(index_dir)
    assert len(after) == len(before) + 1
    assert {name: after[name] for name in before} == before          # the earlier segments' lists untouched
    assert suggestion(index_dir, "pantomine") == "pantomime"

    # One segment's list damaged (same length: only its checksum tells) and the generation's list gone:
    # the next run, which changes nothing, writes the generation's list again from the segments.
    name = next(n for n, (_, data) in before.items() if b"marechaussee\t" in data)
    damaged = index_dir / "whoosh" / name
    damaged.write_bytes(before[name][1].replace(b"marechaussee\t", b"marechauxsee\t"))
    for listed in word_lists(index_dir):
        (index_dir / "whoosh" / listed).unlink()
    index(docs, index_dir)
    assert word_lists(index_dir) == [f"vocabulary-{live_generation(index_dir)}.bin"]
    generation_list = (index_dir / "whoosh" / word_lists(index_dir)[0]).read_bytes()
    assert b"marechaussee\t" in generation_list and b"marechauxsee" not in generation_list
    assert damaged.read_bytes() == before[name][1]                     # the segment's list written again
    assert suggestion(index_dir, "marechausee") == "marechaussee"
