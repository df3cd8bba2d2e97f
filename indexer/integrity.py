"""Checksums of the index files, in the manner of Lucene's CheckIndex (Whoosh keeps none).

At every commit, store.py writes `checksums-<generation>.json` beside the Whoosh files:
first, before the table of contents of that generation exists, the SHA-256 of every
segment file it will name; then, once the table of contents is written, its SHA-256 too.
A run killed between the steps leaves either a manifest for a generation that never went
live (ignored: the live generation keeps its own manifest) or a manifest without the
table's checksum (the table is then checked by reading it). So `kamerzoek check` never
flags an intact index, and flags every changed, missing or truncated file it has a
checksum for. Segment files never change once written (Whoosh keeps deletions in the
table of contents), so a commit hashes only the files that are new.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from .search.whoosh_internals import around_commit_toc, writer_location

MANIFEST = re.compile(r"^checksums-(\d+)\.json$")
TOC = re.compile(r"^_MAIN_(\d+)\.toc$")
SEGMENT_FILE = re.compile(r"^MAIN_[0-9a-z]+\.[A-Za-z0-9_.]+$")
LOCKS = {"MAIN_WRITELOCK", "MAIN_READLOCK"}
VOCABULARY = re.compile(r"^vocabulary-(\d+|part-[\w.-]+)\.bin$")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(folder: Path, generation: int) -> Path:
    return Path(folder) / f"checksums-{generation}.json"


def read_manifest(folder: Path, generation: int) -> dict | None:
    try:
        return json.loads(manifest_path(folder, generation).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def latest_manifest(folder: Path) -> dict:
    """The newest manifest in the folder (its hashes are reused for files that are still there)."""
    best, found = -1, {}
    try:
        names = os.listdir(folder)
    except OSError:
        return {}
    for name in names:
        m = MANIFEST.match(name)
        if m and int(m.group(1)) > best:
            data = read_manifest(folder, int(m.group(1)))
            if data is not None:
                best, found = int(m.group(1)), data
    return found


def before_toc(folder: Path, generation: int, segment_files: list[str]) -> None:
    """Step 1 of a commit: the checksums of the segment files the new table will name."""
    folder = Path(folder)
    known = latest_manifest(folder).get("files", {})
    files = {}
    for name in sorted(segment_files):
        size = (folder / name).stat().st_size
        old = known.get(name)
        if old and old.get("size") == size:
            files[name] = old  # segment files never change: hashed when they were new
        else:
            files[name] = {"size": size, "sha256": sha256_of(folder / name)}
    _write(manifest_path(folder, generation), {"generation": generation, "files": files, "toc": None})


def after_toc(folder: Path, generation: int) -> None:
    """Step 2: the new table's checksum; manifests of older generations go."""
    folder = Path(folder)
    data = read_manifest(folder, generation)
    toc = folder / f"_MAIN_{generation}.toc"
    if data is not None and toc.exists():
        data["toc"] = {"name": toc.name, "size": toc.stat().st_size, "sha256": sha256_of(toc)}
        _write(manifest_path(folder, generation), data)
    for name in os.listdir(folder):
        m = MANIFEST.match(name)
        if m and int(m.group(1)) < generation:
            try:
                os.unlink(folder / name)
            except OSError:
                pass


@dataclass
class Finding:
    problems: list[str] = field(default_factory=list)   # damage: the index must be rebuilt
    notices: list[str] = field(default_factory=list)    # worth saying, not damage
    generation: int | None = None
    files_checked: int = 0


def verify_files(folder: Path) -> Finding:
    """Compare the files of the live generation with its manifest."""
    folder = Path(folder)
    finding = Finding()
    try:
        names = set(os.listdir(folder))
    except OSError as e:
        finding.problems.append(f"de map {folder} kan niet worden gelezen: {e.strerror}")
        return finding
    generations = sorted(int(m.group(1)) for m in map(TOC.match, names) if m)
    if not generations:
        finding.problems.append("geen inhoudsopgave (_MAIN_*.toc) gevonden")
        return finding
    generation = finding.generation = generations[-1]
    manifest = read_manifest(folder, generation)
    if manifest is None:
        finding.notices.append(f"geen controlegetallen voor generatie {generation} (een index van vóór "
                               "kamerzoek check, of nog nooit bijgewerkt): alleen gelezen, niet vergeleken")
        return finding
    expected = dict(manifest.get("files", {}))
    toc = manifest.get("toc")
    if toc:
        expected[toc["name"]] = toc
    for name, want in sorted(expected.items()):
        path = folder / name
        if name not in names:
            finding.problems.append(f"{name} ontbreekt")
            continue
        finding.files_checked += 1
        try:
            size = path.stat().st_size
            if size != want["size"]:
                finding.problems.append(f"{name} heeft {size} bytes in plaats van {want['size']} (afgekapt of verlengd)")
            elif sha256_of(path) != want["sha256"]:
                finding.problems.append(f"{name} is beschadigd (SHA-256 wijkt af)")
        except OSError as e:
            finding.problems.append(f"{name} kan niet worden gelezen: {e.strerror}")
    live = set(expected) | {f"_MAIN_{generation}.toc"}
    for name in sorted(names - live - LOCKS):
        if MANIFEST.match(name) or TOC.match(name) or name.endswith(".tmp"):
            continue  # the bookkeeping of a commit in progress or killed
        if VOCABULARY.match(name):
            continue  # derived from the index, checked when read (search/vocabulary.py)
        if SEGMENT_FILE.match(name):
            finding.notices.append(f"{name} hoort bij geen enkel segment (over van een afgebroken commit; "
                                   "de volgende run ruimt het op)")
        else:
            finding.notices.append(f"{name} is geen bestand van de index")
    return finding


_commits = 0


def checksummed_commit(writer) -> None:
    """Wrap the writer's table-of-contents step: checksums of the segment files before the
    table is written, the table's own after (see above for why in that order).

    Crash tests set KAMERZOEK_TEST_PAUSE=commit:SECONDS[:N] to hold the Nth commit of a
    run (default: every commit) inside Whoosh's commit: after the new segment's files and
    their checksums are written and before the table of contents that makes them live;
    KAMERZOEK_TEST_PAUSE=toc:SECONDS[:N] holds it after the table is written and before
    its checksum is. KAMERZOEK_TEST_PAUSE_MARKER names a file that receives the pid when
    the pause begins.
    """
    where, _, rest = os.environ.get("KAMERZOEK_TEST_PAUSE", "").partition(":")
    seconds, _, nth = rest.partition(":")
    folder, generation = writer_location(writer)
    folder = Path(folder)

    def pause(point: str) -> None:
        if where == point and seconds and (not nth or int(nth) == _commits):
            marker = os.environ.get("KAMERZOEK_TEST_PAUSE_MARKER")
            if marker:
                Path(marker).write_text(str(os.getpid()))
            time.sleep(float(seconds))

    def checksummed(commit, files):
        global _commits
        _commits += 1
        before_toc(folder, generation, files)
        pause("commit")
        commit()
        pause("toc")
        after_toc(folder, generation)

    around_commit_toc(writer, checksummed)
