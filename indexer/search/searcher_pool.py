"""One searcher per thread over a Store, refreshed when a new commit appears."""
from __future__ import annotations

import threading
import time

from ..store import Store, StoreError, _brief


class SearcherPool:
    """One searcher per thread, refreshed when a new commit appears (checked at most every second)."""

    def __init__(self, store: Store, check_interval: float = 1.0):
        self.store = store
        self.check_interval = check_interval
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened_identity = store.identity()

    def reset(self) -> None:
        """Close this thread's searcher and forget every thread's (after a fork, each
        process opens its own: inherited descriptors share their read offsets)."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            try:
                searcher.close()
            except Exception:  # closing a searcher over damaged files: nothing to keep
                pass
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened_identity = self.store.identity()

    def get(self):
        local = self._local
        searcher = getattr(local, "searcher", None)
        now = time.monotonic()
        if searcher is None:
            local.searcher = self._open()
            local.identity = self.store.identity()
            local.checked = now
        elif now - local.checked >= self.check_interval:
            local.checked = now
            identity = self.store.identity()
            try:
                if identity != local.identity:
                    # A rebuild put a new index in place: open it, not a refresh of the old one.
                    with self._lock:
                        if self.store.identity() != self._opened_identity:
                            self.store.reopen()
                            self._opened_identity = self.store.identity()
                    local.searcher = self._open()
                    local.identity = identity
                elif not searcher.up_to_date():
                    local.searcher = searcher.refresh()
            except StoreError:
                raise
            except Exception:
                # The segment files of the old snapshot were merged away: start afresh.
                local.searcher = self._open()
        return local.searcher

    def _open(self):
        try:
            return self.store.open().searcher()
        except StoreError:
            raise
        except Exception as e:  # damaged segment files: say so, do not crash the request
            raise StoreError(f"de index in {self.store.root} kan niet worden gelezen ({_brief(e)}); "
                             "bouw hem opnieuw met: kamerzoek index --rebuild PAD") from e
