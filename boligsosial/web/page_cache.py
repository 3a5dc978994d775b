"""The server-rendered part of each page, kept per process so that a page is built once per
view and data version rather than on every request (building it runs the page's queries,
writes its HTML: most of a page request's CPU time).

Key: (path, query parameters, data version). The data version is the one the request reads
(db.pin keeps a request on one warehouse file), so a newly published warehouse is never
answered with a page built from the old one: its version is a new key, and the old version's
pages are dropped the first time the new version is stored. Pages that show state beyond the
warehouse (the status page reads the ETL run log, which changes without a new data version)
are never kept. Bounded by total size; the least recently used pages go first.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Callable, Mapping

from boligsosial.config import settings
from boligsosial.warehouse import db

# The status page reports the latest ETL run (boligsosial.warehouse.runs), which is not part of the
# data version: a failed refresh must show at once.
LIVE_PATHS = frozenset({"/status"})
DEFAULT_MB = 32

Key = tuple[str, tuple[tuple[str, str], ...], str]
Parts = dict[str, str]  # what the document gets: body, title, first_chart (boligsosial/web/page_route.py)


class PageCache:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._pages: OrderedDict[Key, tuple[Parts, int]] = OrderedDict()
        self._bytes = 0
        self._version: str | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_build(self, path: str, query: Mapping[str, str], version: str | None, build: Callable[[], Parts]) -> Parts:
        """The page's parts from the cache, or from build() (stored when the page may be kept).
        version None (no warehouse served) is never stored: the page is a notice."""
        if version is None or path in LIVE_PATHS:
            return build()
        key = (path, tuple(sorted(query.items())), version)
        with self._lock:
            found = self._pages.get(key)
            if found is not None:
                self._pages.move_to_end(key)
                self.hits += 1
                return found[0]
            self.misses += 1
        parts = build()
        size = sum(len(value) for value in parts.values())
        with self._lock:
            if version != self._version:
                # A new warehouse was published: pages of the old one are never asked for again.
                self._pages.clear()
                self._bytes = 0
                self._version = version
            if size <= self.max_bytes and key not in self._pages:
                self._pages[key] = (parts, size)
                self._bytes += size
                while self._bytes > self.max_bytes:
                    _, (_, dropped) = self._pages.popitem(last=False)
                    self._bytes -= dropped
        return parts

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0
            self._version = None
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._pages)


def served_version() -> str | None:
    """What a page is built from: the data version this request reads, and which file that is
    (a version names published content; the file tells apart test or hand-made warehouses that
    reuse a version name). None when no warehouse is served."""
    try:
        version = db.data_version()
        path = settings.warehouse_path()
        stat = os.stat(path)
    except (db.WarehouseUnavailable, OSError):
        return None
    return f"{version} {path} {stat.st_dev}:{stat.st_ino}"


cache = PageCache(int(float(os.environ.get("BOLIG_PAGE_CACHE_MB", DEFAULT_MB)) * 1024 * 1024))
