"""TantivyStore as an EventStore: fan-out over days, paging, writing and its failures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mozdef.errors import QueryValueError, StorageError, StoreLockedError
from mozdef.query.tree import MatchAll, Term
from mozdef.store.base import IndexedDoc, IndexFailure, SearchRequest
from mozdef.store.tantivy import TantivyStore
from tests.store.tantivy.conftest import NEWEST_FIRST, ids, open_store


def page_ids(store: TantivyStore, **options: object) -> list[str]:
    return [hit.id for hit in store.search(SearchRequest(**options)).hits]  # type: ignore[arg-type]


def test_default_order_is_newest_first_across_days_with_ties_by_id(store: TantivyStore) -> None:
    assert ids(store, MatchAll()) == NEWEST_FIRST


def test_ascending_order_keeps_ties_by_id(store: TantivyStore) -> None:
    found = page_ids(store, sort=(("utctimestamp", "asc"),), size=10)

    assert found == ["c1", "c2", "b2", "b1", "a3", "a2", "a1"]


@pytest.mark.parametrize("size", [1, 2, 3])
def test_pages_put_together_give_the_whole_order(store: TantivyStore, size: int) -> None:
    pages = [page_ids(store, offset=start, size=size) for start in range(0, 7, size)]

    assert [hit for page in pages for hit in page] == NEWEST_FIRST


def test_page_reports_the_exact_total(store: TantivyStore) -> None:
    result = store.search(SearchRequest(offset=5, size=1))

    assert (result.total, [hit.id for hit in result.hits]) == (7, ["c1"])


def test_sort_on_a_keyword(store: TantivyStore) -> None:
    assert page_ids(store, sort=(("hostname", "asc"),), size=3) == ["a2", "b1", "c1"]


def test_sort_on_a_details_path_reads_the_documents(store: TantivyStore) -> None:
    found = page_ids(store, sort=(("details.bytes", "desc"),), size=10)

    assert found == ["c1", "a2", "a3", "c2", "b1", "a1", "b2"]


def test_sort_on_two_fields_uses_the_second_for_ties(store: TantivyStore) -> None:
    sort = (("category", "asc"), ("utctimestamp", "asc"))

    assert page_ids(store, sort=sort, size=10) == ["b2", "a2", "a1", "a3", "c1", "c2", "b1"]


def test_events_alias_is_today_and_yesterday(store: TantivyStore) -> None:
    assert ids(store, MatchAll(), index="events") == ["a1", "a2", "a3", "b1", "b2"]


def test_events_previous_is_yesterday(store: TantivyStore) -> None:
    assert ids(store, MatchAll(), index="events-previous") == ["b1", "b2"]


def test_time_window_keeps_start_and_excludes_end(store: TantivyStore) -> None:
    request = SearchRequest(
        start=dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC),
        end=dt.datetime(2026, 12, 3, 6, tzinfo=dt.UTC),
    )

    assert [hit.id for hit in store.search(request).hits] == ["b1", "b2"]


def test_hits_carry_their_index_and_the_source_as_sent(store: TantivyStore) -> None:
    hit = store.search(SearchRequest(query=Term("hostname", "proxy2"))).hits[0]

    assert (hit.index, hit.source["processid"], hit.source["details"]) == (
        "events-20261201",
        1234,
        {"bytes": 0},
    )


def test_count_matches_the_total(store: TantivyStore) -> None:
    assert store.count(SearchRequest(query=Term("category", "authentication"))) == 3


def test_replace_leaves_one_document_per_id(fresh: TantivyStore) -> None:
    event = {"utctimestamp": "2026-12-03T11:55:00+00:00", "hostname": "new"}
    fresh.index([IndexedDoc("a1", event)], replace=True)
    fresh.commit()

    assert [(h.id, h.source["hostname"]) for h in fresh.search(SearchRequest(size=1)).hits] == [
        ("a1", "new")
    ]
    assert fresh.count(SearchRequest(query=Term("id", "a1"))) == 1


def test_replace_removes_the_old_copy_from_another_day(fresh: TantivyStore) -> None:
    fresh.index([IndexedDoc("c1", {"utctimestamp": "2026-12-03T11:55:00+00:00"})], replace=True)
    fresh.commit()

    assert [hit.index for hit in fresh.search(SearchRequest(query=Term("id", "c1"))).hits] == [
        "events-20261203"
    ]


def test_without_replace_a_second_copy_is_a_duplicate(fresh: TantivyStore) -> None:
    fresh.index([IndexedDoc("c1", {"utctimestamp": "2026-12-01T08:00:00+00:00"})])
    fresh.commit()

    assert fresh.count(SearchRequest(query=Term("id", "c1"))) == 2


def test_documents_are_invisible_until_commit(fresh: TantivyStore) -> None:
    fresh.index([IndexedDoc("n1", {"utctimestamp": "2026-12-03T11:59:00+00:00"})])

    assert fresh.count(SearchRequest()) == 7


def test_a_bad_document_is_reported_and_the_rest_indexed(fresh: TantivyStore) -> None:
    docs = [
        IndexedDoc("n1", {"category": "x"}),
        IndexedDoc("n2", {"utctimestamp": "2026-12-03T11:59:00+00:00", "bad": {1, 2}}),
        IndexedDoc("n3", {"utctimestamp": "2026-12-03T11:59:00+00:00"}, index="Bad Family"),
        IndexedDoc("n4", {"utctimestamp": "2026-12-03T11:59:00+00:00"}),
    ]

    failures = fresh.index(docs)
    fresh.commit()

    assert [(f.position, f.id) for f in failures] == [(0, "n1"), (1, "n2"), (2, "n3")]
    assert failures[0] == IndexFailure(0, "n1", "utctimestamp None is not an ISO 8601 time")
    assert fresh.count(SearchRequest(query=Term("id", "n4"))) == 1


def test_one_details_field_can_hold_values_of_several_types(fresh: TantivyStore) -> None:
    values = [5, "five", 5.5, {"inner": "x"}, [1, "one"], True]
    docs = [
        IndexedDoc(f"m{n}", {"utctimestamp": "2026-12-03T11:59:00+00:00", "details": {"v": v}})
        for n, v in enumerate(values)
    ]
    fresh.index(docs)
    fresh.commit()

    found = {
        text: sorted(ids(fresh, Term(f"details.{path}", text)))
        for path, text in [("v", "5"), ("v", "five"), ("v", "5.5"), ("v.inner", "x"), ("v", "one")]
    }
    assert found == {"5": ["m0"], "five": ["m1"], "5.5": ["m2"], "x": ["m3"], "one": ["m4"]}


def test_a_top_level_value_of_the_wrong_type_stays_searchable(fresh: TantivyStore) -> None:
    odd = {"utctimestamp": "2026-12-03T11:59:00+00:00", "hostname": {"name": "h1"}, "severity": 5}
    fresh.index([IndexedDoc("odd", odd)])
    fresh.commit()

    assert (ids(fresh, Term("hostname.name", "h1")), ids(fresh, Term("severity", "5"))) == (
        ["odd"],
        ["odd"],
    )


def test_alerts_go_to_a_monthly_index(fresh: TantivyStore) -> None:
    fresh.index([IndexedDoc("al", {"utctimestamp": "2026-12-03T11:00:00+00:00"}, index="alerts")])
    fresh.commit()

    assert [h.index for h in fresh.search(SearchRequest(index="alerts")).hits] == ["alerts-202612"]


def test_indices_list_names_counts_and_days(store: TantivyStore) -> None:
    listed = [(i.name, i.docs, i.day) for i in store.indices()]

    assert listed == [
        ("events-20261201", 2, dt.date(2026, 12, 1)),
        ("events-20261202", 2, dt.date(2026, 12, 2)),
        ("events-20261203", 3, dt.date(2026, 12, 3)),
        ("vulns-20261203", 1, dt.date(2026, 12, 3)),
    ]


def test_indices_report_their_size_on_disk(store: TantivyStore) -> None:
    assert all(info.bytes > 1000 for info in store.indices())


def test_drop_removes_the_index(fresh: TantivyStore) -> None:
    fresh.drop("events-20261201")

    assert ("events-20261201" in [i.name for i in fresh.indices()], ids(fresh, MatchAll())) == (
        False,
        ["a1", "a2", "a3", "b1", "b2"],
    )


def test_drop_of_an_unknown_index_raises(fresh: TantivyStore) -> None:
    with pytest.raises(StorageError, match="events-20000101"):
        fresh.drop("events-20000101")


def test_a_second_writer_is_refused_with_the_path(fresh: TantivyStore) -> None:
    with pytest.raises(StoreLockedError, match="held by another writer") as raised:
        TantivyStore(fresh.path)

    assert raised.value.path == str(fresh.path)


def test_the_lock_is_released_on_close(tmp_path: Path) -> None:
    open_store(tmp_path).close()

    open_store(tmp_path).close()


def test_a_reader_cannot_write(fresh: TantivyStore) -> None:
    reader = TantivyStore(fresh.path, writer=False)

    with pytest.raises(StorageError, match="read-only"):
        reader.index([IndexedDoc("x", {"utctimestamp": "2026-12-03T11:00:00+00:00"})])


def test_a_reader_sees_committed_documents(fresh: TantivyStore) -> None:
    reader = TantivyStore(fresh.path, writer=False)

    assert reader.count(SearchRequest()) == 7


def test_a_page_beyond_the_window_is_refused(store: TantivyStore) -> None:
    with pytest.raises(QueryValueError, match="offset"):
        store.search(SearchRequest(offset=100_000, size=10))


def test_pages_through_many_equal_times_follow_the_ids(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    stamp = {"utctimestamp": "2026-12-03T10:00:00+00:00"}
    store.index([IndexedDoc(f"t{n}", stamp) for n in (4, 2, 0, 3, 1)])
    store.commit()

    pages = [page_ids(store, offset=start, size=2) for start in (0, 2, 4)]

    assert pages == [["t0", "t1"], ["t2", "t3"], ["t4"]]


def test_writing_more_days_than_open_writers_loses_nothing(tmp_path: Path) -> None:
    store = TantivyStore(tmp_path, writer_heap_bytes=30_000_000, max_writers=1, writer_threads=1)
    days = ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-01"]
    for n, day in enumerate(days):
        store.index([IndexedDoc(f"w{n}", {"utctimestamp": f"{day}T10:00:00+00:00"})])
    store.commit()

    assert sorted(hit.id for hit in store.search(SearchRequest(index="events-*")).hits) == [
        "w0",
        "w1",
        "w2",
        "w3",
    ]
