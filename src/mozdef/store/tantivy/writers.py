"""The open index writers of a store: several days at once, within one memory budget.

Back-filling sends old days while today's events keep coming, so a writer stays
open per day that receives documents, up to `max_writers`. Each gets an equal
share of the heap budget (tantivy needs at least 15 MB per indexing thread).
Opening one more commits and closes the least recently used; a writer that has
received nothing for `idle_seconds` is committed and closed at the next commit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import tantivy

from mozdef.logfmt import fields

log = logging.getLogger(__name__)

MIN_HEAP_PER_THREAD = 15_000_000


@dataclass
class _Open:
    writer: tantivy.IndexWriter
    index: tantivy.Index
    dirty: bool = False
    used: float = 0.0


class WriterPool:
    def __init__(
        self,
        open_index: Callable[[str], tantivy.Index],
        *,
        heap_bytes: int,
        max_writers: int,
        threads: int,
        idle_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._open_index = open_index
        self._heap = max(heap_bytes // max_writers, MIN_HEAP_PER_THREAD * threads)
        self._max = max_writers
        self._threads = threads
        self._idle = idle_seconds
        self._clock = clock
        self._writers: dict[str, _Open] = {}

    def writer(self, name: str) -> tantivy.IndexWriter:
        """The writer of index `name`, opened (and the index created) if needed."""
        entry = self._writers.get(name)
        if entry is None:
            if len(self._writers) >= self._max:
                self._close(min(self._writers, key=lambda key: self._writers[key].used))
            index = self._open_index(name)
            entry = _Open(index.writer(self._heap, self._threads), index)
            self._writers[name] = entry
            log.debug("store.writer_open", extra=fields(index=name, heap=self._heap))
        entry.dirty = True
        entry.used = self._clock()
        return entry.writer

    def commit(self) -> list[tantivy.Index]:
        """Commit every writer that received documents; returns their indices."""
        committed = []
        for entry in self._writers.values():
            if entry.dirty:
                entry.writer.commit()
                entry.dirty = False
                committed.append(entry.index)
        now = self._clock()
        for name in [n for n, e in self._writers.items() if now - e.used > self._idle]:
            self._close(name)
        return committed

    def rollback(self, name: str) -> None:
        """Forget what index `name` received since its last commit."""
        entry = self._writers.get(name)
        if entry is not None:
            entry.writer.rollback()
            entry.dirty = False

    def discard(self, name: str) -> None:
        """Close the writer of `name` without committing (its index is being dropped)."""
        entry = self._writers.pop(name, None)
        if entry is not None:
            entry.writer.rollback()

    def close_all(self) -> None:
        for name in list(self._writers):
            self._close(name, wait=True)

    def open_names(self) -> list[str]:
        return sorted(self._writers)

    def _close(self, name: str, *, wait: bool = False) -> None:
        entry = self._writers.pop(name)
        if entry.dirty:
            entry.writer.commit()
            entry.index.reload()
        if wait:
            entry.writer.wait_merging_threads()
        log.debug("store.writer_close", extra=fields(index=name))
