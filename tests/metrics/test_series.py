"""Events and alerts over time, on every store: the same aggregation JSON must give
the same counts on the memory store, tantivy and OpenSearch (which needs
MOZDEF_TEST_OPENSEARCH_URL, see tests/store/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mozdef.metrics.series import alert_series, event_series
from mozdef.metrics.window import Window, fixed_interval
from mozdef.query.lucene import parse
from mozdef.store.base import EventStore
from tests.store.conftest import STORE_FACTORIES

from .builders import MORNING, NOW, at, store_alerts, store_events

HOURLY = fixed_interval("1h", MORNING)
TIMES = ["2026-12-01T10:00:00.000+00:00", "2026-12-01T11:00:00.000+00:00"]


@pytest.fixture(
    scope="module",
    params=[factory for _, factory in STORE_FACTORIES],
    ids=[name for name, _ in STORE_FACTORIES],
)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EventStore]:
    """One store per backend with the builders' events and alerts, read by every test."""
    opened: EventStore = request.param(tmp_path_factory.mktemp("store"), lambda: NOW)
    store_events(opened)
    store_alerts(opened)
    yield opened
    for info in opened.indices():
        opened.drop(info.name)
    opened.close()


def test_events_are_counted_per_bucket_of_the_window(store: EventStore) -> None:
    answer = event_series(store, MORNING, HOURLY)

    assert (answer["start"], answer["end"], answer["interval"]) == (
        "2026-12-01T10:00:00.000+00:00",
        "2026-12-01T12:00:00.000+00:00",
        "1h",
    )
    assert (answer["total"], answer["times"], answer["counts"]) == (5, TIMES, [3, 2])


def test_events_break_down_by_category_most_frequent_first(store: EventStore) -> None:
    answer = event_series(store, MORNING, HOURLY, top=2)

    assert answer["breakdowns"]["category"] == {
        "top": [
            {"key": "authentication", "count": 3, "counts": [2, 1]},
            {"key": "proxy", "count": 1, "counts": [0, 1]},
        ],
        "other": 1,
    }


def test_events_break_down_by_source(store: EventStore) -> None:
    top = event_series(store, MORNING, HOURLY)["breakdowns"]["source"]["top"]

    assert [(entry["key"], entry["count"], entry["counts"]) for entry in top] == [
        ("sshd", 2, [2, 0]),
        ("kernel", 1, [1, 0]),
        ("squid", 1, [0, 1]),
        ("vpn", 1, [0, 1]),
    ]


def test_a_query_keeps_only_matching_events(store: EventStore) -> None:
    answer = event_series(store, MORNING, HOURLY, query=parse("category:authentication"))

    assert (answer["total"], answer["counts"]) == (3, [2, 1])
    assert [entry["key"] for entry in answer["breakdowns"]["source"]["top"]] == ["sshd", "vpn"]


def test_buckets_without_events_count_zero(store: EventStore) -> None:
    span = Window(at(8, 0), NOW)

    answer = event_series(store, span, fixed_interval("1h", span))

    assert answer["counts"] == [0, 1, 3, 2]


def test_alerts_break_down_by_rule_severity_and_category(store: EventStore) -> None:
    answer = alert_series(store, MORNING, HOURLY)

    assert (answer["total"], answer["counts"]) == (3, [2, 1])
    assert _tops(answer) == {
        "rule_id": [("rule-a", 2, [2, 0]), ("rule-b", 1, [0, 1])],
        "severity": [("WARNING", 2, [1, 1]), ("CRITICAL", 1, [1, 0])],
        "category": [("bruteforce", 3, [2, 1])],
    }


def _tops(answer: dict[str, Any]) -> dict[str, list[tuple[str, int, list[int]]]]:
    return {
        name: [(entry["key"], entry["count"], entry["counts"]) for entry in breakdown["top"]]
        for name, breakdown in answer["breakdowns"].items()
    }
