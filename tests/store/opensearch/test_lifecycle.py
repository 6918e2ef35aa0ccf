"""Templates, MozDef's aliases, listing, dropping, and snapshot archives."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from mozdef.errors import ArchiveError, StorageError
from mozdef.query.lucene import parse
from mozdef.store.base import IndexedDoc, SearchRequest
from mozdef.store.opensearch import OpenSearchStore
from mozdef.store.opensearch.templates import index_template
from tests.store.conftest import fresh_prefix, opensearch_url
from tests.store.opensearch.conftest import event, ids, load

TODAY = IndexedDoc("t", event("2024-05-15T10:00:00Z", summary="Failed login"))
YESTERDAY = IndexedDoc("y", event("2024-05-14T10:00:00Z", details={"port": 22}))
OLDER = IndexedDoc("o", event("2024-05-10T10:00:00Z"))


def client() -> OpenSearch:
    return OpenSearch(hosts=[opensearch_url()])


def test_the_template_types_the_schema_and_the_details(store: OpenSearchStore) -> None:
    load(store, TODAY, IndexedDoc("d", event("2024-05-15T10:00:00Z", details={"port": 22})))
    name = f"{store.prefix}events-20240515"

    fields = client().indices.get_mapping(index=name)[name]["mappings"]["properties"]

    assert (
        fields["utctimestamp"]["type"],
        fields["category"]["type"],
        fields["summary"]["type"],
        fields["summary"]["fields"]["keyword"]["type"],
        fields["details"]["properties"]["port"]["type"],
    ) == ("date", "keyword", "text", "keyword", "double")


def index_codec(store: OpenSearchStore, name: str) -> str:
    full = f"{store.prefix}{name}"
    answer = client().indices.get_settings(index=full, params={"include_defaults": "true"})
    found = answer[full]["settings"]["index"].get("codec")
    return str(found if found is not None else answer[full]["defaults"]["index"]["codec"])


def test_new_indices_take_the_default_codec(store: OpenSearchStore) -> None:
    load(store, TODAY)

    assert index_codec(store, "events-20240515") == "default"


def test_the_codec_setting_reaches_new_indices() -> None:
    store = OpenSearchStore(
        opensearch_url(), prefix=fresh_prefix(), replicas=0, codec="best_compression"
    )
    try:
        load(store, TODAY)
        assert index_codec(store, "events-20240515") == "best_compression"
    finally:
        store.drop("events-20240515")
        store.close()


@pytest.mark.parametrize(
    ("event_fields", "mapped"),
    [
        ("none", ["_mozdef", "_mozdef_unindexed"]),
        ("schema", ["_mozdef", "_mozdef_unindexed", "category", "hostname", "utctimestamp"]),
    ],
)
def test_with_fewer_event_fields_mapped_queries_answer_alike(
    event_fields: str, mapped: list[str]
) -> None:
    store = OpenSearchStore(
        opensearch_url(), prefix=fresh_prefix(), replicas=0, event_fields=event_fields
    )
    conflicting = IndexedDoc("c", event("2024-05-15T11:00:00Z", details={"port": "ssh"}))
    try:
        load(store, TODAY, IndexedDoc("d", event("2024-05-15T10:00:00Z", details={"port": 22})))
        load(store, conflicting)
        name = f"{store.prefix}events-20240515"
        fields = client().indices.get_mapping(index=name)[name]["mappings"]["properties"]

        assert sorted(set(fields) & {*mapped, "details"}) == sorted(mapped)
        assert ids(store, SearchRequest(query=parse('summary:"failed login"'))) == ["t"]
        assert ids(store, SearchRequest(query=parse("details.port:22"))) == ["d"]
        assert store.search(SearchRequest(query=parse("ssh"))).hits[0].source == conflicting.source
    finally:
        store.drop("events-20240515")
        store.close()


def test_an_unknown_event_fields_value_is_refused() -> None:
    with pytest.raises(ValueError, match="'some'"):
        index_template("", "events", shards=1, replicas=0, event_fields="some")


def test_events_alias_names_today_and_yesterday(store: OpenSearchStore) -> None:
    load(store, TODAY, YESTERDAY, OLDER)

    aliases = client().indices.get_alias(name=f"{store.prefix}events")

    assert sorted(aliases) == [f"{store.prefix}events-20240514", f"{store.prefix}events-20240515"]


def test_events_previous_alias_names_yesterday(store: OpenSearchStore) -> None:
    load(store, TODAY, YESTERDAY, OLDER)

    aliases = client().indices.get_alias(name=f"{store.prefix}events-previous")

    assert sorted(aliases) == [f"{store.prefix}events-20240514"]


def test_the_aliases_follow_a_writer_into_the_next_day() -> None:
    now = [dt.datetime(2024, 5, 15, 23, 59, tzinfo=dt.UTC)]
    store = OpenSearchStore(
        opensearch_url(), prefix=fresh_prefix(), clock=lambda: now[0], replicas=0
    )
    try:
        load(store, TODAY, YESTERDAY)
        load(store, IndexedDoc("t2", event("2024-05-15T11:00:00Z")))  # nothing new to alias
        now[0] = dt.datetime(2024, 5, 16, 0, 1, tzinfo=dt.UTC)
        load(store, IndexedDoc("n", event("2024-05-16T00:00:30Z")))

        events = client().indices.get_alias(name=f"{store.prefix}events")
        previous = client().indices.get_alias(name=f"{store.prefix}events-previous")
        assert sorted(events) == [
            f"{store.prefix}events-20240515",
            f"{store.prefix}events-20240516",
        ]
        assert sorted(previous) == [f"{store.prefix}events-20240515"]
    finally:
        for info in store.indices():
            store.drop(info.name)
        store.close()


def test_indices_lists_names_counts_and_days(store: OpenSearchStore) -> None:
    load(store, TODAY, YESTERDAY, IndexedDoc("y2", event("2024-05-14T11:00:00Z")))

    assert [(i.name, i.docs, i.day) for i in store.indices()] == [
        ("events-20240514", 2, dt.date(2024, 5, 14)),
        ("events-20240515", 1, dt.date(2024, 5, 15)),
    ]


def test_drop_removes_the_index(store: OpenSearchStore) -> None:
    load(store, TODAY, YESTERDAY)

    store.drop("events-20240514")

    assert [info.name for info in store.indices()] == ["events-20240515"]


def test_drop_of_an_unknown_index_raises(store: OpenSearchStore) -> None:
    with pytest.raises(StorageError, match="no index named 'events-20000101'"):
        store.drop("events-20000101")


def test_drop_refuses_a_pattern(store: OpenSearchStore) -> None:
    load(store, TODAY)

    with pytest.raises(StorageError, match="not an index name"):
        store.drop("events-*")


def test_archive_then_restore_gives_the_same_answers(
    store: OpenSearchStore, tmp_path: Path
) -> None:
    load(store, TODAY, YESTERDAY, IndexedDoc("t2", event("2024-05-15T11:00:00Z", details={"n": 1})))
    queries = ["*", "failed", "details.n:1", "_exists_:details", "NOT category:bro"]
    before = [ids(store, SearchRequest(query=parse(query))) for query in queries]
    archive = store.archive("events-20240515", tmp_path)
    store.drop("events-20240515")

    name = store.restore(archive)

    after = [ids(store, SearchRequest(query=parse(query))) for query in queries]
    assert (name, after) == ("events-20240515", before)


def test_archive_writes_a_pointer_to_the_snapshot(store: OpenSearchStore, tmp_path: Path) -> None:
    load(store, TODAY)

    pointer = json.loads(store.archive("events-20240515", tmp_path).read_text())

    assert (
        pointer["index"],
        pointer["snapshot"].startswith(f"{store.prefix}events-20240515-"),
    ) == (
        "events-20240515",
        True,
    )


def test_restore_over_a_live_index_is_refused(store: OpenSearchStore, tmp_path: Path) -> None:
    load(store, TODAY)
    archive = store.archive("events-20240515", tmp_path)

    with pytest.raises(ArchiveError, match="already exists"):
        store.restore(archive)


def test_restore_of_a_file_that_is_no_pointer_is_refused(
    store: OpenSearchStore, tmp_path: Path
) -> None:
    archive = tmp_path / "events-20240515.snapshot.json"
    archive.write_text("not json")

    with pytest.raises(ArchiveError, match="not a snapshot pointer"):
        store.restore(archive)


def test_archive_of_an_unknown_index_is_refused(store: OpenSearchStore, tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="no index named"):
        store.archive("events-20000101", tmp_path)
