"""Durations and schedules as rule files write them.

A duration is a whole number and a unit: `30s`, `5m`, `2h`, `1d`, `1w`. A schedule
is a duration (run every so often) or a crontab of five fields in UTC
(`*/5 * * * *`, `0 6 * * 1-5`).
"""

from __future__ import annotations

import datetime as dt
import re

from croniter import croniter

from mozdef.alerts.rule import Schedule

_DURATION = re.compile(r"\s*(\d+)\s*([smhdw])\s*")
_UNITS = {
    "s": dt.timedelta(seconds=1),
    "m": dt.timedelta(minutes=1),
    "h": dt.timedelta(hours=1),
    "d": dt.timedelta(days=1),
    "w": dt.timedelta(weeks=1),
}
# MozDef's deadman JSON names its window unit in words.
WORD_UNITS = {
    "seconds": "s",
    "minutes": "m",
    "hours": "h",
    "days": "d",
    "weeks": "w",
}


def parse_duration(value: object) -> dt.timedelta:
    """`value` as a positive duration; ValueError says what was expected."""
    match = _DURATION.fullmatch(value) if isinstance(value, str) else None
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"expected a duration such as 30s, 5m, 2h, 1d or 1w, found {value!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


def parse_schedule(value: object, *, lookback: dt.timedelta) -> Schedule:
    """An interval (a duration) or a five-field crontab, with the rule's look-back."""
    if isinstance(value, str) and len(value.split()) == 5:
        if not croniter.is_valid(value):
            raise ValueError(f"expected a valid five-field crontab, found {value!r}")
        return Schedule(crontab=value, lookback=lookback)
    try:
        return Schedule(interval=parse_duration(value), lookback=lookback)
    except ValueError:
        raise ValueError(
            f"expected an interval such as 5m or a crontab such as '*/5 * * * *', found {value!r}"
        ) from None


def describe(duration: dt.timedelta) -> str:
    """The shortest way to write `duration` in the units above: 300 s is `5m`."""
    seconds = int(duration.total_seconds())
    for unit in ("w", "d", "h", "m"):
        size = int(_UNITS[unit].total_seconds())
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
