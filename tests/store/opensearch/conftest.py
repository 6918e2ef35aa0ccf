"""A fresh OpenSearchStore per test, on the node of scripts/opensearch.sh."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from mozdef.store.base import IndexedDoc, SearchRequest
from mozdef.store.opensearch import OpenSearchStore
from tests.store.conftest import fresh_prefix, opensearch_url

NOW = dt.datetime(2024, 5, 15, 12, 0, tzinfo=dt.UTC)


def event(stamp: str, **fields: Any) -> dict[str, Any]:
    return {"utctimestamp": stamp, "category": "bro", **fields}


def ids(store: OpenSearchStore, request: SearchRequest) -> list[str]:
    return [hit.id for hit in store.search(request).hits]


def load(store: OpenSearchStore, *docs: IndexedDoc) -> OpenSearchStore:
    assert store.index(docs) == []
    store.commit()
    return store


@pytest.fixture
def store() -> Iterator[OpenSearchStore]:
    opened = OpenSearchStore(opensearch_url(), prefix=fresh_prefix(), clock=lambda: NOW, replicas=0)
    yield opened
    for info in opened.indices():
        opened.drop(info.name)
    opened.close()
