from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mozdef.errors import QueryValueError
from mozdef.query.datemath import parse_instant, resolve_time

# A Wednesday.
NOW = datetime(2024, 5, 15, 10, 30, 45, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
        ("2024-05-01T10:00:00+02:00", datetime(2024, 5, 1, 8, 0, tzinfo=UTC)),
        ("2024-05-01T10:00:00", datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05-01T10:00:00.250Z", datetime(2024, 5, 1, 10, 0, 0, 250000, tzinfo=UTC)),
    ],
)
def test_absolute_iso_times_resolve_in_utc(text: str, expected: datetime) -> None:
    assert resolve_time(text, now=NOW) == expected


def test_epoch_milliseconds_resolve() -> None:
    expected = datetime(2024, 5, 1, 10, 0, 0, 500000, tzinfo=UTC)
    assert resolve_time("1714557600500", now=NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("now-15m", NOW - timedelta(minutes=15)),
        ("now+1h", NOW + timedelta(hours=1)),
        ("now-2H", NOW - timedelta(hours=2)),
        ("now-30s", NOW - timedelta(seconds=30)),
        ("now-7d", NOW - timedelta(days=7)),
        ("now-1w", NOW - timedelta(days=7)),
        ("now-1M", datetime(2024, 4, 15, 10, 30, 45, 123456, tzinfo=UTC)),
        ("now-1y", datetime(2023, 5, 15, 10, 30, 45, 123456, tzinfo=UTC)),
        ("now-1d-1h", NOW - timedelta(days=1, hours=1)),
    ],
)
def test_now_with_arithmetic_resolves(text: str, expected: datetime) -> None:
    assert resolve_time(text, now=NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now/d", datetime(2024, 5, 15, tzinfo=UTC)),
        ("now-7d/d", datetime(2024, 5, 8, tzinfo=UTC)),
        ("now/h", datetime(2024, 5, 15, 10, tzinfo=UTC)),
        ("now/m", datetime(2024, 5, 15, 10, 30, tzinfo=UTC)),
        ("now/s", datetime(2024, 5, 15, 10, 30, 45, tzinfo=UTC)),
        ("now/w", datetime(2024, 5, 13, tzinfo=UTC)),
        ("now/M", datetime(2024, 5, 1, tzinfo=UTC)),
        ("now/y", datetime(2024, 1, 1, tzinfo=UTC)),
    ],
)
def test_rounding_goes_down_to_the_unit_start(text: str, expected: datetime) -> None:
    assert resolve_time(text, now=NOW) == expected


def test_rounding_up_goes_to_the_last_millisecond_of_the_unit() -> None:
    expected = datetime(2024, 5, 15, 23, 59, 59, 999000, tzinfo=UTC)
    assert resolve_time("now/d", now=NOW, round_up=True) == expected


def test_rounding_up_changes_nothing_without_rounding() -> None:
    assert resolve_time("now-1h", now=NOW, round_up=True) == NOW - timedelta(hours=1)


def test_adding_a_month_clamps_to_the_month_end() -> None:
    expected = datetime(2024, 2, 29, tzinfo=UTC)
    assert resolve_time("2024-01-31||+1M", now=NOW) == expected


def test_math_anchored_on_a_date_applies_to_that_date() -> None:
    expected = datetime(2024, 5, 2, tzinfo=UTC)
    assert resolve_time("2024-05-01T13:00:00Z||+1d/d", now=NOW) == expected


@pytest.mark.parametrize(
    ("text", "ago"),
    [
        ("15m", timedelta(minutes=15)),
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
    ],
)
def test_bare_duration_means_that_long_ago(text: str, ago: timedelta) -> None:
    assert resolve_time(text, now=NOW) == NOW - ago


def test_naive_now_is_taken_as_utc() -> None:
    naive = datetime(2024, 5, 15, 10, 0)
    assert resolve_time("now-1h", now=naive) == datetime(2024, 5, 15, 9, 0, tzinfo=UTC)


def test_zoned_now_is_converted_to_utc() -> None:
    zoned = datetime(2024, 5, 15, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert resolve_time("now", now=zoned) == datetime(2024, 5, 15, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["yesterday", "now-15x", "now-", "now/q", "2024-13-01", ""])
def test_unreadable_time_raises_naming_the_value(text: str) -> None:
    with pytest.raises(QueryValueError) as raised:
        resolve_time(text, now=NOW)

    assert raised.value.value == text


def test_parse_instant_is_none_for_text_that_is_not_a_time() -> None:
    assert parse_instant("not a time") is None
