from __future__ import annotations

import datetime as dt

from mozdef.alerts.streaming import GroupWindows, WindowLimits

T0 = dt.datetime(2024, 5, 15, 12, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def _times(windows: GroupWindows, key: tuple[str, ...], minutes: list[int]) -> list[int]:
    window = None
    for minute in minutes:
        window = windows.add(key, T0 + minute * MINUTE, {"id": str(minute)}, ())
    assert window is not None
    return [int((entry.at - T0) / MINUTE) for entry in window]


def test_entries_older_than_the_span_age_out_without_counting_as_evictions() -> None:
    windows = GroupWindows(5 * MINUTE)

    assert _times(windows, ("a",), [0, 3, 6, 7]) == [3, 6, 7]
    assert windows.evictions == 0


def test_a_full_window_drops_its_oldest_entry_and_counts_it() -> None:
    windows = GroupWindows(60 * MINUTE, limits=WindowLimits(max_events=3))

    assert _times(windows, ("a",), [0, 1, 2, 3, 4]) == [2, 3, 4]
    assert windows.evictions == 2


def test_too_many_groups_drop_the_least_recently_updated_and_count_it() -> None:
    windows = GroupWindows(60 * MINUTE, limits=WindowLimits(max_groups=2))

    for key, minute in [("a", 0), ("b", 1), ("a", 2), ("c", 3)]:
        windows.add((key,), T0 + minute * MINUTE, {}, ())

    assert (len(windows), windows.evictions) == (2, 1)
    assert _times(windows, ("a",), [4]) == [0, 2, 4]


def test_groups_whose_entries_all_aged_out_are_dropped_uncounted() -> None:
    windows = GroupWindows(5 * MINUTE)

    windows.add(("old",), T0, {}, ())
    windows.add(("new",), T0 + 10 * MINUTE, {}, ())

    assert (len(windows), windows.evictions) == (1, 0)


def test_a_late_entry_takes_its_place_in_time_order() -> None:
    windows = GroupWindows(60 * MINUTE)

    assert _times(windows, ("a",), [0, 5, 3]) == [0, 3, 5]


def test_tags_are_counted_while_their_entries_stay() -> None:
    windows = GroupWindows(5 * MINUTE)

    windows.add(("a",), T0, {}, ("alice",))
    windows.add(("a",), T0 + 2 * MINUTE, {}, ("bob", "alice"))
    window = windows.add(("a",), T0 + 6 * MINUTE, {}, ("carol",))

    assert dict(window.tags) == {"bob": 1, "alice": 1, "carol": 1}
