"""An in-memory queue with the spool's semantics but no durability, for tests,
plugin authors and one-shot commands such as `mozdef ingest`."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from mozdef.errors import QueueFullError
from mozdef.queue.base import Delivery, Record


class MemoryQueue:
    def __init__(self, *, max_pending: int = 100_000) -> None:
        self._records: list[Record] = []
        self._offset = 0  # position of self._records[0]
        self._consumed = 0
        self._acked = 0
        self._max_pending = max_pending
        self._changed = threading.Condition()

    def publish(self, records: Sequence[Record]) -> int:
        with self._changed:
            end = self._offset + len(self._records)
            if end - self._acked + len(records) > self._max_pending:
                raise QueueFullError("memory queue", retry_after=1.0)
            self._records.extend(records)
            self._changed.notify_all()
            return end + len(records)

    def consume(self, max_records: int, *, timeout: float) -> Delivery | None:
        with self._changed:
            if not self._changed.wait_for(self._has_unconsumed, timeout):
                return None
            start = self._consumed - self._offset
            batch = self._records[start : start + max_records]
            self._consumed += len(batch)
            return Delivery(records=batch, token=self._consumed)

    def _has_unconsumed(self) -> bool:
        return self._offset + len(self._records) > self._consumed

    @property
    def window_full(self) -> bool:
        return False

    def ack(self, token: int) -> None:
        with self._changed:
            self._acked = max(self._acked, token)
            drop = self._acked - self._offset
            del self._records[:drop]
            self._offset += drop
            self._changed.notify_all()

    def wait_acked(self, position: int, *, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._acked >= position, timeout)

    def pending_bytes(self) -> int:
        with self._changed:
            return sum(len(r.body) for r in self._records[self._acked - self._offset :])

    def close(self) -> None:
        pass
