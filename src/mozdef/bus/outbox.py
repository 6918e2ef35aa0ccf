"""The publishing side of the shared bus: a bounded queue and the thread that writes it.

`publish` must not hold up the alert engine, so it only puts the encoded message
in memory; a thread writes what is waiting, in publishing order, in one transaction
per pass. The queue holds `size` messages: past that the oldest is dropped and
counted (`dropped`), which happens only while the database cannot keep up or is
down. A pass the database refuses is logged (once while it keeps failing) and its
messages are dropped and counted (`publish_failed`): realtime news that arrives
late is of little use, and the alerts themselves are in the store.

On PostgreSQL each pass takes a transaction-level advisory lock before it inserts,
so passes of several processes commit one after the other in the order of their
seqs. A reader that has seen seq N may then skip to it: no row below N can still
appear. (Without it a transaction could take seq 10, another seq 11 and commit
first, and a reader would move past 10 before it was there.) SQLite gives this on
its own, as it lets one transaction write at a time. The NOTIFY that wakes the
readers goes in the same transaction, and so leaves only with the rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, insert, text

from mozdef.appdb.db import AppDb
from mozdef.bus.tables import bus_messages as table
from mozdef.bus.wake import CHANNEL
from mozdef.logfmt import fields

log = logging.getLogger(__name__)

# The advisory lock publishers take in turn ("mozbus" in ASCII).
PUBLISH_LOCK = 0x6D6F7A627573
# How often the thread wakes without messages, to run `after_pass`.
IDLE_SECONDS = 1.0


@dataclass(frozen=True)
class Pending:
    topic: str
    payload: bytes
    published: dt.datetime


class Outbox:
    def __init__(
        self,
        db: AppDb,
        *,
        counts: Counter[str],
        size: int = 10_000,
        batch: int = 200,
        after_pass: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._counts = counts
        self._waiting: deque[Pending] = deque()
        self._size = size
        self._batch = batch
        self._after_pass = after_pass
        self._writing = 0
        self._changed = threading.Condition()
        self._stop = False
        self._failing = False
        self._thread: threading.Thread | None = None

    def put(self, message: Pending) -> None:
        with self._changed:
            if len(self._waiting) >= self._size:
                self._waiting.popleft()
                self._counts["dropped"] += 1
            self._waiting.append(message)
            self._changed.notify_all()

    def start(self) -> None:
        with self._changed:
            self._stop = False
        self._thread = threading.Thread(target=self._loop, name="mozdef-bus-outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Write what is waiting (for up to `timeout` seconds), then stop."""
        if self._thread is None:
            return
        self.flush(timeout)
        with self._changed:
            self._stop = True
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every message put so far was written or given up; whether it
        happened within `timeout` seconds."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._waiting and not self._writing, timeout)

    def _loop(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._waiting or self._stop, IDLE_SECONDS)
                if self._stop:
                    return
                taken = [
                    self._waiting.popleft() for _ in range(min(self._batch, len(self._waiting)))
                ]
                self._writing = len(taken)
            if taken:
                self._write(taken)
            self._run_after_pass()
            with self._changed:
                self._writing = 0
                self._changed.notify_all()

    def _write(self, taken: list[Pending]) -> None:
        try:
            with self._db.begin() as connection:
                write(connection, taken)
        except Exception as error:
            # The isolation boundary of one pass: the next one may find the database back.
            self._counts["publish_failed"] += len(taken)
            if not self._failing:
                log.error(
                    "bus.publish_failed",
                    extra=fields(messages=len(taken), url=self._db.safe_url, error=error),
                )
            self._failing = True
            return
        self._counts["published"] += len(taken)
        if self._failing:
            log.info("bus.publish_recovered", extra=fields(url=self._db.safe_url))
        self._failing = False

    def _run_after_pass(self) -> None:
        try:
            self._after_pass()
        except Exception:
            log.exception("bus.after_pass_failed")


def write(connection: Connection, messages: list[Pending]) -> None:
    """Insert `messages` in order and wake the readers, in the caller's transaction."""
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PUBLISH_LOCK})
    # One statement per row: a multi-row INSERT does not promise seqs in row order.
    for message in messages:
        values = {
            "topic": message.topic,
            "payload": message.payload.decode(),
            "published": message.published,
        }
        connection.execute(insert(table).values(**values))
    if postgres:
        connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
