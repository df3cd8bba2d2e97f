"""Every query is bounded: fuzzy distance capped at 2, expansions capped at 200 terms, and a
deadline that holds everywhere. Hostile queries go through the production server (a real
`kamerzoek serve` subprocess, real HTTP requests); each answer must be a 200 or a 400 and
arrive within the deadline plus one second. That is a protocol bound, not a speed test."""
from __future__ import annotations

import http.client
import importlib.util
import json
import random
import sys
import time
import urllib.parse

import pytest

from conftest import ROOT, build, kamerzoek_exe
from live_server import LiveServer

pytestmark = pytest.mark.slow

DEADLINE = 1.0           # KAMERZOEK_QUERY_TIMEOUT for the server under test
BOUND = DEADLINE + 1.0   # no request may take longer than this
PAGES = 1500             # a term dictionary of tens of thousands of words


def _generate():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("bounded")
    index_dir = work / "index"
    _generate().write_corpus(work / "docs", index_dir / "cache", PAGES, seed=7)
    build([work / "docs"], index_dir, workers=1)
    live = LiveServer(kamerzoek_exe(), index_dir, work / "serve.log", args=("--workers", "2", "--threads", "4"),
                      env={"KAMERZOEK_QUERY_TIMEOUT": str(DEADLINE)})
    yield live
    live.stop()


def ask(server: LiveServer, q: str) -> tuple[int, dict | None, float]:
    """One GET /api/search; (status, JSON body or None, seconds)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    started = time.monotonic()
    try:
        conn.request("GET", "/api/search?" + urllib.parse.urlencode({"q": q}))
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    seconds = time.monotonic() - started
    try:
        data = json.loads(body)
    except ValueError:  # the server's own answer to a request line over its limit (HTML)
        text = body.decode("utf-8", "replace")
        data = {"error": "Een zoekvraag mag hoogstens 500 tekens hebben"} if \
            "Een zoekvraag mag hoogstens 500 tekens hebben" in text else None
    return response.status, data, seconds


def assert_bounded(server, q: str, label: str) -> tuple[int, dict | None]:
    status, data, seconds = ask(server, q)
    assert status in (200, 400), f"{label}: HTTP {status}"
    assert seconds <= BOUND, f"{label}: {seconds:.2f} s, over the deadline plus one second ({BOUND} s)"
    if status == 400:
        assert data and data["error"] and "Traceback" not in data["error"], label
    return status, data


WORD30 = "terrorismebestrijdingsbeleidsk"  # 30 letters
assert len(WORD30) == 30


def hostile_cases() -> list[tuple[str, str]]:
    rng = random.Random(9)
    words = ["terrorisme", "veiligheid", "dreiging", "kabinet", "minister", "gemeente", "radicalisering",
             "jihadisme", "aanslag", "beleid", "onderzoek", "politie"]
    cases = [
        ("~8 on 30-letter words", f"{WORD30}~8 " + "veiligheidsdienstenoverleg~8 " * 3),
        ("200 wildcards", " ".join(f"{w[:2]}*{w[-1]}?" for w in (words * 20)[:200])),
        ("10,000 terms joined with OF", " OF ".join(rng.choice(words) for _ in range(10_000))),
        ("500 nested parentheses", "(" * 500 + "terrorisme" + ")" * 500),
        ("64 KB of query text", ("terrorisme dreiging " * 3300)[:65536]),
        # Just under the 500-character cap, so the cap alone cannot answer them:
        ("60 fuzzy terms ~2", " ".join(f"{w[:6]}~2" for w in (words * 5)[:60])[:500]),
        ("120 prefixes", " OF ".join(f"{c}*" for c in "abcdefghijklmnopqrstuvwxyz" * 5)[:500].rsplit(" OF", 1)[0]),
        ("under the cap: ~8 on long words", " ".join([f"{WORD30}~8"] * 15)[:500]),
        ("under the cap: wildcards", " ".join(f"*{c}*" for c in "aeiou" * 30)[:500]),
        ("under the cap: OF", " OF ".join(rng.choice(words) for _ in range(80))[:500].rsplit(" OF", 1)[0]),
        ("under the cap: nested parentheses", "(" * 240 + "terrorisme" + ")" * 240),
        ("under the cap: fuzzy prefixes of one letter", " OF ".join(f"{c}~2" for c in "abcdefghijklmnopqrstuvwxyz" * 4)[:500]),
    ]
    for q in [q for _, q in cases[1:5]]:
        assert len(q) > 500
    for q in [q for _, q in cases[:1] + cases[5:]]:
        assert len(q) <= 500, q
    return cases


def test_hostile_queries_answer_within_the_deadline(server):
    statuses = {}
    for label, q in hostile_cases():
        statuses[label] = assert_bounded(server, q, label)[0]
    # Over the cap: a Dutch 400; under it: answered (perhaps partly, with a notice).
    for label in ("200 wildcards", "10,000 terms joined with OF", "500 nested parentheses", "64 KB of query text"):
        assert statuses[label] == 400, label
    for label in ("~8 on 30-letter words", "60 fuzzy terms ~2", "120 prefixes", "under the cap: ~8 on long words"):
        assert statuses[label] == 200, label
    assert "Traceback" not in server.log()


def test_300_random_strings_answer_within_the_deadline(server):
    rng = random.Random(300)
    alphabet = "abcdefghijklmnopqrstuvwxyzäëïöü ABCXYZ0123456789*?~\"()-:/\\'.,&|!^[]{}<>%$#@=+;"
    for n in range(300):
        q = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 500)))
        assert_bounded(server, q, f"random string {n}: {q[:60]!r}")


def test_fuzzy_distance_is_capped_at_2_with_a_notice(server):
    status, data = assert_bounded(server, "terrorisme~8", "~8")
    assert status == 200
    assert "'terrorisme~8': de afstand is hoogstens 2; gezocht als 'terrorisme~2'." in data["notice"]
    status, same = assert_bounded(server, "terrorisme~2", "~2")
    assert [r["doc_id"] for r in data["results"]] == [r["doc_id"] for r in same["results"]]
    assert data["total"] == same["total"] > 0


def test_expansion_stops_at_the_term_cap_and_says_so(server):
    status, data = assert_bounded(server, "a*", "a*")
    assert status == 200
    assert "'a*' past op meer dan 200 woorden; alleen de eerste 200 zijn gebruikt." in data["notice"]


def test_a_request_line_over_gunicorns_limit_is_a_dutch_400(server):
    status, _, seconds = ask(server, "terrorisme " * 2000)
    assert status == 400 and seconds <= BOUND
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", "/api/search?q=" + "a" * 9000)
    response = conn.getresponse()
    body = response.read().decode()
    assert response.status == 400
    assert "Een zoekvraag mag hoogstens 500 tekens hebben" in body
    assert "default-src 'self'" in response.getheader("Content-Security-Policy")
