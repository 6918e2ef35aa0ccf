"""Duration summaries: median and 90th percentile by linear interpolation."""

from __future__ import annotations

from mozdef.metrics.durations import percentile, summary


def test_percentile_interpolates_between_the_nearest_ranks() -> None:
    assert percentile([10.0, 20.0, 30.0, 40.0], 0.5) == 25.0
    assert percentile([10.0, 20.0, 30.0, 40.0], 0.9) == 37.0
    assert percentile([7.0], 0.9) == 7.0


def test_summary_counts_negative_durations_apart() -> None:
    assert summary([3600.0, -60.0, 10800.0]) == {
        "count": 2,
        "median": 7200.0,
        "p90": 10080.0,
        "negative": 1,
    }


def test_summary_of_nothing_has_no_median() -> None:
    assert summary([]) == {"count": 0, "median": None, "p90": None, "negative": 0}
