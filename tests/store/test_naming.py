"""Index names and what a search target resolves to."""

from __future__ import annotations

import datetime as dt

import pytest

from mozdef.errors import QueryValueError
from mozdef.store.naming import IndexName, index_name, parse, resolve

TODAY = dt.date(2026, 12, 3)
EXISTING = [
    "events-20261201",
    "events-20261202",
    "events-20261203",
    "alerts-202611",
    "alerts-202612",
    "vulns-20261203",
    "events-foo-20261203",
]


def utc(year: int, month: int, day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


def test_events_are_named_by_utc_day() -> None:
    moment = dt.datetime(2026, 12, 3, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert index_name("events", moment) == "events-20261202"


def test_alerts_are_named_by_month() -> None:
    assert index_name("alerts", utc(2026, 12, 3)) == "alerts-202612"


def test_custom_families_are_named_by_day() -> None:
    assert index_name("vulns", dt.date(2026, 12, 3)) == "vulns-20261203"


def test_a_family_outside_the_allowed_characters_is_refused() -> None:
    with pytest.raises(QueryValueError, match="Bad/Family"):
        index_name("Bad/Family", TODAY)


def test_parse_a_daily_name() -> None:
    assert parse("events-foo-20261203") == IndexName(
        "events-foo-20261203", "events-foo", TODAY, TODAY
    )


def test_parse_a_monthly_name_spans_the_month() -> None:
    parsed = parse("alerts-202602")
    assert parsed is not None and (parsed.first, parsed.last) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )


@pytest.mark.parametrize("name", ["events", "events-2026120", "events-20261332", "../x-20261203"])
def test_parse_refuses_what_is_not_an_index_name(name: str) -> None:
    assert parse(name) is None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("events", ["events-20261202", "events-20261203"]),
        ("events-previous", ["events-20261202"]),
        ("events-*", ["events-20261201", "events-20261202", "events-20261203"]),
        ("events-20261201", ["events-20261201"]),
        ("events-20261130", []),
        ("alerts", ["alerts-202611", "alerts-202612"]),
        ("alerts-202612", ["alerts-202612"]),
        ("vulns-*", ["vulns-20261203"]),
        ("events-previous,vulns-*", ["events-20261202", "vulns-20261203"]),
        ("events-2026120?", ["events-20261201", "events-20261202", "events-20261203"]),
    ],
)
def test_resolve_targets(target: str, expected: list[str]) -> None:
    assert resolve(target, EXISTING, today=TODAY) == expected


def test_a_time_range_keeps_the_days_it_touches() -> None:
    found = resolve(
        "events-*,alerts", EXISTING, today=TODAY, start=utc(2026, 12, 2, 23), end=utc(2026, 12, 3)
    )
    assert found == ["alerts-202612", "events-20261202"]


def test_a_range_ending_at_midnight_leaves_out_the_next_day() -> None:
    found = resolve("events-*", EXISTING, today=TODAY, start=utc(2026, 12, 1), end=utc(2026, 12, 2))
    assert found == ["events-20261201"]


def test_a_target_with_other_characters_is_refused() -> None:
    with pytest.raises(QueryValueError, match="events/"):
        resolve("events/", EXISTING, today=TODAY)
