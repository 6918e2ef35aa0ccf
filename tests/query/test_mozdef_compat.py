from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

import pytest

from mozdef.errors import QueryError, QueryValueError
from mozdef.query import (
    Aggregation,
    BooleanMatch,
    ExistsMatch,
    LessThanMatch,
    Match,
    PhraseMatch,
    QueryStringMatch,
    RangeMatch,
    SearchQuery,
    SubnetMatch,
    TermMatch,
    TermsMatch,
    WildcardMatch,
)
from mozdef.query.tree import (
    Bool,
    Cidr,
    Exists,
    MatchAll,
    MatchNone,
    Node,
    Phrase,
    Range,
    Term,
    Wildcard,
)
from mozdef.store.base import IndexedDoc
from mozdef.store.memory import MemoryStore

NOW = dt.datetime(2024, 5, 15, 12, 0, tzinfo=dt.UTC)
CAT, HOST = Term("category", "bro"), Term("hostname", "web1")


@pytest.mark.parametrize(
    ("match", "node"),
    [
        (TermMatch("category", "bro"), CAT),
        (TermMatch("details.port", 22), Term("details.port", "22")),
        (TermMatch("details.success", True), Term("details.success", "true")),
        (
            TermMatch("summary", "failed login"),
            Bool(should=(Term("summary", "failed"), Term("summary", "login"))),
        ),
        (TermsMatch("category", ["bro", "syslog"]), Bool(should=(CAT, Term("category", "syslog")))),
        (TermsMatch("category", []), MatchNone()),
        (PhraseMatch("summary", "failed login"), Phrase("summary", "failed login")),
        (QueryStringMatch("category:bro"), CAT),
        (WildcardMatch("hostname", "web*"), Wildcard("hostname", "web*")),
        (RangeMatch("details.port", 20, 25), Range("details.port", "20", "25")),
        (LessThanMatch("details.port", 25), Range("details.port", None, "25", True, False)),
        (ExistsMatch("details.port"), Exists("details.port")),
        (
            SubnetMatch("details.ip", "10.0.0.0/8"),
            Cidr("details.ip", ipaddress.ip_network("10.0.0.0/8")),
        ),
    ],
)
def test_each_match_class_builds_its_node(match: Match, node: Node) -> None:
    assert match.node == node


def test_range_match_writes_datetimes_in_iso_8601() -> None:
    match = RangeMatch("utctimestamp", NOW, NOW)
    assert match.node == Range(
        "utctimestamp", "2024-05-15T12:00:00+00:00", "2024-05-15T12:00:00+00:00"
    )


def test_subnet_match_refuses_a_value_that_is_not_a_network() -> None:
    with pytest.raises(QueryValueError):
        SubnetMatch("details.ip", "10.0.0.0/33")


def test_boolean_match_requires_one_should_like_a_filter() -> None:
    match = BooleanMatch(
        must=[TermMatch("category", "bro")], should=[TermMatch("hostname", "web1")]
    )
    assert match.node == Bool(must=(CAT, HOST))


def test_boolean_match_without_clauses_matches_everything() -> None:
    assert BooleanMatch().node == MatchAll()


def test_matches_combine_with_operators() -> None:
    combined = (TermMatch("category", "bro") | TermMatch("hostname", "web1")) & ~ExistsMatch("x")
    assert combined.node == Bool(must=(Bool(should=(CAT, HOST)), Bool(must_not=(Exists("x"),))))


def test_aggregation_takes_mozdef_size_keyword() -> None:
    assert Aggregation("hostname", aggregation_size=5).size == 5


def test_search_query_window_covers_either_timestamp() -> None:
    query = SearchQuery(minutes=15)
    query.add_must(TermMatch("category", "bro"))
    low, high = "2024-05-15T11:45:00+00:00", "2024-05-15T12:00:00+00:00"
    window = Bool(should=(Range("utctimestamp", low, high), Range("receivedtimestamp", low, high)))

    assert query.node(now=NOW) == Bool(must=(CAT, window))


def test_search_query_without_window_or_clauses_refuses_to_run() -> None:
    with pytest.raises(QueryError):
        SearchQuery().execute(MemoryStore(clock=lambda: NOW), now=NOW)


def _event(minutes_ago: int, host: str, category: str = "bro") -> dict[str, Any]:
    stamp = (NOW - dt.timedelta(minutes=minutes_ago)).isoformat()
    return {
        "utctimestamp": stamp,
        "receivedtimestamp": stamp,
        "category": category,
        "hostname": host,
    }


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore(clock=lambda: NOW)
    docs = [
        IndexedDoc("a", _event(5, "web1")),
        IndexedDoc("b", _event(10, "web1")),
        IndexedDoc("c", _event(12, "web2")),
        IndexedDoc("d", _event(30, "web3")),
        IndexedDoc("e", _event(3, "web1", category="syslog")),
    ]
    store.index(docs)
    store.commit()
    return store


def test_execute_answers_in_mozdef_hit_shape(store: MemoryStore) -> None:
    query = SearchQuery(minutes=15)
    query.add_must([TermMatch("category", "bro"), TermMatch("hostname", "web2")])

    result = query.execute(store, now=NOW)

    assert result == {
        "hits": [
            {"_id": "c", "_index": "events-20240515", "_score": 0.0, "_source": _event(12, "web2")}
        ],
        "meta": {"timed_out": False, "total": 1},
    }


def test_execute_keeps_only_the_time_window(store: MemoryStore) -> None:
    query = SearchQuery(minutes=15)
    query.add_must(TermMatch("category", "bro"))

    assert [hit["_id"] for hit in query.execute(store, now=NOW)["hits"]] == ["a", "b", "c"]


def test_execute_should_needs_one_match_beside_a_must(store: MemoryStore) -> None:
    query = SearchQuery(minutes=60)
    query.add_must(TermMatch("category", "bro"))
    query.add_should([TermMatch("hostname", "web2"), TermMatch("hostname", "web3")])

    assert [hit["_id"] for hit in query.execute(store, now=NOW)["hits"]] == ["c", "d"]


def test_execute_must_not_excludes(store: MemoryStore) -> None:
    query = SearchQuery(minutes=60)
    query.add_must_not(TermMatch("hostname", "web1"))

    assert [hit["_id"] for hit in query.execute(store, now=NOW)["hits"]] == ["c", "d"]


def test_execute_answers_aggregations_as_terms_lists(store: MemoryStore) -> None:
    query = SearchQuery(minutes=60)
    query.add_must(TermMatch("category", "bro"))
    query.add_aggregation(Aggregation("hostname"))

    result = query.execute(store, now=NOW)

    assert result["aggregations"] == {
        "hostname": {
            "terms": [
                {"count": 2, "key": "web1"},
                {"count": 1, "key": "web2"},
                {"count": 1, "key": "web3"},
            ]
        }
    }


def test_aggregation_counts_are_exact_beyond_the_hit_size(store: MemoryStore) -> None:
    query = SearchQuery(minutes=60)
    query.add_must(TermMatch("category", "bro"))
    query.add_aggregation(Aggregation("category"))

    result = query.execute(store, size=1, now=NOW)

    assert (len(result["hits"]), result["aggregations"]["category"]["terms"]) == (
        1,
        [{"count": 4, "key": "bro"}],
    )
