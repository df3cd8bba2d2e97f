"""Full and incremental indexing; returns a report of what changed and what could not be read.

One concern a module:
  files      finding the files (formats, ignore files) and hashing the changed ones
  plan       what changed against the index (a pure function)
  options    options, limits and passwords
  report     the run's report
  executors  where extraction runs (the local worker pool)
  writer     the one index writer, committing in batches
  runner     `build_index`: the run that ties them together, under the index's run lock
"""
from .files import IGNORE_FILE, FileState, scan
from .options import (DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, SPLIT_PAGES, ConfigurationError,
                      Options, read_passwords)
from .report import Report
from .runner import build_index
from .writer import BATCH_DOCUMENTS, BATCH_SECONDS, doc_id_for

__all__ = [
    "BATCH_DOCUMENTS", "BATCH_SECONDS", "DEFAULT_MEMORY_MB", "DEFAULT_TIMEOUT", "IGNORE_FILE",
    "SPLIT_PAGES", "ConfigurationError", "FileState", "Options", "Report",
    "build_index", "doc_id_for", "read_passwords", "scan",
]
