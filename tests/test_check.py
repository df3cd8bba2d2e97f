"""`kamerzoek check`: every kind of damage done on purpose is found and named (exit 3, with the
hint to rebuild), an intact index passes, also one killed inside a commit, and --repair
restores a damaged index from the extraction cache."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import CORPUS, kamerzoek_exe
from webapp import create_app


def kz(*args, env=None):
    return subprocess.run([kamerzoek_exe(), *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def intact(tmp_path_factory):
    base = tmp_path_factory.mktemp("check")
    docs = base / "docs"
    shutil.copytree(CORPUS, docs)
    index = base / "index"
    result = kz("index", "--index", str(index), "--workers", "2", str(docs))
    assert result.returncode == 0, result.stderr
    return index


@pytest.fixture
def copy(intact, tmp_path):
    target = tmp_path / "index"
    shutil.copytree(intact, target)
    return target


def whoosh_files(index: Path, pattern: str) -> list[Path]:
    return sorted((index / "whoosh").glob(pattern))


def test_an_intact_index_passes_and_status_says_when_it_was_checked(copy):
    status = kz("status", "--index", str(copy))
    assert "Laatst gecontroleerd: nooit (kamerzoek check)" in status.stdout
    result = kz("check", "--index", str(copy))
    assert result.returncode == 0, result.stderr
    assert "in orde" in result.stdout and result.stderr == ""
    checked = json.loads((copy / "last-check.json").read_text())
    assert checked["ok"] and checked["files_checked"] >= 2 and checked["documents"] > 0
    status = kz("status", "--index", str(copy))
    assert f"Laatst gecontroleerd: {checked['checked']} (in orde)" in status.stdout
    with create_app({"INDEX_DIR": str(copy)}).test_client() as client:
        assert client.get("/api/status").get_json()["last_check"]["checked"] == checked["checked"]
        page = client.get("/status").get_data(as_text=True)
        assert f"{checked['checked']}: in orde" in page


def flip_a_byte(index: Path) -> str:
    segment = whoosh_files(index, "MAIN_*.seg")[0]
    data = bytearray(segment.read_bytes())
    data[len(data) // 2] ^= 0x01
    segment.write_bytes(bytes(data))
    return segment.name


def truncate_the_toc(index: Path) -> str:
    toc = whoosh_files(index, "_MAIN_*.toc")[-1]
    toc.write_bytes(toc.read_bytes()[:-40])
    return toc.name


def remove_a_segment(index: Path) -> str:
    segment = whoosh_files(index, "MAIN_*.seg")[0]
    segment.unlink()
    return segment.name


def flip_a_byte_in_the_toc(index: Path) -> str:
    toc = whoosh_files(index, "_MAIN_*.toc")[-1]
    data = bytearray(toc.read_bytes())
    data[len(data) // 3] ^= 0x20
    toc.write_bytes(bytes(data))
    return toc.name


def extend_a_segment(index: Path) -> str:
    segment = whoosh_files(index, "MAIN_*.seg")[0]
    with open(segment, "ab") as handle:
        handle.write(b"\0" * 10)
    return segment.name


@pytest.mark.parametrize("damage", [flip_a_byte, truncate_the_toc, remove_a_segment, flip_a_byte_in_the_toc,
                                    extend_a_segment])
def test_every_kind_of_damage_is_found_and_named(copy, damage):
    name = damage(copy)
    result = kz("check", "--index", str(copy))
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert f"Beschadigd: {name}" in result.stderr
    assert "kamerzoek index --rebuild herstelt de index uit de tekstcache" in result.stderr
    assert json.loads((copy / "last-check.json").read_text())["ok"] is False
    status = kz("status", "--index", str(copy))
    assert "Traceback" not in status.stderr and status.returncode in (0, 3)


def test_an_extra_file_is_named_but_is_no_damage(copy):
    (copy / "whoosh" / "MAIN_zzzzzzzzzzzzzzzz.seg").write_bytes(b"over van een afgebroken commit")
    (copy / "whoosh" / "vreemd.txt").write_text("iets anders")
    result = kz("check", "--index", str(copy))
    assert result.returncode == 0, result.stderr
    assert "Let op: MAIN_zzzzzzzzzzzzzzzz.seg hoort bij geen enkel segment" in result.stdout
    assert "Let op: vreemd.txt is geen bestand van de index" in result.stdout


def test_repair_rebuilds_from_the_cache(copy):
    before = json.loads(kz("search", "--index", str(copy), "--json", "terrorisme").stdout)["total"]
    name = flip_a_byte(copy)
    result = kz("check", "--repair", "--index", str(copy))
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert f"Beschadigd was: {name} is beschadigd (SHA-256 wijkt af)" in result.stdout
    assert "Hersteld uit de tekstcache" in result.stdout
    assert kz("check", "--index", str(copy)).returncode == 0
    assert json.loads(kz("search", "--index", str(copy), "--json", "terrorisme").stdout)["total"] == before > 0


@pytest.mark.parametrize("point", ["commit", "toc"])
def test_a_kill_inside_a_commit_never_makes_check_flag_the_index(copy, tmp_path, point):
    """SIGKILL at the test hook: before the table of contents (checksums of the new segment
    written, table not) and after it (table written, its checksum not)."""
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "nieuw.txt").write_text("Een nieuw stuk over de kustwacht en de visserij.\n", encoding="utf-8")
    marker = tmp_path / "paused"
    before = json.loads(kz("status", "--index", str(copy), "--json").stdout)["documents"]
    proc = subprocess.Popen([kamerzoek_exe(), "index", "--index", str(copy), "--workers", "1", str(extra)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            env={**os.environ, "KAMERZOEK_TEST_PAUSE": f"{point}:60:1",
                                 "KAMERZOEK_TEST_PAUSE_MARKER": str(marker)})
    deadline = time.monotonic() + 120
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the run never reached the pause"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    result = kz("check", "--index", str(copy))
    assert result.returncode == 0, (result.stdout, result.stderr)
    # The next run completes the work and the index checks out again.
    assert kz("index", "--index", str(copy), str(extra)).returncode == 0
    assert kz("check", "--index", str(copy)).returncode == 0
    documents = json.loads(kz("status", "--index", str(copy), "--json").stdout)["documents"]
    assert documents == before + 1
