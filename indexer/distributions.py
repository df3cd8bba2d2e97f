"""Installed distributions' versions, read from their ``.dist-info`` folder names.

``importlib.metadata`` costs a command line about 18 ms to import (email, zipfile, csv and
more), while a version is all the analyzer and the Whoosh check need: the folder name
``whoosh3-3.54.0.dist-info`` on sys.path says it. Where no such folder is found (an egg, a
zip), ``importlib.metadata`` answers after all.
"""
from __future__ import annotations

import os
import sys
from functools import lru_cache

_SUFFIX = ".dist-info"


@lru_cache(maxsize=None)
def installed_version(distribution: str) -> str | None:
    """The installed version of a distribution (None when it is not installed), found where
    importlib.metadata looks first: the sys.path entries, in order."""
    prefix = distribution.replace("-", "_").replace(".", "_").lower() + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            # Folder names spell the distribution with underscores (PEP 427): whoosh3-3.54.0,
            # pdfminer_six-20260107, opensearch_py-3.2.0.
            if name.endswith(_SUFFIX) and name.lower().startswith(prefix):
                return name[len(prefix):-len(_SUFFIX)]
    from importlib import metadata
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
