"""Finding the files to index: supported formats under the roots, less what ignore files exclude.

Also the one step of planning that reads files: the content hash of a file whose
size or time differ from what the index knows.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from .. import metadata as metadata_mod
from .. import names
from ..cache import file_sha256
from ..extract import SUPPORTED_EXTENSIONS
from ..reasons import describe
from .options import ConfigurationError
from .report import sentence

IGNORE_FILE = ".kamerzoekignore"


@dataclass
class FileState:
    path: str
    size: int
    mtime: float
    sha: str = ""
    sidecars: list = field(default_factory=list)  # [name, size, mtime] of its metadata files


class _Ignorer:
    """gitignore-style patterns from .kamerzoekignore files in a folder and its parents."""

    def __init__(self) -> None:
        self._chains: dict[str, list[tuple[str, pathspec.GitIgnoreSpec]]] = {}

    def _own(self, folder: str) -> pathspec.GitIgnoreSpec | None:
        path = os.path.join(folder, IGNORE_FILE)
        if os.path.exists(path) and not os.path.isfile(path):
            raise ConfigurationError(f"{names.shown(path)} is geen gewoon bestand en kan niet worden gelezen")
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except FileNotFoundError:
            return None
        except OSError as e:
            if not os.path.lexists(path):
                return None
            # Skipping it would index the very files it excludes, without a word.
            raise ConfigurationError(f"{names.shown(path)} kan niet worden gelezen: {e.strerror or e}") from e
        lines = raw.split(b"\n")
        for number, line in enumerate(lines, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ConfigurationError(f"{names.shown(path)}, regel {number}: geen geldige UTF-8-tekst "
                                         f"(byte {e.start + 1})") from e
        try:
            return pathspec.GitIgnoreSpec.from_lines(raw.decode("utf-8").splitlines())
        except ValueError as e:
            raise ConfigurationError(f"{names.shown(path)}: ongeldig patroon ({e})") from e

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


def _inside(real: str, real_roots: list[str]) -> bool:
    return any(real == r or real.startswith(r.rstrip("/") + "/") for r in real_roots)


def scan(roots: list[Path], refused: list[dict] | None = None,
         follow_symlinks: bool = False) -> tuple[list[FileState], int]:
    """Every document file under the roots with its size and time, and how many files were ignored.

    One directory listing and one stat per file: a nightly run over thousands of
    unchanged files spends its time here, so nothing is looked at twice.

    :param refused: receives {"path", "reason", "message"} for what is there but may or
        can not be read: a symbolic link leading out of the indexed folders (`outside`,
        unless follow_symlinks) and a folder without read permission (`no_access`).
    :param follow_symlinks: follow links that lead outside the indexed folders too.
    """
    ignorer = _Ignorer()
    found: dict[str, FileState] = {}
    ignored = 0
    refused = refused if refused is not None else []
    real_roots = [os.path.realpath(r) for r in roots]
    seen_folders: set[str] = set()

    def refuse(path: str, reason: str, detail: str = "") -> None:
        refused.append({"path": path, "reason": reason, "message": describe(reason, names.shown(detail))})

    def wanted(path: str, name: str) -> bool:
        return not (name == IGNORE_FILE or metadata_mod.is_sidecar(Path(path)) or name.startswith(".")
                    or os.path.splitext(name)[1].lower() not in SUPPORTED_EXTENSIONS or ignorer.ignored(path))

    def consider(path: str, name: str, stat_of) -> None:
        nonlocal ignored
        if name == IGNORE_FILE or metadata_mod.is_sidecar(Path(path)):
            return
        if not wanted(path, name):
            ignored += 1
            return
        try:
            stat = stat_of()
        except OSError:  # vanished or unreadable since the listing: not there for this run
            return
        found[path] = FileState(path, stat.st_size, stat.st_mtime, sidecars=metadata_mod.sidecars(Path(path)))

    def leads_outside(path: str) -> bool:
        return not follow_symlinks and not _inside(os.path.realpath(path), real_roots)

    for root in roots:
        root_path = str(root.resolve())
        if os.path.isfile(root_path):
            consider(root_path, os.path.basename(root_path), lambda: os.stat(root_path))
            continue
        stack = [root_path]
        while stack:
            folder = stack.pop()
            real = os.path.realpath(folder)
            if real in seen_folders:
                continue  # a link back to a folder already listed (or a loop)
            seen_folders.add(real)
            try:
                with os.scandir(folder) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except PermissionError as e:
                refuse(folder, "no_access", e.strerror or "")
                continue
            except OSError:
                continue  # vanished since its parent was listed
            subfolders = []
            for entry in entries:
                try:
                    link = entry.is_symlink()
                    if entry.is_dir(follow_symlinks=True):
                        if entry.name.startswith(".") or ignorer.ignored(entry.path, is_dir=True):
                            continue
                        if link and leads_outside(entry.path):
                            refuse(entry.path, "outside", os.path.realpath(entry.path))
                            continue
                        subfolders.append(entry.path)
                        continue
                    if not entry.is_file(follow_symlinks=True):
                        # A FIFO, socket or device (or a dangling link) is no document: opening
                        # a FIFO would wait for ever, a device never end.
                        if os.path.splitext(entry.name)[1].lower() in SUPPORTED_EXTENSIONS:
                            ignored += 1
                        continue
                except OSError:
                    continue
                if link and leads_outside(entry.path) and wanted(entry.path, entry.name):
                    refuse(entry.path, "outside", os.path.realpath(entry.path))
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
                reason = "no_access" if isinstance(e, PermissionError) else "damaged"
                unreadable.append({"path": state.path, "reason": reason,
                                   "message": sentence(reason, e.strerror or str(e))})
                continue
        hashed.append(state)
    return hashed, unreadable
