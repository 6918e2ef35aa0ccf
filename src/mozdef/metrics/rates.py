"""Rates of growing counters (events accepted, events indexed) over the last minute.

The node's counters are totals since it started; a rate needs two readings apart in
time. A RateRing keeps the readings of the last `window` seconds, taken when the
health page asks (and on a timer when one runs, see HealthMonitor.start), and gives
each counter's growth per second between the oldest and the newest reading.

Readings closer together than `spacing` replace the newest one instead of adding to
the ring, so that it holds at most window / spacing + 2 readings however often it is
asked. A counter that went down (its process restarted) starts over: the readings
before the drop are forgotten. Readings older than the window are dropped as long as
two remain: when the page was not asked for a while, the first rates after it span
the last two readings (`span_seconds` says how long). A counter absent from a
reading (this process does not run that part) has no rate.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

WINDOW_SECONDS = 60.0
SPACING_SECONDS = 1.0


@dataclass(frozen=True)
class Reading:
    at: float
    values: Mapping[str, int]


class RateRing:
    def __init__(
        self,
        *,
        window: float = WINDOW_SECONDS,
        spacing: float = SPACING_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window = window
        self._spacing = spacing
        self._clock = clock
        self._readings: deque[Reading] = deque(maxlen=int(window / spacing) + 2)
        self._lock = threading.Lock()

    def add(self, values: Mapping[str, int]) -> None:
        """Record the counters' current totals."""
        reading = Reading(self._clock(), dict(values))
        with self._lock:
            if self._restarted(reading):
                self._readings.clear()
            if self._readings and reading.at - self._readings[-1].at < self._spacing:
                if len(self._readings) > 1:
                    self._readings.pop()
                else:
                    return
            self._readings.append(reading)
            self._forget_before(reading.at - self.window)

    def rates(self, names: tuple[str, ...]) -> dict[str, Any]:
        """`{"window_seconds", "span_seconds", name: per second or None, ...}`:
        `span_seconds` is the time between the readings the rates come from."""
        with self._lock:
            readings = list(self._readings)
        answer: dict[str, Any] = {"window_seconds": self.window, "span_seconds": 0.0}
        if len(readings) < 2:
            return answer | dict.fromkeys(names)
        oldest, newest = readings[0], readings[-1]
        span = newest.at - oldest.at
        answer["span_seconds"] = round(span, 3)
        return answer | {name: _rate(oldest, newest, name, span) for name in names}

    def _restarted(self, reading: Reading) -> bool:
        if not self._readings:
            return False
        last = self._readings[-1].values
        return any(name in last and value < last[name] for name, value in reading.values.items())

    def _forget_before(self, moment: float) -> None:
        while len(self._readings) > 2 and self._readings[0].at < moment:
            self._readings.popleft()


def _rate(oldest: Reading, newest: Reading, name: str, span: float) -> float | None:
    if span <= 0 or name not in oldest.values or name not in newest.values:
        return None
    return round((newest.values[name] - oldest.values[name]) / span, 3)
