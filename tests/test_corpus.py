"""The shipped sample corpus is what corpus/generate.py makes, byte for byte."""
import hashlib
import subprocess
import sys

from conftest import CORPUS


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_generator_reproduces_the_committed_corpus(tmp_path):
    subprocess.run([sys.executable, str(CORPUS / "generate.py"), str(tmp_path)], check=True,
                   capture_output=True)
    made = sorted(p.name for p in tmp_path.iterdir())
    shipped = sorted(p.name for p in CORPUS.iterdir()
                     if p.is_file() and p.name not in ("generate.py", "README.md", ".kamerzoekignore"))
    assert made == shipped
    for name in made:
        assert digest(tmp_path / name) == digest(CORPUS / name), name


def test_corpus_indexes_cleanly(corpus_index):
    from indexer.store import Store
    docs = Store(corpus_index).documents()
    assert len(docs) == 11
    assert sorted(d["type"] for d in docs) == sorted(
        ["dreigingsbeeld", "dreigingsbeeld", "kamerbrief", "kamerbrief", "kamerbrief", "kamerstuk",
         "motie", "motie", "kamervragen", "besluitenlijst", "handelingen"])
