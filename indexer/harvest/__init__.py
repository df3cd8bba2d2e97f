"""Harvesting the official publications from KOOP's SRU service into a folder to index.

`harvest(folder, options)` pages through a query (`sru`), fetches each publication's
manifestations politely (`client`), remembers what it has (`state`) so the next run asks only
for what changed, and returns a report (`run`). The `kamerzoek harvest` command is in `cli`.
"""
from .client import Settings, user_agent
from .run import (
    DEFAULT_FORMATS,
    FORMATS,
    HarvestError,
    HarvestOptions,
    HarvestReport,
    QueryRejectedError,
    harvest,
)
from .sru import DEFAULT_BASE_URL, TYPE_QUERIES, build_query
from .state import JOURNAL_FILE, STATE_FILE

__all__ = [
    "DEFAULT_BASE_URL", "DEFAULT_FORMATS", "FORMATS", "JOURNAL_FILE", "STATE_FILE", "TYPE_QUERIES",
    "HarvestError", "HarvestOptions", "HarvestReport", "QueryRejectedError", "Settings",
    "build_query", "harvest", "user_agent",
]
