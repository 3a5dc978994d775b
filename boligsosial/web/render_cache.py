"""Rendered public chart pages and images, kept in memory per data version.

Drawing a chart page reads the warehouse and lays out SVG; the result depends only on the data
version, the normalised view parameters, the language (one of those parameters), the kind of
response and the site address written into share links. So it is built once and then served
from here: a repeat request does no data query and no drawing. Entries belong to one data
version; when a request sees a newer version (the ETL published a new warehouse), everything
older is dropped at once. The cache is bounded in entries and bytes (least recently used goes
first), so odd parameter combinations cannot grow it without limit.

Each gunicorn worker has its own copy; the ETag and Cache-Control headers let a CDN or reverse
proxy in front share one copy between workers and replicas (docs/deploy.md).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Hashable


@dataclass(frozen=True)
class Rendered:
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


class RenderCache:
    def __init__(self, max_entries: int = 512, max_bytes: int = 32 * 1024 * 1024):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, Rendered] = OrderedDict()
        self._bytes = 0
        self._version: str | None = None
        self.hits = 0
        self.misses = 0

    def get_or_build(self, version: str, key: Hashable, build: Callable[[], Rendered]) -> Rendered:
        """The entry for `key` under data `version`, built (outside the lock) when missing.
        An exception from `build` is not cached: the next request tries again."""
        with self._lock:
            if version != self._version:
                self._clear(version)
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        built = build()
        with self._lock:
            if version == self._version and key not in self._entries and len(built.body) <= self.max_bytes:
                self._entries[key] = built
                self._bytes += len(built.body)
                while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                    _, dropped = self._entries.popitem(last=False)
                    self._bytes -= len(dropped.body)
        return built

    def clear(self) -> None:
        with self._lock:
            self._clear(None)

    def __len__(self) -> int:
        return len(self._entries)

    def _clear(self, version: str | None) -> None:
        self._entries.clear()
        self._bytes = 0
        self._version = version
