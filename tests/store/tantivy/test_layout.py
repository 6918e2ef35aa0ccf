"""Unfielded queries over the document layout: keyword strings and the id are indexed
once, in their own fields, and indices of the earlier layout (those strings also in
`_all`) give the same answers."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import Any

import orjson
import pytest
import tantivy

from mozdef.query.tree import Node, Regex, Term, Wildcard
from mozdef.store.base import IndexedDoc
from mozdef.store.tantivy import TantivyStore
from mozdef.store.tantivy.schema import SCHEMA
from tests.store.tantivy.conftest import ids

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
STAMP = "2026-12-03T11:00:00+00:00"
EVENT: dict[str, Any] = {
    "id": "e1",
    "utctimestamp": STAMP,
    "hostname": "web1.example.com",
    "category": "authentication",
    "summary": "Failed password",
    "tags": ["ssh", 7],
    "details": {"username": "admin", "port": 22},
}
QUERIES: list[tuple[Node, list[str]]] = [
    (Term(None, "web1.example.com"), ["e1"]),
    (Term(None, "authentication"), ["e1"]),
    (Term(None, "ssh"), ["e1"]),
    (Term(None, "7"), ["e1"]),
    (Term(None, "e1"), ["e1"]),
    (Term(None, "admin"), ["e1"]),
    (Term(None, "22"), ["e1"]),
    (Term(None, "password"), ["e1"]),
    (Wildcard(None, "web1.*"), ["e1"]),
    (Regex(None, "auth.*"), ["e1"]),
    (Term(None, "web2.example.com"), []),
]


def open_store(path: Path) -> TantivyStore:
    return TantivyStore(path, writer_heap_bytes=60_000_000, writer_threads=1, clock=lambda: NOW)


def earlier_layout(event: dict[str, Any]) -> str:
    """The document text as the earlier layout wrote it: every string leaf but the
    summary and the times in `_all`, keyword strings and the id included."""
    source = orjson.dumps(event)
    return orjson.dumps(
        {
            "id": "e1",
            "_source": base64.b64encode(source).decode(),
            "utctimestamp": 1_796_295_600_000_000,
            "hostname": "web1.example.com",
            "category": "authentication",
            "summary": "Failed password",
            "_summary": "Failed password",
            "tags": ["ssh"],
            "_extra": {"tags": [7]},
            "details": {"username": "admin", "port": 22},
            "_all": ["e1", "web1.example.com", "authentication", "ssh", "admin"],
            "_all_numbers": ["7", "22"],
        }
    ).decode()


@pytest.mark.parametrize(("query", "expected"), QUERIES, ids=repr)
def test_unfielded_queries_find_keyword_strings_and_the_id(
    tmp_path: Path, query: Node, expected: list[str]
) -> None:
    store = open_store(tmp_path / "store")
    store.index([IndexedDoc("e1", EVENT)])
    store.commit()

    assert ids(store, query) == expected
    store.close()


@pytest.mark.parametrize(("query", "expected"), QUERIES, ids=repr)
def test_an_index_of_the_earlier_layout_gives_the_same_answers(
    tmp_path: Path, query: Node, expected: list[str]
) -> None:
    folder = tmp_path / "store" / "events-20261203"
    folder.mkdir(parents=True)
    writer = tantivy.Index(SCHEMA, path=str(folder)).writer(60_000_000, 1)
    writer.add_json(earlier_layout(EVENT))
    writer.commit()
    writer.wait_merging_threads()
    store = open_store(tmp_path / "store")

    assert ids(store, query) == expected
    store.close()


def test_the_layout_keeps_the_fields_and_order_that_existing_indices_hold(tmp_path: Path) -> None:
    # tantivy refuses to open an index whose schema differs, even only in order.
    tantivy.Index(SCHEMA, path=str(tmp_path)).writer(15_000_000, 1).commit()
    fields = [
        field["name"] for field in orjson.loads((tmp_path / "meta.json").read_bytes())["schema"]
    ]
    # The event schema's fields, then the store's own, in the order indices hold them.
    assert " ".join(fields) == (
        "id utctimestamp receivedtimestamp timestamp category hostname source severity "
        "processname processid eventsource mozdefhostname type tags summary _summary "
        "details _extra _all _all_numbers _source"
    )
