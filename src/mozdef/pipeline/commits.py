"""A store commit on a thread of its own, so that the worker goes on meanwhile.

Committing the embedded store writes the segments that tantivy's indexing
threads built in memory: a few hundred milliseconds during which the
interpreter's lock is free. Run on this thread, the commit overlaps with the
worker reading and transforming the next delivery; the store's own lock holds
the next documents back until the commit is over, so the commit covers exactly
what the store took before it started.

The worker acknowledges the queue itself once `finished` hands back the token of
a completed commit: queue clients such as pika must be used from one thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass


@dataclass(frozen=True)
class Committed:
    # The queue token that the commit covers.
    token: int
    ms: float


class CommitThread:
    def __init__(self, commit: Callable[[], None]) -> None:
        self._commit = commit
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mozdef-commit")
        self._running: Future[Committed] | None = None

    @property
    def busy(self) -> bool:
        return self._running is not None

    def start(self, token: int) -> None:
        """Commit in the background what the store took so far, which covers `token`."""
        if self._running is not None:
            raise RuntimeError("a commit is already running")
        self._running = self._executor.submit(self._timed, token)

    def finished(self, *, wait: bool) -> Committed | None:
        """The commit that ended since the last call (waiting for it with `wait`), or
        None; re-raises the error that the commit raised."""
        running = self._running
        if running is None or (not wait and not running.done()):
            return None
        self._running = None
        return running.result()

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    def _timed(self, token: int) -> Committed:
        started = time.monotonic()
        self._commit()
        return Committed(token, (time.monotonic() - started) * 1000)
