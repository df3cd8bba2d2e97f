"""A quick command line: `kamerzoek search` and `--help` import only what they need, and the
Dutch lexicon comes from a prebuilt table read word by word (timing is in bench/cli_startup.py)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import kamerzoek_exe

PROBE = """import json, sys
from webapp.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
modules = sorted(sys.modules)
analysis = sys.modules.get("indexer.analysis")
loaded = analysis and analysis.lexicon.cache_info().currsize and analysis.lexicon()._table._full is not None
print("\\n" + json.dumps({"modules": modules, "lexicon_whole": bool(loaded)}))
"""

HEAVY = ("flask", "werkzeug", "jinja2", "pdfminer", "gunicorn", "waitress", "indexer.build", "indexer.extract",
         "webapp.views")


def probe(args, env_extra=None, tmp_path=None) -> dict:
    import os
    env = {**os.environ, **(env_extra or {})}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return {"out": done.stdout, **json.loads(done.stdout.strip().splitlines()[-1])}


def heavy_in(modules) -> list[str]:
    return [m for m in modules if m.split(".")[0] in HEAVY or any(m == h or m.startswith(h + ".") for h in HEAVY)]


def test_search_imports_neither_flask_nor_pdfminer_nor_the_build(corpus_index, tmp_path):
    got = probe(["search", "terrorisme", "--index", str(corpus_index)], {"KAMERZOEK_CACHE_DIR": str(tmp_path)})
    assert "documenten voor 'terrorisme'" in got["out"]
    assert heavy_in(got["modules"]) == []
    # edit distances only for a fuzzy query or a suggestion (a query that finds nothing): 10 ms of imports
    assert not [m for m in got["modules"] if m.startswith("rapidfuzz")]
    # logging (with traceback, about 4 ms) only where something is logged: serve, a damaged word list
    assert "logging" not in got["modules"]


def test_help_imports_no_search_engine_at_all(tmp_path):
    got = probe(["--help"])
    assert "Kamerzoek" in got["out"]
    assert heavy_in(got["modules"]) == []
    assert not [m for m in got["modules"] if m.startswith(("whoosh", "indexer.search", "indexer.store"))]


def test_the_lexicon_table_is_built_once_then_read_word_by_word(corpus_index, tmp_path):
    cache = tmp_path / "cache"
    env = {"KAMERZOEK_CACHE_DIR": str(cache)}
    first = probe(["search", "moskeeën", "--index", str(corpus_index), "--json"], env)
    files = list(cache.glob("lexicon-pyspellchecker-*.sqlite"))
    assert len(files) == 1, list(cache.iterdir())
    assert first["lexicon_whole"], "the process that built the table holds it whole"
    second = probe(["search", "moskeeën", "--index", str(corpus_index), "--json"], env)
    assert not second["lexicon_whole"], "a later search reads only the words it needs"
    strip = lambda out: {k: v for k, v in json.loads(out[:out.rindex("\n{")]).items() if k not in ("took_ms", "provenance")}
    assert strip(second["out"]) == strip(first["out"])


def test_the_table_gives_exactly_the_lexicon(tmp_path, monkeypatch):
    from indexer import lexicon
    from indexer.lexicon_table import LexiconTable

    monkeypatch.setenv("KAMERZOEK_CACHE_DIR", str(tmp_path))
    built = lexicon._fold_frequencies()
    LexiconTable("test", lexicon._fold_frequencies)          # builds and writes the file
    table = LexiconTable("test", lexicon._fold_frequencies)  # reads it
    assert table._full is None
    sample = sorted(built)[::997] + ["terrorisme", "moskee", "coordinator", "gegeven", "xyzzyq", ""]
    assert [table.get(w) for w in sample] == [built.get(w, 0.0) for w in sample]
    assert table._full is None
    assert table.starting_with("terroris", 400) == sorted(w for w in built if w.startswith("terroris"))[:400]
    assert table.as_dict() == built
    assert table.starting_with("terroris", 5) == sorted(w for w in built if w.startswith("terroris"))[:5]


def test_an_unwritable_cache_dir_still_answers(corpus_index, tmp_path):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the cache folder would be")
    done = subprocess.run([kamerzoek_exe(), "search", "terrorisme", "--index", str(corpus_index)],
                          capture_output=True, text=True, env={**__import__("os").environ,
                                                               "KAMERZOEK_CACHE_DIR": str(blocked / "sub")},
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "documenten voor 'terrorisme'" in done.stdout
