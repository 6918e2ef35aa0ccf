"""How a reader of the shared bus learns that new rows may be there.

- On SQLite it looks every `poll_seconds`: one indexed query for rows after the
  last seq it has, cheap enough to run several times a second.
- On PostgreSQL it LISTENs on a connection of its own; a publisher NOTIFYs in the
  transaction of its insert, which the server sends on commit, so the reader wakes
  at once. It still looks every `safety_seconds` without a notification, in case
  one was lost with a broken connection. While the listening connection is down it
  polls every `poll_seconds` and tries to connect again every `reconnect_seconds`.

A notification only wakes the reader; what to read it finds by seq, so one that is
lost, doubled or meant for another schema of the same database costs a query, not
a message.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

import psycopg
from sqlalchemy import Engine

from mozdef.logfmt import fields

log = logging.getLogger(__name__)

CHANNEL = "mozdef_bus"
# How long one wait for a notification lasts at most: how soon `stop` is seen.
SLICE_SECONDS = 0.25


class Waker(Protocol):
    def prepare(self) -> None:
        """Get ready to be woken, before the reader looks for the first time."""
        ...

    def wait(self, stop: threading.Event) -> None:
        """Return when there may be new rows, or `stop` is set."""
        ...

    def close(self) -> None: ...


class PollWaker:
    def __init__(self, seconds: float) -> None:
        self._seconds = seconds

    def prepare(self) -> None:
        return None

    def wait(self, stop: threading.Event) -> None:
        stop.wait(self._seconds)

    def close(self) -> None:
        return None


class NotifyWaker:
    """Waits for the NOTIFYs of publishers on PostgreSQL; used by one thread."""

    def __init__(
        self,
        engine: Engine,
        *,
        safety_seconds: float = 2.0,
        poll_seconds: float = 0.15,
        reconnect_seconds: float = 5.0,
    ) -> None:
        args, options = engine.dialect.create_connect_args(engine.url)
        self._connect_args = (list(args), {"connect_timeout": 5, **options})
        self._target = engine.url.render_as_string(hide_password=True)
        self._safety = safety_seconds
        self._poll = poll_seconds
        self._reconnect = reconnect_seconds
        self._connection: psycopg.Connection[object] | None = None
        self._tried_at: float | None = None
        self._failing = False

    def prepare(self) -> None:
        """Listen now, so that what is published once the reader started wakes it."""
        self._connect()

    def wait(self, stop: threading.Event) -> None:
        if self._connection is None:
            if self._connect():
                return  # rows may have come while it was not listening
            stop.wait(self._poll)
            return
        deadline = time.monotonic() + self._safety
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._notified(min(SLICE_SECONDS, remaining)):
                return

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _notified(self, seconds: float) -> bool:
        assert self._connection is not None
        try:
            for _ in self._connection.notifies(timeout=seconds, stop_after=1):
                return True
        except psycopg.Error as error:
            log.warning("bus.listen_lost", extra=fields(url=self._target, error=error))
            self._connection.close()
            self._connection = None
            return True
        return False

    def _connect(self) -> bool:
        """Listen on a new connection unless one was tried too recently; whether it
        listens now."""
        now = time.monotonic()
        if self._tried_at is not None and now - self._tried_at < self._reconnect:
            return False
        self._tried_at = now
        args, options = self._connect_args
        connection: psycopg.Connection[object] | None = None
        try:
            connection = psycopg.connect(*args, **options, autocommit=True)
            connection.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as error:
            if connection is not None:
                connection.close()
            # Said once while it stays down: the reader polls meanwhile.
            if not self._failing:
                log.warning("bus.listen_failed", extra=fields(url=self._target, error=error))
            self._failing = True
            return False
        self._connection, self._failing = connection, False
        log.info("bus.listening", extra=fields(url=self._target, channel=CHANNEL))
        return True
