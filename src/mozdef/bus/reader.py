"""The reading side of the shared bus: one thread per process hands new rows to the
process's listeners, in seq order.

It starts after the last row there is when it starts: a process hears what is
published from then on, not what came before. A row whose payload cannot be read is
logged, counted (`unreadable`) and passed over. Listeners run in this thread: one
that has slow work to do hands the message to its own queue (the live routes do).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter
from collections.abc import Callable

import orjson
from sqlalchemy import func, select

from mozdef.appdb.db import AppDb
from mozdef.bus.message import Fanout, Message
from mozdef.bus.tables import bus_messages as table
from mozdef.bus.wake import Waker
from mozdef.logfmt import fields

log = logging.getLogger(__name__)

# seq, topic, payload (JSON text), published
_Row = tuple[int, str, str, dt.datetime]


class Reader:
    def __init__(
        self,
        db: AppDb,
        fanout: Fanout,
        waker: Waker,
        *,
        counts: Counter[str],
        batch: int = 500,
        after_pass: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._fanout = fanout
        self._waker = waker
        self._counts = counts
        self._batch = batch
        self._after_pass = after_pass
        self._last: int | None = None
        self._failing = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start after the newest row; if the database cannot say which it is now,
        the thread asks again until it can."""
        self._stop.clear()
        self._waker.prepare()
        self._try(self._find_start)
        self._thread = threading.Thread(target=self._loop, name="mozdef-bus-reader", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._waker.close()

    def read_new(self) -> int:
        """Deliver the rows after the last one read; answers how many were read."""
        if self._last is None:
            self._find_start()
            return 0
        total = 0
        while True:
            rows = self._fetch(self._last)
            for row in rows:
                self._deliver(row)
            total += len(rows)
            if len(rows) < self._batch:
                return total

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._try(self.read_new)
            self._after_pass()
            self._waker.wait(self._stop)

    def _try(self, step: Callable[[], object]) -> None:
        try:
            step()
        except Exception as error:
            # The database went away: keep trying, saying so once per outage.
            self._counts["read_failed"] += 1
            if not self._failing:
                log.error("bus.read_failed", extra=fields(url=self._db.safe_url, error=error))
            self._failing = True
            return
        if self._failing:
            log.info("bus.read_recovered", extra=fields(url=self._db.safe_url))
        self._failing = False

    def _find_start(self) -> None:
        with self._db.begin() as connection:
            newest = connection.execute(select(func.max(table.c.seq))).scalar()
        self._last = int(newest or 0)

    def _fetch(self, after: int) -> list[_Row]:
        query = (
            select(table.c.seq, table.c.topic, table.c.payload, table.c.published)
            .where(table.c.seq > after)
            .order_by(table.c.seq)
            .limit(self._batch)
        )
        with self._db.begin() as connection:
            rows = connection.execute(query).all()
        return [(int(r.seq), str(r.topic), str(r.payload), r.published) for r in rows]

    def _deliver(self, row: _Row) -> None:
        seq, topic, payload, published = row
        self._last = seq
        try:
            decoded = orjson.loads(payload)
        except orjson.JSONDecodeError as error:
            decoded = error
        if not isinstance(decoded, dict):
            self._counts["unreadable"] += 1
            problem = f"expected a JSON object, found {str(decoded)[:80]!r}"
            log.error("bus.unreadable", extra=fields(seq=seq, topic=topic, error=problem))
            return
        self._counts["delivered"] += 1
        self._fanout.deliver(Message(seq, topic, decoded, published))
