"""What OpenSearch cannot take now is sent again, not reported as refused for good.

The busy state is OpenSearch's own: the read-only-allow-delete block that a node puts
on its indices when the disk reaches the flood stage, which refuses each document of
a bulk request with status 429.
"""

from __future__ import annotations

import threading

import httpx
import pytest

import mozdef.store.opensearch.bulk as bulk_module
from mozdef.errors import StorageBusyError
from mozdef.store.base import IndexedDoc, SearchRequest
from mozdef.store.opensearch import OpenSearchStore
from tests.store.conftest import opensearch_url
from tests.store.opensearch.conftest import event, ids, load

FIRST = IndexedDoc("first", event("2024-05-15T10:00:00Z"))
BLOCKED = [IndexedDoc(f"b{n}", event("2024-05-15T11:00:00Z")) for n in range(3)]


def flood_block(store: OpenSearchStore, *, on: bool) -> None:
    index = store.prefix + store.indices()[0].name
    answer = httpx.put(
        f"{opensearch_url()}/{index}/_settings",
        json={"index.blocks.read_only_allow_delete": True if on else None},
    )
    answer.raise_for_status()


def test_documents_refused_while_busy_are_sent_again_until_taken(
    store: OpenSearchStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_module, "BUSY_PAUSES", (0.3, 0.3, 0.3, 0.3, 0.3, 0.3))
    load(store, FIRST)
    flood_block(store, on=True)
    threading.Timer(0.5, flood_block, args=(store,), kwargs={"on": False}).start()

    assert store.index(BLOCKED) == []
    store.commit()
    assert sorted(ids(store, SearchRequest(size=10))) == ["b0", "b1", "b2", "first"]


def test_documents_still_refused_after_the_pauses_raise_busy(
    store: OpenSearchStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_module, "BUSY_PAUSES", (0.05,))
    load(store, FIRST)
    flood_block(store, on=True)
    try:
        with pytest.raises(StorageBusyError, match=r"3 documents refused.*cluster_block_exception"):
            store.index(BLOCKED)
    finally:
        flood_block(store, on=False)
