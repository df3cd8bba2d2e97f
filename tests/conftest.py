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


# -- a real three-node OpenSearch cluster (cluster/opensearch.py), once per session ------------
class Cluster:
    def __init__(self, module, folder: Path, http_port: int, pids: list[int]):
        self.module, self.folder, self.http_port, self.pids = module, folder, http_port, pids

    def url(self, index: str) -> str:
        return f"opensearch://127.0.0.1:{self.http_port}/{index}"

    def start_node(self, n: int) -> None:
        self.pids[n - 1] = self.module.start_node(self.folder, n)


def _free_port_block(count: int) -> int:
    import socket
    for base in range(19250, 29250, 10):
        try:
            for port in list(range(base, base + count)) + list(range(base + 100, base + 100 + count)):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError("no free ports for the test cluster")


@pytest.fixture(scope="session")
def opensearch_cluster():
    """Three OpenSearch nodes on 127.0.0.1 (Java and Maven needed; the distribution comes from
    Maven Central on first use). Skips when Java or Maven is missing, fails under CI=true."""
    import importlib.util
    import shutil
    import tempfile
    if not (shutil.which("java") or os.environ.get("OPENSEARCH_JAVA_HOME")) or not shutil.which("mvn"):
        if os.environ.get("CI") == "true":
            pytest.fail("Java and Maven are required for the OpenSearch tests under CI")
        pytest.skip("Java of Maven ontbreekt: de OpenSearch-tests hebben een cluster nodig")
    spec = importlib.util.spec_from_file_location("kz_cluster", ROOT / "cluster" / "opensearch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folder = Path(tempfile.mkdtemp(prefix="kz-cluster-"))
    folder.chmod(0o755)  # the nodes run as nobody when the tests run as root
    port = _free_port_block(3)
    pids = module.start(folder, http_port=port, quiet=True)
    try:
        yield Cluster(module, folder, port, pids)
    finally:
        module.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)
