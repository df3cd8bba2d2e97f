"""Planning what changed: the files found now against the documents the index holds.

`plan` is a pure function of plain data (the files with their content hashes, the
index's documents, the roots, whether OCR is asked for): it reads no file, touches
no index and changes none of its arguments, so it is tested on its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from .files import FileState


@dataclass
class Doc:
    """What the index knows of one document (a content hash), and what this run does to it."""
    doc_id: str
    sha: str
    files: list[dict]             # [{"path", "size", "mtime"}], sorted by path
    info: dict
    stored: dict
    keep: list[dict] = field(default_factory=list)       # its files after this run
    held: dict[str, dict] = field(default_factory=dict)  # path -> old entry: new content there, not read yet
    failed: dict[str, tuple[dict, str]] = field(default_factory=dict)  # path -> (old entry, reason)


@dataclass
class Plan:
    known: dict[str, Doc]                 # content hash -> the index's document, with keep/held for this run
    current: dict[str, list[FileState]]   # content hash -> the files that hold it now
    sha_at: dict[str, str]                # path -> content hash now
    by_path: dict[str, Doc]               # path -> the document that holds it in the index
    to_index: list[str]                   # content hashes whose pages must be written
    updates: list[Doc]                    # documents whose record (files, status) changes
    removals: list[Doc]                   # documents none of whose files is left
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)   # new paths with content the index holds
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


def under(path: str, roots: list[Path]) -> bool:
    return any(path == str(r) or path.startswith(str(r).rstrip("/") + "/") for r in roots)


def file_entries(states: list[FileState]) -> list[dict]:
    """The index's entries of files: path, size, time, and its sidecars' when it has any."""
    return [{"path": s.path, "size": s.size, "mtime": s.mtime, **({"sidecars": s.sidecars} if s.sidecars else {})}
            for s in sorted(states, key=lambda s: s.path)]


def known_entries(known: dict[str, Doc]) -> dict[str, tuple[dict, str]]:
    """path -> (its entry in the index, the content hash there): what hashing may skip."""
    return {entry["path"]: (entry, doc.sha) for doc in known.values() for entry in doc.files}


def _sidecars_changed(doc: Doc, states: list[FileState]) -> list[str]:
    """The paths of this document's files whose metadata files are not as the index knows them."""
    before = {e["path"]: e.get("sidecars", []) for e in doc.files}
    return [s.path for s in states if s.path in before and before[s.path] != s.sidecars]


def plan(files: list[FileState], known: dict[str, Doc], roots: list[Path], ocr: bool = False) -> Plan:
    """Compare the files (content hashes set) with what the index holds.

    :param files: the files found under the roots, each with its content hash.
    :param known: content hash -> the index's document; not changed (the plan holds copies).
    :param roots: the folders and files of this run; documents elsewhere are left alone.
    :param ocr: OCR is asked for: documents indexed with scanned pages are read again.
    """
    known = {sha: replace(doc, keep=[], held={}, failed={}) for sha, doc in known.items()}
    by_path: dict[str, Doc] = {}
    for doc in known.values():
        for entry in doc.files:
            by_path[entry["path"]] = doc

    current: dict[str, list[FileState]] = {}
    for state in files:
        current.setdefault(state.sha, []).append(state)
    sha_at = {s.path: sha for sha, states in current.items() for s in states}

    new_content = {sha for sha in current if sha not in known}
    to_index = sorted(new_content)
    if ocr:
        to_index += sorted(sha for sha in current if sha in known and known[sha].info.get("needs_ocr"))
    # Known content whose metadata files changed (or came or went): read again, from the cache.
    described_anew = {path for sha in current if sha in known
                      for path in _sidecars_changed(known[sha], current[sha])}
    to_index += sorted({sha_at[path] for path in described_anew} - set(to_index))
    result = Plan(known, current, sha_at, by_path, to_index, [], [])

    for path, sha in sha_at.items():
        old = by_path.get(path)
        if old is None:
            # A new path with content the index holds: moved, renamed or copied.
            (result.moved if sha in known else result.added).append(path)
        elif old.sha != sha or path in described_anew:
            result.changed.append(path)
        else:
            result.unchanged += 1

    reread = set(to_index) - new_content
    for doc in known.values():
        inside = [e for e in doc.files if under(e["path"], roots)]
        outside = [e for e in doc.files if not under(e["path"], roots)]
        doc.keep = sorted(outside + file_entries(current.get(doc.sha, [])), key=lambda e: e["path"])
        # A path whose new content must be read first: the old version stays until it is.
        doc.held = {e["path"]: e for e in inside if sha_at.get(e["path"]) in new_content}
        # A path gone while a path new to the index took its content is a move, not a removal.
        vanished = sorted(e["path"] for e in inside if e["path"] not in sha_at)
        arrived = [s for s in current.get(doc.sha, []) if s.path not in by_path]
        result.removed.extend(vanished[len(arrived):])
        if doc.held or doc.sha in reread:
            continue  # settled when its content is read
        if not doc.keep:
            result.removals.append(doc)
        elif doc.keep != doc.files or doc.info.get("status", "ok") != "ok":
            result.updates.append(doc)
    return result
