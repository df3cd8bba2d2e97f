"""Shared fixtures: where ../shared is, and how tests that need it skip (or fail under CI)."""
import os
from pathlib import Path

import pytest

# The tests pin the language: Dutch, whatever the machine's locale (tests of English set it).
os.environ["KAMERZOEK_LANG"] = "nl"

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SHARED_CORPUS = SHARED / "corpus"
FIXTURES = SHARED / "fixtures"


def require_shared() -> Path:
    """Return ../shared, skipping the test when it is absent (failing under CI=true)."""
    if SHARED_CORPUS.is_dir() and FIXTURES.is_dir():
        return SHARED
    if os.environ.get("CI") == "true":
        pytest.fail(f"../shared is required under CI but is missing at {SHARED}")
    pytest.skip(f"../shared is absent ({SHARED}): real-corpus tests need it beside the project")


@pytest.fixture
def shared() -> Path:
    return require_shared()


CORPUS = ROOT / "corpus"


def kamerzoek_exe() -> str:
    """The installed console script, for tests that need a real subprocess."""
    import shutil
    import sys
    exe = Path(sys.executable).parent / "kamerzoek"
    return str(exe) if exe.exists() else (shutil.which("kamerzoek") or "kamerzoek")


def build(paths, index_dir: Path, **options):
    """Index paths into index_dir through the library; returns the report."""
    from indexer.build import Options, build_index
    from indexer.store import Store
    return build_index([Path(p) for p in paths], Store(index_dir), Options(**options))


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory) -> Path:
    """An index of the project's own corpus/, built once per test session (read-only for tests)."""
    index_dir = tmp_path_factory.mktemp("corpus-index")
    report = build([CORPUS], index_dir, workers=2)
    assert not report.unreadable, report.unreadable
    return index_dir


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory) -> Path:
    """An index of corpus/ plus the real documents in ../shared/corpus (no hard PDFs)."""
    shared_dir = require_shared()
    index_dir = tmp_path_factory.mktemp("shared-index")
    roots = [CORPUS] + [shared_dir / "corpus" / d for d in ("parliamentary", "laws", "government")]
    build(roots, index_dir, workers=2)
    return index_dir
