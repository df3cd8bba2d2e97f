"""Finding the files to index: supported formats under the roots, less what ignore files exclude.

Also the one step of planning that reads files: the content hash of a file whose
size or time differ from what the index knows.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pathspec

from .. import metadata as metadata_mod
from ..cache import file_sha256
from ..extract import SUPPORTED_EXTENSIONS
from .report import sentence

IGNORE_FILE = ".kamerzoekignore"


@dataclass
class FileState:
    path: str
    size: int
    mtime: float
    sha: str = ""


class _Ignorer:
    """gitignore-style patterns from .kamerzoekignore files in a folder and its parents."""

    def __init__(self) -> None:
        self._chains: dict[str, list[tuple[str, pathspec.GitIgnoreSpec]]] = {}

    def _own(self, folder: str) -> pathspec.GitIgnoreSpec | None:
        path = os.path.join(folder, IGNORE_FILE)
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                return pathspec.GitIgnoreSpec.from_lines(handle.read().splitlines())
        except (OSError, ValueError):  # none there, or unreadable: nothing ignored by it
            return None

    def chain(self, folder: str) -> list[tuple[str, pathspec.GitIgnoreSpec]]:
        """The patterns that apply inside `folder`: its own and its parents', each with its base."""
        if folder not in self._chains:
            parent = os.path.dirname(folder)
            chain = [] if parent == folder else list(self.chain(parent))
            own = self._own(folder)
            if own is not None:
                chain.append((folder, own))
            self._chains[folder] = chain
        return self._chains[folder]

    def ignored(self, path: str, is_dir: bool = False) -> bool:
        for base, spec in self.chain(os.path.dirname(path)):
            relative = os.path.relpath(path, base) + ("/" if is_dir else "")
            if spec.match_file(relative):
                return True
        return False


def scan(roots: list[Path]) -> tuple[list[FileState], int]:
    """Every document file under the roots with its size and time, and how many files were ignored.

    One directory listing and one stat per file: a nightly run over thousands of
    unchanged files spends its time here, so nothing is looked at twice.
    """
    ignorer = _Ignorer()
    found: dict[str, FileState] = {}
    ignored = 0

    def consider(path: str, name: str, stat_of) -> None:
        nonlocal ignored
        if name == IGNORE_FILE or metadata_mod.is_sidecar(Path(path)):
            return
        if (name.startswith(".") or os.path.splitext(name)[1].lower() not in SUPPORTED_EXTENSIONS
                or ignorer.ignored(path)):
            ignored += 1
            return
        try:
            stat = stat_of()
        except OSError:  # vanished or unreadable since the listing: not there for this run
            return
        found[path] = FileState(path, stat.st_size, stat.st_mtime)

    for root in roots:
        root_path = str(root.resolve())
        if os.path.isfile(root_path):
            consider(root_path, os.path.basename(root_path), lambda: os.stat(root_path))
            continue
        stack = [root_path]
        while stack:
            folder = stack.pop()
            try:
                with os.scandir(folder) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except OSError:
                continue  # an unreadable folder holds nothing we can index
            subfolders = []
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if not (entry.name.startswith(".") or ignorer.ignored(entry.path, is_dir=True)):
                            subfolders.append(entry.path)
                        continue
                    if not entry.is_file():
                        continue
                except OSError:
                    continue
                consider(entry.path, entry.name, entry.stat)
            stack.extend(reversed(subfolders))
    return sorted(found.values(), key=lambda s: s.path), ignored


def hash_changed(files: list[FileState], known_entries: dict[str, tuple[dict, str]]) -> tuple[list[FileState], list[dict]]:
    """Set each file's content hash: the index's when size and time are as it knows them,
    read from the file otherwise. Returns the files that could be hashed and the unreadable ones.

    :param known_entries: path -> (its entry in the index: size, mtime; the content hash there).
    """
    hashed, unreadable = [], []
    for state in files:
        known = known_entries.get(state.path)
        if known is not None and known[0].get("size") == state.size and known[0].get("mtime") == state.mtime:
            state.sha = known[1]
        else:
            try:
                state.sha = file_sha256(Path(state.path))
            except OSError as e:
                unreadable.append({"path": state.path, "reason": "damaged",
                                   "message": sentence("damaged", e.strerror or str(e))})
                continue
        hashed.append(state)
    return hashed, unreadable
