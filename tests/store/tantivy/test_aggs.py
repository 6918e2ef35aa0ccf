"""Aggregations over the three days of the small corpus, merged into one answer."""

from __future__ import annotations

from typing import Any

import pytest

from mozdef.errors import QueryValueError
from mozdef.query.tree import Term
from mozdef.store.aggregate import aggregate as memory_aggregate
from mozdef.store.base import SearchRequest
from mozdef.store.tantivy import TantivyStore
from tests.store.tantivy.conftest import EVENTS


def aggregate(store: TantivyStore, aggs: dict[str, Any], **options: Any) -> dict[str, Any]:
    return store.search(SearchRequest(size=0, aggs=aggs, **options)).aggregations


def test_terms_sum_counts_across_days(store: TantivyStore) -> None:
    answer = aggregate(store, {"c": {"terms": {"field": "category"}}})

    assert answer["c"] == {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": 0,
        "buckets": [
            {"key": "authentication", "doc_count": 3},
            {"key": "proxy", "doc_count": 2},
            {"key": "bro", "doc_count": 1},
            {"key": "syslog", "doc_count": 1},
        ],
    }


def test_terms_size_counts_the_rest_as_other(store: TantivyStore) -> None:
    answer = aggregate(store, {"c": {"terms": {"field": "category", "size": 1}}})

    assert (answer["c"]["buckets"], answer["c"]["sum_other_doc_count"]) == (
        [{"key": "authentication", "doc_count": 3}],
        4,
    )


def test_terms_order_by_key_ascending(store: TantivyStore) -> None:
    answer = aggregate(store, {"c": {"terms": {"field": "category", "order": {"_key": "asc"}}}})

    assert [b["key"] for b in answer["c"]["buckets"]] == [
        "authentication",
        "bro",
        "proxy",
        "syslog",
    ]


def test_terms_keep_a_number_and_its_string_apart(store: TantivyStore) -> None:
    answer = aggregate(store, {"p": {"terms": {"field": "details.destinationport"}}})

    assert answer["p"]["buckets"] == [
        {"key": 22, "doc_count": 1},
        {"key": 443, "doc_count": 1},
        {"key": "22", "doc_count": 1},
    ]


def test_terms_on_booleans_give_numeric_keys_with_text(store: TantivyStore) -> None:
    answer = aggregate(store, {"s": {"terms": {"field": "details.success"}}})

    assert answer["s"]["buckets"] == [
        {"key": 0, "key_as_string": "false", "doc_count": 1},
        {"key": 1, "key_as_string": "true", "doc_count": 1},
    ]


def test_cardinality_counts_a_number_and_its_string_twice(store: TantivyStore) -> None:
    answer = aggregate(store, {"p": {"cardinality": {"field": "details.destinationport"}}})

    assert answer["p"] == {"value": 3}


def test_terms_with_nested_terms(store: TantivyStore) -> None:
    aggs = {
        "c": {
            "terms": {"field": "category", "size": 1},
            "aggs": {"h": {"terms": {"field": "hostname"}}},
        }
    }

    bucket = aggregate(store, aggs)["c"]["buckets"][0]

    assert bucket["h"]["buckets"] == [
        {"key": "web1.example.com", "doc_count": 2},
        {"key": "db1.example.com", "doc_count": 1},
    ]


def test_terms_ordered_by_a_metric_sub_aggregation(store: TantivyStore) -> None:
    aggs = {
        "c": {
            "terms": {"field": "category", "order": {"top": "desc"}},
            "aggs": {"top": {"max": {"field": "details.bytes"}}},
        }
    }

    buckets = aggregate(store, aggs)["c"]["buckets"]

    assert [(b["key"], b["top"]["value"]) for b in buckets] == [
        ("proxy", 65536.0),
        ("authentication", 1500.5),
        ("bro", 100.0),
        ("syslog", -3.0),
    ]


def test_date_histogram_sums_per_bucket_and_fills_gaps(store: TantivyStore) -> None:
    aggs = {"h": {"date_histogram": {"field": "utctimestamp", "fixed_interval": "12h"}}}

    buckets = aggregate(store, aggs)["h"]["buckets"]

    assert [(b["key_as_string"], b["doc_count"]) for b in buckets] == [
        ("2026-12-01T00:00:00.000Z", 2),
        ("2026-12-01T12:00:00.000Z", 0),
        ("2026-12-02T00:00:00.000Z", 1),
        ("2026-12-02T12:00:00.000Z", 1),
        ("2026-12-03T00:00:00.000Z", 3),
    ]


def test_date_histogram_keys_are_epoch_milliseconds(store: TantivyStore) -> None:
    aggs = {"h": {"date_histogram": {"field": "utctimestamp", "fixed_interval": "1d"}}}

    buckets = aggregate(store, aggs)["h"]["buckets"]

    assert [b["key"] for b in buckets] == [1796083200000, 1796169600000, 1796256000000]


def test_date_histogram_by_calendar_month_rolls_days_up(store: TantivyStore) -> None:
    aggs = {"h": {"date_histogram": {"field": "utctimestamp", "calendar_interval": "month"}}}

    buckets = aggregate(store, aggs)["h"]["buckets"]

    assert [(b["key_as_string"], b["doc_count"]) for b in buckets] == [
        ("2026-12-01T00:00:00.000Z", 7)
    ]


