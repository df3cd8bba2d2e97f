"""The load test of bench/load.py, small: no failed request while `kamerzoek index` adds
documents behind the production server, and the answers switch to the new state after the
commit. Timing is measured in bench/, never asserted here."""
from __future__ import annotations

import importlib.util
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


def load_module():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_no_failed_request_and_the_switch_during_a_reindex(tmp_path):
    load = load_module()
    outcome = load.run_load(levels=(1, 4, 16), requests=40, docs=8, time_limit=120, workdir=tmp_path,
                            progress=lambda line: None)
    for level in outcome["levels"]:
        described = load.summary_line(level)
        assert not level.timed_out, described
        assert level.index_exit == 0, described
        assert len(level.samples) >= 40, described
        assert not level.failures, [(s.path, s.error) for s in level.failures[:10]]
        markers = [s for s in level.samples if s.marker_total is not None and s.path.endswith(load.marker(level.clients))]
        assert markers[0].marker_total == 0 or markers[0].started > level.index_started, "old state first"
        assert level.switched_at is not None, f"the {level.docs} new documents never appeared: {described}"
        assert level.switched_at > level.index_started
        assert level.stale_after_switch == 0 and level.out_of_range == 0, described
        # The last answer of every client shows the new state.
        assert markers[-1].marker_total == level.docs
    assert "Traceback" not in outcome["server_log"]
