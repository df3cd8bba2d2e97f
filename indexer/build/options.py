"""What a run is asked to do: workers, limits, passwords, OCR; and what makes a remembered failure count."""
from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .. import names

SPLIT_PAGES = 40          # PDFs with more pages are extracted in chunks of this size
DEFAULT_TIMEOUT = 300.0   # seconds per file, whatever its chunks
DEFAULT_MEMORY_MB = 2048


class ConfigurationError(Exception):
    """A bad option or an unreadable configuration file (exit code 2)."""


@dataclass
class Options:
    workers: int = 0
    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
    passwords: dict[str, str] = field(default_factory=dict)   # file-name glob -> password
    ocr: bool = False
    rebuild: bool = False
    dry_run: bool = False
    follow_symlinks: bool = False   # index what links lead to outside the indexed folders
    dask: str = ""            # a Dask scheduler's address (tcp://HOST:PORT): extraction runs on its workers


def read_passwords(path: Path) -> dict[str, str]:
    """A passwords file: one `pattern<TAB>password` a line; # starts a comment."""
    passwords: dict[str, str] = {}
    shown = names.shown(str(path))
    if Path(path).exists() and not (Path(path).is_file() or Path(path).is_dir()):
        raise ConfigurationError(f"wachtwoordbestand {shown} is geen gewoon bestand (maar een pijp, socket of apparaat)")
    try:
        raw = Path(path).read_bytes()
    except IsADirectoryError as e:
        raise ConfigurationError(f"wachtwoordbestand {shown} is een map, geen bestand") from e
    except OSError as e:
        raise ConfigurationError(f"wachtwoordbestand {shown} kan niet worden gelezen: {e.strerror}") from e
    lines = []
    for number, line in enumerate(raw.split(b"\n"), 1):
        try:
            lines.append(line.decode("utf-8").rstrip("\r"))
        except UnicodeDecodeError as e:
            raise ConfigurationError(f"wachtwoordbestand {shown}, regel {number}: geen geldige UTF-8-tekst "
                                     f"(byte {e.start + 1})") from e
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pattern, tab, password = line.partition("\t")
        if not tab or not pattern:
            raise ConfigurationError(
                f"wachtwoordbestand {shown}, regel {number}: verwacht 'patroon<TAB>wachtwoord'")
        passwords[pattern.strip()] = password
    return passwords


def password_for(path: Path, passwords: dict[str, str]) -> str | None:
    for pattern, password in passwords.items():
        if fnmatch.fnmatch(path.name, pattern) or fnmatch.fnmatch(str(path), pattern):
            return password
    return None


def attempt(path: Path, options: Options) -> str:
    """What could change the outcome of reading a file: a remembered failure counts only
    for the same password, OCR setting and limits."""
    password = password_for(path, options.passwords)
    secret = hashlib.sha256(password.encode("utf-8")).hexdigest()[:12] if password else "-"
    return f"pw={secret};ocr={int(options.ocr)};timeout={options.timeout:g};memory={options.memory_mb}"
