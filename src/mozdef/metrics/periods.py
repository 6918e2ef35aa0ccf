"""Calendar periods for incident metrics: UTC months, and ISO weeks starting on Monday."""

from __future__ import annotations

import datetime as dt
from typing import Literal

Period = Literal["month", "week"]
PERIODS: tuple[Period, ...] = ("month", "week")


def period_start(moment: dt.datetime, period: Period) -> dt.datetime:
    """The start (00:00 UTC) of the month or week holding `moment`."""
    day = moment.astimezone(dt.UTC).date()
    if period == "month":
        day = day.replace(day=1)
    else:
        day -= dt.timedelta(days=day.weekday())
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def next_start(start: dt.datetime, period: Period) -> dt.datetime:
    """The start of the period after the one starting at `start`."""
    if period == "week":
        return start + dt.timedelta(weeks=1)
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start.replace(year=year, month=month, day=1)


def period_starts(start: dt.datetime, end: dt.datetime, period: Period) -> list[dt.datetime]:
    """The start of every period that overlaps `[start, end)`, in order."""
    starts: list[dt.datetime] = []
    current = period_start(start, period)
    while current < end:
        starts.append(current)
        current = next_start(current, period)
    return starts
