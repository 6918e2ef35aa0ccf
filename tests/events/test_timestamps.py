from datetime import UTC, datetime, timedelta, timezone

import pytest

from mozdef.events.timestamps import format_timestamp, parse_timestamp

NOW = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)


def parse(value: object, now: datetime = NOW) -> datetime | None:
    return parse_timestamp(value, now=now)


def at(year: int, month: int, day: int, *time: int) -> datetime:
    hour, minute, second, micro = (*time, 0, 0, 0, 0)[:4]
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def test_iso_with_z_is_utc() -> None:
    assert parse("2024-01-02T03:04:05Z") == at(2024, 1, 2, 3, 4, 5)


def test_iso_without_zone_is_taken_as_utc() -> None:
    assert parse("2024-01-02T03:04:05") == at(2024, 1, 2, 3, 4, 5)


def test_iso_offset_is_converted_to_utc() -> None:
    assert parse("2024-01-02T03:04:05+02:00") == at(2024, 1, 2, 1, 4, 5)


def test_iso_offset_without_colon_is_read() -> None:
    assert parse("2024-01-02T03:04:05-0130") == at(2024, 1, 2, 4, 34, 5)


def test_iso_with_space_separator_is_read() -> None:
    assert parse("2024-01-02 03:04:05.250") == at(2024, 1, 2, 3, 4, 5, 250000)


def test_iso_nanoseconds_are_cut_to_microseconds() -> None:
    assert parse("2024-01-02T03:04:05.123456789Z") == at(2024, 1, 2, 3, 4, 5, 123456)


def test_iso_with_lower_case_t_and_z_is_read() -> None:
    assert parse("2024-01-02t03:04:05.5z") == at(2024, 1, 2, 3, 4, 5, 500000)


def test_iso_date_alone_is_midnight_utc() -> None:
    assert parse("2024-01-02") == at(2024, 1, 2)


def test_rfc5424_timestamp_with_offset_is_read() -> None:
    assert parse("2003-08-24T05:14:15.000003-07:00") == at(2003, 8, 24, 12, 14, 15, 3)


def test_surrounding_spaces_are_ignored() -> None:
    assert parse("  2024-01-02T03:04:05Z\n") == at(2024, 1, 2, 3, 4, 5)


def test_epoch_seconds_int() -> None:
    assert parse(1700000000) == at(2023, 11, 14, 22, 13, 20)


def test_epoch_seconds_float_keeps_fraction() -> None:
    assert parse(1700000000.25) == at(2023, 11, 14, 22, 13, 20, 250000)


def test_epoch_milliseconds() -> None:
    assert parse(1700000000123) == at(2023, 11, 14, 22, 13, 20, 123000)


def test_epoch_microseconds() -> None:
    assert parse(1700000000123456) == at(2023, 11, 14, 22, 13, 20, 123456)


def test_epoch_nanoseconds() -> None:
    assert parse(1700000000123456789) == at(2023, 11, 14, 22, 13, 20, 123456)


def test_epoch_unit_threshold_between_seconds_and_milliseconds() -> None:
    assert parse(99_999_999_999) == at(5138, 11, 16, 9, 46, 39)
    assert parse(100_000_000_000) == at(1973, 3, 3, 9, 46, 40)


def test_numeric_string_is_an_epoch() -> None:
    assert parse("1700000000") == at(2023, 11, 14, 22, 13, 20)


def test_numeric_string_with_fraction_is_an_epoch() -> None:
    assert parse("1700000000.5") == at(2023, 11, 14, 22, 13, 20, 500000)


def test_eight_digit_string_is_a_compact_date() -> None:
    assert parse("20240102") == at(2024, 1, 2)


def test_negative_epoch_is_refused() -> None:
    assert parse(-5) is None


def test_epoch_beyond_nanosecond_range_is_refused() -> None:
    assert parse(10**20) is None


def test_nan_is_refused() -> None:
    assert parse(float("nan")) is None


def test_boolean_is_not_a_time() -> None:
    assert parse(True) is None


def test_syslog_date_in_the_current_year() -> None:
    assert parse("Jun 14 13:38:59") == at(2024, 6, 14, 13, 38, 59)


def test_syslog_date_with_padded_day() -> None:
    assert parse("Dec  3 13:38:59", now=at(2024, 12, 3, 14)) == at(2024, 12, 3, 13, 38, 59)


def test_syslog_date_of_december_read_in_january_is_last_year() -> None:
    assert parse("Dec 31 23:59:58", now=at(2025, 1, 1, 0, 0, 3)) == at(2024, 12, 31, 23, 59, 58)


def test_syslog_date_of_january_read_in_december_is_next_year() -> None:
    assert parse("Jan  1 00:00:02", now=at(2024, 12, 31, 23, 59, 59)) == at(2025, 1, 1, 0, 0, 2)


def test_syslog_february_29_picks_the_leap_year() -> None:
    assert parse("Feb 29 10:00:00", now=at(2025, 1, 10)) == at(2024, 2, 29, 10)


def test_syslog_date_with_year_and_fraction() -> None:
    assert parse("Dec 03 2023 13:38:59.120") == at(2023, 12, 3, 13, 38, 59, 120000)


def test_syslog_date_with_unknown_month_is_refused() -> None:
    assert parse("Foo  3 13:38:59") is None


@pytest.mark.parametrize("garbage", ["", "yesterday", "2024-13-01T00:00:00", "12:00", "-", None])
def test_garbage_is_refused(garbage: object) -> None:
    assert parse(garbage) is None


def test_datetime_with_offset_is_converted() -> None:
    moment = datetime(2024, 1, 2, 3, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert parse(moment) == at(2024, 1, 2, 8)


def test_format_is_utc_with_microseconds_and_offset() -> None:
    assert format_timestamp(at(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05.000000+00:00"


def test_format_converts_other_zones_to_utc() -> None:
    moment = datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=2)))
    assert format_timestamp(moment) == "2024-01-02T01:04:05.000006+00:00"


def test_format_takes_naive_datetimes_as_utc() -> None:
    assert format_timestamp(datetime(2024, 1, 2)) == "2024-01-02T00:00:00.000000+00:00"
