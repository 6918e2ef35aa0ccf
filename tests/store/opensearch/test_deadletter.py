"""A document OpenSearch refuses for good goes to the dead-letter index of the same
cluster, with OpenSearch's reason, and the rest of the batch is stored."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import orjson

from mozdef.pipeline.chain import Pipeline
from mozdef.pipeline.deadletter import DeadLetter
from mozdef.pipeline.worker import Worker
from mozdef.queue.base import Record
from mozdef.queue.memory import MemoryQueue
from mozdef.store.base import IndexedDoc, SearchRequest
from mozdef.store.opensearch import OpenSearchStore
from tests.store.conftest import opensearch_url
from tests.store.opensearch.conftest import event, ids, load

RECEIVED = dt.datetime(2024, 5, 15, 12, 0, tzinfo=dt.UTC)


def record(n: int, stamp: str) -> Record:
    body = orjson.dumps({"summary": f"event {n}", "utctimestamp": stamp})
    return Record(id=f"id{n}", received=RECEIVED, body=body)


def test_an_event_for_a_closed_index_is_dead_lettered_in_opensearch(
    store: OpenSearchStore, tmp_path: Path
) -> None:
    load(store, IndexedDoc("old", event("2024-05-14T10:00:00Z")))
    closed = f"{opensearch_url()}/{store.prefix}events-20240514/_close"
    httpx.post(closed).raise_for_status()
    queue = MemoryQueue()
    pipeline = Pipeline([], mozdefhostname="test")
    dead = DeadLetter(tmp_path / "dead", store=store)
    worker = Worker(queue, pipeline, store, dead, commit_interval=3600)

    queue.publish([record(1, "2024-05-14T11:00:00Z"), record(2, "2024-05-15T11:00:00Z")])
    worker.step(timeout=0)
    worker.flush()

    [hit] = store.search(SearchRequest(index="deadletter-*", size=10)).hits
    assert hit.id == "id1"
    assert "index_closed_exception" in hit.source["details"]["reason"]
    assert orjson.loads(hit.source["details"]["body"])["summary"] == "event 1"
    assert ids(store, SearchRequest(index="events-20240515")) == ["id2"]
    assert dead.index_failures == 0
