"""A limit on login attempts per key (an address, a user name) in a sliding window.

Kept in memory: each web process counts its own attempts, and a restart forgets
them. With N web processes behind a balancer, a caller gets up to N times the limit.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class AttemptLimiter:
    """At most `limit` attempts per key in any `window` seconds."""

    def __init__(
        self,
        *,
        limit: int = 10,
        window: float = 60.0,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self._max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._attempts: dict[str, deque[float]] = {}

    def attempt(self, *keys: str) -> float:
        """Count an attempt under every key and answer 0, or when one key is at its
        limit, count nothing and answer the seconds until it may try again."""
        now = self._clock()
        with self._lock:
            waits = [self._wait(key, now) for key in keys]
            if max(waits, default=0.0) > 0:
                return max(waits)
            for key in keys:
                self._attempts.setdefault(key, deque()).append(now)
            if len(self._attempts) > self._max_keys:
                self._sweep(now)
        return 0.0

    def _wait(self, key: str, now: float) -> float:
        times = self._attempts.get(key)
        if times is None:
            return 0.0
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < self.limit:
            return 0.0
        return times[0] + self.window - now

    def _sweep(self, now: float) -> None:
        """Forget keys with no attempt in the window; if there are still too many (a
        flood of distinct names), forget the oldest ones."""
        for key in [k for k, times in self._attempts.items() if times[-1] <= now - self.window]:
            del self._attempts[key]
        while len(self._attempts) > self._max_keys:
            del self._attempts[next(iter(self._attempts))]
