from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from mozdef.errors import ArchiveError, StorageError
from mozdef.query.tree import Term
from mozdef.store.base import IndexedDoc, IndexFailure, IndexInfo, SearchRequest
from mozdef.store.memory import MemoryStore

NOW = dt.datetime(2024, 5, 15, 12, 0, tzinfo=dt.UTC)


def event(stamp: str, **fields: Any) -> dict[str, Any]:
    return {"utctimestamp": stamp, "category": "bro", **fields}


def store_with(*docs: IndexedDoc) -> MemoryStore:
    store = MemoryStore(clock=lambda: NOW)
    store.index(docs)
    store.commit()
    return store


def ids(store: MemoryStore, request: SearchRequest) -> list[str]:
    return [hit.id for hit in store.search(request).hits]


TODAY = IndexedDoc("t", event("2024-05-15T10:00:00Z"))
YESTERDAY = IndexedDoc("y", event("2024-05-14T10:00:00Z"))
OLDER = IndexedDoc("o", event("2024-05-10T10:00:00Z"))


def test_documents_are_invisible_until_commit() -> None:
    store = MemoryStore(clock=lambda: NOW)
    store.index([TODAY])

    assert store.count(SearchRequest()) == 0


def test_documents_go_to_the_index_of_their_utc_day() -> None:
    store = store_with(IndexedDoc("a", event("2024-05-15T01:00:00+02:00")))

    assert [hit.index for hit in store.search(SearchRequest()).hits] == ["events-20240514"]


def test_alerts_go_to_a_monthly_index() -> None:
    store = store_with(IndexedDoc("a", event("2024-05-15T01:00:00Z"), index="alerts"))

    assert store.search(SearchRequest(index="alerts")).hits[0].index == "alerts-202405"


def test_document_without_a_time_is_reported_and_skipped() -> None:
    store = MemoryStore(clock=lambda: NOW)

    failures = store.index([IndexedDoc("bad", {"category": "x"}), TODAY])

    assert failures == [IndexFailure(0, "bad", "utctimestamp None is not an ISO 8601 time")]


def test_events_alias_means_today_and_yesterday() -> None:
    store = store_with(TODAY, YESTERDAY, OLDER)

    assert sorted(ids(store, SearchRequest(index="events"))) == ["t", "y"]


def test_events_previous_means_yesterday() -> None:
    store = store_with(TODAY, YESTERDAY, OLDER)

    assert ids(store, SearchRequest(index="events-previous")) == ["y"]


def test_comma_list_of_targets_is_their_union_once() -> None:
    store = store_with(TODAY, YESTERDAY, OLDER)

    assert sorted(ids(store, SearchRequest(index="events,events-previous"))) == ["t", "y"]


def test_time_window_keeps_start_and_excludes_end() -> None:
    store = store_with(TODAY, YESTERDAY, OLDER)
    request = SearchRequest(
        start=dt.datetime(2024, 5, 14, 10, tzinfo=dt.UTC),
        end=dt.datetime(2024, 5, 15, 10, tzinfo=dt.UTC),
    )

    assert ids(store, request) == ["y"]


def test_query_filters_hits_and_total() -> None:
    store = store_with(
        IndexedDoc("a", event("2024-05-15T10:00:00Z", hostname="web1")),
        IndexedDoc("b", event("2024-05-15T11:00:00Z", hostname="web2")),
    )

    result = store.search(SearchRequest(query=Term("hostname", "web2")))

    assert (result.total, [hit.id for hit in result.hits]) == (1, ["b"])


def test_default_sort_is_newest_first_with_ties_by_id() -> None:
    store = store_with(
        IndexedDoc("b", event("2024-05-15T10:00:00Z")),
        IndexedDoc("a", event("2024-05-15T10:00:00Z")),
        IndexedDoc("c", event("2024-05-15T11:00:00Z")),
    )

    assert ids(store, SearchRequest()) == ["c", "a", "b"]


def test_sort_ascending_puts_missing_values_last() -> None:
    store = store_with(
        IndexedDoc("a", event("2024-05-15T10:00:00Z", details={"n": 5})),
        IndexedDoc("b", event("2024-05-15T10:00:00Z")),
        IndexedDoc("c", event("2024-05-15T10:00:00Z", details={"n": 2})),
    )

    assert ids(store, SearchRequest(sort=(("details.n", "asc"),))) == ["c", "a", "b"]


