"""The bus between processes, through the application database.

Alerts are made in the worker or alerts process; browsers follow them through the
web processes, of which there may be several. `SharedBus` joins them with what
every mode already has, the application database (SQLite for `mozdef serve`,
PostgreSQL in scale-out), rather than another server:
- `publish` puts the message, bounded (mozdef.bus.payload), in a queue that a
  thread writes to the `bus_messages` table (mozdef.bus.outbox). It never raises
  and never waits on the database;
- `start()` with `read=True` starts the reader (mozdef.bus.reader), which hands the
  rows published from then on, by any process, this one included, to the
  listeners of this process, in seq order. On PostgreSQL the reader wakes on the
  publishers' NOTIFY, on SQLite it polls (mozdef.bus.wake);
- rows older than `keep` are deleted, every `prune_seconds`, by whichever process
  gets to it first (both threads try); on PostgreSQL one at a time, under an
  advisory lock.

`counts` tells what happened: published, rejected (not JSON-ready, or a bad topic),
trimmed, dropped (the queue was full), publish_failed, delivered, unreadable,
listener_failed, read_failed, pruned, prune_failed.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable

from sqlalchemy import delete, text

from mozdef.alerts.bus import Payload, Subscriber, Unsubscribe
from mozdef.appdb.db import AppDb
from mozdef.bus.message import Fanout, Listener, encode_for_bus
from mozdef.bus.outbox import Outbox, Pending
from mozdef.bus.payload import MAX_PAYLOAD_BYTES
from mozdef.bus.reader import Reader
from mozdef.bus.tables import bus_messages as table
from mozdef.bus.wake import NotifyWaker, PollWaker, Waker
from mozdef.logfmt import fields

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
# The advisory lock of the pruning process ("mozbpr" in ASCII).
PRUNE_LOCK = 0x6D6F7A627072


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SharedBus:
    def __init__(
        self,
        db: AppDb,
        *,
        poll_seconds: float = 0.15,
        safety_seconds: float = 2.0,
        keep: dt.timedelta = dt.timedelta(minutes=5),
        prune_seconds: float = 30.0,
        max_payload: int = MAX_PAYLOAD_BYTES,
        queue_size: int = 10_000,
        clock: Clock = _utc_now,
    ) -> None:
        self.db = db
        self.counts: Counter[str] = Counter()
        self._fanout = Fanout(self.counts)
        self._keep = keep
        self._prune_seconds = prune_seconds
        self._max_payload = max_payload
        self._clock = clock
        self._pruned_at = time.monotonic()
        self._prune_lock = threading.Lock()
        self._outbox = Outbox(db, counts=self.counts, size=queue_size, after_pass=self.prune_if_due)
        self._reader = Reader(
            db,
            self._fanout,
            self._waker(poll_seconds, safety_seconds),
            counts=self.counts,
            after_pass=self.prune_if_due,
        )
        self._reading = False

    def subscribe(
        self, callback: Subscriber, *, topics: Iterable[str] | None = None
    ) -> Unsubscribe:
        """As `Bus.subscribe`; called by the reader's thread, and only once started
        with `read=True`."""
        return self._fanout.subscribe(callback, topics=topics)

    def listen(self, listener: Listener, *, topics: Iterable[str] | None = None) -> Unsubscribe:
        return self._fanout.listen(listener, topics=topics)

    def publish(self, topic: str, payload: Payload) -> None:
        encoded = encode_for_bus(topic, payload, limit=self._max_payload, counts=self.counts)
        if encoded is not None:
            self._outbox.put(Pending(topic, encoded, self._clock()))

    def start(self, *, read: bool = True) -> None:
        """Start writing what is published and, with `read`, reading what any process
        publishes from now on."""
        self._outbox.start()
        if read:
            self._reader.start()
        self._reading = read

    def stop(self, timeout: float = 5.0) -> None:
        """Write what is waiting (up to `timeout` seconds) and stop both threads."""
        if self._reading:
            self._reader.stop(timeout)
            self._reading = False
        self._outbox.stop(timeout)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until what was published so far is written (or given up); whether it
        happened within `timeout` seconds."""
        return self._outbox.flush(timeout)

    def prune(self) -> int:
        """Delete the rows published more than `keep` ago; answers how many (0 when
        another process is pruning)."""
        cutoff = self._clock() - self._keep
        with self.db.begin() as connection:
            if connection.dialect.name == "postgresql":
                locked = connection.execute(
                    text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": PRUNE_LOCK}
                ).scalar()
                if not locked:
                    return 0
            deleted = connection.execute(delete(table).where(table.c.published < cutoff))
        count = int(deleted.rowcount)
        self.counts["pruned"] += count
        return count

    def prune_if_due(self) -> None:
        """Prune unless it was done (or tried) less than `prune_seconds` ago."""
        with self._prune_lock:
            now = time.monotonic()
            if now - self._pruned_at < self._prune_seconds:
                return
            self._pruned_at = now
        try:
            count = self.prune()
        except Exception as error:
            self.counts["prune_failed"] += 1
            log.warning("bus.prune_failed", extra=fields(url=self.db.safe_url, error=error))
            return
        if count:
            log.debug("bus.pruned", extra=fields(rows=count))

    def _waker(self, poll_seconds: float, safety_seconds: float) -> Waker:
        if self.db.engine.dialect.name == "postgresql":
            return NotifyWaker(
                self.db.engine, safety_seconds=safety_seconds, poll_seconds=poll_seconds
            )
        return PollWaker(poll_seconds)
