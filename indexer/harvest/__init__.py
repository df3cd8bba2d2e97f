"""Harvesting the official publications from KOOP's SRU service into a folder to index.

`harvest(folder, options)` pages through a query (`sru`), fetches each publication's
manifestations politely (`client`), remembers what it has (`state`) so the next run asks only
for what changed, and returns a report (`run`). The `kamerzoek harvest` command is in `cli`.
Names are imported on first use, so the command line starts without the HTTP client.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "Settings": "client", "user_agent": "client",
    "HarvestError": "run", "HarvestOptions": "run", "HarvestReport": "run", "QueryRejectedError": "run",
    "harvest": "run",
    "DEFAULT_BASE_URL": "sru", "DEFAULT_FORMATS": "sru", "FORMATS": "sru", "TYPE_QUERIES": "sru",
    "build_query": "sru",
    "JOURNAL_FILE": "state", "STATE_FILE": "state",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