def test_date_histogram_with_a_sub_aggregation(store: TantivyStore) -> None:
    aggs = {
        "h": {
            "date_histogram": {"field": "utctimestamp", "fixed_interval": "1d"},
            "aggs": {"u": {"cardinality": {"field": "details.username"}}},
        }
    }

    buckets = aggregate(store, aggs)["h"]["buckets"]

    assert [b["u"]["value"] for b in buckets] == [0, 1, 2]


def test_cardinality_counts_the_union_across_days(store: TantivyStore) -> None:
    answer = aggregate(store, {"u": {"cardinality": {"field": "details.username"}}})

    assert answer["u"] == {"value": 3}


def test_min_max_sum_avg_merge_across_days(store: TantivyStore) -> None:
    aggs = {name: {name: {"field": "details.bytes"}} for name in ("min", "max", "sum", "avg")}

    answer = aggregate(store, aggs)

    assert answer == {
        "min": {"value": -3.0},
        "max": {"value": 65536.0},
        "sum": {"value": 67133.5},
        "avg": {"value": 13426.7},
    }


def test_max_of_a_date_is_epoch_milliseconds_with_text(store: TantivyStore) -> None:
    answer = aggregate(store, {"m": {"max": {"field": "utctimestamp"}}})

    assert answer["m"] == {"value": 1796298600000.0, "value_as_string": "2026-12-03T11:50:00.000Z"}


def test_aggregations_follow_the_query(store: TantivyStore) -> None:
    answer = aggregate(
        store, {"h": {"terms": {"field": "hostname"}}}, query=Term("category", "proxy")
    )

    assert [b["key"] for b in answer["h"]["buckets"]] == ["proxy1", "proxy2"]


def test_metric_over_no_documents_is_null(store: TantivyStore) -> None:
    answer = aggregate(store, {"m": {"min": {"field": "details.bytes"}}}, index="events-19990101")

    assert answer["m"] == {"value": None}


def test_unknown_aggregation_type_is_refused(store: TantivyStore) -> None:
    with pytest.raises(QueryValueError, match="one aggregation type"):
        aggregate(store, {"p": {"percentiles": {"field": "details.bytes"}}})


def test_numeric_histogram_fills_empty_buckets(store: TantivyStore) -> None:
    aggs = {"b": {"histogram": {"field": "details.bytes", "interval": 500}}}

    buckets = aggregate(store, aggs, query=Term("category", "bro"))["b"]["buckets"]

    assert buckets == [{"key": 0.0, "doc_count": 1}]


def test_date_histogram_extended_bounds_add_empty_buckets(store: TantivyStore) -> None:
    bounds = {"min": 1796083200000, "max": 1796342400000}
    aggs = {
        "h": {
            "date_histogram": {
                "field": "utctimestamp",
                "fixed_interval": "1d",
                "extended_bounds": bounds,
            }
        }
    }

    buckets = aggregate(store, aggs, query=Term("category", "proxy"))["h"]["buckets"]

    assert [(b["key_as_string"][:10], b["doc_count"]) for b in buckets] == [
        ("2026-12-01", 2),
        ("2026-12-02", 0),
        ("2026-12-03", 0),
        ("2026-12-04", 0),
    ]


def test_date_histogram_by_calendar_week_starts_on_monday(store: TantivyStore) -> None:
    aggs = {"h": {"date_histogram": {"field": "utctimestamp", "calendar_interval": "week"}}}

    buckets = aggregate(store, aggs)["h"]["buckets"]

    assert [(b["key_as_string"], b["doc_count"]) for b in buckets] == [
        ("2026-11-30T00:00:00.000Z", 7)
    ]


def test_date_histogram_in_another_time_zone_is_refused(store: TantivyStore) -> None:
    aggs = {
        "h": {
            "date_histogram": {
                "field": "utctimestamp",
                "fixed_interval": "1h",
                "time_zone": "Europe/Paris",
            }
        }
    }

    with pytest.raises(QueryValueError, match="time_zone"):
        aggregate(store, aggs)


SHARED_REQUESTS = {
    "terms on a keyword": {"a": {"terms": {"field": "hostname", "size": 3}}},
    "terms on mixed types": {"a": {"terms": {"field": "details.destinationport"}}},
    "terms on a date": {"a": {"terms": {"field": "utctimestamp", "size": 2}}},
    "nested terms": {
        "a": {"terms": {"field": "category"}, "aggs": {"b": {"max": {"field": "details.bytes"}}}}
    },
    "date histogram": {"a": {"date_histogram": {"field": "utctimestamp", "fixed_interval": "6h"}}},
    "metrics": {name: {name: {"field": "details.bytes"}} for name in ("min", "max", "avg", "sum")},
    "date metrics": {name: {name: {"field": "utctimestamp"}} for name in ("min", "max")},
    "cardinality": {"a": {"cardinality": {"field": "details.sourceipaddress"}}},
}


@pytest.mark.parametrize("request_", list(SHARED_REQUESTS.values()), ids=list(SHARED_REQUESTS))
def test_answers_equal_the_in_memory_aggregation(
    store: TantivyStore, request_: dict[str, Any]
) -> None:
    expected = memory_aggregate(request_, list(EVENTS.values()))

    assert aggregate(store, request_) == expected


def test_total_of_an_aggregation_only_search_counts_the_matches(store: TantivyStore) -> None:
    request = SearchRequest(
        query=Term("category", "authentication"),
        size=0,
        aggs={"c": {"terms": {"field": "hostname"}}},
    )

    assert store.search(request).total == 3
