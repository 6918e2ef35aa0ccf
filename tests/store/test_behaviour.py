"""What every EventStore does the same, on each backend of conftest.STORE_FACTORIES:
order and paging across daily indices, MozDef's aliases, time windows, hits as sent,
replacing by id, bad documents in a batch, values of several types, index listing.

The data is tests/store/tantivy/conftest.py's small store over three days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from mozdef.query.tree import MatchAll, Node, Term
from mozdef.store.base import EventStore, IndexedDoc, SearchRequest
from tests.store.conftest import StoreFactory
from tests.store.tantivy.conftest import EVENTS, NEWEST_FIRST, NOW, VULNERABILITY

TODAY = "2026-12-03T11:59:00+00:00"


def loaded(factory: StoreFactory, folder: Path) -> EventStore:
    store = factory(folder, lambda: NOW)
    docs = [IndexedDoc(key, event) for key, event in EVENTS.items()]
    assert store.index([*docs, VULNERABILITY]) == []
    store.commit()
    return store


def emptied(store: EventStore) -> None:
    for info in store.indices():
        store.drop(info.name)
    store.close()


@pytest.fixture(scope="module")
def store(
    store_factory: StoreFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EventStore]:
    opened = loaded(store_factory, tmp_path_factory.mktemp("behaviour"))
    yield opened
    emptied(opened)


@pytest.fixture
def fresh(store_factory: StoreFactory, tmp_path: Path) -> Iterator[EventStore]:
    opened = loaded(store_factory, tmp_path / "store")
    yield opened
    emptied(opened)


EVERYTHING = MatchAll()


def ids(store: EventStore, query: Node = EVERYTHING, *, index: str = "events-*") -> list[str]:
    result = store.search(SearchRequest(query=query, index=index, size=100))
    found = [hit.id for hit in result.hits]
    assert result.total == len(found)
    return found


def page(store: EventStore, **options: object) -> list[str]:
    return [hit.id for hit in store.search(SearchRequest(**options)).hits]  # type: ignore[arg-type]


def copies(store: EventStore, doc_id: str) -> list[tuple[str, str]]:
    """The index and hostname of each stored document with id `doc_id`."""
    hits = store.search(SearchRequest(index="*", size=100)).hits
    return [(hit.index, str(hit.source.get("hostname"))) for hit in hits if hit.id == doc_id]


def add(store: EventStore, *docs: IndexedDoc, replace: bool = False) -> None:
    assert store.index(docs, replace=replace) == []
    store.commit()


def test_default_order_is_newest_first_across_days_with_ties_by_id(store: EventStore) -> None:
    assert ids(store) == NEWEST_FIRST


def test_ascending_order_keeps_ties_by_id(store: EventStore) -> None:
    found = page(store, sort=(("utctimestamp", "asc"),), size=10)

    assert found == ["c1", "c2", "b2", "b1", "a3", "a2", "a1"]


@pytest.mark.parametrize("size", [1, 3])
def test_pages_put_together_give_the_whole_order(store: EventStore, size: int) -> None:
    pages = [page(store, offset=start, size=size) for start in range(0, 7, size)]

    assert [hit for one in pages for hit in one] == NEWEST_FIRST


def test_a_page_reports_the_exact_total(store: EventStore) -> None:
    result = store.search(SearchRequest(offset=5, size=1))

    assert (result.total, [hit.id for hit in result.hits]) == (7, ["c1"])


def test_sort_on_a_keyword(store: EventStore) -> None:
    assert page(store, sort=(("hostname", "asc"),), size=3) == ["a2", "b1", "c1"]


def test_sort_on_a_details_number(store: EventStore) -> None:
    found = page(store, sort=(("details.bytes", "desc"),), size=10)

    assert found == ["c1", "a2", "a3", "c2", "b1", "a1", "b2"]


def test_sort_on_two_fields_uses_the_second_for_ties(store: EventStore) -> None:
    sort = (("category", "asc"), ("utctimestamp", "asc"))

    assert page(store, sort=sort, size=10) == ["b2", "a2", "a1", "a3", "c1", "c2", "b1"]


def test_events_alias_is_today_and_yesterday(store: EventStore) -> None:
    assert ids(store, index="events") == ["a1", "a2", "a3", "b1", "b2"]


def test_events_previous_is_yesterday(store: EventStore) -> None:
    assert ids(store, index="events-previous") == ["b1", "b2"]


def test_a_time_window_keeps_its_start_and_leaves_out_its_end(store: EventStore) -> None:
    request = SearchRequest(
        start=dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC),
        end=dt.datetime(2026, 12, 3, 6, tzinfo=dt.UTC),
    )

    assert [hit.id for hit in store.search(request).hits] == ["b1", "b2"]


def test_hits_carry_their_index_and_the_source_as_sent(store: EventStore) -> None:
    hit = store.search(SearchRequest(query=Term("hostname", "proxy2"))).hits[0]

    assert (hit.index, hit.source) == ("events-20261201", EVENTS["c2"])


def test_count_matches_the_total(store: EventStore) -> None:
    assert store.count(SearchRequest(query=Term("category", "authentication"))) == 3


def test_an_application_index_is_searched_on_its_own(store: EventStore) -> None:
    assert ids(store, Term("asset.os", "linux"), index="vulns-*") == ["v1"]
    assert ids(store, Term("asset.os", "linux")) == []


def test_indices_list_names_counts_and_days(store: EventStore) -> None:
    listed = [(i.name, i.docs, i.day) for i in store.indices()]

    assert listed == [
        ("events-20261201", 2, dt.date(2026, 12, 1)),
        ("events-20261202", 2, dt.date(2026, 12, 2)),
        ("events-20261203", 3, dt.date(2026, 12, 3)),
        ("vulns-20261203", 1, dt.date(2026, 12, 3)),
    ]


def test_replace_leaves_one_document_per_id(fresh: EventStore) -> None:
    add(fresh, IndexedDoc("a1", {"utctimestamp": TODAY, "hostname": "new"}), replace=True)

    assert copies(fresh, "a1") == [("events-20261203", "new")]


def test_replace_removes_the_old_copy_from_another_day(fresh: EventStore) -> None:
    add(fresh, IndexedDoc("c1", {"utctimestamp": TODAY, "hostname": "moved"}), replace=True)

    assert copies(fresh, "c1") == [("events-20261203", "moved")]


def test_without_replace_a_second_copy_is_a_duplicate(fresh: EventStore) -> None:
    add(fresh, IndexedDoc("c1", {"utctimestamp": "2026-12-01T08:00:00+00:00"}))

    assert len(copies(fresh, "c1")) == 2


def test_a_bad_document_is_reported_and_the_rest_indexed(fresh: EventStore) -> None:
    docs = [
        IndexedDoc("n1", {"category": "x"}),
        IndexedDoc("n2", {"utctimestamp": TODAY}, index="Bad Family"),
        IndexedDoc("n3", {"utctimestamp": TODAY}),
    ]

    failures = fresh.index(docs)
    fresh.commit()

    assert [(failure.position, failure.id) for failure in failures] == [(0, "n1"), (1, "n2")]
    assert [doc_id for doc_id in ("n1", "n2", "n3") if copies(fresh, doc_id)] == ["n3"]


def test_one_details_field_can_hold_values_of_several_types(fresh: EventStore) -> None:
    values = [5, "five", 5.5, {"inner": "x"}, [1, "one"], True]
    docs = [
        IndexedDoc(f"m{n}", {"utctimestamp": TODAY, "details": {"v": value}})
        for n, value in enumerate(values)
    ]
    add(fresh, *docs)

    found = {
        text: sorted(ids(fresh, Term(f"details.{path}", text)))
        for path, text in [("v", "5"), ("v", "five"), ("v", "5.5"), ("v.inner", "x"), ("v", "one")]
    }
    assert found == {"5": ["m0"], "five": ["m1"], "5.5": ["m2"], "x": ["m3"], "one": ["m4"]}


def test_a_top_level_value_of_the_wrong_type_stays_searchable(fresh: EventStore) -> None:
    odd = {"utctimestamp": TODAY, "hostname": {"name": "h1"}, "severity": 5}
    add(fresh, IndexedDoc("odd", odd))

    assert (ids(fresh, Term("hostname.name", "h1")), ids(fresh, Term("severity", "5"))) == (
        ["odd"],
        ["odd"],
    )


def test_alerts_go_to_a_monthly_index(fresh: EventStore) -> None:
    add(fresh, IndexedDoc("al", {"utctimestamp": "2026-12-03T11:00:00+00:00"}, index="alerts"))

    assert [hit.index for hit in fresh.search(SearchRequest(index="alerts")).hits] == [
        "alerts-202612"
    ]


def test_drop_removes_the_index(fresh: EventStore) -> None:
    fresh.drop("events-20261201")

    assert "events-20261201" not in [info.name for info in fresh.indices()]
    assert ids(fresh) == ["a1", "a2", "a3", "b1", "b2"]
