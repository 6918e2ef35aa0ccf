from __future__ import annotations

from typing import Any

import pytest

from mozdef.errors import QueryValueError
from mozdef.store.aggregate import aggregate

EVENTS: list[dict[str, Any]] = [
    {"utctimestamp": "2024-05-15T10:00:10Z", "hostname": "a", "details": {"n": 1, "t": ["x", "x"]}},
    {"utctimestamp": "2024-05-15T10:00:50Z", "hostname": "b", "details": {"n": 4, "t": ["y"]}},
    {"utctimestamp": "2024-05-15T10:03:00Z", "hostname": "b", "details": {"n": 7}},
    {"utctimestamp": "2024-05-15T10:03:30Z", "hostname": "c", "details": {"n": True}},
]


def test_terms_orders_by_count_then_key() -> None:
    result = aggregate({"h": {"terms": {"field": "hostname"}}}, EVENTS)

    assert result == {
        "h": {
            "doc_count_error_upper_bound": 0,
            "sum_other_doc_count": 0,
            "buckets": [
                {"key": "b", "doc_count": 2},
                {"key": "a", "doc_count": 1},
                {"key": "c", "doc_count": 1},
            ],
        }
    }


def test_terms_size_counts_the_rest_as_other() -> None:
    result = aggregate({"h": {"terms": {"field": "hostname", "size": 1}}}, EVENTS)

    assert (result["h"]["buckets"], result["h"]["sum_other_doc_count"]) == (
        [{"key": "b", "doc_count": 2}],
        2,
    )


def test_terms_counts_a_document_once_per_distinct_value() -> None:
    result = aggregate({"t": {"terms": {"field": "details.t"}}}, EVENTS)

    assert result["t"]["buckets"] == [{"key": "x", "doc_count": 1}, {"key": "y", "doc_count": 1}]


def test_terms_runs_sub_aggregations_per_bucket() -> None:
    request = {
        "h": {"terms": {"field": "hostname"}, "aggs": {"top": {"max": {"field": "details.n"}}}}
    }

    buckets = aggregate(request, EVENTS)["h"]["buckets"]

    assert [(b["key"], b["top"]["value"]) for b in buckets] == [("b", 7.0), ("a", 1.0), ("c", None)]


def test_date_histogram_fills_empty_buckets_between_first_and_last() -> None:
    request = {"m": {"date_histogram": {"field": "utctimestamp", "fixed_interval": "1m"}}}

    buckets = aggregate(request, EVENTS)["m"]["buckets"]

    assert [(b["key_as_string"], b["doc_count"]) for b in buckets] == [
        ("2024-05-15T10:00:00.000Z", 2),
        ("2024-05-15T10:01:00.000Z", 0),
        ("2024-05-15T10:02:00.000Z", 0),
        ("2024-05-15T10:03:00.000Z", 2),
    ]


def test_date_histogram_keys_are_epoch_milliseconds() -> None:
    request = {"m": {"date_histogram": {"field": "utctimestamp", "fixed_interval": "1d"}}}

    assert aggregate(request, EVENTS)["m"]["buckets"][0]["key"] == 1715731200000


def test_date_histogram_refuses_an_unknown_interval() -> None:
    request = {"m": {"date_histogram": {"field": "utctimestamp", "fixed_interval": "1M"}}}

    with pytest.raises(QueryValueError):
        aggregate(request, EVENTS)


@pytest.mark.parametrize(
    ("kind", "value"),
    [("min", 1.0), ("max", 7.0), ("avg", 4.0), ("sum", 12.0), ("cardinality", 4)],
)
def test_metrics_use_numbers_and_leave_booleans_out(kind: str, value: float) -> None:
    assert aggregate({"v": {kind: {"field": "details.n"}}}, EVENTS) == {"v": {"value": value}}


def test_metrics_of_no_values_are_null_and_sum_is_zero() -> None:
    request = {"a": {"avg": {"field": "details.none"}}, "s": {"sum": {"field": "details.none"}}}

    assert aggregate(request, EVENTS) == {"a": {"value": None}, "s": {"value": 0.0}}


def test_max_of_a_date_field_is_written_as_a_time_too() -> None:
    result = aggregate({"last": {"max": {"field": "utctimestamp"}}}, EVENTS)

    assert result["last"]["value_as_string"] == "2024-05-15T10:03:30.000Z"


def test_unknown_aggregation_kind_raises_naming_it() -> None:
    with pytest.raises(QueryValueError) as raised:
        aggregate({"x": {"percentiles": {"field": "details.n"}}}, EVENTS)

    assert raised.value.value == "x"
