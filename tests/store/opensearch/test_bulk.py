"""Documents that the day's mapping refuses are kept and stay searchable."""

from __future__ import annotations

from mozdef.query.lucene import parse
from mozdef.store.base import IndexedDoc, SearchRequest
from mozdef.store.opensearch import OpenSearchStore
from tests.store.opensearch.conftest import event, ids, load

FIRST = IndexedDoc("first", event("2024-05-15T10:00:00Z", details={"user": "alice"}))
CONFLICT = IndexedDoc("second", event("2024-05-15T11:00:00Z", details={"user": {"name": "bob"}}))


def test_an_object_where_a_string_was_seen_is_not_a_failure(store: OpenSearchStore) -> None:
    load(store, FIRST)

    assert store.index([CONFLICT]) == []


def test_a_document_kept_unmapped_is_found_by_its_fields(store: OpenSearchStore) -> None:
    load(store, FIRST)
    load(store, CONFLICT)

    assert ids(store, SearchRequest(query=parse("details.user.name:bob"))) == ["second"]


def test_a_document_kept_unmapped_comes_back_as_sent(store: OpenSearchStore) -> None:
    load(store, FIRST)
    load(store, CONFLICT)

    assert store.search(SearchRequest(query=parse("bob"))).hits[0].source == CONFLICT.source


def test_a_string_in_a_numeric_field_keeps_the_event(store: OpenSearchStore) -> None:
    load(store, IndexedDoc("n", event("2024-05-15T10:00:00Z", details={"port": 22})))
    load(store, IndexedDoc("s", event("2024-05-15T10:00:00Z", details={"port": "ssh"})))

    assert ids(store, SearchRequest(query=parse("details.port:ssh"))) == ["s"]


def test_a_value_too_long_for_a_term_keeps_the_event(store: OpenSearchStore) -> None:
    load(store, IndexedDoc("long", event("2024-05-15T10:00:00Z", details={"blob": "x" * 40_000})))

    assert ids(store, SearchRequest(query=parse("_exists_:details.blob"))) == ["long"]
