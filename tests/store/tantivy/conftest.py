"""A small store over three days, written out so that expected ids can be read off.

NOW is 2026-12-03 12:00 UTC. Default order (newest first) of the events:
a1, a2, a3 (today), b1, b2 (yesterday), c1, c2 (two days ago, same instant).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mozdef.query.tree import Node
from mozdef.store.base import IndexedDoc, SearchRequest
from mozdef.store.tantivy import TantivyStore

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)

EVENTS: dict[str, dict[str, Any]] = {
    "a1": {
        "utctimestamp": "2026-12-03T11:50:00+00:00",
        "category": "authentication",
        "hostname": "web1.example.com",
        "summary": "Failed password for admin from 10.1.2.3 port 22",
        "tags": ["ssh"],
        "details": {
            "username": "admin",
            "sourceipaddress": "10.1.2.3",
            "destinationport": 22,
            "success": False,
        },
    },
    "a2": {
        "utctimestamp": "2026-12-03T11:00:00+00:00",
        "category": "authentication",
        "hostname": "db1.example.com",
        "summary": "Accepted publickey for alice from 192.168.1.20",
        "details": {
            "username": "alice",
            "sourceipaddress": "192.168.1.20",
            "destinationport": "22",
            "bytes": 1500.5,
        },
    },
    "a3": {
        "utctimestamp": "2026-12-03T06:00:00+00:00",
        "category": "bro",
        "hostname": "web2.example.com",
        "summary": "Connection reset by 8.8.8.8",
        "details": {
            "sourceipaddress": "8.8.8.8",
            "destinationport": 443,
            "bytes": 100,
            "geo": {"country": "US"},
        },
    },
    "b1": {
        "utctimestamp": "2026-12-02T23:59:59.999500+00:00",
        "category": "syslog",
        "hostname": "mail.example.org",
        "summary": "Disk usage above 90% on mail",
        "details": {"bytes": -3, "note": ""},
    },
    "b2": {
        "utctimestamp": "2026-12-02T10:00:00+00:00",
        "category": "authentication",
        "hostname": "web1.example.com",
        "summary": "FAILED login for admin2",
        "details": {"username": "admin2", "sourceipaddress": "fe80::1", "success": True},
    },
    "c1": {
        "utctimestamp": "2026-12-01T08:00:00+00:00",
        "category": "proxy",
        "hostname": "proxy1",
        "summary": "GET http://example.com/index.html",
        "details": {
            "destination": "http://example.com/index.html",
            "bytes": 65536,
            "sourceipaddress": "not-an-ip",
        },
    },
    "c2": {
        "utctimestamp": "2026-12-01T08:00:00+00:00",
        "category": "proxy",
        "hostname": "proxy2",
        "processid": 1234,
        "summary": "GET http://example.com/login",
        "details": {"bytes": 0},
    },
}
NEWEST_FIRST = ["a1", "a2", "a3", "b1", "b2", "c1", "c2"]
VULNERABILITY = IndexedDoc(
    "v1",
    {
        "utctimestamp": "2026-12-03T09:00:00+00:00",
        "asset": {"hostname": "srv1", "os": "linux"},
        "cvss": 7.5,
    },
    index="vulns",
)


def open_store(path: Path) -> TantivyStore:
    return TantivyStore(path, writer_heap_bytes=60_000_000, writer_threads=1, clock=lambda: NOW)


def load(store: TantivyStore) -> TantivyStore:
    docs = [IndexedDoc(key, event) for key, event in EVENTS.items()]
    assert store.index([*docs, VULNERABILITY]) == []
    store.commit()
    return store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TantivyStore]:
    opened = load(open_store(tmp_path_factory.mktemp("store")))
    yield opened
    opened.close()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[TantivyStore]:
    opened = load(open_store(tmp_path / "store"))
    yield opened
    opened.close()


def ids(store: TantivyStore, query: Node, *, index: str = "events-*") -> list[str]:
    result = store.search(SearchRequest(query=query, index=index, size=100))
    found = [hit.id for hit in result.hits]
    assert result.total == len(found)
    return found