def test_sort_descending_puts_missing_values_last() -> None:
    store = store_with(
        IndexedDoc("a", event("2024-05-15T10:00:00Z", details={"n": 5})),
        IndexedDoc("b", event("2024-05-15T10:00:00Z")),
        IndexedDoc("c", event("2024-05-15T10:00:00Z", details={"n": 2})),
    )

    assert ids(store, SearchRequest(sort=(("details.n", "desc"),))) == ["a", "c", "b"]


def test_sort_by_two_fields_uses_the_second_for_ties() -> None:
    store = store_with(
        IndexedDoc("a", event("2024-05-15T10:00:00Z", hostname="x")),
        IndexedDoc("b", event("2024-05-15T11:00:00Z", hostname="x")),
        IndexedDoc("c", event("2024-05-15T09:00:00Z", hostname="w")),
    )
    request = SearchRequest(sort=(("hostname", "asc"), ("utctimestamp", "desc")))

    assert ids(store, request) == ["c", "b", "a"]


def test_pages_follow_offset_and_size_with_the_full_total() -> None:
    docs = [IndexedDoc(f"d{n}", event(f"2024-05-15T10:0{n}:00Z")) for n in range(5)]
    store = store_with(*docs)

    result = store.search(SearchRequest(offset=1, size=2))

    assert (result.total, [hit.id for hit in result.hits]) == (5, ["d3", "d2"])


def test_count_gives_the_number_of_matches() -> None:
    assert store_with(TODAY, YESTERDAY, OLDER).count(SearchRequest(index="events-*")) == 3


def test_without_replace_a_second_document_with_an_id_is_a_duplicate() -> None:
    store = store_with(TODAY)
    store.index([TODAY])
    store.commit()

    assert store.count(SearchRequest()) == 2


def test_replace_swaps_the_stored_document_even_across_days() -> None:
    store = store_with(TODAY)
    store.index([IndexedDoc("t", event("2024-05-14T09:00:00Z", hostname="new"))], replace=True)
    store.commit()

    hits = store.search(SearchRequest()).hits
    assert [(hit.id, hit.index, hit.source["hostname"]) for hit in hits] == [
        ("t", "events-20240514", "new")
    ]


def test_aggregations_come_back_with_the_result() -> None:
    store = store_with(TODAY, YESTERDAY)
    request = SearchRequest(aggs={"cats": {"terms": {"field": "category"}}})

    buckets = store.search(request).aggregations["cats"]["buckets"]

    assert buckets == [{"key": "bro", "doc_count": 2}]


def test_indices_lists_names_counts_and_days() -> None:
    store = store_with(TODAY, YESTERDAY)

    assert [(i.name, i.docs, i.day) for i in store.indices()] == [
        ("events-20240514", 1, dt.date(2024, 5, 14)),
        ("events-20240515", 1, dt.date(2024, 5, 15)),
    ]


def test_indices_report_a_size_in_bytes() -> None:
    info: IndexInfo = store_with(TODAY).indices()[0]

    assert info.bytes == len(b'{"utctimestamp":"2024-05-15T10:00:00Z","category":"bro"}')


def test_drop_removes_the_index() -> None:
    store = store_with(TODAY, YESTERDAY)
    store.drop("events-20240514")

    assert [info.name for info in store.indices()] == ["events-20240515"]


def test_drop_of_an_unknown_index_raises() -> None:
    with pytest.raises(StorageError):
        store_with(TODAY).drop("events-20000101")


def test_archive_then_restore_brings_the_documents_back(tmp_path: Path) -> None:
    store = store_with(TODAY, YESTERDAY)
    archive = store.archive("events-20240515", tmp_path)
    store.drop("events-20240515")

    name = store.restore(archive)

    assert (name, ids(store, SearchRequest(index="events-20240515"))) == ("events-20240515", ["t"])


def test_archive_is_one_json_line_per_document(tmp_path: Path) -> None:
    archive = store_with(TODAY).archive("events-20240515", tmp_path)

    assert archive.read_text() == (
        '{"id":"t","source":{"utctimestamp":"2024-05-15T10:00:00Z","category":"bro"}}\n'
    )


def test_restore_of_a_damaged_archive_names_the_line(tmp_path: Path) -> None:
    archive = tmp_path / "events-20240515.jsonl"
    archive.write_text('{"id":"a","source":{}}\nnot json\n')

    with pytest.raises(ArchiveError, match="line 2"):
        MemoryStore().restore(archive)


def test_restore_over_a_live_index_is_refused(tmp_path: Path) -> None:
    store = store_with(TODAY)
    archive = store.archive("events-20240515", tmp_path)

    with pytest.raises(ArchiveError, match="already exists"):
        store.restore(archive)
