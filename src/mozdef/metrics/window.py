"""The parameters every metrics request shares: a time window, a bucket width, a size.

Times are written as the search API takes them (ISO 8601, epoch milliseconds, date
math such as `now-7d/d`, or a bare duration before now such as `24h`). A window is
`[start, end)`; `end` defaults to now and must come after `start`.

Event-store series use a fixed bucket width (`30s`, `5m`, `1h`, `1d`, `7d`: what every
store's `date_histogram` takes as `fixed_interval`); `auto` (the default) picks the
smallest width of AUTO_LADDER that gives at most AUTO_BUCKETS buckets. Buckets start
at whole multiples of the width since the epoch, in UTC, as the stores align them.

A bad parameter raises MetricsParameterError, which names the parameter.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from mozdef.errors import QueryError
from mozdef.query.datemath import resolve_time

MAX_BUCKETS = 1000
AUTO_BUCKETS = 120
AUTO_LADDER = ("1m", "5m", "10m", "30m", "1h", "3h", "6h", "12h", "1d", "7d", "30d")
TIMES = (
    "an ISO 8601 time, epoch milliseconds, date math such as now-7d/d, or a duration such as 24h"
)
_INTERVAL = re.compile(r"([1-9]\d{0,5})([smhd])")
_UNIT_MILLIS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class MetricsParameterError(QueryError):
    """A metrics request parameter that cannot be used; `parameter` names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class FixedInterval:
    """A bucket width as the stores take it (`text`) and in milliseconds."""

    text: str
    millis: int

    def bucket_starts(self, window: Window) -> list[int]:
        """Epoch milliseconds of every bucket that overlaps `window`."""
        first = to_millis(window.start) // self.millis * self.millis
        return list(range(first, to_millis(window.end), self.millis))


def window(params: Mapping[str, str], *, now: dt.datetime, default_start: str) -> Window:
    """The `[start, end)` that `params` ask for."""
    start = _time(params, "start", default_start, now=now, round_up=False)
    end = _time(params, "end", None, now=now, round_up=True)
    if end <= start:
        raise MetricsParameterError(
            "end", f"{end.isoformat()} is not after start {start.isoformat()}"
        )
    return Window(start, end)


def fixed_interval(raw: str | None, span: Window) -> FixedInterval:
    """The bucket width `raw` names (`auto` or none: chosen from the window)."""
    if raw is None or raw.strip() in ("", "auto"):
        return _auto(span)
    interval = _parsed(raw.strip())
    if interval is None:
        expected = "auto or a whole number and a unit of s, m, h, d, such as 5m or 1h"
        raise MetricsParameterError("interval", f"expected {expected}, found {raw!r}")
    count = len(interval.bucket_starts(span))
    if count > MAX_BUCKETS:
        reason = f"{interval.text} makes {count} buckets over the window, more than {MAX_BUCKETS}"
        raise MetricsParameterError("interval", f"{reason}; choose a larger one")
    return interval


def bounded_int(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise MetricsParameterError(name, f"expected a whole number, found {raw!r}") from None
    if not low <= value <= high:
        raise MetricsParameterError(name, f"expected {low} to {high}, found {value}")
    return value


def to_millis(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // dt.timedelta(milliseconds=1)


def from_millis(millis: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(milliseconds=millis)


def iso(moment: dt.datetime) -> str:
    """A time as every metrics answer writes it: UTC, to the millisecond."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def _time(
    params: Mapping[str, str], name: str, default: str | None, *, now: dt.datetime, round_up: bool
) -> dt.datetime:
    raw = params.get(name) or default
    if raw is None:
        return now
    try:
        return resolve_time(raw, now=now, round_up=round_up)
    except QueryError:
        raise MetricsParameterError(name, f"expected {TIMES}, found {raw!r}") from None


def _parsed(text: str) -> FixedInterval | None:
    match = _INTERVAL.fullmatch(text)
    return None if match is None else FixedInterval(text, int(match[1]) * _UNIT_MILLIS[match[2]])


def _auto(span: Window) -> FixedInterval:
    ladder = [interval for interval in map(_parsed, AUTO_LADDER) if interval is not None]
    for interval in ladder:
        if len(interval.bucket_starts(span)) <= AUTO_BUCKETS:
            return interval
    widest = ladder[-1]
    if len(widest.bucket_starts(span)) > MAX_BUCKETS:
        reason = f"the window is too long for {MAX_BUCKETS} buckets of {widest.text}"
        raise MetricsParameterError("start", reason)
    return widest
