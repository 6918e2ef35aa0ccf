"""Aggregations come back with the in-memory store's shape and values."""

from __future__ import annotations

from typing import Any

import pytest

from mozdef.store.base import IndexedDoc, SearchRequest
from mozdef.store.memory import MemoryStore
from mozdef.store.opensearch import OpenSearchStore
from tests.store.opensearch.conftest import NOW, event, load

DOCS = [
    IndexedDoc("a", event("2024-05-15T10:00:00Z", details={"port": 22, "bytes": 10})),
    IndexedDoc("b", event("2024-05-15T10:00:30Z", details={"port": "22", "bytes": 2.5})),
    IndexedDoc("c", event("2024-05-15T10:02:00Z", details={"port": 80, "ok": True})),
    IndexedDoc("d", event("2024-05-14T23:00:00Z", category="syslog", details={"ok": False})),
]


@pytest.fixture
def loaded(store: OpenSearchStore) -> OpenSearchStore:
    return load(store, *DOCS)


def answer(store: Any, aggs: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = store.search(SearchRequest(aggs=aggs, index="events-*")).aggregations
    return result


def memory_answer(aggs: dict[str, Any]) -> dict[str, Any]:
    memory = MemoryStore(clock=lambda: NOW)
    memory.index(DOCS)
    memory.commit()
    return answer(memory, aggs)


def test_terms_keep_a_number_and_a_numeric_string_apart(loaded: OpenSearchStore) -> None:
    buckets = answer(loaded, {"p": {"terms": {"field": "details.port"}}})["p"]["buckets"]

    assert buckets == [
        {"key": 22, "doc_count": 1},
        {"key": 80, "doc_count": 1},
        {"key": "22", "doc_count": 1},
    ]


def test_terms_of_booleans_are_keyed_one_and_zero(loaded: OpenSearchStore) -> None:
    buckets = answer(loaded, {"ok": {"terms": {"field": "details.ok"}}})["ok"]["buckets"]

    assert buckets == [
        {"key": 0, "key_as_string": "false", "doc_count": 1},
        {"key": 1, "key_as_string": "true", "doc_count": 1},
    ]


def test_terms_count_what_the_size_leaves_out(loaded: OpenSearchStore) -> None:
    terms = answer(loaded, {"p": {"terms": {"field": "details.port", "size": 1}}})["p"]

    assert (terms["sum_other_doc_count"], len(terms["buckets"])) == (2, 1)


def test_metrics_of_numbers_leave_strings_out(loaded: OpenSearchStore) -> None:
    request = {name: {name: {"field": "details.bytes"}} for name in ("min", "max", "avg", "sum")}

    assert answer(loaded, request) == {
        "min": {"value": 2.5},
        "max": {"value": 10},
        "avg": {"value": 6.25},
        "sum": {"value": 12.5},
    }


def test_max_of_a_date_is_written_as_a_time(loaded: OpenSearchStore) -> None:
    found = answer(loaded, {"last": {"max": {"field": "utctimestamp"}}})

    assert found == {
        "last": {"value": 1715767320000.0, "value_as_string": "2024-05-15T10:02:00.000Z"}
    }


@pytest.mark.parametrize(
    "aggs",
    [
        {
            "cats": {
                "terms": {"field": "category"},
                "aggs": {"ports": {"cardinality": {"field": "details.port"}}},
            }
        },
        {"per_minute": {"date_histogram": {"field": "utctimestamp", "fixed_interval": "1m"}}},
        {"hosts": {"terms": {"field": "hostname"}}},
        {"days": {"terms": {"field": "utctimestamp", "size": 2}}},
        {
            "first": {"min": {"field": "receivedtimestamp"}},
            "n": {"cardinality": {"field": "details.ok"}},
        },
    ],
    ids=["terms-cardinality", "date-histogram", "absent-field", "date-terms", "absent-metrics"],
)
def test_answers_equal_the_memory_store(loaded: OpenSearchStore, aggs: dict[str, Any]) -> None:
    assert answer(loaded, aggs) == memory_answer(aggs)
