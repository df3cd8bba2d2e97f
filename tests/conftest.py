"""Shared fixtures: where ../shared is, and how tests that need it skip (or fail under CI)."""
import os
from pathlib import Path

import pytest

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
