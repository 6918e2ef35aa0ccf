"""Months and ISO weeks in UTC."""

from __future__ import annotations

import datetime as dt

from mozdef.metrics.periods import next_start, period_start, period_starts


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def test_a_month_starts_on_its_first_day_in_utc() -> None:
    east = dt.timezone(dt.timedelta(hours=2))
    moment = dt.datetime(2026, 3, 1, 1, 0, tzinfo=east)

    assert period_start(moment, "month") == utc(2026, 2, 1)


def test_a_week_starts_on_monday() -> None:
    assert period_start(utc(2026, 1, 10, 15, 30), "week") == utc(2026, 1, 5)


def test_the_month_after_december_is_january() -> None:
    assert next_start(utc(2026, 12, 1), "month") == utc(2027, 1, 1)


def test_period_starts_lists_every_period_the_window_touches() -> None:
    starts = period_starts(utc(2026, 1, 15), utc(2026, 3, 1), "month")

    assert starts == [utc(2026, 1, 1), utc(2026, 2, 1)]
