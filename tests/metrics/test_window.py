"""Metrics parameters: the window, the bucket width, bounded numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from mozdef.metrics.window import (
    AUTO_BUCKETS,
    MetricsParameterError,
    Window,
    bounded_int,
    fixed_interval,
    window,
)

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
DAY = Window(dt.datetime(2026, 12, 1, tzinfo=dt.UTC), dt.datetime(2026, 12, 2, tzinfo=dt.UTC))


def test_window_defaults_to_the_default_start_until_now() -> None:
    found = window({}, now=NOW, default_start="24h")

    assert found == Window(dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC), NOW)


def test_window_reads_absolute_times_and_date_math() -> None:
    found = window({"start": "2026-11-01", "end": "now/d"}, now=NOW, default_start="24h")

    assert found.start == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert found.end == dt.datetime(2026, 12, 1, 23, 59, 59, 999000, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [({"start": "yesterday"}, "start"), ({"end": "soon"}, "end"), ({"end": "48h"}, "end")],
)
def test_a_bad_or_inverted_time_names_its_parameter(params: dict[str, str], parameter: str) -> None:
    with pytest.raises(MetricsParameterError) as raised:
        window(params, now=NOW, default_start="24h")

    assert raised.value.parameter == parameter


def test_a_fixed_interval_makes_buckets_aligned_on_the_epoch() -> None:
    span = Window(dt.datetime(2026, 12, 1, 10, 20, tzinfo=dt.UTC), NOW)

    interval = fixed_interval("1h", span)

    assert interval.millis == 3_600_000
    assert interval.bucket_starts(span) == [1_796_119_200_000, 1_796_122_800_000]


def test_auto_picks_the_smallest_width_with_few_enough_buckets() -> None:
    assert fixed_interval("auto", DAY).text == "30m"
    assert fixed_interval(None, DAY).text == "30m"
    assert len(fixed_interval(None, DAY).bucket_starts(DAY)) <= AUTO_BUCKETS


@pytest.mark.parametrize("raw", ["1w", "0m", "5 minutes", "-1h", "1.5h"])
def test_an_interval_that_is_not_a_fixed_width_is_refused(raw: str) -> None:
    with pytest.raises(MetricsParameterError, match="interval") as raised:
        fixed_interval(raw, DAY)

    assert raised.value.parameter == "interval"


def test_an_interval_making_too_many_buckets_is_refused() -> None:
    with pytest.raises(MetricsParameterError, match=r"1440 buckets.*more than 1000"):
        fixed_interval("1m", DAY)


def test_bounded_int_takes_the_default_and_refuses_out_of_range() -> None:
    assert bounded_int({}, "top", 10, 1, 50) == 10
    assert bounded_int({"top": "3"}, "top", 10, 1, 50) == 3
    with pytest.raises(MetricsParameterError, match="top: expected 1 to 50, found 0"):
        bounded_int({"top": "0"}, "top", 10, 1, 50)
    with pytest.raises(MetricsParameterError, match="top: expected a whole number"):
        bounded_int({"top": "many"}, "top", 10, 1, 50)
