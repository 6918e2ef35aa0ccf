"""OpenSearchStore on a real node: writing, searching, sorting, paging."""

from __future__ import annotations

import pytest

from mozdef.errors import ConfigError, StorageUnavailableError
from mozdef.query.lucene import parse
from mozdef.query.tree import Term
from mozdef.store.base import IndexedDoc, IndexFailure, SearchRequest
from mozdef.store.opensearch import OpenSearchStore
from tests.store.opensearch.conftest import event, ids, load

TODAY = IndexedDoc("t", event("2024-05-15T10:00:00Z"))
YESTERDAY = IndexedDoc("y", event("2024-05-14T10:00:00Z"))
OLDER = IndexedDoc("o", event("2024-05-10T10:00:00Z"))


def test_documents_go_to_the_index_of_their_utc_day(store: OpenSearchStore) -> None:
    load(store, IndexedDoc("a", event("2024-05-15T01:00:00+02:00")))

    assert [hit.index for hit in store.search(SearchRequest()).hits] == ["events-20240514"]


def test_hits_return_the_event_as_it_was_sent(store: OpenSearchStore) -> None:
    sent = event("2024-05-15T10:00:00Z", details={"port": 22, "list": [[1], None, {"a": "b"}]})
    load(store, IndexedDoc("a", sent))

    assert store.search(SearchRequest()).hits[0].source == sent


def test_document_without_a_time_is_reported_and_skipped(store: OpenSearchStore) -> None:
    failures = store.index([IndexedDoc("bad", {"category": "x"}), TODAY])

    assert failures == [IndexFailure(0, "bad", "utctimestamp None is not an ISO 8601 time")]


def test_events_target_means_today_and_yesterday(store: OpenSearchStore) -> None:
    load(store, TODAY, YESTERDAY, OLDER)

    assert sorted(ids(store, SearchRequest(index="events"))) == ["t", "y"]


def test_alerts_go_to_a_monthly_index(store: OpenSearchStore) -> None:
    load(store, IndexedDoc("a", event("2024-05-15T01:00:00Z"), index="alerts"))

    assert store.search(SearchRequest(index="alerts")).hits[0].index == "alerts-202405"


def test_number_and_numeric_string_of_a_detail_both_match(store: OpenSearchStore) -> None:
    load(
        store,
        IndexedDoc("number", event("2024-05-15T10:00:00Z", details={"port": 22})),
        IndexedDoc("string", event("2024-05-15T10:00:00Z", details={"port": "22"})),
    )

    assert ids(store, SearchRequest(query=parse("details.port:22"))) == ["number", "string"]


def test_a_fractional_number_matches_the_number_only(store: OpenSearchStore) -> None:
    load(
        store,
        IndexedDoc("number", event("2024-05-15T10:00:00Z", details={"port": 22})),
        IndexedDoc("string", event("2024-05-15T10:00:00Z", details={"port": "22"})),
    )

    assert ids(store, SearchRequest(query=parse("details.port:22.0"))) == ["number"]


def test_default_sort_is_newest_first_with_ties_by_id(store: OpenSearchStore) -> None:
    load(
        store,
        IndexedDoc("b", event("2024-05-15T10:00:00Z")),
        IndexedDoc("a", event("2024-05-15T10:00:00Z")),
        IndexedDoc("c", event("2024-05-15T10:00:00.000001Z")),
    )

    assert ids(store, SearchRequest()) == ["c", "a", "b"]


def test_sort_by_a_number_puts_missing_values_last(store: OpenSearchStore) -> None:
    load(
        store,
        IndexedDoc("a", event("2024-05-15T10:00:00Z", details={"n": 5})),
        IndexedDoc("b", event("2024-05-15T10:00:00Z")),
        IndexedDoc("c", event("2024-05-15T10:00:00Z", details={"n": 2})),
    )

    assert ids(store, SearchRequest(sort=(("details.n", "desc"),))) == ["a", "c", "b"]


def test_pages_follow_offset_and_size_with_the_full_total(store: OpenSearchStore) -> None:
    load(store, *(IndexedDoc(f"d{n}", event(f"2024-05-15T10:0{n}:00Z")) for n in range(5)))

    result = store.search(SearchRequest(offset=1, size=2))

    assert (result.total, [hit.id for hit in result.hits]) == (5, ["d3", "d2"])


def test_count_gives_the_number_of_matches(store: OpenSearchStore) -> None:
    load(store, TODAY, YESTERDAY, OLDER)

    assert store.count(SearchRequest(query=Term("category", "bro"), index="events-*")) == 3


def test_a_search_of_no_index_finds_nothing(store: OpenSearchStore) -> None:
    assert store.search(SearchRequest(index="events-*")).total == 0


def test_without_replace_a_second_document_with_an_id_is_a_duplicate(
    store: OpenSearchStore,
) -> None:
    load(store, TODAY)
    load(store, TODAY)

    assert ids(store, SearchRequest()) == ["t", "t"]


def test_replace_swaps_the_stored_document_even_across_days(store: OpenSearchStore) -> None:
    load(store, TODAY, TODAY)
    store.index([IndexedDoc("t", event("2024-05-14T09:00:00Z", hostname="new"))], replace=True)
    store.commit()

    hits = store.search(SearchRequest()).hits
    assert [(hit.id, hit.index, hit.source["hostname"]) for hit in hits] == [
        ("t", "events-20240514", "new")
    ]


def test_an_unreachable_cluster_raises_with_its_url() -> None:
    store = OpenSearchStore("http://127.0.0.1:9", timeout=2)

    with pytest.raises(StorageUnavailableError) as raised:
        store.search(SearchRequest())

    assert raised.value.url == "http://127.0.0.1:9"


def test_a_prefix_that_cannot_start_an_index_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="prefix"):
        OpenSearchStore("http://127.0.0.1:9", prefix="Upper-")
